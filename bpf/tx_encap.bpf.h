/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVGRE encapsulation on the transmit path (W-1..W-3, W-6, W-7, W-11,
 * CSUM-TX-1, LSO-4): outer Ethernet + outer IPv4/IPv6 + 8-byte GRE + the
 * tenant's frame, next hop from the kernel FIB.
 */
#ifndef NVGRE_TX_ENCAP_BPF_H
#define NVGRE_TX_ENCAP_BPF_H

#include "tx_state.bpf.h"

#define NV_AF_INET	2
#define NV_AF_INET6	10
#define NV_IP_DF	0x4000

/* bpf_skb_adjust_room: the L2 header length goes in the top byte of flags. */
#define NV_ADJ_ROOM_ENCAP_L2(len)	((__u64)((len) & 0xff) << 56)

struct tx_hdr4 {
	struct nv_ethhdr eth;
	struct nv_iphdr ip;
	struct nvgre_hdr gre;
	struct nv_ethhdr inner;
} __attribute__((packed));

struct tx_hdr6 {
	struct nv_ethhdr eth;
	struct nv_ipv6hdr ip6;
	struct nvgre_hdr gre;
	struct nv_ethhdr inner;
} __attribute__((packed));

/* Where an encapsulated frame goes: the FIB's answer for the outer header. */
enum tx_route_mode {
	TX_ROUTE_DIRECT,	/* MACs known: bpf_redirect */
	TX_ROUTE_NEIGH,		/* next hop known, its MAC not: bpf_redirect_neigh(nh) */
	TX_ROUTE_KERNEL,	/* FIB helper declined (forwarding off on the underlay):
				 * bpf_redirect_neigh does an output route lookup itself */
};

struct tx_route {
	__u32 ifindex;
	enum tx_route_mode mode;
	int   learned;		/* KERNEL mode, but smac/dmac/ifindex learned from the PA */
	__u8  smac[6], dmac[6];
	struct bpf_redir_neigh nh;
};

/* Can the frame go out with known MACs (what clones and non-IP frames need)? */
static __always_inline int tx_route_direct(struct tx_route *rt)
{
	if (rt->mode == TX_ROUTE_KERNEL && rt->learned)
		rt->mode = TX_ROUTE_DIRECT;
	return rt->mode == TX_ROUTE_DIRECT;
}

/* This host's PA of the family, or NULL when it has none. */
static __always_inline const union nvgre_ip *tx_local_pa(const struct tx_state *st, int v4)
{
	const union nvgre_ip *pa = v4 ? &st->cfg->pa4 : &st->cfg->pa6;

	if (pa->w[0] | pa->w[1] | pa->w[2] | pa->w[3])
		return pa;
	/* keep clang from folding the NULL into pointer arithmetic */
	asm volatile("" ::: "memory");
	return NULL;
}

/* Returns 0, or a drop reason. */
static __always_inline int tx_fib(struct __sk_buff *skb, struct tx_state *st,
				  const union nvgre_ip *src, const union nvgre_ip *dst,
				  int v4, struct tx_route *rt)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	fib.ifindex = st->cfg->underlay_ifindex;
	fib.l4_protocol = NV_IPPROTO_GRE;
	if (v4) {
		fib.family = NV_AF_INET;
		fib.ipv4_src = src->w[3];
		fib.ipv4_dst = dst->w[3];
	} else {
		fib.family = NV_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, src->w, 16);
		__builtin_memcpy(fib.ipv6_dst, dst->w, 16);
	}
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_FWD_DISABLED) {
		/* bpf_fib_lookup wants forwarding on; the kernel's own output
		 * route lookup in bpf_redirect_neigh does not.  For frames that
		 * cannot use it, the MACs learned from the PA's own frames. */
		struct nvgre_pa_mac *m = bpf_map_lookup_elem(&nv_pa_macs, dst);

		rt->ifindex = st->cfg->underlay_ifindex;
		rt->mode = TX_ROUTE_KERNEL;
		if (m) {
			rt->learned = 1;
			rt->ifindex = m->ifindex;
			__builtin_memcpy(rt->smac, m->local, 6);
			__builtin_memcpy(rt->dmac, m->remote, 6);
		}
		return 0;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return NVGRE_DROP_FIB_FAILED;
	rt->ifindex = fib.ifindex;
	rt->mode = rc == BPF_FIB_LKUP_RET_NO_NEIGH ? TX_ROUTE_NEIGH : TX_ROUTE_DIRECT;
	__builtin_memcpy(rt->smac, fib.smac, 6);
	__builtin_memcpy(rt->dmac, fib.dmac, 6);
	rt->nh.nh_family = fib.family;
	if (v4)
		rt->nh.ipv4_nh = fib.ipv4_dst;
	else
		__builtin_memcpy(rt->nh.ipv6_nh, fib.ipv6_dst, 16);
	return 0;
}

/* Checksum of a 20-byte IPv4 header whose check field is still zero. */
static __always_inline __sum16 ipv4_hdr_csum(void *ip)
{
	return ~nv_csum_fold(bpf_csum_diff(0, 0, ip, sizeof(struct nv_iphdr), 0));
}

/* W-3: a FlowID folded from the inner flow hash, or 0 when configured. */
static __always_inline __u8 tx_flowid(const struct tx_state *st)
{
	__u32 h = st->hash;

	if (st->cfg->flags & NVGRE_CFG_FLOWID_ZERO)
		return 0;
	return (h ^ h >> 8 ^ h >> 16 ^ h >> 24) & 0xff;
}

/*
 * Can the underlay carry this frame once encapsulated?  A GSO skb needs GRE
 * segmentation by the device or the kernel (LSO-4): else
 * NVGRE_DROP_GSO_UNSUPPORTED.  Every frame, or each segment of a GSO skb,
 * must fit the underlay MTU (W-7): else NVGRE_DROP_TOO_BIG with *mtu the
 * underlay MTU.  bpf_check_mtu passes any GSO skb unless asked for
 * BPF_MTU_CHK_SEGS, which cannot add our overhead: a segment (headers plus
 * gso_size) is measured here instead.
 */
static __always_inline int tx_size_ok(struct __sk_buff *skb, struct tx_state *st, __u32 overhead,
				      __u32 *mtu)
{
	__u32 off = st->cfg->offload;

	if (skb->gso_size &&
	    !(st->l4 == NV_IPPROTO_TCP && (st->cfg->flags & NVGRE_CFG_GSO_TCP) &&
	      nvgre_offload_on(off, NVGRE_OFF_LSO)) &&
	    !(st->l4 == NV_IPPROTO_UDP && (st->cfg->flags & NVGRE_CFG_GSO_UDP) &&
	      nvgre_offload_on(off, NVGRE_OFF_USO)))
		return NVGRE_DROP_GSO_UNSUPPORTED;
	*mtu = 0;
	if (skb->gso_size) {
		__u32 l4_hlen = 8, seg;		/* UDP */
		__u8 doff;

		if (st->l4 == NV_IPPROTO_TCP) {
			if (bpf_skb_load_bytes(skb, st->l4_off + 12, &doff, 1))
				return NVGRE_DROP_TRUNCATED;
			l4_hlen = (doff >> 4) * 4;
		}
		if (bpf_check_mtu(skb, st->cfg->underlay_ifindex, mtu, 0, 0) < 0)
			return NVGRE_DROP_TOO_BIG;	/* no underlay: nothing fits */
		seg = st->l4_off - NV_ETH_HLEN + l4_hlen + skb->gso_size;
		return seg + overhead > *mtu ? NVGRE_DROP_TOO_BIG : 0;
	}
	if (bpf_check_mtu(skb, st->cfg->underlay_ifindex, mtu, overhead, 0))
		return NVGRE_DROP_TOO_BIG;
	return 0;
}

/*
 * Grow the skb and write the outer headers for dst.  Non-IP frames (ARP)
 * have no L3 the kernel's encap helper understands: their headroom is
 * pushed in front instead; they are never GSO.  Returns 0 or a drop reason.
 */
static __always_inline int tx_encap(struct __sk_buff *skb, struct tx_state *st,
				    const union nvgre_ip *dst, const struct tx_route *rt)
{
	int v4 = nvgre_ip_is_v4(dst), is_ip = st->proto == NV_ETH_P_IP ||
					      st->proto == NV_ETH_P_IPV6;
	const union nvgre_ip *src = tx_local_pa(st, v4);
	__u32 key = nv_htonl(nvgre_key(st->vp->vsid, tx_flowid(st)));
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L4_GRE |
		      BPF_F_ADJ_ROOM_ENCAP_L2_ETH | NV_ADJ_ROOM_ENCAP_L2(NV_ETH_HLEN);
	struct nv_ethhdr inner;
	int grow;

	if (!src)
		return NVGRE_DROP_NO_LOCAL_PA;
	if (bpf_skb_load_bytes(skb, 0, &inner, sizeof(inner)))
		return NVGRE_DROP_ENCAP_FAILED;

	if (v4) {
		struct tx_hdr4 h = {};

		grow = sizeof(h) - NV_ETH_HLEN;
		flags |= BPF_F_ADJ_ROOM_ENCAP_L3_IPV4;
		if (is_ip ? bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_MAC, flags)
			  : bpf_skb_change_head(skb, grow, 0))
			return NVGRE_DROP_ENCAP_FAILED;
		__builtin_memcpy(h.eth.dst, rt->dmac, 6);
		__builtin_memcpy(h.eth.src, rt->smac, 6);
		h.eth.proto = nv_htons(NV_ETH_P_IP);
		h.ip.ver_ihl = 0x45;
		h.ip.tos = st->tos;		/* W-11: DSCP and ECN copied */
		h.ip.tot_len = nv_htons(skb->len - NV_ETH_HLEN);
		h.ip.id = bpf_get_prandom_u32();
		h.ip.frag_off = nv_htons(NV_IP_DF);
		h.ip.ttl = st->cfg->ttl;
		h.ip.protocol = NV_IPPROTO_GRE;
		h.ip.saddr = src->w[3];
		h.ip.daddr = dst->w[3];
		h.ip.check = ipv4_hdr_csum((__u8 *)&h + offsetof(struct tx_hdr4, ip));
		h.gre.flags = nv_htons(NVGRE_FLAGS);
		h.gre.proto = nv_htons(NV_ETH_P_TEB);
		h.gre.key = key;
		h.inner = inner;
		if (bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0))
			return NVGRE_DROP_ENCAP_FAILED;
	} else {
		struct tx_hdr6 h = {};

		grow = sizeof(h) - NV_ETH_HLEN;
		flags |= BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
		if (is_ip ? bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_MAC, flags)
			  : bpf_skb_change_head(skb, grow, 0))
			return NVGRE_DROP_ENCAP_FAILED;
		__builtin_memcpy(h.eth.dst, rt->dmac, 6);
		__builtin_memcpy(h.eth.src, rt->smac, 6);
		h.eth.proto = nv_htons(NV_ETH_P_IPV6);
		/* traffic class from the inner packet, flow label from the flow */
		h.ip6.vtc_flow = nv_htonl(6u << 28 | (__u32)st->tos << 20 | (st->hash & 0xfffff));
		h.ip6.payload_len = nv_htons(skb->len - NV_ETH_HLEN - sizeof(h.ip6));
		h.ip6.nexthdr = NV_IPPROTO_GRE;
		h.ip6.hop_limit = st->cfg->ttl;
		__builtin_memcpy(h.ip6.saddr, src->b, 16);
		__builtin_memcpy(h.ip6.daddr, dst->b, 16);
		h.gre.flags = nv_htons(NVGRE_FLAGS);
		h.gre.proto = nv_htons(NV_ETH_P_TEB);
		h.gre.key = key;
		h.inner = inner;
		if (bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0))
			return NVGRE_DROP_ENCAP_FAILED;
	}
	return 0;
}

/* Overhead added on top of the tenant's frame (W-7): outer IP + GRE + outer Ethernet. */
static __always_inline __u32 tx_overhead(const union nvgre_ip *dst)
{
	return nvgre_ip_is_v4(dst) ? NVGRE_OVERHEAD_IPV4 : NVGRE_OVERHEAD_IPV6;
}

#endif
