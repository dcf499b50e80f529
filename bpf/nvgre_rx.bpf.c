// SPDX-License-Identifier: GPL-2.0
/*
 * NVGRE receive on the underlay's TC ingress: decapsulates for netdev
 * vports keeping GSO and checksum state, and for xsk vports whose frames
 * XDP left to it (VMQ-4: their software channel).  The XDP program
 * (nvgre_xdp.bpf.c, attached through libxdp only when needed) steers frames
 * for AF_XDP vports and leaves the rest to this one; both share
 * rx_classify.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "rx_classify.bpf.h"
#include "sw_channel.bpf.h"

/* Set by the loader from a probe: 0 where this kernel lacks the flag. */
const volatile __u64 adj_room_decap_l3_ipv4 = 0;
const volatile __u64 adj_room_decap_l3_ipv6 = 0;

#define NV_PULL_MAX	(NVGRE_MAX_HEADER_SUPPORTED + 64)
#define NV_CSUM_PULL_MAX (NV_CSUM_CHUNK * NV_CSUM_MAX_CHUNKS + NV_PULL_MAX)

/*
 * Parsing and checksum summing are global functions: the verifier checks
 * each once instead of once per path through the caller.
 */
__noinline int tc_parse(struct __sk_buff *skb, struct nvgre_pkt *pkt, __u32 max_header)
{
	if (!pkt)
		return NV_PARSE_PASS;
	/* headers from the linear part, lengths against the whole skb */
	return rx_parse_ours(pkt, (void *)(long)skb->data, (void *)(long)skb->data_end,
			     skb->len, max_header);
}

__noinline int tc_csum(struct __sk_buff *skb, const struct nvgre_pkt *pkt, int l4_mode)
{
	if (!pkt)
		return 0;
	return rx_csum_compute(pkt, (void *)(long)skb->data, (void *)(long)skb->data_end, l4_mode, 0);
}

/* ---- TC ingress ----------------------------------------------------- */

/* CSUM-RX-5: what the skb says about its inner L4 checksum. */
static __always_inline enum rx_l4_mode tc_l4_mode(struct __sk_buff *skb)
{
	__u8 ip_summed = kskb_ip_summed(skb);

	if (ip_summed == NV_CHECKSUM_PARTIAL)
		return RX_L4_PARTIAL;
	if (ip_summed == NV_CHECKSUM_UNNECESSARY)
		return RX_L4_TRUSTED;
	if (skb->gso_segs > 1 || skb->len > NV_CSUM_PULL_MAX)
		return RX_L4_SKIP;
	return RX_L4_COMPUTE;
}

/* Remove everything before the inner Ethernet header, keeping GSO state. */
static __always_inline int tc_decap(struct __sk_buff *skb, struct rx_state *st)
{
	const struct nvgre_pkt *pkt = &st->pkt;
	struct nv_ethhdr ieth;
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO, decap = 0;
	__u32 inner_l3_len, len_min;

	if (bpf_skb_load_bytes(skb, pkt->inner_l2_off, &ieth, sizeof(ieth)))
		return -1;
	/*
	 * The kernel refuses to shrink below a minimum L3 length: that of the
	 * outer protocol (20 / 40), or of the DECAP_L3 flag given.  Tell it the
	 * new L3 when the version changes, and call a non-IP inner frame (ARP)
	 * IPv4: its own receiver re-reads the EtherType anyway.
	 */
	if (pkt->inner_ipver == 6 && pkt->outer_ipver == 4)
		decap = adj_room_decap_l3_ipv6;
	else if (pkt->outer_ipver == 6 && pkt->inner_ipver != 6)
		decap = adj_room_decap_l3_ipv4;
	flags |= decap;
	if (decap)
		len_min = decap == adj_room_decap_l3_ipv6 ? 40 : 20;
	else
		len_min = pkt->outer_ipver == 4 ? 20 : 40;

	/* Trailing bytes after the outer IP packet (Ethernet padding). */
	if (pkt->outer_end < skb->len && bpf_skb_change_tail(skb, pkt->outer_end, 0))
		return -1;

	/* A still smaller inner frame is padded for the shrink, trimmed after it. */
	inner_l3_len = pkt->outer_end - pkt->inner_l2_off - NV_ETH_HLEN;
	if (inner_l3_len < len_min &&
	    bpf_skb_change_tail(skb, pkt->inner_l2_off + NV_ETH_HLEN + len_min, 0))
		return -1;

	/* ADJ_ROOM_MAC removes bytes right after the 14-byte MAC header:
	 * removing inner_l2_off bytes leaves [outer MAC][inner L3...], and the
	 * saved inner MAC header then replaces the outer one. */
	if (bpf_skb_adjust_room(skb, -(__s32)pkt->inner_l2_off, BPF_ADJ_ROOM_MAC, flags))
		return -1;
	if (bpf_skb_store_bytes(skb, 0, &ieth, sizeof(ieth), 0))
		return -1;
	if (inner_l3_len < len_min &&
	    bpf_skb_change_tail(skb, NV_ETH_HLEN + inner_l3_len, 0))
		return -1;
	return 0;
}

/*
 * The decapsulated frame of pkt, with meta, into xsk vport id's software
 * channel (VMQ-4); a failure is counted as rx_drop would.  Global:
 * verified once for every caller.  Returns 1 if delivered.
 */
__noinline int tc_sw_deliver(struct __sk_buff *skb, __u32 id, const struct nvgre_xdp_meta *meta,
			     const struct nvgre_pkt *pkt)
{
	struct nvgre_config *cfg = dp_config();
	__u32 reason, vsid;

	if (!meta || !pkt)
		return 0;
	reason = sw_channel_deliver(skb, id, meta);
	if (reason == NVGRE_DROP_NONE)
		return 1;
	vsid = nvgre_key_vsid(pkt->key);
	rx_count_drop(bpf_map_lookup_elem(&nv_vsid_stats, &vsid), cfg ? cfg->flags : 0, pkt,
		      reason);
	return 0;
}

/* Unicast to an xsk vport through its software channel. */
static __always_inline int tc_deliver_sw(struct __sk_buff *skb, struct rx_state *st)
{
	struct nvgre_xdp_meta meta;

	rx_fill_meta(&meta, st, rx_vport_queue(st, st->vport));
	if (!tc_sw_deliver(skb, st->vport->id, &meta, &st->pkt))
		return TC_ACT_SHOT;
	if (st->vstats)
		st->vstats->rx_delivered += 1;
	return TC_ACT_STOLEN;
}

/*
 * A broadcast copy to entry to of the VSID's local vports: a clone for a
 * netdev vport, the software channel of an xsk one.  Returns 1 if made
 * (else the drop is counted).
 */
static __always_inline int tc_copy_local(struct __sk_buff *skb, struct rx_state *st,
					 const struct nvgre_xdp_meta *meta, __u32 to)
{
	if (to & NVGRE_LOCAL_XSK)
		return tc_sw_deliver(skb, to & ~NVGRE_LOCAL_XSK, meta, &st->pkt);
	if (bpf_clone_redirect(skb, to, 0)) {
		/* device down, out of memory; counted without an event: one
		 * more event struct here outgrows the 512-byte stack */
		count_drop(st->vstats, NVGRE_DROP_COPY_FAILED);
		return 0;
	}
	return 1;
}

/* W-9 on receive: a copy to every local vport; the last one gets the skb itself. */
static __always_inline int tc_deliver_mcast(struct __sk_buff *skb, struct rx_state *st)
{
	struct nvgre_vsid *vs = st->vsid;
	struct nvgre_xdp_meta meta;
	__u32 n = vs->n_local, last, made = 0;
	int i, ret;

	if (n > NVGRE_MAX_LOCAL_VPORTS)
		n = NVGRE_MAX_LOCAL_VPORTS;
	rx_fill_meta(&meta, st, 0);	/* xsk vports: the default queue (VMQ-4) */
	for (i = 0; i < NVGRE_MAX_LOCAL_VPORTS; i++) {
		if (i >= n - 1)
			break;
		made += tc_copy_local(skb, st, &meta, vs->local_ifindex[i]);
	}
	last = vs->local_ifindex[(n - 1) & (NVGRE_MAX_LOCAL_VPORTS - 1)];
	if (last & NVGRE_LOCAL_XSK) {
		ret = tc_copy_local(skb, st, &meta, last) ? TC_ACT_STOLEN : TC_ACT_SHOT;
		made += ret == TC_ACT_STOLEN;
	} else {
		ret = bpf_redirect(last, 0);
		made++;
	}
	count_n(NVGRE_CNT_RX_BCAST_COPIES, made);
	if (made && st->vstats)
		st->vstats->rx_delivered += 1;
	return ret;
}

SEC("tc")
int nvgre_tc_rx(struct __sk_buff *skb)
{
	struct nvgre_config *cfg = dp_config();
	struct rx_state st = {};
	enum rx_l4_mode l4_mode;
	void *data, *end;
	int verdict, csum = 0;

	if (!cfg)
		return TC_ACT_OK;
	count(NVGRE_CNT_RX_PACKETS);
	l4_mode = tc_l4_mode(skb);
	/* Headers linear and writable (ECN); the whole frame only once it is
	 * known to be NVGRE of ours that we sum (not the host's traffic). */
	bpf_skb_pull_data(skb, skb->len < NV_PULL_MAX ? skb->len : NV_PULL_MAX);
	verdict = tc_parse(skb, &st.pkt, cfg->max_header);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	verdict = rx_lookup(&st, cfg, verdict, data, end, NULL);
	if (verdict == RX_PASS)
		return TC_ACT_OK;
	if (verdict == RX_DROP)
		return TC_ACT_SHOT;
	/* rx_lookup counted the linear part: the VSID's bytes are the whole skb's */
	if (st.vstats)
		st.vstats->rx_bytes += skb->len - (end - data);
	if (verdict == RX_MCAST && !st.vsid->n_local)
		return rx_drop(&st, NVGRE_DROP_NO_LOCAL_VPORT), TC_ACT_SHOT;
	if (l4_mode == RX_L4_COMPUTE && nvgre_offload_on(st.offload, NVGRE_OFF_RX_CSUM) &&
	    (__u64)(end - data) < skb->len) {
		bpf_skb_pull_data(skb, skb->len);
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}

	/* A frame longer than the linear part is summed only if it was pulled. */
	if (l4_mode == RX_L4_COMPUTE && (__u64)(end - data) < skb->len)
		l4_mode = RX_L4_SKIP;
	if (nvgre_offload_on(st.offload, NVGRE_OFF_RX_CSUM))
		csum = tc_csum(skb, &st.pkt, l4_mode);
	verdict = rx_offloads(&st, verdict, l4_mode, csum);
	if (verdict == RX_DROP)
		return TC_ACT_SHOT;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;

	if (st.new_ecn) {
		__be32 ip6_word[2] = {};

		rx_set_ecn(&st.pkt, data, end, st.new_ecn, ip6_word);
		/* CHECKSUM_COMPLETE covers the inner header: follow the change
		 * (the helper does nothing for any other ip_summed) */
		if (ip6_word[0] != ip6_word[1])
			bpf_csum_update(skb, bpf_csum_diff(&ip6_word[0], 4, &ip6_word[1], 4, 0));
	}
	if (tc_decap(skb, &st))
		return rx_drop(&st, NVGRE_DROP_DECAP_FAILED), TC_ACT_SHOT;
	/* the outer VLAN tag the stack took into vlan_tci is the underlay's:
	 * it must not reach the tenant (W-5) */
	if (skb->vlan_present && bpf_skb_vlan_pop(skb))
		return rx_drop(&st, NVGRE_DROP_DECAP_FAILED), TC_ACT_SHOT;

	if (st.hash_type != NVGRE_RSS_NONE)
		bpf_set_hash(skb, st.hash);
	/* Validated good, and not already marked: CHECKSUM_UNNECESSARY. */
	if (l4_mode == RX_L4_COMPUTE && NVGRE_CSUM_L4(st.csum) == NVGRE_CSUM_OK &&
	    NVGRE_CSUM_IP(st.csum) != NVGRE_CSUM_BAD)
		bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);

	if (verdict == RX_MCAST)
		return tc_deliver_mcast(skb, &st);
	/* xsk vports: whatever XDP did not steer (vmq or nvgre off, no socket) */
	if (st.vport->kind == NVGRE_VPORT_XSK)
		return tc_deliver_sw(skb, &st);

	count(NVGRE_CNT_RX_TC_DELIVERED);
	count_vport_rx(st.vport->id, skb->len);
	if (st.vstats)
		st.vstats->rx_delivered += 1;
	return bpf_redirect(st.vport->ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
