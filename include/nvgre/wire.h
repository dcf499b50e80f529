/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* NVGRE wire format (RFC 7637, SPEC W-1..W-4, W-7). */
#ifndef NVGRE_WIRE_H
#define NVGRE_WIRE_H

#include "compat.h"

#define NV_ETH_ALEN		6
#define NV_ETH_HLEN		14
#define NV_ETH_P_IP		0x0800
#define NV_ETH_P_ARP		0x0806
#define NV_ETH_P_IPV6		0x86DD
#define NV_ETH_P_8021Q		0x8100
#define NV_ETH_P_8021AD		0x88A8
#define NV_ETH_P_TEB		0x6558	/* Transparent Ethernet Bridging */

#define NV_IPPROTO_HOPOPTS	0
#define NV_IPPROTO_ICMP		1
#define NV_IPPROTO_TCP		6
#define NV_IPPROTO_UDP		17
#define NV_IPPROTO_ROUTING	43
#define NV_IPPROTO_FRAGMENT	44
#define NV_IPPROTO_GRE		47
#define NV_IPPROTO_AH		51
#define NV_IPPROTO_ICMPV6	58
#define NV_IPPROTO_NONE		59
#define NV_IPPROTO_DSTOPTS	60

/* W-1: the only first 16 bits an NVGRE header may have: K=1, all else 0. */
#define NVGRE_FLAGS		0x2000
#define NVGRE_HLEN		8

struct nvgre_hdr {
	__be16 flags;		/* NVGRE_FLAGS */
	__be16 proto;		/* NV_ETH_P_TEB */
	__be32 key;		/* VSID << 8 | FlowID */
};

/* W-7: bytes added to the inner L3 packet (outer IP + GRE + inner Ethernet). */
#define NVGRE_OVERHEAD_IPV4	(20 + NVGRE_HLEN + NV_ETH_HLEN)	/* 42 */
#define NVGRE_OVERHEAD_IPV6	(40 + NVGRE_HLEN + NV_ETH_HLEN)	/* 62 */

/* W-4: VSIDs 0x000000-0x000FFF and 0xFFFFFF are reserved. */
#define NVGRE_VSID_MIN		0x001000u
#define NVGRE_VSID_MAX		0xFFFFFEu
#define NVGRE_VSID_MASK		0xFFFFFFu

NV_INLINE int nvgre_vsid_valid(__u32 vsid)
{
	return vsid >= NVGRE_VSID_MIN && vsid <= NVGRE_VSID_MAX;
}

/* W-2: key = VSID (upper 24 bits) | FlowID (lower 8 bits), host order here. */
NV_INLINE __u32 nvgre_key(__u32 vsid, __u8 flowid)
{
	return (vsid & NVGRE_VSID_MASK) << 8 | flowid;
}

NV_INLINE __u32 nvgre_key_vsid(__u32 key)
{
	return key >> 8;
}

NV_INLINE __u8 nvgre_key_flowid(__u32 key)
{
	return key & 0xff;
}

/* ECN codepoints (RFC 3168) in the low two bits of TOS / traffic class. */
#define NV_ECN_MASK		0x03
#define NV_ECN_NOT_ECT		0x00
#define NV_ECN_ECT1		0x01
#define NV_ECN_ECT0		0x02
#define NV_ECN_CE		0x03

#endif
