/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The underlay neighbours of the remote PAs, kept resolved before the data
 * path needs them.  The TC transmit program cannot resolve a neighbour for
 * what it clones (head-end replication, W-9) or for non-IP frames (ARP
 * replies): bpf_clone_redirect wants the MACs, and bpf_redirect_neigh only
 * takes IP skbs.  Without this, a PA that never sent us a frame got no
 * replicas until it did.
 *
 * For each PA of a lookup record nvgred asks the kernel for its route and
 * makes the next hop's neighbour entry "managed" (NTF_EXT_MANAGED: the
 * kernel resolves it and keeps it resolved; bpf_fib_lookup sees it), marked
 * with our protocol number so nvgred can remove what it made.  Resolved
 * MACs go into nv_pa_macs, which the transmit program uses where
 * bpf_fib_lookup declines (forwarding off).  Neighbour events keep
 * nv_pa_macs current; a full pass runs after configuration changes and
 * every PA_NEIGH_PERIOD_S.
 */
#ifndef NVGRED_PA_NEIGH_H
#define NVGRED_PA_NEIGH_H

#include <time.h>
#include <nvgre/maps.h>

/* NDA_PROTOCOL of our entries: `ip neigh show proto 78` lists them. */
#define PA_NEIGH_PROTO		78
#define PA_NEIGH_PERIOD_S	30	/* full pass: new routes, failed resolutions */
#define PA_NEIGH_DEBOUNCE_MS	200	/* after a change: one pass for a burst */

struct nvgred;

/* A PA and the neighbour that stands for it: itself, or its router. */
struct pa_nexthop {
	union nvgre_ip pa, nh;
	int ifindex;
	int resolved;		/* nv_pa_macs holds its MACs */
};

struct pa_neigh {
	int fd;				/* RTMGRP_NEIGH events; -1: none */
	struct pa_nexthop *hops;	/* from the last pass */
	size_t n_hops;
	int dirty;			/* records changed since the last pass */
	struct timespec last;		/* of the last pass */
};

int pa_neigh_open(struct pa_neigh *pn);
void pa_neigh_close(struct pa_neigh *pn);

/* The PAs may have changed: a pass soon. */
void pa_neigh_changed(struct pa_neigh *pn);
/* Milliseconds until the next pass is due (for poll), 0: now. */
int pa_neigh_due_ms(const struct pa_neigh *pn);
/* The full pass: managed entries for every record PA, stale ones removed. */
void pa_neigh_sync(struct pa_neigh *pn, struct nvgred *d);
/* Read pending neighbour events: resolved next hops into nv_pa_macs. */
void pa_neigh_events(struct pa_neigh *pn, struct nvgred *d);
/* Remove every neighbour entry nvgred made (--teardown). */
void pa_neigh_remove_all(void);

#endif
