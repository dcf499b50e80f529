/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delivery on this host from the transmit path: to a vport of the same
 * VSID (a netdev vport's device, an xsk vport's software channel), and
 * replies (ARP/ND proxy, ICMP errors) back to the sending vport.
 */
#ifndef NVGRE_TX_LOCAL_BPF_H
#define NVGRE_TX_LOCAL_BPF_H

#include "tx_state.bpf.h"
#include "meta.bpf.h"
#include "sw_channel.bpf.h"

/*
 * The frame vport sender sent in vsid into xsk vport id's software
 * channel, with the metadata a receiver gets (offsets parsed here; no
 * checksum judged, no RSS); a failure is counted as tx_drop would.
 * Global: verified once for every caller.  Returns 1 if delivered.
 */
__noinline int tx_sw_deliver(struct __sk_buff *skb, __u32 id, __u32 vsid, __u32 sender)
{
	struct nvgre_config *cfg = dp_config();
	void *data, *end;
	const struct nv_ethhdr *eth;
	struct nvgre_xdp_meta meta;
	struct nvgre_pkt pkt = {};
	__u32 reason;

	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = NV_HDR(struct nv_ethhdr, data, end, 0);
	if (eth) {
		pkt.inner_proto = nv_ntohs(eth->proto);
		pkt.flags = eth->dst[0] & 1 ? NV_PKT_INNER_MCAST : 0;
		pkt.outer_end = skb->len;
		nv_parse_inner_l3(&pkt, data, end, NV_ETH_HLEN,
				  cfg ? cfg->max_header : NVGRE_MAX_HEADER_DEFAULT);
	}
	pkt.key = nvgre_key(vsid, 0);
	fill_meta(&meta, &pkt, 0, NVGRE_RSS_NONE, 0, 0);
	reason = sw_channel_deliver(skb, id, &meta);
	if (reason == NVGRE_DROP_NONE)
		return 1;
	tx_count_drop(cfg, bpf_map_lookup_elem(&nv_vsid_stats, &vsid), vsid, sender, reason);
	return 0;
}

/* To xsk vport id's software channel: TC_ACT_STOLEN, or dropped and counted. */
static __always_inline int tx_to_sw(struct __sk_buff *skb, struct tx_state *st, __u32 id)
{
	return tx_sw_deliver(skb, id, st->vp->vsid, st->vp->id) ? TC_ACT_STOLEN : TC_ACT_SHOT;
}

/*
 * Back to the sender: out of its device, or for an xsk vport into its
 * software channel (nothing reads the receive side of its veth).
 */
static __always_inline int tx_reply(struct __sk_buff *skb, struct tx_state *st)
{
	if (st->vp->kind == NVGRE_VPORT_XSK)
		return tx_to_sw(skb, st, st->vp->id);
	return bpf_redirect(skb->ifindex, 0);
}

/* The sender's own entry in its VSID's list of local vports (nvgre_vsid.local_ifindex). */
static __always_inline __u32 tx_local_self(const struct __sk_buff *skb, const struct tx_state *st)
{
	return st->vp->kind == NVGRE_VPORT_XSK ? NVGRE_LOCAL_XSK | st->vp->id : skb->ifindex;
}

/* A broadcast copy to entry to of that list; returns 1 if made (else counted). */
static __always_inline int tx_copy_local(struct __sk_buff *skb, struct tx_state *st, __u32 to)
{
	if (to & NVGRE_LOCAL_XSK)
		return tx_sw_deliver(skb, to & ~NVGRE_LOCAL_XSK, st->vp->vsid, st->vp->id);
	if (bpf_clone_redirect(skb, to, 0)) {
		tx_drop(st, NVGRE_DROP_COPY_FAILED);	/* device down, out of memory */
		return 0;
	}
	return 1;
}

/* Unicast to vport to of this host (the same VSID: no encapsulation). */
static __always_inline int tx_deliver_local(struct __sk_buff *skb, struct tx_state *st,
					    const struct nvgre_vport *to)
{
	int ret;

	if (to->kind == NVGRE_VPORT_XSK) {
		ret = tx_to_sw(skb, st, to->id);
		if (ret == TC_ACT_STOLEN)
			count(NVGRE_CNT_TX_LOCAL);
		return ret;
	}
	count(NVGRE_CNT_TX_LOCAL);
	count_vport_rx(to->id, skb->len);
	return bpf_redirect(to->ifindex, 0);
}

#endif
