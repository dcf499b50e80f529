/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-frame metadata placed in front of every frame steered to an AF_XDP
 * vport (SPEC PARSE-2, CSUM-RX-2, RSS-1).  The kernel allows at most 32 bytes
 * of XDP metadata; magic and version sit last, right before the frame, so a
 * consumer finds them at (frame - 4) and can reject a layout it does not know.
 */
#ifndef NVGRE_META_H
#define NVGRE_META_H

#include "compat.h"

#define NVGRE_META_MAGIC	0x4e56	/* "NV" */
#define NVGRE_VMQ_MAX_QUEUES	64	/* queues of an xsk vport (meta.queue < this) */
#define NVGRE_META_VERSION	1

/* csum field: two 2-bit results. */
#define NVGRE_CSUM_NOT_CHECKED	0
#define NVGRE_CSUM_OK		1
#define NVGRE_CSUM_BAD		2
#define NVGRE_CSUM_IP(x)	((x) & 3)		/* every IPv4 header checksum (OK: all checked) */
#define NVGRE_CSUM_L4(x)	(((x) >> 2) & 3)	/* inner TCP/UDP/ICMP/ICMPv6 */
#define NVGRE_CSUM_MAKE(ip, l4)	((__u8)((ip) | (l4) << 2))

/* rss_type: which tuple the hash covers (RSS-1, RSS-2). */
#define NVGRE_RSS_NONE		0	/* rss off: hash is 0 */
#define NVGRE_RSS_INNER_4TUPLE	1
#define NVGRE_RSS_INNER_2TUPLE	2
#define NVGRE_RSS_OUTER_2TUPLE	3

/* flags */
#define NVGRE_META_F_SW_PATH	(1u << 0)	/* came through the software channel */
#define NVGRE_META_F_MCAST	(1u << 1)	/* inner destination is multicast */

/* Software channel frames (maps.h struct nvgre_sw_hdr, vmq.h): their GSO type. */
#define NVGRE_SW_GSO_NONE	0
#define NVGRE_SW_GSO_TCP	1	/* TCP segmentation, IPv4 or IPv6 */
#define NVGRE_SW_GSO_UDP	2	/* UDP L4 segmentation (USO) */

struct nvgre_xdp_meta {
	__u32 rss_hash;
	__u32 vsid;		/* 24-bit VSID */
	__u8  flowid;
	__u8  rss_type;
	__u8  inner_ipver;	/* 4, 6, or 0 when not IP */
	__u8  l4_proto;		/* IPPROTO_*, 0 when not found */
	__u16 l3_off;		/* inner IP header, from the frame start */
	__u16 l4_off;		/* inner L4 header, 0 when not found */
	__u8  csum;		/* NVGRE_CSUM_MAKE(ip, l4) */
	__u8  flags;
	__u16 queue;		/* vport queue (VMMQ) the frame was steered to */
	__u32 reserved[2];
	__u16 magic;		/* NVGRE_META_MAGIC */
	__u8  version;		/* NVGRE_META_VERSION */
	__u8  size;		/* sizeof(struct nvgre_xdp_meta) */
};

_Static_assert(sizeof(struct nvgre_xdp_meta) == 32, "XDP metadata is limited to 32 bytes");

#endif
