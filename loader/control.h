/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control socket: unix stream, newline-delimited JSON (include/nvgre/ctl.h).
 * Never blocks: each client has its own input and output buffer, a client
 * that sends too much or does not read its replies is disconnected, and
 * when every slot is taken the longest-idle client makes room.
 */
#ifndef NVGRED_CONTROL_H
#define NVGRED_CONTROL_H

#include <poll.h>
#include "daemon.h"

#define CONTROL_MAX_CLIENTS	256
#define CONTROL_MAX_LINE	(64u << 20)	/* a route import of ~1M records */
#define CONTROL_BUF_KEEP	(1u << 20)	/* an idle client's buffers beyond this are freed */
#define CONTROL_MAX_OUT		(256u << 20)	/* route list --json of a million records */
#define CONTROL_MAX_MONITOR_OUT	(4u << 20)	/* events a monitor has not read: then it goes */
#define CONTROL_MAX_CONSUMERS	64		/* of the clients, on the consumer socket */
#define CONTROL_MAX_CONSUMER_LINE 4096		/* "vport open NAME" and some room */

struct client {
	int fd;
	char *in, *out;
	size_t in_len, in_cap, out_len, out_off, out_cap;
	int monitor;
	int consumer;		/* accepted on the consumer socket: vport open only */
	int lease;		/* the id of the vport whose queue set this connection holds */
	int eof;		/* the client closed its side: answer, then close */
	int dead;		/* to be closed once nothing uses it any more */
	long long last;		/* last activity (monotonic ms): who to evict when full */
};

struct control {
	int listen_fd;		/* the control socket (root and group nvgre) */
	int vmq_fd;		/* the consumer socket (anyone; vport open only) */
	const char *path, *vmq_path;
	const char *failed_path;	/* control_open: the one that failed */
	struct client clients[CONTROL_MAX_CLIENTS];
	struct nvgred *d;
};

int control_open(struct control *c, struct nvgred *d, const char *path, const char *vmq_path);
void control_close(struct control *c);
/* Fill pollfds (the two listening sockets first); returns how many. */
int control_pollfds(struct control *c, struct pollfd *fds, int max);
void control_handle(struct control *c, const struct pollfd *fds, int n);
/* Send an event line to every monitor client. */
void control_event(struct control *c, json_object *event);

#endif
