// SPDX-License-Identifier: GPL-2.0
/*
 * NVGRE receive on the underlay's TC ingress: decapsulates for netdev
 * vports keeping GSO and checksum state.  The XDP program (nvgre_xdp.bpf.c,
 * attached through libxdp only when needed) steers frames for AF_XDP vports
 * and leaves the rest to this one; both share rx_classify.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "rx_classify.bpf.h"


/* Set by the loader from a probe: 0 where this kernel lacks the flag. */
const volatile __u64 adj_room_decap_l3_ipv4 = 0;
const volatile __u64 adj_room_decap_l3_ipv6 = 0;

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

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
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	__u8 ip_summed = BPF_CORE_READ_BITFIELD(kskb, ip_summed);

	if (ip_summed == 3 /* CHECKSUM_PARTIAL */)
		return RX_L4_PARTIAL;
	if (ip_summed == 1 /* CHECKSUM_UNNECESSARY */)
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

static __always_inline int tc_deliver_mcast(struct __sk_buff *skb, struct rx_state *st)
{
	struct nvgre_vsid *vs = st->vsid;
	__u32 n = vs->n_local, last = 0;
	int i;

	if (n > NVGRE_MAX_LOCAL_VPORTS)
		n = NVGRE_MAX_LOCAL_VPORTS;
	for (i = 0; i < NVGRE_MAX_LOCAL_VPORTS; i++) {
		if (i >= n - 1)
			break;
		if (bpf_clone_redirect(skb, vs->local_ifindex[i], 0) == 0)
			count(NVGRE_CNT_RX_BCAST_COPIES);
	}
	last = vs->local_ifindex[(n - 1) & (NVGRE_MAX_LOCAL_VPORTS - 1)];
	count(NVGRE_CNT_RX_BCAST_COPIES);
	if (st->vstats)
		st->vstats->rx_delivered += 1;
	return bpf_redirect(last, 0);
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
	/* Headers linear and writable (ECN); the whole frame if we sum it. */
	if (l4_mode == RX_L4_COMPUTE &&
	    nvgre_offload_on(cfg->offload, NVGRE_OFF_RX_CSUM))
		bpf_skb_pull_data(skb, skb->len);
	else
		bpf_skb_pull_data(skb, skb->len < NV_PULL_MAX ? skb->len : NV_PULL_MAX);
	verdict = tc_parse(skb, &st.pkt, cfg->max_header);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	verdict = rx_lookup(&st, cfg, verdict, data, end);
	if (verdict == RX_PASS)
		return TC_ACT_OK;
	if (verdict == RX_DROP)
		return TC_ACT_SHOT;
	if (verdict == RX_UNICAST && st.vport->kind != NVGRE_VPORT_NETDEV)
		/* VMQ-4 software channel for xsk vports: not served yet. */
		return rx_drop(&st, NVGRE_DROP_SW_CHANNEL), TC_ACT_SHOT;
	if (verdict == RX_MCAST && !st.vsid->n_local)
		return rx_drop(&st, NVGRE_DROP_NO_LOCAL_VPORT), TC_ACT_SHOT;

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

	count(NVGRE_CNT_RX_TC_DELIVERED);
	count_vport_rx(st.vport, skb->len);
	if (st.vstats)
		st.vstats->rx_delivered += 1;
	return bpf_redirect(st.vport->ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
