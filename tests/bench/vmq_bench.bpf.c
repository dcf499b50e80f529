// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs of the VMQ benchmark (tests/bench/vmq_gen.c, vmq_rx.c).
 *
 * vmq_gen_tx: the traffic generator.  Run through BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES, every XDP_TX becomes a real transmission of
 * the frame out of ctx.ingress_ifindex (as xdp-trafficgen does).  Live-mode
 * pages are recycled with whatever was written into them, by this program
 * and by the receiver: on veth the peer's XDP program runs on this very
 * page, and nvgred's decapsulation writes its metadata over the outer
 * headers.  So the program writes the whole frame from the template every
 * time (13 eight-byte stores for the bench's 102 bytes).
 *
 * vmq_rx_drop: the XDP_DROP baseline on the receiving device; counts what it
 * drops in a per-CPU array, so the rate is read without any per-frame
 * contention.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TMPL_WORDS	32		/* frames of 8 to 256 bytes */

/* set by vmq_gen before loading; the verifier sees them as constants */
const volatile __u32 tmpl_len = 8;
const volatile __u64 tmpl[TMPL_WORDS];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

SEC("xdp")
int vmq_gen_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 i, len = tmpl_len;

	if (len < 8 || len > TMPL_WORDS * 8 || data + len > end)
		return XDP_ABORTED;
#pragma unroll
	for (i = 0; i < TMPL_WORDS; i++) {
		if ((i + 1) * 8 > len)
			break;
		((__u64 *)data)[i] = tmpl[i];
	}
	/* the last 8 bytes, overlapping the words above when len % 8 != 0 */
	*(__u64 *)(data + len - 8) = *(const __u64 *)((const __u8 *)tmpl + len - 8);
	return XDP_TX;
}

SEC("xdp")
int vmq_rx_drop(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &k);

	if (n)
		(*n)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
