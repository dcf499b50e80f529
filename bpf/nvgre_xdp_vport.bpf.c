// SPDX-License-Identifier: GPL-2.0
/*
 * The second XDP hop of an xsk vport (VMQ-1..3).  The underlay's program
 * (nvgre_xdp.bpf.c) decapsulates a frame for an xsk vport, puts its
 * metadata in front, and redirects it into the host end of the vport's
 * veth pair; here, on the consumer end, the frame goes to the socket of its
 * vport queue.  Each vport's sockets are bound to its own veth because the
 * kernel gives a device queue a single UMEM, and vports must not share one.
 * Nothing else belongs on this device: a frame without our metadata (the
 * host stack sending through the veth) is dropped and counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "counters.bpf.h"

SEC("xdp")
int nvgre_xdp_vport(struct xdp_md *ctx)
{
	struct nvgre_xdp_meta *m = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	__u32 ifindex = ctx->ingress_ifindex, *id, idx;
	struct nvgre_xsk_queue_stats *qs;

	id = bpf_map_lookup_elem(&nv_xsk_devs, &ifindex);
	if ((void *)(m + 1) > data || m->magic != NVGRE_META_MAGIC || !id) {
		count_drop(NULL, NVGRE_DROP_NOT_VPORT);
		return XDP_DROP;
	}
	idx = *id * NVGRE_VMQ_MAX_QUEUES + (m->queue & (NVGRE_VMQ_MAX_QUEUES - 1));
	/* the consumer went away since the underlay's program looked */
	if (!bpf_map_lookup_elem(&nv_xsks, &idx)) {
		__u32 vsid = m->vsid;

		count_drop(bpf_map_lookup_elem(&nv_vsid_stats, &vsid), NVGRE_DROP_XSK_NO_SOCKET);
		return XDP_DROP;
	}
	if (bpf_redirect_map(&nv_xsks, idx, XDP_DROP) != XDP_REDIRECT)
		return XDP_DROP;	/* the slot emptied just now */
	qs = bpf_map_lookup_elem(&nv_xsk_queue_stats, &idx);
	if (qs) {
		__sync_fetch_and_add(&qs->rx_packets, 1);
		__sync_fetch_and_add(&qs->rx_bytes, (long)ctx->data_end - (long)ctx->data);
	}
	return XDP_REDIRECT;
}

char LICENSE[] SEC("license") = "GPL";
