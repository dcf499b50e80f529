/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The tap side of nvgre-vmq tap: a tap device opened with IFF_VNET_HDR, and
 * the translation between an xsk vport's frames (struct nvgre_vmq_frame,
 * struct nvgre_vmq_tx) and the virtio_net_hdr in front of every frame on the
 * tap's file descriptor.
 *
 * Roles: writing to the tap fd makes the frame arrive on the tap device
 * (the tenant's adapter, whose stack receives it); what the tenant's stack
 * sends out of the tap device is read from the fd.  So frames from the vport
 * queue are written with the header a virtio device gives its driver
 * (DATA_VALID, NEEDS_CSUM), and frames read from the tap carry the header a
 * driver gives its device (NEEDS_CSUM, GSO), which becomes the
 * nvgre_vmq_send request.
 *
 * Header: struct virtio_net_hdr_v1, 12 bytes (TUNSETVNETHDRSZ 12), fields
 * little-endian (TUNSETVNETLE), as virtio 1.0.  num_buffers is written as
 * 0 and ignored on reads.
 */
#ifndef NVGRE_VMQ_TAP_H
#define NVGRE_VMQ_TAP_H

#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include <linux/virtio_net.h>
#include <nvgre/vmq.h>

/* Not in the 6.1 uapi headers this builds against (Linux 6.2 added them). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

#define VMQ_TAP_HDR_LEN		((int)sizeof(struct virtio_net_hdr_v1))
/*
 * A read buffer: the header and the largest GSO frame the tap hands out
 * (64 KiB of IP packet, an Ethernet header, a VLAN tag), with room to spare
 * so a longer one shows up as too long instead of being cut silently.
 */
#define VMQ_TAP_BUF_LEN		(VMQ_TAP_HDR_LEN + 2 * 65536)

/* ---- pure translation (unit-tested in tests/test_vmq_tool.c) ---------- */

/* vmq_tap_rx_hdr's answer: write the frame with *h, or segment it first. */
#define VMQ_TAP_RX_WRITE	0
#define VMQ_TAP_RX_SEGMENT	1

/*
 * The header to write a received frame with:
 *  - a software-channel GSO frame (gso_size != 0): VMQ_TAP_RX_SEGMENT, to
 *    be cut into gso_size segments by nvgre_segment, each written with *h
 *    (DATA_VALID: nvgre_segment has computed every checksum);
 *  - csum_partial: NEEDS_CSUM with csum_start and csum_offset (and not
 *    DATA_VALID: the two exclude each other, as in the kernel's
 *    virtio_net_hdr_from_skb);
 *  - L4 checksum validated OK (and no IPv4 header checksum bad): DATA_VALID;
 *  - else no flag: the tenant's stack verifies.
 * Returns VMQ_TAP_RX_WRITE, VMQ_TAP_RX_SEGMENT, or -EINVAL with *why for
 * metadata that cannot be right (a checksum field beyond the frame, an
 * unknown GSO type).
 */
int vmq_tap_rx_hdr(const struct nvgre_vmq_frame *f, struct virtio_net_hdr_v1 *h,
		   const char **why);

/*
 * The nvgre_vmq_send request for a frame read from the tap with header h:
 * GSO TCPV4 (IPv4 frame), TCPV6 (IPv6 frame) or UDP_L4 (either):
 * SEGMENT | CSUM with mss = gso_size; NEEDS_CSUM: CSUM; otherwise none
 * (flags 0).  The ECN bit is accepted (nvgre_segment keeps CWR on the first
 * segment only, as TSO_ECN wants).  Returns 0, or -EINVAL with *why (and
 * *tx zeroed): UFO (legacy GSO_UDP, IP fragmentation), an unknown GSO type
 * (the ECN bit alone included, as the kernel has it), gso_size 0 or above
 * NVGRE_SEG_MSS_MAX, a GSO type whose IP version is not the frame's, a
 * checksum field outside the frame (or starting inside the Ethernet
 * header), a frame shorter than an Ethernet header.  hdr_len and
 * DATA_VALID are hints and ignored.
 */
int vmq_tap_tx_req(const struct virtio_net_hdr_v1 *h, const __u8 *frame, size_t len,
		   struct nvgre_vmq_tx *tx, const char **why);

/* ---- the tap file descriptor ------------------------------------------ */

/*
 * Write one received frame to fd (a tap, or anything that keeps message
 * boundaries), with its header, segmenting GSO frames.  Returns the
 * number of frames written (>= 1), or -errno (with *why for a frame
 * refused by vmq_tap_rx_hdr or nvgre_segment; *why NULL when the write
 * itself failed: errno's message says why).
 */
int vmq_tap_put(int fd, const struct nvgre_vmq_frame *f, const char **why);

/* vmq_tap_get's answers besides -errno (a failed read) */
#define VMQ_TAP_NONE		0	/* nothing to read (EAGAIN) */
#define VMQ_TAP_FRAME		1	/* *frame, *len, *tx filled */
#define VMQ_TAP_REFUSED		2	/* a frame with a header we refuse: *why */

/*
 * Read one frame from fd (non-blocking) into buf (VMQ_TAP_BUF_LEN bytes)
 * and translate its header with vmq_tap_tx_req.
 */
int vmq_tap_get(int fd, __u8 *buf, size_t cap, const __u8 **frame, size_t *len,
		struct nvgre_vmq_tx *tx, const char **why);

/* ---- the tap device ---------------------------------------------------- */

struct vmq_tap_dev {
	int fd;
	char ifname[IFNAMSIZ];
	unsigned int offloads;	/* the TUN_F_* the kernel took */
};

/*
 * Create tap device ifname, or attach to it if it exists in this network
 * namespace, non-blocking, with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, the
 * header above, offloads TUN_F_CSUM | TSO4 | TSO6 | TSO_ECN (| USO4 | USO6
 * when the kernel knows them), MTU mtu, MAC mac (NULL: left alone), and up.
 * Returns 0, or -errno with err saying which step failed.
 */
int vmq_tap_open(const char *ifname, int mtu, const __u8 *mac, struct vmq_tap_dev *t,
		 char *err, size_t errlen);

#endif
