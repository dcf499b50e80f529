/* SPDX-License-Identifier: GPL-2.0 */
/* What every data path program needs: config access and TC verdicts. */
#ifndef NVGRE_COMMON_BPF_H
#define NVGRE_COMMON_BPF_H

#include "counters.bpf.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
/*
 * Delivered elsewhere (a software channel): the skb is consumed, not
 * dropped (cls_bpf: consume_skb, no drop statistics).  TCX knows no such
 * verdict (it would run the next program): the programs are attached
 * with cls_bpf.
 */
#define TC_ACT_STOLEN	4

static __always_inline struct nvgre_config *dp_config(void)
{
	__u32 zero = 0;
	struct nvgre_config *cfg = bpf_map_lookup_elem(&nv_config, &zero);

	/* Until nvgred has set up the maps, nothing is ours. */
	if (!cfg || cfg->layout_version != NVGRE_MAP_LAYOUT_VERSION)
		return NULL;
	return cfg;
}

/* The lookup record (VSID, MAC) in the current table of nv_routes. */
static __always_inline struct nvgre_route *route_lookup(const struct nvgre_mac_key *key)
{
	__u32 zero = 0;
	void *table = bpf_map_lookup_elem(&nv_routes, &zero);

	return table ? bpf_map_lookup_elem(table, key) : NULL;
}

#endif
