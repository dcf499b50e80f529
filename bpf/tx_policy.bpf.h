/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-spoofing for what a vport sends: its own MAC, untagged (W-5), its
 * own IP addresses when it has any, ARP/NA claiming only its addresses.
 */
#ifndef NVGRE_TX_POLICY_BPF_H
#define NVGRE_TX_POLICY_BPF_H

#include "tx_state.bpf.h"

struct nv_arphdr {
	__be16 htype;
	__be16 ptype;
	__u8   hlen;
	__u8   plen;
	__be16 op;
	__u8   sha[6];
	__u8   spa[4];
	__u8   tha[6];
	__u8   tpa[4];
};

struct nv_icmp6_nd_hdr {		/* NS and NA up to the target */
	__u8   type;
	__u8   code;
	__sum16 check;
	__be32 flags;
	__u8   target[16];
};

struct nv_icmp6_nd {			/* NS and NA with one link-layer option */
	__u8   type;
	__u8   code;
	__sum16 check;
	__be32 flags;
	__u8   target[16];
	__u8   opt_type;
	__u8   opt_len;
	__u8   opt_mac[6];
};

#define NV_ARPOP_REQUEST	1
#define NV_ARPOP_REPLY		2
#define NV_ND_NS		135
#define NV_ND_NA		136

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* Is ip one of the vport's own addresses (or does it have none)? */
static __always_inline int vport_owns_ip(const struct nvgre_vport_tx *vp, const union nvgre_ip *ip)
{
	int i;

	if (!vp->n_ips)
		return 1;
	for (i = 0; i < NVGRE_MAX_VPORT_IPS; i++) {
		if (i >= vp->n_ips)
			break;
		if (nvgre_ip_equal(&vp->ips[i], ip))
			return 1;
	}
	return 0;
}

static __always_inline int ipv6_unspecified(const union nvgre_ip *ip)
{
	return !ip->w[0] && !ip->w[1] && !ip->w[2] && !ip->w[3];
}

/* IPv6 sources every host uses before it has an address: ::, fe80::/10. */
static __always_inline int ipv6_src_always_ok(const union nvgre_ip *ip)
{
	return ipv6_unspecified(ip) || (ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80);
}

#endif
