/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What struct __sk_buff does not show: the kernel skb's checksum state
 * (CSUM-RX-5), read through bpf_cast_to_kern_ctx and CO-RE.
 */
#ifndef NVGRE_KSKB_BPF_H
#define NVGRE_KSKB_BPF_H

#include <bpf/bpf_core_read.h>

#define NV_CHECKSUM_NONE	0
#define NV_CHECKSUM_UNNECESSARY	1
#define NV_CHECKSUM_COMPLETE	2
#define NV_CHECKSUM_PARTIAL	3

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

static __always_inline __u8 kskb_ip_summed(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD(kskb, ip_summed);
}

/*
 * Of a CHECKSUM_PARTIAL skb: where the L4 sum starts, from the frame start
 * (skb->data; the kernel counts from skb->head), and its checksum field
 * from there.  Returns 0 for any other skb.
 */
static __always_inline int kskb_csum_partial(struct __sk_buff *skb, __u16 *start, __u16 *offset)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	*start = 0;
	*offset = 0;
	if (BPF_CORE_READ_BITFIELD(kskb, ip_summed) != NV_CHECKSUM_PARTIAL)
		return 0;
	*start = kskb->csum_start - (kskb->data - kskb->head);
	*offset = kskb->csum_offset;
	return 1;
}

#endif
