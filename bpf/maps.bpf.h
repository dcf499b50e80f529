/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps of the data path.  State maps are pinned by name so the receive and
 * transmit objects and a restarted nvgred share them (DESIGN: lifecycle).
 */
#ifndef NVGRE_MAPS_BPF_H
#define NVGRE_MAPS_BPF_H

#include <nvgre/maps.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nvgre_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nvgre_rss_table);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_rss SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_VSIDS);
	__type(key, __u32);
	__type(value, struct nvgre_vsid);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_vsids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_VPORTS);
	__type(key, struct nvgre_mac_key);
	__type(value, struct nvgre_vport);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_vports SEC(".maps");

/*
 * Lookup records: a one-slot array of maps, so route import --replace
 * can build a whole new table and switch to it in one update.  libnvgre
 * creates the first table.
 */
struct nv_routes_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* sizes, not types: an object that only reads through a pointer
	 * carries struct nvgre_route as a forward declaration only */
	__uint(key_size, sizeof(struct nvgre_mac_key));
	__uint(value_size, sizeof(struct nvgre_route));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nv_routes_table);	/* last: a flexible array */
} nv_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_VSID_PAS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nvgre_vsid_pa_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_vsid_pas SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_VPORTS);
	__type(key, __u32);
	__type(value, struct nvgre_vport_tx);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_vport_if SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_CUSTOMER_IPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nvgre_ip_key);
	__type(value, struct nvgre_ip_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_ips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NVGRE_MAX_PA_MACS);
	__type(key, union nvgre_ip);
	__type(value, struct nvgre_pa_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_pa_macs SEC(".maps");

/* The PA this CPU learned last: most frames come from it, no LRU work then. */
struct nvgre_pa_mac_last {
	union nvgre_ip pa;
	struct nvgre_pa_mac m;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nvgre_pa_mac_last);
} nv_pa_mac_last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NVGRE_EVENTS_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_events SEC(".maps");

/* Token bucket per CPU for the ICMP errors of W-7 (not pinned: soft state). */
struct nvgre_ratelimit {
	__u64 last_ns;
	__u64 tokens;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nvgre_ratelimit);
} nv_icmp_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, NVGRE_MAX_XSK_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_xsks SEC(".maps");

/*
 * xsk vports with an open queue set: vport id -> the host end of its veth.
 * Not pinned: no lease outlives nvgred, and libbpf 1.1 cannot reuse a
 * pinned devmap (the kernel adds BPF_F_RDONLY_PROG to its flags).
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, NVGRE_MAX_VPORTS);
	__type(key, __u32);
	__type(value, __u32);
} nv_vport_devs SEC(".maps");

/* The consumer end of an xsk vport's veth (ifindex) -> vport id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVGRE_MAX_VPORTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_xsk_devs SEC(".maps");

/* VMQ-4 software channels: a ring buffer per xsk vport, by vport id (maps.h). */
struct nv_sw_channel {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NVGRE_SW_CHANNEL_SIZE);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NVGRE_MAX_VPORTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct nv_sw_channel);	/* last: a flexible array */
} nv_sw_channels SEC(".maps");

/* A software channel record being built: bpf_ringbuf_output needs it whole. */
struct nvgre_sw_rec {
	struct nvgre_sw_hdr hdr;
	__u8 frame[NVGRE_SW_MAX_FRAME];
};

/*
 * One record per CPU, indexed by bpf_get_smp_processor_id(): too big for a
 * per-CPU array (32 KB values at most).  libnvgre sets max_entries to the
 * number of possible CPUs.  Not pinned: soft state.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nvgre_sw_rec);
} nv_sw_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NVGRE_DROP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NVGRE_COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NVGRE_MAX_VSIDS);
	__type(key, __u32);
	__type(value, struct nvgre_vsid_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_vsid_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NVGRE_MAX_VPORTS);
	__type(key, __u32);
	__type(value, struct nvgre_vport_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_vport_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NVGRE_MAX_XSK_ENTRIES);
	__type(key, __u32);
	__type(value, struct nvgre_xsk_queue_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_xsk_queue_stats SEC(".maps");

#endif
