/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The veth pair of an xsk vport: its consumer transmits with AF_XDP into
 * the consumer end, and the host end runs the same TC transmit program as a
 * netdev vport, so what a consumer sends obeys the same policy.  Named after
 * the vport id (nvx<id>h, nvx<id>c), made anew whenever a lease ends or
 * the vport is added (also by a restart: no socket survives), and
 * silent: no addresses (no IPv6 link-local either), so the host never
 * sends through it.
 */
#ifndef NVGRED_VMQ_DEV_H
#define NVGRED_VMQ_DEV_H

#include <net/if.h>
#include <linux/types.h>

struct vmq_dev {
	char host[IF_NAMESIZE], consumer[IF_NAMESIZE];
	int host_ifindex, consumer_ifindex;
};

/*
 * The largest MTU of an xsk vport's veth: veth takes a (non-multi-buffer)
 * XDP program only while a frame fits a page with XDP headroom and skb
 * overhead: 4096 - 256 - 320 - 14.  A jumbo underlay's tenant MTU is capped.
 */
#define VMQ_DEV_MAX_MTU		3506

static inline int vmq_dev_mtu(int tenant_mtu)
{
	return tenant_mtu > VMQ_DEV_MAX_MTU ? VMQ_DEV_MAX_MTU : tenant_mtu;
}

void vmq_dev_names(__u32 vport_id, struct vmq_dev *dev);
/* Create the pair (replacing one of that name), set mtu (> 0) and bring it up. */
int vmq_dev_create(__u32 vport_id, int mtu, struct vmq_dev *dev);
/* Attach prog_fd (nvgre_xdp_vport) to the consumer end, replacing what is there. */
int vmq_dev_attach(const struct vmq_dev *dev, int prog_fd);
/* Set the MTU of both ends (the tenant MTU changed). */
int vmq_dev_set_mtu(const struct vmq_dev *dev, int mtu);
int vmq_dev_delete(__u32 vport_id);

#endif
