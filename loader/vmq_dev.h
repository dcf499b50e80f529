/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The veth pair of an xsk vport: its consumer transmits with AF_XDP into
 * the consumer end, and the host end runs the same TC transmit program as a
 * netdev vport, so what a consumer sends obeys the same policy.  Named after
 * the vport id (nvx<id>h, nvx<id>c), kept across nvgred restarts, and
 * silent: no addresses, IPv6 off, so the host never sends through it.
 */
#ifndef NVGRED_VMQ_DEV_H
#define NVGRED_VMQ_DEV_H

#include <net/if.h>
#include <linux/types.h>

struct vmq_dev {
	char host[IF_NAMESIZE], consumer[IF_NAMESIZE];
	int host_ifindex, consumer_ifindex;
};

void vmq_dev_names(__u32 vport_id, struct vmq_dev *dev);
/* Create the pair (or adopt an existing one), set mtu (> 0) and bring it up. */
int vmq_dev_create(__u32 vport_id, int mtu, struct vmq_dev *dev);
/* Attach prog_fd (nvgre_xdp_vport) to the consumer end, replacing what is there. */
int vmq_dev_attach(const struct vmq_dev *dev, int prog_fd);
/* Set the MTU of both ends (the tenant MTU changed). */
int vmq_dev_set_mtu(const struct vmq_dev *dev, int mtu);
int vmq_dev_delete(__u32 vport_id);

#endif
