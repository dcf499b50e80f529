/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive decision shared by the XDP and TC programs: parse, find the
 * VSID and vport, check the sender (W-10) and ECN (W-11), then the offloads
 * (checksums, RSS).  Only the actions (decapsulate, steer) differ per hook.
 */
#ifndef NVGRE_RX_CLASSIFY_BPF_H
#define NVGRE_RX_CLASSIFY_BPF_H

#include <nvgre/parse.h>
#include <nvgre/csum.h>
#include <nvgre/rss.h>
#include <nvgre/meta.h>
#include <nvgre/offload.h>
#include "common.bpf.h"
#include "meta.bpf.h"

enum rx_verdict {
	RX_PASS,	/* host stack, untouched */
	RX_DROP,	/* counted already */
	RX_UNICAST,	/* deliver to st->vport */
	RX_MCAST,	/* copy to every local vport of the VSID */
};

/* How the caller wants the inner L4 checksum treated (CSUM-RX-5). */
enum rx_l4_mode {
	RX_L4_COMPUTE,	/* sum the bytes */
	RX_L4_PARTIAL,	/* CHECKSUM_PARTIAL: only a pseudo sum, not "bad" */
	RX_L4_TRUSTED,	/* CHECKSUM_UNNECESSARY: already validated */
	RX_L4_SKIP,	/* cannot sum (GSO, too long): not checked */
};

struct rx_state {
	struct nvgre_pkt pkt;
	struct nvgre_vsid_stats *vstats;	/* NULL if the VSID has no stats entry */
	struct nvgre_vsid *vsid;
	struct nvgre_vport *vport;		/* unicast destination */
	__u32 offload;				/* nv_config.offload */
	__u32 cfg_flags;
	__u32 hash;
	__u8  hash_type;
	__u8  csum;				/* NVGRE_CSUM_MAKE(ip, l4) */
	__u8  new_ecn;				/* W-11: inner ECN to write, 0: keep */
};

/* A frame of pkt (or one copy of it) dropped: counted, and an event. */
static __always_inline void rx_count_drop(struct nvgre_vsid_stats *vs, __u32 cfg_flags,
					  const struct nvgre_pkt *pkt, __u32 reason)
{
	count_drop(vs, reason);
	emit_drop(cfg_flags, NVGRE_EVENT_RX_DROP, reason, nvgre_key_vsid(pkt->key), 0,
		  &pkt->outer_src, &pkt->outer_dst);
}

static __always_inline int rx_drop(struct rx_state *st, __u32 reason)
{
	rx_count_drop(st->vstats, st->cfg_flags, &st->pkt, reason);
	return RX_DROP;
}

/* W-10: the outer source must be where the inner source MAC lives. */
static __always_inline int rx_source_ok(struct rx_state *st, const __u8 *smac)
{
	struct nvgre_mac_key key = { .vsid = nvgre_key_vsid(st->pkt.key) };
	struct nvgre_route *rt;

	__builtin_memcpy(key.mac, smac, NV_ETH_ALEN);
	rt = route_lookup(&key);
	if (rt && nvgre_ip_equal(&rt->pa, &st->pkt.outer_src))
		return 1;
	if (st->vsid->flags & NVGRE_VSID_F_ANY_PA) {
		struct nvgre_vsid_pa_key pk = { .vsid = key.vsid, .pa = st->pkt.outer_src };

		return bpf_map_lookup_elem(&nv_vsid_pas, &pk) != NULL;
	}
	return 0;
}

/*
 * Parse, and keep only NVGRE addressed to one of our PAs: a promiscuous or
 * forwarding underlay also sees other hosts' NVGRE, and multicast.  Used by
 * the global parse functions, so it costs the main programs no stack.
 */
static __always_inline int rx_parse_ours(struct nvgre_pkt *pkt, const void *data, const void *end,
					 __u32 frame_len, __u32 max_header)
{
	struct nvgre_config *cfg = dp_config();
	int ret = nvgre_parse_frame(pkt, data, end, frame_len, max_header);

	if (ret != NV_PARSE_PASS && cfg && !nvgre_ip_equal(&pkt->outer_dst, &cfg->pa4) &&
	    !nvgre_ip_equal(&pkt->outer_dst, &cfg->pa6)) {
		pkt->counter = NVGRE_CNT_RX_NOT_OURS;
		return NV_PARSE_PASS;
	}
	return ret;
}

/* Remember the outer MACs a verified PA's frames come with (nv_pa_macs). */
static __always_inline void rx_learn_pa_macs(struct rx_state *st, struct nvgre_config *cfg,
					     const void *data, const void *end)
{
	const struct nv_ethhdr *eth = NV_HDR(struct nv_ethhdr, data, end, 0);
	struct nvgre_pa_mac *old, m = { .ifindex = cfg->underlay_ifindex };
	struct nvgre_pa_mac_last *last;
	__u32 zero = 0;

	if (!eth)
		return;
	/* the same PA and MACs as this CPU's last frame: nothing to do */
	last = bpf_map_lookup_elem(&nv_pa_mac_last, &zero);
	if (last && nvgre_ip_equal(&last->pa, &st->pkt.outer_src) &&
	    nv_mac_equal(last->m.remote, eth->src) && nv_mac_equal(last->m.local, eth->dst) &&
	    last->m.ifindex == m.ifindex)
		return;
	if (last) {
		last->pa = st->pkt.outer_src;
		__builtin_memcpy(last->m.remote, eth->src, 6);
		__builtin_memcpy(last->m.local, eth->dst, 6);
		last->m.ifindex = m.ifindex;
	}
	old = bpf_map_lookup_elem(&nv_pa_macs, &st->pkt.outer_src);
	/* a write only when something changed: not one per packet */
	if (old && nv_mac_equal(old->remote, eth->src) && nv_mac_equal(old->local, eth->dst) &&
	    old->ifindex == m.ifindex)
		return;
	__builtin_memcpy(m.remote, eth->src, 6);
	__builtin_memcpy(m.local, eth->dst, 6);
	bpf_map_update_elem(&nv_pa_macs, &st->pkt.outer_src, &m, BPF_ANY);
}

/*
 * Everything up to the destination, given the parser's result ret: returns
 * RX_PASS, RX_DROP, RX_UNICAST (st->vport set) or RX_MCAST.  known_vp: the
 * vport of the inner destination if the caller looked it up already (XDP),
 * else NULL.
 */
static __always_inline int rx_lookup(struct rx_state *st, struct nvgre_config *cfg, int ret,
				     const void *data, const void *end,
				     struct nvgre_vport *known_vp)
{
	struct nvgre_pkt *pkt = &st->pkt;
	const struct nv_ethhdr *ieth;
	struct nvgre_mac_key key = {};
	__u32 vsid;

	st->offload = cfg->offload;
	st->cfg_flags = cfg->flags;
	if (ret == NV_PARSE_PASS) {
		count(pkt->counter);
		return RX_PASS;
	}

	vsid = nvgre_key_vsid(pkt->key);
	st->vstats = ret == NV_PARSE_DROP && pkt->reason == NVGRE_DROP_RESERVED_VSID
			     ? NULL : bpf_map_lookup_elem(&nv_vsid_stats, &vsid);
	if (st->vstats) {
		st->vstats->rx_packets += 1;
		st->vstats->rx_bytes += (const __u8 *)end - (const __u8 *)data;
	}
	if (ret == NV_PARSE_DROP)
		return rx_drop(st, pkt->reason);

	st->vsid = bpf_map_lookup_elem(&nv_vsids, &vsid);
	if (!st->vsid)
		return rx_drop(st, NVGRE_DROP_UNKNOWN_VSID);

	ieth = NV_HDR(struct nv_ethhdr, data, end, pkt->inner_l2_off & 0x3ff);
	if (!ieth)
		return rx_drop(st, NVGRE_DROP_TRUNCATED);
	if (!rx_source_ok(st, ieth->src))
		return rx_drop(st, NVGRE_DROP_SOURCE_CHECK);
	rx_learn_pa_macs(st, cfg, data, end);

	/* W-11, RFC 6040 normal mode (its Figure 4): CE, and ECT(1) over ECT(0). */
	if (pkt->inner_ipver) {
		if (pkt->outer_ecn == NV_ECN_CE) {
			if (pkt->inner_ecn == NV_ECN_NOT_ECT)
				return rx_drop(st, NVGRE_DROP_ECN_CE_NOT_ECT);
			if (pkt->inner_ecn != NV_ECN_CE)
				st->new_ecn = NV_ECN_CE;
		} else if (pkt->outer_ecn == NV_ECN_ECT1 && pkt->inner_ecn == NV_ECN_ECT0) {
			st->new_ecn = NV_ECN_ECT1;
		}
	}

	if (pkt->flags & NV_PKT_INNER_MCAST)
		return RX_MCAST;

	key.vsid = vsid;
	__builtin_memcpy(key.mac, ieth->dst, NV_ETH_ALEN);
	st->vport = known_vp ? known_vp : bpf_map_lookup_elem(&nv_vports, &key);
	if (!st->vport && (st->vsid->flags & NVGRE_VSID_F_DEFAULT_VPORT)) {
		__builtin_memcpy(key.mac, st->vsid->default_mac, NV_ETH_ALEN);
		st->vport = bpf_map_lookup_elem(&nv_vports, &key);
	}
	if (!st->vport)
		return rx_drop(st, NVGRE_DROP_NO_VPORT);
	return RX_UNICAST;
}

/*
 * Checksum validation (CSUM-RX-1..3) of a parsed frame.  partial_aware (a
 * constant): ip_summed is unknown (XDP), so a bare pseudo-header sum in the
 * L4 field is a local sender's CHECKSUM_PARTIAL, not bad.  Returns the
 * metadata byte NVGRE_CSUM_MAKE(ip, l4) in bits 0-7 and the drop reason of
 * the first failure (or NVGRE_DROP_NONE) in bits 8-15.
 */
static __always_inline int rx_csum_compute(const struct nvgre_pkt *pkt, const void *data,
					   const void *end, int l4_mode, const int partial_aware)
{
	__u8 ip = NVGRE_CSUM_NOT_CHECKED, l4 = NVGRE_CSUM_NOT_CHECKED;
	int inner_ok = !(pkt->flags & NV_PKT_HDR_LIMIT);
	__u32 bad = NVGRE_DROP_NONE;

	if (pkt->outer_ipver == 4) {
		ip = NVGRE_CSUM_OK;
		if (!nv_ipv4_hdr_ok(data, end, pkt->l3_off & NV_HDR_OFF_MASK, pkt->outer_ihl & 0x3c)) {
			ip = NVGRE_CSUM_BAD;
			bad = NVGRE_DROP_BAD_OUTER_IP_CSUM;
		}
	}
	if (inner_ok && ip != NVGRE_CSUM_BAD && pkt->inner_ipver == 4 && pkt->inner_l3_off) {
		ip = NVGRE_CSUM_OK;
		if (!nv_ipv4_hdr_ok(data, end, pkt->inner_l3_off & NV_HDR_OFF_MASK,
				    pkt->inner_ihl & 0x3c)) {
			ip = NVGRE_CSUM_BAD;
			bad = NVGRE_DROP_BAD_INNER_IP_CSUM;
		}
	}
	if (inner_ok) {
		if (l4_mode == RX_L4_COMPUTE)
			l4 = nv_l4_csum_ex(pkt, data, end, partial_aware);
		else if (l4_mode == RX_L4_TRUSTED && pkt->inner_l4_off)
			l4 = NVGRE_CSUM_OK;
		if (l4 == NVGRE_CSUM_BAD && bad == NVGRE_DROP_NONE)
			bad = NVGRE_DROP_BAD_L4_CSUM;
	}
	return NVGRE_CSUM_MAKE(ip, l4) | bad << 8;
}

struct rx_rss_out {
	__u32 hash;
	__u32 type;
};

/* Global (verified once): RSS hash of a parsed frame into *out. */
__noinline int rx_rss(const struct nvgre_pkt *pkt, int inner_ok, struct rx_rss_out *out)
{
	__u32 zero = 0;
	struct nvgre_rss_table *t = bpf_map_lookup_elem(&nv_rss, &zero);
	__u8 type = NVGRE_RSS_NONE;

	if (!pkt || !out)
		return -1;
	out->hash = 0;
	out->type = NVGRE_RSS_NONE;
	if (!t)
		return -1;
	out->hash = nvgre_rss_hash(t, pkt, inner_ok, &type);
	out->type = type;
	return 0;
}

/*
 * Checksum results of a frame about to be delivered (CSUM-RX-2, ST-2).
 * csum is what rx_csum_compute returned (ignored when rx-csum is off).
 * Returns RX_DROP when a checksum is bad and the policy says drop, else the
 * verdict it was given.
 */
static __always_inline int rx_csum_offload(struct rx_state *st, int verdict, int l4_mode, int csum)
{
	if (st->pkt.flags & NV_PKT_HDR_LIMIT)
		count(NVGRE_CNT_RX_PARSE_LIMIT);

	st->csum = NVGRE_CSUM_MAKE(NVGRE_CSUM_NOT_CHECKED, NVGRE_CSUM_NOT_CHECKED);
	if (nvgre_offload_on(st->offload, NVGRE_OFF_RX_CSUM)) {
		__u32 bad = (csum >> 8) & 0xff;

		st->csum = csum & 0xff;
		/* "ok" says every IPv4 header is: not with an inner one left
		 * unchecked beyond MaxHeaderSize (PARSE-3).  Here, not in
		 * rx_csum_compute, whose verification it would multiply. */
		if (NVGRE_CSUM_IP(st->csum) == NVGRE_CSUM_OK && st->pkt.inner_proto == NV_ETH_P_IP &&
		    (st->pkt.flags & NV_PKT_HDR_LIMIT))
			st->csum = NVGRE_CSUM_MAKE(NVGRE_CSUM_NOT_CHECKED, NVGRE_CSUM_L4(st->csum));
		if (l4_mode == RX_L4_PARTIAL)
			count(NVGRE_CNT_RX_CSUM_PARTIAL);
		if (st->vstats) {
			if (bad != NVGRE_DROP_NONE)
				st->vstats->rx_csum_bad += 1;
			else if (st->csum)
				st->vstats->rx_csum_ok += 1;
		}
		/* CSUM-RX-2 policy: drop, or deliver unmarked for the tenant to judge. */
		if (bad != NVGRE_DROP_NONE && (st->cfg_flags & NVGRE_CFG_DROP_BAD_CSUM))
			return rx_drop(st, bad);
	}
	return verdict;
}

/* The RSS hash of a frame about to be delivered (RSS-1..3, ST-2). */
static __always_inline void rx_rss_offload(struct rx_state *st)
{
	int master = (st->offload & NVGRE_OFF_MASTER) == NVGRE_OFF_MASTER;
	struct rx_rss_out rss = {};

	/* ST-2: with the master switch off RSS sees only what a plain NIC sees. */
	if (!master || nvgre_offload_on(st->offload, NVGRE_OFF_RSS)) {
		/* RSS-2: with L4 beyond the limit the inner 2-tuple still applies. */
		rx_rss(&st->pkt, master, &rss);
		st->hash = rss.hash;
		st->hash_type = rss.type;
	}
}

/* Both offloads: RX_DROP, or the verdict given. */
static __always_inline int rx_offloads(struct rx_state *st, int verdict, int l4_mode, int csum)
{
	verdict = rx_csum_offload(st, verdict, l4_mode, csum);
	if (verdict != RX_DROP)
		rx_rss_offload(st);
	return verdict;
}

/* VMQ-2: the queue of vport vp a frame goes to, by its RSS hash. */
static __always_inline __u16 rx_vport_queue(const struct rx_state *st, const struct nvgre_vport *vp)
{
	__u32 nq = vp->queues ? vp->queues : 1;

	return st->hash_type != NVGRE_RSS_NONE ? st->hash % nq : 0;
}

/* The metadata of the frame for vport queue q. */
static __always_inline void rx_fill_meta(struct nvgre_xdp_meta *m, const struct rx_state *st,
					 __u16 q)
{
	fill_meta(m, &st->pkt, st->hash, st->hash_type, st->csum, q);
}

/*
 * W-11: write ECN codepoint ecn into the inner IP header in place (RFC 1624
 * for IPv4, whose header sum therefore stays the same).  IPv6 has no header
 * checksum: its first word before and after goes to ip6_word (if not NULL) so
 * that TC can carry a CHECKSUM_COMPLETE skb->csum along.
 */
static __always_inline void rx_set_ecn(const struct nvgre_pkt *pkt, void *data, void *end, __u8 ecn,
				       __be32 ip6_word[2])
{
	__u32 off = (pkt->inner_l2_off + NV_ETH_HLEN) & NV_HDR_OFF_MASK;

	if (pkt->inner_ipver == 4) {
		struct nv_iphdr *ip = (void *)NV_HDR(struct nv_iphdr, data, end, off);
		__u32 sum;
		__u16 old;

		if (!ip)
			return;
		old = *(__u16 *)ip;
		ip->tos = (ip->tos & ~NV_ECN_MASK) | ecn;
		sum = (__u16)~ip->check;
		sum += (__u16)~old;
		sum += *(__u16 *)ip;
		ip->check = ~nv_csum_fold(sum);
	} else if (pkt->inner_ipver == 6) {
		struct nv_ipv6hdr *ip6 = (void *)NV_HDR(struct nv_ipv6hdr, data, end, off);

		if (!ip6)
			return;
		if (ip6_word)
			ip6_word[0] = ip6->vtc_flow;
		ip6->vtc_flow = (ip6->vtc_flow & ~bpf_htonl(NV_ECN_MASK << 20)) |
				bpf_htonl((__u32)ecn << 20);
		if (ip6_word)
			ip6_word[1] = ip6->vtc_flow;
	}
}

#endif
