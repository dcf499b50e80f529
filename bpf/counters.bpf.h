/* SPDX-License-Identifier: GPL-2.0 */
/* Counter updates.  All counter maps are per CPU: plain increments suffice. */
#ifndef NVGRE_COUNTERS_BPF_H
#define NVGRE_COUNTERS_BPF_H

#include "maps.bpf.h"

static __always_inline void count_n(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&nv_counters, &idx);

	if (c)
		*c += n;
}

static __always_inline void count(__u32 idx)
{
	count_n(idx, 1);
}

static __always_inline void count_drop(struct nvgre_vsid_stats *vs, __u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&nv_drops, &reason);

	if (c)
		*c += 1;
	if (vs && reason < NVGRE_DROP_SLOTS)
		vs->rx_drops[reason] += 1;
}

/* A drop event for nvgrectl monitor; only while somebody listens. */
static __always_inline void emit_drop(__u32 cfg_flags, __u32 kind, __u32 reason, __u32 vsid,
				      __u32 vport, const union nvgre_ip *src,
				      const union nvgre_ip *dst)
{
	struct nvgre_event ev = { .kind = kind, .reason = reason, .vsid = vsid, .vport = vport };

	if (!(cfg_flags & NVGRE_CFG_EVENTS))
		return;
	if (src)
		ev.src = *src;
	if (dst)
		ev.dst = *dst;
	/* a full ring loses events, never packets: the counters still count */
	bpf_ringbuf_output(&nv_events, &ev, sizeof(ev), 0);
}

/* A frame delivered to vport id (nvgre_vport.id). */
static __always_inline void count_vport_rx(__u32 id, __u64 bytes)
{
	struct nvgre_vport_stats *s = bpf_map_lookup_elem(&nv_vport_stats, &id);

	if (s) {
		s->rx_packets += 1;
		s->rx_bytes += bytes;
	}
}

#endif
