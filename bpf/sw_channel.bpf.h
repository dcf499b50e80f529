/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMQ-4 software channel: the TC paths hand a frame to an xsk vport by
 * copying the skb, behind its struct nvgre_sw_hdr, into the vport's ring
 * buffer in nv_sw_channels (see maps.h).
 */
#ifndef NVGRE_SW_CHANNEL_BPF_H
#define NVGRE_SW_CHANNEL_BPF_H

#include "common.bpf.h"
#include "kskb.bpf.h"

/* How a GSO frame of IP protocol l4 is to be cut (NVGRE_SW_GSO_*). */
static __always_inline __u8 sw_gso_type(__u8 l4)
{
	if (l4 == NV_IPPROTO_TCP)
		return NVGRE_SW_GSO_TCP;
	return l4 == NV_IPPROTO_UDP ? NVGRE_SW_GSO_UDP : NVGRE_SW_GSO_NONE;
}

/*
 * Copy the whole skb into vport id's channel with meta (plus
 * NVGRE_META_F_SW_PATH) and the GSO and CHECKSUM_PARTIAL state the
 * consumer must finish.  Counts the delivery; returns NVGRE_DROP_NONE or
 * the reason for the caller to count.  Callers are global functions, so
 * the verifier sees this once per program and per caller.
 */
static __always_inline __u32 sw_channel_deliver(struct __sk_buff *skb, __u32 id,
						const struct nvgre_xdp_meta *meta)
{
	__u32 cpu = bpf_get_smp_processor_id(), len;
	struct nvgre_sw_rec *rec;
	void *ring;

	ring = bpf_map_lookup_elem(&nv_sw_channels, &id);
	if (!ring)
		return NVGRE_DROP_XSK_NO_SOCKET;	/* no consumer has the queue set open */
	len = skb->len;
	if (len > NVGRE_SW_MAX_FRAME)
		return NVGRE_DROP_SW_CHANNEL_TOO_BIG;
	rec = bpf_map_lookup_elem(&nv_sw_scratch, &cpu);
	if (!rec || !len || bpf_skb_load_bytes(skb, 0, rec->frame, len))
		return NVGRE_DROP_SW_CHANNEL;

	rec->hdr.meta = *meta;
	rec->hdr.meta.flags |= NVGRE_META_F_SW_PATH;
	rec->hdr.len = len;
	rec->hdr.gso_size = skb->gso_size;
	rec->hdr.gso_type = skb->gso_size ? sw_gso_type(meta->l4_proto) : NVGRE_SW_GSO_NONE;
	rec->hdr.csum_partial = kskb_csum_partial(skb, &rec->hdr.csum_start,
						  &rec->hdr.csum_offset);
	if (bpf_ringbuf_output(ring, rec, sizeof(rec->hdr) + len, 0))
		return NVGRE_DROP_SW_CHANNEL_FULL;
	count(NVGRE_CNT_RX_SW_CHANNEL);
	count_vport_rx(id, len);
	return NVGRE_DROP_NONE;
}

#endif
