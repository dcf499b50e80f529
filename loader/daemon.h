/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* nvgred's state: the data path it drives and the objects it manages. */
#ifndef NVGRED_DAEMON_H
#define NVGRED_DAEMON_H

#include <net/if.h>
#include <json-c/json.h>

#include "config.h"
#include "caps.h"
#include "datapath.h"
#include "pa_neigh.h"

#define VPORT_NAME_MAX	32

struct vport_rec {
	int used;
	char name[VPORT_NAME_MAX];
	__u32 vsid;
	__u8 mac[6];
	union nvgre_ip ips[NVGRE_MAX_VPORT_IPS];
	int n_ips;
	char dev[IF_NAMESIZE];		/* netdev vport; "" for xsk */
	int ifindex;
	int xsk_queues;			/* xsk vport: Q */
	int has_owner;			/* xsk vport: owner (a uid) may open it, besides root */
	unsigned int owner;
	int leased;			/* xsk vport: a consumer has its queue set open */
	int lease_fd;			/* ... on this control connection */
	int lease_pid;			/* ... from this process (SO_PEERCRED) */
	int *lease_rx_fds;		/* ... our copies of its receive sockets (statistics) */
	__u32 id;			/* nvgre_vport.id, also the array index */
	int offloads;			/* VPORT_OFF_* last applied to the tenant side, -1 none */
};

struct nvgred {
	struct nvgred_config cfg;
	struct nvgre_dp dp;
	struct nvgred_caps caps;
	const char *config_path, *socket_path, *vmq_socket_path, *pin_dir, *state_path;
	int underlay_ifindex;
	int underlay_mtu_orig;		/* before *EncapOverhead raised it */
	__u32 offload;			/* offload state (ST-1), persisted */
	__u32 offload_config;		/* the offload bits the config asked for, last applied */
	struct vport_rec vports[NVGRE_MAX_VPORTS];	/* index = id; 0 unused */
	int restoring;			/* applying state/config: existing objects are fine */
	/* state file entries that could not be applied (a vport's device
	 * missing at start): saved again as they were, retried on SIGHUP */
	json_object *unrestored;
	int xdp_generic;		/* our XDP program runs in generic mode (xdp.c) */
	int monitors;			/* monitor clients: drop events on while > 0 */
	struct pa_neigh pa_neigh;	/* the remote PAs' underlay neighbours */
	struct {			/* the state file's journal (state.h) */
		int fd;			/* appending; -1: none (the next change saves all) */
		unsigned long long gen;	/* of the state file it continues */
		int entries;
	} journal;
	/* events for monitor clients (control.c) */
	void (*notify)(struct nvgred *d, json_object *event);
};

/* What a request brings besides its argv. */
#define CMD_OUT_TEXT	1	/* the client shows the text */
#define CMD_OUT_JSON	2	/* ... or the result */
struct cmd_request {
	json_object *records;	/* route import: its records */
	int output;		/* CMD_OUT_*: what to build (route list of a million records) */
};

/*
 * Run one command (argv as in DESIGN's command-line contract).  Returns
 * NVGRE_EXIT_OK with *result (and *text for humans) set, or
 * NVGRE_EXIT_USAGE / NVGRE_EXIT_FAILED with a one-line reason in err.
 * rq: NULL for no records and both outputs.
 */
int cmd_run(struct nvgred *d, int argc, const char *const *argv, const struct cmd_request *rq,
	    json_object **result, char **text, char *err, size_t errlen);

/* Check the syntax of "vsid add ...", "route add ..." or "vport add ..." alone. */
int cmd_check(int argc, const char *const *argv, char *err, size_t errlen);

/* Does the command change state (so the state file must be rewritten)? */
int cmd_mutates(int argc, const char *const *argv);

/* Write the derived settings into nv_config: offload, PAs, flags, MTU-derived. */
int daemon_push_config(struct nvgred *d);

/* ST-1: each offload whose state differs from old is logged and sent to monitors. */
void daemon_offload_events(struct nvgred *d, __u32 old);

/* Offer the tenant side of each netdev vport only what the data path can do now. */
void daemon_apply_vport_offloads(struct nvgred *d);

/* The tenant MTU of vports (W-7, KW-1) for outer IPv4 (the smaller one if both). */
int daemon_tenant_mtu(struct nvgred *d);

#include <syslog.h>

/* Split s in place at spaces: the first max words into w[]; how many there are. */
int words_split(char *s, const char **w, int max);

/* Tell systemd's watchdog we are alive, if half its interval passed since
 * the last time: the main loop, and long operations (a million-record
 * import) every so often. */
void daemon_keepalive(void);

void daemon_logp(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define daemon_log(...)  daemon_logp(LOG_INFO, __VA_ARGS__)
#define daemon_warn(...) daemon_logp(LOG_WARNING, __VA_ARGS__)
#define daemon_err(...)  daemon_logp(LOG_ERR, __VA_ARGS__)

#endif
