/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Opening an xsk vport's queue set for a consumer (include/nvgre/vmq.h has
 * the consumer's side): nvgred creates the UMEM (a sealed memfd) and the
 * AF_XDP sockets, puts the receive sockets into the XSKMAP and a ring
 * buffer into the vport's software channel slot, and hands the fds over.
 * The lease lasts as long as the consumer's connection.
 */
#ifndef NVGRED_VMQ_OPEN_H
#define NVGRED_VMQ_OPEN_H

#include "daemon.h"

struct ucred;

#define VMQ_FRAME_SIZE		4096
#define VMQ_RING		2048	/* rx, fill, tx and completion rings (UMEM: 4x, 32 MB) */
#define VMQ_MAX_FDS		253	/* SCM_MAX_FD */

/*
 * Open v for the peer cr.  On success fds[0..*nfds) are the fds to hand
 * over (the caller closes them once sent) and *reply describes them; the
 * vport is leased.  Else a negative errno and err says why.
 */
int vmq_open(struct nvgred *d, struct vport_rec *v, const struct ucred *cr,
	     json_object **reply, int *fds, int *nfds, char *err, size_t errlen);
/*
 * "vport open NAME" from the consumer connection conn_fd: vmq_open, and the
 * vport remembers its lease.  Returns the vport id, or a negative errno
 * (-ENOENT: no such vport) with err set.
 */
int vmq_lease_begin(struct nvgred *d, const char *name, const struct ucred *cr, int conn_fd,
		    json_object **reply, int *fds, int *nfds, char *err, size_t errlen);
/* The connection conn_fd holding vport id's lease closed. */
void vmq_lease_end(struct nvgred *d, int id, int conn_fd);
/* End v's lease: empty its XSKMAP slots and its software channel. */
void vmq_release(struct nvgred *d, struct vport_rec *v);
/*
 * The socket statistics (XDP_STATISTICS: ring full, no fill buffer) of
 * queue q of a leased vport: 0, or -ENOENT when it is not open.
 */
struct xdp_statistics;
int vmq_queue_socket_stats(const struct vport_rec *v, int q, struct xdp_statistics *st);
/* At start: no lease survives a restart, so no slot may keep a socket. */
void vmq_release_all(struct nvgred *d);

#endif
