/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The customer IPs of each (VSID, MAC), as nv_ips holds them the other way
 * round (keyed by IP).  Deleting a lookup record or a vport looks its IPs
 * up here instead of walking every entry of nv_ips (0.38 s at a million).
 * datapath.c keeps it at every change of nv_ips and builds it from nv_ips
 * when the maps are opened.  A tree (tsearch) of one small entry per MAC.
 * Out of memory it is marked broken and the caller walks nv_ips instead.
 */
#ifndef NVGRED_IP_INDEX_H
#define NVGRED_IP_INDEX_H

#include <stddef.h>
#include <nvgre/maps.h>

struct ip_index {
	void *root;		/* tsearch tree of struct ip_index_entry * */
	size_t macs;
	int broken;		/* an add failed: no longer complete */
};

void ip_index_add(struct ip_index *x, __u32 vsid, const __u8 mac[6], const union nvgre_ip *ip);
void ip_index_del(struct ip_index *x, __u32 vsid, const __u8 mac[6], const union nvgre_ip *ip);
/* The IPs of (vsid, mac) into ips (room for max): how many there are. */
int ip_index_get(const struct ip_index *x, __u32 vsid, const __u8 mac[6], union nvgre_ip *ips,
		 int max);
void ip_index_free(struct ip_index *x);

#endif
