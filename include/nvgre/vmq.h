/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libnvgre-vmq: the consumer side of an xsk vport (SPEC VMQ-1..4), for a VM
 * backend or any program that wants a tenant adapter's frames in user space.
 *
 * nvgred creates the AF_XDP sockets and their UMEM and hands them over its
 * consumer socket (SCM_RIGHTS) to a process it allows (vport add ... owner):
 *
 *  - receive: one socket per vport queue, receive-only (no TX ring), all
 *    sharing one UMEM (a memfd mapped here).  Each frame arrives
 *    decapsulated with its struct nvgre_xdp_meta.  The sockets are bound to
 *    the vport's own veth, not the underlay: the underlay's XDP program
 *    redirects the vport's frames there (the kernel allows one UMEM per
 *    device queue, and each vport has its own, for isolation).  Frames the data path
 *    serves in software (broadcast, vmq or nvgre off, local senders, ARP/ND
 *    proxy answers) come through the vport's software channel, a BPF ring
 *    buffer, and out of the same nvgre_vmq_recv.
 *  - transmit: one socket bound to that veth, whose other end runs the same
 *    TC transmit program as a netdev vport (anti-spoofing, lookup, proxy,
 *    encapsulation, PMTU): what the consumer sends cannot bypass the policy.
 *    The library does what that path cannot do for AF_XDP frames: LSO/USO
 *    segmentation and checksum completion (include/nvgre/segment.h).
 *
 * The queue set is leased: it stays open while the connection to nvgred
 * does.  When the consumer exits (or calls nvgre_vmq_close) nvgred empties
 * its XSKMAP slots and its software channel at once, so nothing is
 * delivered to a dead consumer's sockets.
 *
 * One thread per struct nvgre_vmq (no locking inside).  Functions return
 * 0 (or a count) or a negative errno, and fill err where they take one.
 *
 * A VM backend's loop (link with build/libnvgre-vmq.a -lbpf -ljson-c):
 *
 *	struct nvgre_vmq *q;
 *	struct nvgre_vmq_frame f[64];
 *	char err[256];
 *
 *	if (nvgre_vmq_open(NULL, "vm1", &q, err, sizeof(err)))
 *		errx(1, "%s", err);
 *	for (;;) {
 *		int n = nvgre_vmq_recv(q, f, 64, -1);	// or poll nvgre_vmq_fd(q)
 *
 *		if (n < 0)
 *			break;			// -ENOTCONN: the lease ended
 *		for (int i = 0; i < n; i++)
 *			to_guest(f[i].data, f[i].len, &f[i].meta);
 *		nvgre_vmq_release(q, f, n);
 *		// a guest frame, with its TSO request:
 *		struct nvgre_vmq_tx req = { NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, mss };
 *		nvgre_vmq_send(q, frame, len, &req);
 *		nvgre_vmq_flush(q);
 *	}
 *	nvgre_vmq_close(q);
 *
 * nvgre-vmq (loader/nvgre_vmq.c, its "tap" command) is a complete example.
 */
#ifndef NVGRE_VMQ_H
#define NVGRE_VMQ_H

#include <stddef.h>
#include <linux/types.h>
#include "meta.h"

#define NVGRE_DEFAULT_VMQ_SOCKET	"/run/nvgre/nvgred-vmq.sock"

struct nvgre_vmq;

struct nvgre_vmq_info {
	char vport[32];
	__u32 vsid;
	__u8 mac[6];
	int queues;		/* Q: vport queues (VMMQ), a receive socket each */
	int mtu;		/* tenant MTU: the largest frame sent without LSO is mtu + 14 */
	int zerocopy;		/* the receive sockets are bound in zero-copy mode */
	char tx_ifname[16];	/* the veth the transmit socket is bound to */
};

/* A received frame; data stays valid until nvgre_vmq_release. */
struct nvgre_vmq_frame {
	const __u8 *data;
	__u32 len;
	struct nvgre_xdp_meta meta;	/* NVGRE_META_F_SW_PATH: from the software channel */
	/* software channel only (else 0): a GSO frame larger than the MTU, and
	 * an L4 checksum still to finish (virtio's NEEDS_CSUM) */
	__u16 gso_size;
	__u8 gso_type;			/* NVGRE_SW_GSO_* */
	__u8 csum_partial;
	__u16 csum_start, csum_offset;
	__u64 priv;			/* the library's: where the frame lives */
};

/* What nvgre_vmq_send does for the consumer before the frame leaves. */
#define NVGRE_VMQ_TX_CSUM	(1u << 0)	/* complete IPv4 and L4 checksums (CSUM-TX-1) */
#define NVGRE_VMQ_TX_SEGMENT	(1u << 1)	/* LSO/USO: segment to mss (LSO-1..3, USO-1) */

struct nvgre_vmq_tx {
	__u32 flags;		/* NVGRE_VMQ_TX_* */
	__u16 mss;		/* NVGRE_VMQ_TX_SEGMENT: L4 payload bytes per segment */
};

struct nvgre_vmq_stats {
	__u64 rx_frames, rx_bytes;	/* all frames received */
	__u64 rx_sw_frames;		/* of which through the software channel */
	__u64 rx_kernel_dropped;	/* kernel: no fill-ring buffer or rx ring full (XDP_STATISTICS) */
	__u64 tx_frames, tx_bytes;	/* frames handed to the transmit socket */
	__u64 tx_segmented;		/* frames nvgre_vmq_send segmented (LSO/USO) */
	__u64 tx_refused;		/* frames nvgre_vmq_send refused */
	__u64 rx_queue_frames[NVGRE_VMQ_MAX_QUEUES];	/* per vport queue (meta.queue) */
};

/*
 * Open vport's queue set through nvgred's consumer socket (NULL:
 * NVGRE_DEFAULT_VMQ_SOCKET).  Refused (-EACCES) unless the caller is root or
 * the vport's owner, -EBUSY if another consumer has it open, -ENOENT for no
 * such xsk vport; err then says why in nvgred's words.
 */
int nvgre_vmq_open(const char *socket_path, const char *vport, struct nvgre_vmq **out,
		   char *err, size_t errlen);
void nvgre_vmq_close(struct nvgre_vmq *q);

const struct nvgre_vmq_info *nvgre_vmq_info(const struct nvgre_vmq *q);

/* An fd that polls readable when frames wait or the lease has ended (epoll). */
int nvgre_vmq_fd(const struct nvgre_vmq *q);

/*
 * Up to max frames, waiting up to timeout_ms (0: not at all, -1: forever)
 * when none wait: first by looking again for NVGRE_VMQ_SPIN_US (frames come
 * in batches, and waking a sleeping receiver for each costs the kernel more
 * than the batch), then asleep.  Returns the count (0 on timeout), or
 * -ENOTCONN once nvgred has ended the lease (the vport was deleted, or
 * nvgred stopped).  Every frame returned must be given back with
 * nvgre_vmq_release.  A consumer that polls nvgre_vmq_fd itself does well
 * to do the same.
 */
#define NVGRE_VMQ_SPIN_US	50
int nvgre_vmq_recv(struct nvgre_vmq *q, struct nvgre_vmq_frame *frames, int max, int timeout_ms);
void nvgre_vmq_release(struct nvgre_vmq *q, const struct nvgre_vmq_frame *frames, int n);

/*
 * Send one Ethernet frame (copied; the caller keeps it).  req may be NULL
 * (sent as is).  With NVGRE_VMQ_TX_SEGMENT a TCP or UDP frame whose payload
 * exceeds mss leaves as several frames.  Returns the number of frames queued,
 * -EMSGSIZE for a frame larger than the MTU without segmentation, -EINVAL
 * for a frame the segmenter refuses, -EAGAIN when the transmit ring is
 * full (call nvgre_vmq_flush, then retry).  Queued frames go out on
 * nvgre_vmq_flush or when the ring fills.
 */
int nvgre_vmq_send(struct nvgre_vmq *q, const void *frame, size_t len,
		   const struct nvgre_vmq_tx *req);
/* Kick the transmit socket and take back completed buffers. */
int nvgre_vmq_flush(struct nvgre_vmq *q);

void nvgre_vmq_get_stats(struct nvgre_vmq *q, struct nvgre_vmq_stats *s);

#endif
