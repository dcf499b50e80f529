/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W-7: a frame too big for the underlay after encapsulation is answered
 * with ICMP "fragmentation needed" (IPv4 with DF) or ICMPv6 "packet too
 * big" carrying the tenant MTU, sent back to the vport, so the
 * tenant's path MTU discovery works.  Rate-limited per CPU.  The error is
 * sourced from the packet's destination: an address the tenant routes back to.
 */
#ifndef NVGRE_TX_ICMP_BPF_H
#define NVGRE_TX_ICMP_BPF_H

#include "tx_local.bpf.h"

#define NV_ICMP_RATE_PER_SEC	100
#define NV_ICMP_BURST		10
#define NV_ICMP_QUOTE_MAX	(60 + 8)	/* IPv4 header with options + 8 bytes */
#define NV_ICMP6_QUOTE		(40 + 8)

static __always_inline int icmp_allowed(void)
{
	__u32 zero = 0;
	struct nvgre_ratelimit *rl = bpf_map_lookup_elem(&nv_icmp_rl, &zero);
	__u64 now = bpf_ktime_get_ns(), add;

	if (!rl)
		return 0;
	add = (now - rl->last_ns) / (1000000000ull / NV_ICMP_RATE_PER_SEC);
	if (add) {
		rl->tokens = rl->tokens + add > NV_ICMP_BURST ? NV_ICMP_BURST : rl->tokens + add;
		rl->last_ns = now;
	}
	if (!rl->tokens)
		return 0;
	rl->tokens--;
	return 1;
}

struct icmp4_frame {
	struct nv_ethhdr eth;
	struct nv_iphdr ip;
	__u8  type, code;
	__sum16 check;
	__be16 unused, mtu;
	__u8  quote[NV_ICMP_QUOTE_MAX];
} __attribute__((packed));

struct icmp6_frame {
	struct nv_ethhdr eth;
	struct nv_ipv6hdr ip6;
	__u8  type, code;
	__sum16 check;
	__be32 mtu;
	__u8  quote[NV_ICMP6_QUOTE];
} __attribute__((packed));

/* Returns the TC verdict: the error is sent, or the frame dropped and counted. */
static __always_inline int tx_too_big(struct __sk_buff *skb, struct tx_state *st, __u32 tenant_mtu)
{
	struct nv_ethhdr eth;

	tx_drop(st, NVGRE_DROP_TOO_BIG);
	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) || !icmp_allowed())
		return TC_ACT_SHOT;

	if (st->proto == NV_ETH_P_IP) {
		struct icmp4_frame r = {};
		__u32 ihl, qlen, sum;

		if (bpf_skb_load_bytes(skb, NV_ETH_HLEN, &r.ip, sizeof(r.ip)))
			return TC_ACT_SHOT;
		if (!(r.ip.frag_off & nv_htons(NV_IP_DF)))
			return TC_ACT_SHOT;	/* no DF: no error (we never fragment) */
		ihl = (r.ip.ver_ihl & 0xf) * 4;
		if (ihl < 20)
			return TC_ACT_SHOT;
		qlen = ihl + 8;
		if (qlen > NV_ICMP_QUOTE_MAX)
			qlen = NV_ICMP_QUOTE_MAX;
		if (bpf_skb_load_bytes(skb, NV_ETH_HLEN, r.quote, qlen & 0x7f))
			return TC_ACT_SHOT;
		/* back to the sender, from its destination */
		__builtin_memcpy(r.eth.dst, eth.src, 6);
		__builtin_memcpy(r.eth.src, eth.dst, 6);
		r.eth.proto = nv_htons(NV_ETH_P_IP);
		r.ip.daddr = ((struct nv_iphdr *)r.quote)->saddr;
		r.ip.saddr = ((struct nv_iphdr *)r.quote)->daddr;
		r.ip.ver_ihl = 0x45;
		r.ip.tos = 0xc0;		/* internetwork control */
		r.ip.tot_len = nv_htons(20 + 8 + qlen);
		r.ip.id = 0;
		r.ip.frag_off = 0;
		r.ip.ttl = 64;
		r.ip.protocol = NV_IPPROTO_ICMP;
		r.ip.check = 0;
		r.ip.check = ~nv_csum_fold(bpf_csum_diff(0, 0, (void *)&r.ip, sizeof(r.ip), 0));
		r.type = 3;			/* destination unreachable */
		r.code = 4;			/* fragmentation needed and DF set */
		r.mtu = nv_htons(tenant_mtu);
		sum = bpf_csum_diff(0, 0, (void *)&r.type, 8 + NV_ICMP_QUOTE_MAX, 0);
		r.check = ~nv_csum_fold(sum);	/* the quote's zero tail adds nothing */
		if (bpf_skb_change_tail(skb, NV_ETH_HLEN + 20 + 8 + qlen, 0) ||
		    bpf_skb_store_bytes(skb, 0, &r, (NV_ETH_HLEN + 20 + 8 + qlen) & 0x7f, 0))
			return TC_ACT_SHOT;
	} else if (st->proto == NV_ETH_P_IPV6) {
		struct icmp6_frame r = {};
		const struct nv_ipv6hdr *q = (const void *)r.quote;
		__u32 sum;

		if (bpf_skb_load_bytes(skb, NV_ETH_HLEN, r.quote, sizeof(r.quote)))
			return TC_ACT_SHOT;
		__builtin_memcpy(r.eth.dst, eth.src, 6);
		__builtin_memcpy(r.eth.src, eth.dst, 6);
		r.eth.proto = nv_htons(NV_ETH_P_IPV6);
		r.ip6.vtc_flow = nv_htonl(6u << 28);
		r.ip6.payload_len = nv_htons(8 + sizeof(r.quote));
		r.ip6.nexthdr = NV_IPPROTO_ICMPV6;
		r.ip6.hop_limit = 255;
		__builtin_memcpy(r.ip6.saddr, q->daddr, 16);
		__builtin_memcpy(r.ip6.daddr, q->saddr, 16);
		r.type = 2;			/* packet too big */
		r.mtu = nv_htonl(tenant_mtu);
		sum = bpf_csum_diff(0, 0, (void *)r.ip6.saddr, 32, 0);
		sum = nv_csum_add(sum, nv_htonl(8 + sizeof(r.quote)));
		sum = nv_csum_add(sum, nv_htonl(NV_IPPROTO_ICMPV6));
		sum = bpf_csum_diff(0, 0, (void *)&r.type, 8 + sizeof(r.quote), sum);
		r.check = ~nv_csum_fold(sum);
		if (bpf_skb_change_tail(skb, sizeof(r), 0) ||
		    bpf_skb_store_bytes(skb, 0, &r, sizeof(r), 0))
			return TC_ACT_SHOT;
	} else {
		return TC_ACT_SHOT;
	}
	count(NVGRE_CNT_TX_ICMP_TOO_BIG);
	return tx_reply(skb, st);
}

#endif
