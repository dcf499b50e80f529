/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test packet builder: NVGRE frames from a short spec, with checksums
 * computed by its own byte-wise RFC 1071 sum (not the data path's code).
 */
#ifndef NVGRE_PKTBUILD_H
#define NVGRE_PKTBUILD_H

#include <linux/types.h>
#include <stddef.h>

#define PKT_MAX 10000

struct pkt_spec {
	int outer_ipver;		/* 4 or 6 */
	int inner_ipver;		/* 4, 6, or 0: ARP request (or inner_ethertype) */
	__u16 inner_ethertype;		/* with inner_ipver 0: this type, payload bytes */
	int l4;				/* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 0 none */
	__u32 vsid;
	__u8 flowid;
	__u16 gre_flags;		/* 0: NVGRE 0x2000 */
	__u16 gre_proto;		/* 0: 0x6558 */
	int gre_len;			/* 0: 8; more appends bytes (GRE options) */
	int gre_nokey;			/* flags 0x0000, 4-byte GRE header */
	__u8 outer_smac[6], outer_dmac[6], inner_smac[6], inner_dmac[6];
	const char *outer_src, *outer_dst, *inner_src, *inner_dst;
	__u8 outer_tos, inner_tos;	/* full TOS / traffic class, ECN in low bits */
	int outer_vlans;		/* 0..3 802.1Q tags */
	int outer_ip_opts;		/* IPv4 option bytes (multiple of 4, <= 40) */
	int outer_ext, inner_ext;	/* IPv6 destination-options headers */
	int inner_vlan;			/* add an 802.1Q tag to the inner frame */
	int outer_frag, inner_frag;	/* set MF (IPv4) / add a fragment header (IPv6) */
	__u16 sport, dport;
	int payload;			/* L4 payload bytes */
	int tcp_opts;			/* TCP option bytes (multiple of 4) */
	int bad_outer_csum, bad_inner_csum, bad_l4_csum, udp_zero_csum;
};

/* 4-in-4 TCP, VSID 0x1234, from the remote IPv4 host to local vport A1. */
void pkt_spec_default(struct pkt_spec *s);

/* Returns the frame length; *inner_off is where the inner Ethernet starts. */
size_t pkt_build(const struct pkt_spec *s, __u8 *buf, size_t cap, size_t *inner_off);

/* Byte-wise Internet checksum, for tests that need one. */
__u16 pkt_csum(const __u8 *p, size_t n, __u32 seed);

void pkt_hexdump(const char *title, const __u8 *p, size_t n);

#endif
