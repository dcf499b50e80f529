// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The customer IPs of each (VSID, MAC) (ip_index.h). */
#define _GNU_SOURCE	/* tdestroy */
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "ip_index.h"

struct ip_index_entry {
	__u32 vsid;
	__u8 mac[6];
	__u16 n;
	union nvgre_ip ips[];	/* n, allocated to fit */
};

static int entry_cmp(const void *a, const void *b)
{
	const struct ip_index_entry *x = a, *y = b;

	if (x->vsid != y->vsid)
		return x->vsid < y->vsid ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

static struct ip_index_entry **slot_of(const struct ip_index *x, __u32 vsid, const __u8 mac[6])
{
	struct ip_index_entry key = { .vsid = vsid };

	memcpy(key.mac, mac, 6);
	return tfind(&key, &x->root, entry_cmp);
}

void ip_index_add(struct ip_index *x, __u32 vsid, const __u8 mac[6], const union nvgre_ip *ip)
{
	struct ip_index_entry *e = malloc(sizeof(*e) + sizeof(*ip)), **slot, *old;
	int i;

	if (!e) {
		x->broken = 1;
		return;
	}
	e->vsid = vsid;
	memcpy(e->mac, mac, 6);
	e->n = 1;
	e->ips[0] = *ip;
	slot = tsearch(e, &x->root, entry_cmp);	/* one walk: found, or e put in */
	if (!slot) {
		free(e);
		x->broken = 1;
		return;
	}
	if (*slot == e) {
		x->macs++;
		return;
	}
	free(e);
	old = *slot;
	for (i = 0; i < old->n; i++)
		if (!memcmp(&old->ips[i], ip, sizeof(*ip)))
			return;
	e = realloc(old, sizeof(*e) + (old->n + 1) * sizeof(*ip));
	if (!e) {
		x->broken = 1;
		return;
	}
	e->ips[e->n++] = *ip;
	*slot = e;	/* the same key: the tree's order holds */
}

void ip_index_del(struct ip_index *x, __u32 vsid, const __u8 mac[6], const union nvgre_ip *ip)
{
	struct ip_index_entry **slot = slot_of(x, vsid, mac), *e;
	int i;

	if (!slot)
		return;
	e = *slot;
	for (i = 0; i < e->n; i++)
		if (!memcmp(&e->ips[i], ip, sizeof(*ip)))
			break;
	if (i == e->n)
		return;
	e->ips[i] = e->ips[--e->n];
	if (e->n)
		return;
	tdelete(e, &x->root, entry_cmp);
	free(e);
	x->macs--;
}

int ip_index_get(const struct ip_index *x, __u32 vsid, const __u8 mac[6], union nvgre_ip *ips,
		 int max)
{
	struct ip_index_entry **slot = slot_of(x, vsid, mac);
	int i;

	if (!slot)
		return 0;
	for (i = 0; i < (*slot)->n && i < max; i++)
		ips[i] = (*slot)->ips[i];
	return (*slot)->n;
}

void ip_index_free(struct ip_index *x)
{
	tdestroy(x->root, free);
	x->root = NULL;
	x->macs = 0;
	x->broken = 0;
}
