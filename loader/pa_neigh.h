/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The underlay neighbours of the remote PAs, kept resolved before the data
 * path needs them.  The TC transmit program cannot resolve a neighbour for
 * what it clones (head-end replication, W-9) or for non-IP frames (ARP
 * replies): bpf_clone_redirect wants the MACs, and bpf_redirect_neigh only
 * takes IP skbs.  Without this, a PA that never sent us a frame got no
 * copies until it did.
 *
 * For each PA of a lookup record nvgred asks the kernel for its route (as
 * the transmit program's bpf_fib_lookup does: out of the underlay, from our
 * PA) and, where the next hop has no neighbour entry, creates one that is
 * "managed" (NTF_EXT_MANAGED, Linux 5.16: the kernel resolves it and keeps it
 * resolved), marked with our protocol number; every path of a multipath
 * route gets one.  Entries of others (the
 * kernel's own, a routing daemon's, an operator's) are never modified; a
 * dynamic one that is not resolved only gets a resolution started.  Only
 * our managed entries are ever deleted.  Resolved MACs go into nv_pa_macs,
 * which the transmit program uses where bpf_fib_lookup declines
 * (forwarding off).  Neighbour events keep nv_pa_macs current; route events
 * and configuration changes bring a full pass, as does PA_NEIGH_PERIOD_S.
 */
#ifndef NVGRED_PA_NEIGH_H
#define NVGRED_PA_NEIGH_H

#include <time.h>
#include <nvgre/maps.h>

/* NDA_PROTOCOL of our entries: `ip neigh show proto 78` lists them. */
#define PA_NEIGH_PROTO		78
#define PA_NEIGH_PERIOD_S	30	/* full pass: failed resolutions, missed events */
#define PA_NEIGH_DEBOUNCE_MS	200	/* after a change: one pass for a burst ... */
#define PA_NEIGH_MIN_GAP_MS	1000	/* ... and no more than one a second */
#define PA_NEIGH_EVENT_READS	64	/* event reads per wake-up: control stays served */
#define PA_NEIGH_MAX_PATHS	16	/* of one multipath route: each gets its neighbour */

struct nvgred;

/* One path of a route: where it leaves and the neighbour it goes to. */
struct pa_path {
	union nvgre_ip nh;
	int ifindex;
};

/*
 * A PA and a neighbour that stands for it: itself, or its router.  A PA
 * behind a multipath route has one per path: the data path may take any of
 * them (bpf_fib_lookup hashes the flow), so each is kept resolved; the
 * first one's MAC goes into nv_pa_macs.
 */
struct pa_nexthop {
	union nvgre_ip pa, nh;
	int ifindex;		/* 0: no route */
	int alt;		/* another path of a multipath route: not in nv_pa_macs */
};

struct pa_neigh {
	int fd;				/* neighbour and route events; -1: none */
	struct pa_nexthop *hops;	/* from the last pass, sorted by PA (then path) */
	struct pa_nexthop *by_nh;	/* the same, sorted by (ifindex, nh) */
	size_t n_hops;
	int dirty;			/* something changed since the last pass */
	struct timespec changed;	/* when it first did */
	struct timespec last;		/* the last pass */
	int mac_ifindex;		/* our MAC on it, cached for a pass */
	__u8 mac[6];
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
