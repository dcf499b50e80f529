/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a tenant may hand the data path (LSO-4, USO-1, CSUM-TX-1, ST-2):
 * TSO, USO and checksum offload on the tenant's side of a vport, switched
 * off when the underlay cannot carry GSO or the offload is off, so the
 * tenant's stack segments and checksums itself instead of seeing its
 * large frames dropped as gso-unsupported.
 */
#ifndef NVGRED_VPORT_OFFLOAD_H
#define NVGRED_VPORT_OFFLOAD_H

#include <linux/types.h>

#define VPORT_OFF_TSO	(1 << 0)
#define VPORT_OFF_USO	(1 << 1)
#define VPORT_OFF_CSUM	(1 << 2)

/*
 * Set the offloads of the tenant side of dev (whose tenant MAC is mac) to
 * the VPORT_OFF_* bits in allowed (< 0: unchanged), and its MTU (<= 0:
 * unchanged), then dev's own.  A veth's tenant side is its peer, in this
 * network namespace or a named one (/run/netns) matched by the netns id the
 * kernel reports for the link, and checked by ifindex and MAC;
 * for other devices (tap: the VMM negotiates offloads with the guest) dev
 * itself is all we set.  Returns 0, or -ENOENT when the peer was not found.
 */
int vport_tenant_set(const char *dev, const __u8 mac[6], int allowed, int mtu);

#endif
