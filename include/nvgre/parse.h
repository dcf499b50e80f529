/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one NVGRE header parser (SPEC W-1, W-5, W-8, PARSE-1..3).  Static
 * inline and bounds-checked against data_end at every step so that the same
 * code passes the BPF verifier in the XDP and TC programs and runs in user
 * space under the fuzzer and the unit tests.
 *
 * It only reads.  Offsets are from the start of the frame.
 */
#ifndef NVGRE_PARSE_H
#define NVGRE_PARSE_H

#include "compat.h"
#include "wire.h"
#include "maps.h"
#include "reasons.h"

#define NV_MAX_VLANS		2	/* outer 802.1Q / 802.1ad tags */
#define NV_MAX_EXTHDRS		6	/* IPv6 extension headers skipped */

enum nv_parse_result {
	NV_PARSE_NVGRE,		/* an NVGRE frame: decapsulate (inner may be partial) */
	NV_PARSE_PASS,		/* not ours: host stack, byte for byte (pkt->counter says why) */
	NV_PARSE_DROP,		/* NVGRE but malformed (pkt->reason says why) */
};

/* pkt->flags */
#define NV_PKT_INNER_FRAG	(1u << 0)	/* inner IP fragment: no L4 */
#define NV_PKT_INNER_EXTHDR	(1u << 1)	/* inner IPv6 had extension headers */
#define NV_PKT_HDR_LIMIT	(1u << 2)	/* PARSE-3: inner headers beyond MaxHeaderSize */
#define NV_PKT_INNER_MCAST	(1u << 3)	/* inner destination MAC is group address */

struct nvgre_pkt {
	__u16 l3_off;		/* outer IP */
	__u16 gre_off;
	__u16 inner_l2_off;
	__u16 inner_l3_off;	/* 0: inner is not IP or beyond the limit */
	__u16 inner_l4_off;	/* 0: no L4 header parsed */
	__u16 inner_l4_end;	/* end of the inner L4 header */
	__u16 inner_proto;	/* inner EtherType, host order */
	__u8  outer_ipver;
	__u8  outer_ihl;	/* outer IPv4 header length in bytes */
	__u8  outer_ecn;
	__u8  inner_ipver;
	__u8  inner_ihl;	/* inner IPv4 header length in bytes */
	__u8  inner_ecn;
	__u8  l4_proto;		/* inner IP protocol / last next header */
	__u8  flags;		/* NV_PKT_* */
	__u8  reason;		/* enum nvgre_drop_reason when NV_PARSE_DROP */
	__u8  counter;		/* enum nvgre_counter when NV_PARSE_PASS */
	__u32 key;		/* GRE key, host order */
	__u32 inner_end;	/* end of the inner IP packet (from its length field) */
	__u32 outer_end;	/* end of the outer IP packet */
	__be16 sport, dport;	/* inner TCP/UDP ports when l4 is TCP/UDP */
	union nvgre_ip outer_src, outer_dst;
	union nvgre_ip inner_src, inner_dst;
};

struct nv_ethhdr {
	__u8   dst[6];
	__u8   src[6];
	__be16 proto;
};

struct nv_vlanhdr {
	__be16 tci;
	__be16 proto;
};

struct nv_iphdr {
	__u8   ver_ihl;
	__u8   tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8   ttl;
	__u8   protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
};

struct nv_ipv6hdr {
	__be32 vtc_flow;	/* version 4, traffic class 8, flow label 20 */
	__be16 payload_len;
	__u8   nexthdr;
	__u8   hop_limit;
	__u8   saddr[16];
	__u8   daddr[16];
};

struct nv_exthdr {
	__u8 nexthdr;
	__u8 len;
};

struct nv_ports {
	__be16 sport;
	__be16 dport;
};

struct nv_tcphdr {
	__be16 sport;
	__be16 dport;
	__be32 seq;
	__be32 ack;
	__u8   doff_res;	/* data offset in the upper 4 bits */
	__u8   flags;
	__be16 window;
	__sum16 check;
	__be16 urg;
};

/*
 * Header offsets never exceed NVGRE_MAX_HEADER_SUPPORTED; masking a stored
 * offset with this tells the verifier so when it is read back.
 */
#define NV_HDR_OFF_MASK	0x3ff
_Static_assert(NVGRE_MAX_HEADER_SUPPORTED <= NV_HDR_OFF_MASK, "offset mask too small");

#define NV_IP_MF	0x2000
#define NV_IP_OFFMASK	0x1fff

/* Bytes [off, off + n) of the frame, or NULL when the frame is shorter. */
#define NV_HDR(type, data, end, off)					\
	((const __u8 *)(data) + (off) + sizeof(type) > (const __u8 *)(end) \
		 ? (const type *)0 : (const type *)((const __u8 *)(data) + (off)))

/*
 * The same, also bounded by lim, an offset (end of the outer or inner IP
 * packet).  The data_end check stays so the verifier sees it.
 */
#define NV_HDR_LIM(type, data, end, off, lim)				\
	((off) + sizeof(type) > (lim) ? (const type *)0 : NV_HDR(type, data, end, off))

NV_INLINE int nv_parse_pass(struct nvgre_pkt *pkt, int counter)
{
	pkt->counter = counter;
	return NV_PARSE_PASS;
}

NV_INLINE int nv_parse_drop(struct nvgre_pkt *pkt, int reason)
{
	pkt->reason = reason;
	return NV_PARSE_DROP;
}

NV_INLINE int nv_mac_equal(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] &&
	       a[3] == b[3] && a[4] == b[4] && a[5] == b[5];
}

NV_INLINE void nv_copy_ip6(union nvgre_ip *dst, const __u8 *src)
{
	__builtin_memcpy(dst->b, src, 16);
}

NV_INLINE __u8 nv_ipv6_tclass(const struct nv_ipv6hdr *ip6)
{
	return (nv_ntohl(ip6->vtc_flow) >> 20) & 0xff;
}

#define NV_EXT_TRUNCATED	(-1)	/* an extension header runs out of the frame */
#define NV_EXT_TOO_MANY		(-2)	/* more than NV_MAX_EXTHDRS: not walked further */

/*
 * Skip IPv6 extension headers starting at *off with next header *nh.
 * Returns 1 if a fragment header was met, 0 otherwise, or NV_EXT_*.
 */
NV_INLINE int nv_skip_exthdrs(const void *data, const void *end, __u32 *off, __u8 *nh, int *seen)
{
	int i;

	NV_UNROLL
	for (i = 0; i < NV_MAX_EXTHDRS; i++) {
		const struct nv_exthdr *eh;

		switch (*nh) {
		case NV_IPPROTO_HOPOPTS:
		case NV_IPPROTO_ROUTING:
		case NV_IPPROTO_DSTOPTS:
		case NV_IPPROTO_AH:
		case NV_IPPROTO_FRAGMENT:
			break;
		default:
			return 0;
		}
		if (*off > NVGRE_MAX_HEADER_SUPPORTED)
			return NV_EXT_TOO_MANY;
		eh = NV_HDR(struct nv_exthdr, data, end, *off);
		if (!eh)
			return NV_EXT_TRUNCATED;
		*seen = 1;
		if (*nh == NV_IPPROTO_FRAGMENT) {
			*nh = eh->nexthdr;
			*off += 8;
			return 1;
		}
		*off += *nh == NV_IPPROTO_AH ? ((__u32)eh->len + 2) * 4 : ((__u32)eh->len + 1) * 8;
		*nh = eh->nexthdr;
	}
	/* More extension headers than we walk: the caller decides. */
	switch (*nh) {
	case NV_IPPROTO_HOPOPTS:
	case NV_IPPROTO_ROUTING:
	case NV_IPPROTO_DSTOPTS:
	case NV_IPPROTO_AH:
	case NV_IPPROTO_FRAGMENT:
		return NV_EXT_TOO_MANY;
	}
	return 0;
}

/* Outer Ethernet (+VLANs) and IP up to the GRE header. */
NV_INLINE int nv_parse_outer(struct nvgre_pkt *pkt, const void *data, const void *end,
			     __u32 frame_len)
{
	const struct nv_ethhdr *eth = NV_HDR(struct nv_ethhdr, data, end, 0);
	__u32 off = NV_ETH_HLEN;
	__u16 proto;
	int i;

	if (!eth)
		return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
	proto = nv_ntohs(eth->proto);

	NV_UNROLL
	for (i = 0; i < NV_MAX_VLANS; i++) {
		const struct nv_vlanhdr *vh;

		if (proto != NV_ETH_P_8021Q && proto != NV_ETH_P_8021AD)
			break;
		vh = NV_HDR(struct nv_vlanhdr, data, end, off);
		if (!vh)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		proto = nv_ntohs(vh->proto);
		off += sizeof(*vh);
	}
	pkt->l3_off = off;

	if (proto == NV_ETH_P_IP) {
		const struct nv_iphdr *ip = NV_HDR(struct nv_iphdr, data, end, off);
		__u32 ihl, tot;

		if (!ip || (ip->ver_ihl >> 4) != 4)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		ihl = (ip->ver_ihl & 0xf) * 4;
		tot = nv_ntohs(ip->tot_len);
		if (ihl < sizeof(*ip) || tot < ihl || ip->protocol != NV_IPPROTO_GRE)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		/* W-8: outer fragments are the host's to reassemble. */
		if (nv_ntohs(ip->frag_off) & (NV_IP_MF | NV_IP_OFFMASK))
			return nv_parse_pass(pkt, NVGRE_CNT_RX_OUTER_FRAGMENT);
		if (off + tot > frame_len)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		pkt->outer_ipver = 4;
		pkt->outer_ihl = ihl;
		pkt->outer_ecn = ip->tos & NV_ECN_MASK;
		nvgre_ip_set_v4(&pkt->outer_src, ip->saddr);
		nvgre_ip_set_v4(&pkt->outer_dst, ip->daddr);
		pkt->outer_end = off + tot;
		off += ihl;
	} else if (proto == NV_ETH_P_IPV6) {
		const struct nv_ipv6hdr *ip6 = NV_HDR(struct nv_ipv6hdr, data, end, off);
		__u8 nh;
		int frag, seen = 0;
		__u32 tot;

		if (!ip6 || (nv_ntohl(ip6->vtc_flow) >> 28) != 6)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		tot = sizeof(*ip6) + nv_ntohs(ip6->payload_len);
		if (off + tot > frame_len)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		pkt->outer_ipver = 6;
		pkt->outer_ecn = nv_ipv6_tclass(ip6) & NV_ECN_MASK;
		nv_copy_ip6(&pkt->outer_src, ip6->saddr);
		nv_copy_ip6(&pkt->outer_dst, ip6->daddr);
		pkt->outer_end = off + tot;
		nh = ip6->nexthdr;
		off += sizeof(*ip6);
		frag = nv_skip_exthdrs(data, end, &off, &nh, &seen);
		if (frag < 0 || off > pkt->outer_end)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
		if (frag)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_OUTER_FRAGMENT);
		if (nh != NV_IPPROTO_GRE)
			return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
	} else {
		return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
	}
	if (off > NVGRE_MAX_HEADER_SUPPORTED)
		return nv_parse_pass(pkt, NVGRE_CNT_RX_PARSE_LIMIT);
	pkt->gre_off = off;
	return NV_PARSE_NVGRE;
}

/* Inner IPv4/IPv6 and L4, within the outer packet and MaxHeaderSize. */
NV_INLINE int nv_parse_inner_l3(struct nvgre_pkt *pkt, const void *data, const void *end,
				__u32 off, __u32 limit)
{
	__u8 nh;

	if (off > NVGRE_MAX_HEADER_SUPPORTED) {
		pkt->flags |= NV_PKT_HDR_LIMIT;
		return NV_PARSE_NVGRE;
	}
	if (pkt->inner_proto == NV_ETH_P_IP) {
		const struct nv_iphdr *ip = NV_HDR_LIM(struct nv_iphdr, data, end, off, pkt->outer_end);
		__u32 ihl, tot;

		if (off + sizeof(*ip) > limit) {
			pkt->flags |= NV_PKT_HDR_LIMIT;
			return NV_PARSE_NVGRE;
		}
		if (!ip)
			return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
		ihl = (ip->ver_ihl & 0xf) * 4;
		tot = nv_ntohs(ip->tot_len);
		if ((ip->ver_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl)
			return nv_parse_drop(pkt, NVGRE_DROP_BAD_INNER_IP);
		if (off + tot > pkt->outer_end)
			return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
		pkt->inner_ipver = 4;
		pkt->inner_ihl = ihl;
		pkt->inner_ecn = ip->tos & NV_ECN_MASK;
		pkt->inner_end = off + tot;
		pkt->l4_proto = ip->protocol;
		nvgre_ip_set_v4(&pkt->inner_src, ip->saddr);
		nvgre_ip_set_v4(&pkt->inner_dst, ip->daddr);
		if (off + ihl > limit) {
			pkt->flags |= NV_PKT_HDR_LIMIT;
			return NV_PARSE_NVGRE;
		}
		pkt->inner_l3_off = off;
		if (nv_ntohs(ip->frag_off) & (NV_IP_MF | NV_IP_OFFMASK)) {
			pkt->flags |= NV_PKT_INNER_FRAG;
			return NV_PARSE_NVGRE;
		}
		off += ihl;
	} else if (pkt->inner_proto == NV_ETH_P_IPV6) {
		const struct nv_ipv6hdr *ip6 = NV_HDR_LIM(struct nv_ipv6hdr, data, end, off, pkt->outer_end);
		int frag, seen = 0;
		__u32 tot;

		if (off + sizeof(*ip6) > limit) {
			pkt->flags |= NV_PKT_HDR_LIMIT;
			return NV_PARSE_NVGRE;
		}
		if (!ip6)
			return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
		if ((nv_ntohl(ip6->vtc_flow) >> 28) != 6)
			return nv_parse_drop(pkt, NVGRE_DROP_BAD_INNER_IP);
		tot = sizeof(*ip6) + nv_ntohs(ip6->payload_len);
		if (off + tot > pkt->outer_end)
			return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
		pkt->inner_ipver = 6;
		pkt->inner_ecn = nv_ipv6_tclass(ip6) & NV_ECN_MASK;
		pkt->inner_end = off + tot;
		nv_copy_ip6(&pkt->inner_src, ip6->saddr);
		nv_copy_ip6(&pkt->inner_dst, ip6->daddr);
		pkt->inner_l3_off = off;
		nh = ip6->nexthdr;
		off += sizeof(*ip6);
		frag = nv_skip_exthdrs(data, end, &off, &nh, &seen);
		if (seen)
			pkt->flags |= NV_PKT_INNER_EXTHDR;
		pkt->l4_proto = nh;
		/* Headers running past the IP packet's own length: it lies. */
		if (frag == NV_EXT_TRUNCATED || off > pkt->inner_end)
			return nv_parse_drop(pkt, NVGRE_DROP_BAD_INNER_IP);
		/* More than we walk, or beyond MaxHeaderSize: deliver, L4 not checked. */
		if (frag == NV_EXT_TOO_MANY || off > limit) {
			pkt->flags |= NV_PKT_HDR_LIMIT;
			return NV_PARSE_NVGRE;
		}
		if (frag) {
			pkt->flags |= NV_PKT_INNER_FRAG;
			return NV_PARSE_NVGRE;
		}
	} else {
		return NV_PARSE_NVGRE;	/* ARP and others: no L3 offloads */
	}

	/* Inner L4 header. */
	{
		__u32 hlen;

		switch (pkt->l4_proto) {
		case NV_IPPROTO_TCP: {
			const struct nv_tcphdr *th =
				NV_HDR_LIM(struct nv_tcphdr, data, end, off, pkt->inner_end);

			if (!th)
				return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
			hlen = (th->doff_res >> 4) * 4;
			if (hlen < 20)
				return nv_parse_drop(pkt, NVGRE_DROP_BAD_INNER_IP);
			break;
		}
		case NV_IPPROTO_UDP:
		case NV_IPPROTO_ICMP:
		case NV_IPPROTO_ICMPV6:
			hlen = 8;
			break;
		default:
			return NV_PARSE_NVGRE;
		}
		if (off + hlen > pkt->inner_end)
			return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
		if (off + hlen > limit) {
			pkt->flags |= NV_PKT_HDR_LIMIT;
			return NV_PARSE_NVGRE;
		}
		if (pkt->l4_proto == NV_IPPROTO_TCP || pkt->l4_proto == NV_IPPROTO_UDP) {
			const struct nv_ports *ports = NV_HDR(struct nv_ports, data, end, off);

			if (!ports)
				return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
			pkt->sport = ports->sport;
			pkt->dport = ports->dport;
		}
		pkt->inner_l4_off = off;
		pkt->inner_l4_end = off + hlen;
	}
	return NV_PARSE_NVGRE;
}

/*
 * Parse a frame of frame_len bytes of which [data, end) can be read (an skb
 * may hold the rest in fragments; headers are read only within end, lengths
 * are checked against frame_len).  max_header is MaxHeaderSize (PARSE-3):
 * inner headers that end beyond it are not parsed (NV_PKT_HDR_LIMIT) but the
 * frame is still NVGRE and still delivered.
 */
NV_INLINE int nvgre_parse_frame(struct nvgre_pkt *pkt, const void *data, const void *end,
				__u32 frame_len, __u32 max_header)
{
	const struct nvgre_hdr *gre;
	const struct nv_ethhdr *ieth;
	__u32 off;
	int ret;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	if (max_header > NVGRE_MAX_HEADER_SUPPORTED)
		max_header = NVGRE_MAX_HEADER_SUPPORTED;

	ret = nv_parse_outer(pkt, data, end, frame_len);
	if (ret != NV_PARSE_NVGRE)
		return ret;

	/* W-1, W-8: exactly 0x2000 / 0x6558, or it is somebody else's GRE. */
	off = pkt->gre_off;
	gre = NV_HDR_LIM(struct nvgre_hdr, data, end, off, pkt->outer_end);
	if (!gre || gre->flags != nv_htons(NVGRE_FLAGS) || gre->proto != nv_htons(NV_ETH_P_TEB))
		return nv_parse_pass(pkt, NVGRE_CNT_RX_NOT_NVGRE);
	pkt->key = nv_ntohl(gre->key);
	if (!nvgre_vsid_valid(nvgre_key_vsid(pkt->key)))
		return nv_parse_drop(pkt, NVGRE_DROP_RESERVED_VSID);

	off += NVGRE_HLEN;
	pkt->inner_l2_off = off;
	ieth = NV_HDR_LIM(struct nv_ethhdr, data, end, off, pkt->outer_end);
	if (!ieth)
		return nv_parse_drop(pkt, NVGRE_DROP_TRUNCATED);
	pkt->inner_proto = nv_ntohs(ieth->proto);
	if (pkt->inner_proto == NV_ETH_P_8021Q || pkt->inner_proto == NV_ETH_P_8021AD)
		return nv_parse_drop(pkt, NVGRE_DROP_INNER_VLAN);	/* W-5 */
	if (ieth->dst[0] & 1)
		pkt->flags |= NV_PKT_INNER_MCAST;

	return nv_parse_inner_l3(pkt, data, end, off + NV_ETH_HLEN, max_header);
}

#ifndef __bpf__
/* A frame that is all in [data, end). */
static inline int nvgre_parse(struct nvgre_pkt *pkt, const void *data, const void *end,
			      __u32 max_header)
{
	return nvgre_parse_frame(pkt, data, end, (const __u8 *)end - (const __u8 *)data,
				 max_header);
}
#endif

#endif
