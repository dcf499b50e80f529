/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ARP and IPv6 neighbour discovery proxy: a request for a customer address
 * known in the VSID is answered by the data path, back to the vport (for
 * an xsk vport: its software channel), and never leaves the host.
 */
#ifndef NVGRE_TX_PROXY_BPF_H
#define NVGRE_TX_PROXY_BPF_H

#include "tx_policy.bpf.h"
#include "tx_local.bpf.h"

struct arp_frame {
	struct nv_ethhdr eth;
	struct nv_arphdr arp;
} __attribute__((packed));

struct nd_frame {
	struct nv_ethhdr eth;
	struct nv_ipv6hdr ip6;
	struct nv_icmp6_nd nd;
} __attribute__((packed));

/* The MAC behind (VSID, ip), from lookup records and local vports. */
static __always_inline struct nvgre_ip_mac *proxy_lookup(__u32 vsid, const union nvgre_ip *ip)
{
	struct nvgre_ip_key k = { .vsid = vsid, .ip = *ip };

	return bpf_map_lookup_elem(&nv_ips, &k);
}

/* Turn the ARP request req into the reply from mac, and send it back. */
static __always_inline int proxy_arp_reply(struct __sk_buff *skb, struct tx_state *st,
					   const struct nv_arphdr *req, const __u8 *mac)
{
	struct arp_frame r = {};

	__builtin_memcpy(r.eth.dst, req->sha, 6);
	__builtin_memcpy(r.eth.src, mac, 6);
	r.eth.proto = nv_htons(NV_ETH_P_ARP);
	r.arp.htype = nv_htons(1);
	r.arp.ptype = nv_htons(NV_ETH_P_IP);
	r.arp.hlen = 6;
	r.arp.plen = 4;
	r.arp.op = nv_htons(NV_ARPOP_REPLY);
	__builtin_memcpy(r.arp.sha, mac, 6);
	__builtin_memcpy(r.arp.spa, req->tpa, 4);
	__builtin_memcpy(r.arp.tha, req->sha, 6);
	__builtin_memcpy(r.arp.tpa, req->spa, 4);
	if (bpf_skb_store_bytes(skb, 0, &r, sizeof(r), 0))
		return tx_drop(st, NVGRE_DROP_ENCAP_FAILED);
	count(NVGRE_CNT_TX_ARP_PROXY);
	if (st->vstats)
		st->vstats->tx_proxied += 1;
	return tx_reply(skb, st);
}

/*
 * Answer the neighbour solicitation for target from src_ip/src_mac with a
 * solicited, override NA carrying mac (RFC 4861 7.2.4).
 */
static __always_inline int proxy_nd_reply(struct __sk_buff *skb, struct tx_state *st,
					  const __u8 *src_mac, const union nvgre_ip *src_ip,
					  const union nvgre_ip *target, const __u8 *mac)
{
	struct nd_frame r = {};
	__u32 sum = 0;
	int i;

	__builtin_memcpy(r.eth.dst, src_mac, 6);
	__builtin_memcpy(r.eth.src, mac, 6);
	r.eth.proto = nv_htons(NV_ETH_P_IPV6);
	r.ip6.vtc_flow = nv_htonl(6u << 28);
	r.ip6.payload_len = nv_htons(sizeof(r.nd));
	r.ip6.nexthdr = NV_IPPROTO_ICMPV6;
	r.ip6.hop_limit = 255;
	__builtin_memcpy(r.ip6.saddr, target->b, 16);
	__builtin_memcpy(r.ip6.daddr, src_ip->b, 16);
	r.nd.type = NV_ND_NA;
	r.nd.flags = nv_htonl(0x60000000);	/* Solicited, Override */
	__builtin_memcpy(r.nd.target, target->b, 16);
	r.nd.opt_type = 2;			/* target link-layer address */
	r.nd.opt_len = 1;
	__builtin_memcpy(r.nd.opt_mac, mac, 6);

	for (i = 0; i < 4; i++) {
		sum = nv_csum_add(sum, target->w[i]);
		sum = nv_csum_add(sum, src_ip->w[i]);
	}
	sum = nv_csum_add(sum, nv_htonl(sizeof(r.nd)));
	sum = nv_csum_add(sum, nv_htonl(NV_IPPROTO_ICMPV6));
	sum = bpf_csum_diff(0, 0, (void *)&r.nd, sizeof(r.nd), sum);
	r.nd.check = ~nv_csum_fold(sum);

	if (skb->len != sizeof(r) && bpf_skb_change_tail(skb, sizeof(r), 0))
		return tx_drop(st, NVGRE_DROP_ENCAP_FAILED);
	if (bpf_skb_store_bytes(skb, 0, &r, sizeof(r), 0))
		return tx_drop(st, NVGRE_DROP_ENCAP_FAILED);
	count(NVGRE_CNT_TX_ND_PROXY);
	if (st->vstats)
		st->vstats->tx_proxied += 1;
	return tx_reply(skb, st);
}

#endif
