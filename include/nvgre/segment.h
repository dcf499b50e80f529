/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space segmentation and checksum completion of tenant Ethernet frames
 * (SPEC LSO-1..3, USO-1, CSUM-TX-1), for AF_XDP vport queue consumers: the
 * data path can neither segment nor finish checksums of AF_XDP frames
 * (LSO-4), so the sender does it before handing frames to the queue.
 *
 * Frames are plain Ethernet frames (no 802.1Q tag) carrying IPv4 or IPv6.
 * Lengths are taken from the IP header; Ethernet padding after the IP packet
 * is ignored and never copied into an emitted segment.  Neither function
 * reads (or writes) a byte at or beyond frame + len.
 *
 * IPv6 extension headers: hop-by-hop options (0), destination options (60)
 * and routing headers (43) with Segments Left 0 are walked and, when
 * segmenting, copied unchanged into every segment.  A routing header with
 * Segments Left > 0 (the pseudo-header would need the final destination
 * from inside it), a fragment header (44), AH (51), ESP (50) and every other
 * next header before the L4 header make the frame -EINVAL.  The jumbogram
 * form (payload length 0) is not handled either.
 *
 * UDP checksum 0 (RFC 768, RFC 8200 section 8.1, CSUM-TX-1):
 *  - over IPv4, a UDP checksum field of 0 on input means "no checksum" and
 *    stays 0 (in every segment).  Any other input value requests a checksum:
 *    it is overwritten with the computed one.  A consumer that wants a
 *    checksum therefore leaves anything non-zero in the field (0xffff, or
 *    the pseudo-header sum a CHECKSUM_PARTIAL producer puts there);
 *  - over IPv6 the checksum is mandatory: always computed, whatever the
 *    field held;
 *  - a computed UDP checksum of 0 is sent as 0xffff (both versions).
 * TCP, ICMP and ICMPv6 checksums and the IPv4 header checksum are always
 * computed; the input fields are ignored.
 */
#ifndef NVGRE_SEGMENT_H
#define NVGRE_SEGMENT_H

#include <linux/types.h>
#include <stddef.h>

/* Bytes of Ethernet + IP (with options / extension headers) + L4 header. */
#define NVGRE_SEG_HDR_MAX	512
/* Largest mss nvgre_segment takes (jumbo frames). */
#define NVGRE_SEG_MSS_MAX	9216
/* Largest emitted segment. */
#define NVGRE_SEG_MAX		(NVGRE_SEG_HDR_MAX + NVGRE_SEG_MSS_MAX)

/*
 * Fill in the IPv4 header checksum (if IPv4) and the TCP, UDP, ICMP or
 * ICMPv6 checksum of the Ethernet frame in place (CSUM-TX-1; UDP 0 rule
 * above).  The UDP checksum covers the UDP length field's bytes, which must
 * lie within the IP packet.
 *
 * Returns 0, or -EINVAL for a frame it cannot handle: truncated or
 * inconsistent lengths, a VLAN tag or non-IP EtherType, an IPv4 fragment
 * (MF or offset set), an IPv6 fragment / unsupported extension header (see
 * above), or another L4 protocol.  On -EINVAL the frame is left unchanged.
 */
int nvgre_csum_complete(__u8 *frame, size_t len);

/*
 * Segment a TCP (LSO) or UDP (USO) Ethernet frame into frames of at most
 * mss L4 payload bytes each and hand each to emit(seg, seg_len, ctx); only
 * the last segment may be shorter.  seg points to a buffer on
 * nvgre_segment's stack, valid only during the call: emit copies it out.
 * Every segment is a complete frame: the Ethernet header, the IP header with
 * its options (IPv4) or extension headers (IPv6), and the TCP header with
 * its options or a UDP header, all copied unchanged except for:
 *
 *  IPv4: total length; ID = original ID + segment index (mod 2^16, LSO-3,
 *        USO-1); header checksum recomputed.
 *  IPv6: payload length.
 *  TCP (LSO-2, LSO-3): sequence number = original + payload bytes before
 *        this segment (mod 2^32); FIN and PSH kept only on the last segment,
 *        CWR only on the first; ACK, ECE, NS/AE and the reserved bits, the
 *        window, the ack number and the options on all; checksum recomputed.
 *  UDP (USO-1): each segment a datagram with its own length and checksum
 *        (computed, or 0 if the input was 0 over IPv4).
 *
 * A frame whose payload fits in mss (including an empty payload) is emitted
 * once, with checksums completed (as nvgre_csum_complete) and without any
 * Ethernet padding.  The input frame is never modified.
 *
 * Refused with -EINVAL when segmentation is needed (payload > mss):
 *  - SYN: a SYN's data must fit one segment (the receiver's MSS is not
 *    known before the handshake);
 *  - RST: one reset with data, never several;
 *  - URG: the urgent pointer would have to be rewritten per segment; urgent
 *    data is legacy (RFC 6093), so senders must not combine it with LSO.
 * These flags pass unchanged on a frame sent as one segment.
 *
 * Also -EINVAL: everything nvgre_csum_complete refuses, an L4 protocol other
 * than TCP or UDP, a UDP length that differs from the IP payload after the
 * extension headers, headers longer than NVGRE_SEG_HDR_MAX, and mss 0 or
 * above NVGRE_SEG_MSS_MAX.  Frames are up to 64 KiB (IP length fields).
 *
 * emit returns 0 to go on; any other value stops segmentation and is
 * returned as is (use a negative errno).  Returns the number of segments
 * emitted (>= 1) or a negative errno.  Nothing is emitted when the frame is
 * refused.  No allocation: one stack buffer of NVGRE_SEG_MAX bytes.
 */
int nvgre_segment(const __u8 *frame, size_t len, unsigned int mss,
		  int (*emit)(const __u8 *seg, size_t seg_len, void *ctx),
		  void *ctx);

#endif
