// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The veth pair of an xsk vport (vmq_dev.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/veth.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "daemon.h"
#include "rtnl.h"
#include "vmq_dev.h"

void vmq_dev_names(__u32 vport_id, struct vmq_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->host, sizeof(dev->host), "nvx%uh", vport_id);
	snprintf(dev->consumer, sizeof(dev->consumer), "nvx%uc", vport_id);
}

/*
 * No IPv6 address generation on either end: without a link-local address
 * the host sends no DAD, router solicitation or MLD frames through the
 * pair.  Netlink, not /proc/sys: systemd's ProtectKernelTunables makes that
 * read-only.
 */
static int no_ipv6_addr(const char *ifname)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		char attrs[64];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = if_nametoindex(ifname) },
	};
	__u8 mode = IN6_ADDR_GEN_MODE_NONE;
	struct rtattr *spec, *in6;
	char buf[4096];
	int n;

	spec = rta_add(&req.h, sizeof(req), IFLA_AF_SPEC, NULL, 0);
	in6 = spec ? rta_add(&req.h, sizeof(req), AF_INET6, NULL, 0) : NULL;
	if (!in6 || !rta_add(&req.h, sizeof(req), IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof(mode)))
		return -ENOBUFS;
	rta_nest_end(&req.h, in6);
	rta_nest_end(&req.h, spec);
	n = rtnl_talk(&req, req.h.nlmsg_len, buf, sizeof(buf));
	return n == -EAFNOSUPPORT ? 0 : n < 0 ? n : 0;	/* no IPv6 here: nothing to silence */
}

static int veth_add(const struct vmq_dev *dev)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		char attrs[512];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL },
		.i = { .ifi_family = AF_UNSPEC },
	};
	struct ifinfomsg peer = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *p;
	char buf[4096];
	size_t cap = sizeof(req);
	int n;

	rta_add(&req.h, cap, IFLA_IFNAME, dev->host, strlen(dev->host) + 1);
	info = rta_add(&req.h, cap, IFLA_LINKINFO, NULL, 0);
	rta_add(&req.h, cap, IFLA_INFO_KIND, "veth", 4);
	data = rta_add(&req.h, cap, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER holds an ifinfomsg followed by the peer's attributes */
	p = rta_add(&req.h, cap, VETH_INFO_PEER, &peer, sizeof(peer));
	if (!p || !rta_add(&req.h, cap, IFLA_IFNAME, dev->consumer, strlen(dev->consumer) + 1))
		return -ENOBUFS;
	rta_nest_end(&req.h, p);
	rta_nest_end(&req.h, data);
	rta_nest_end(&req.h, info);
	n = rtnl_talk(&req, req.h.nlmsg_len, buf, sizeof(buf));
	return n < 0 ? n : 0;
}

static int link_up(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	return err;
}

int vmq_dev_attach(const struct vmq_dev *dev, int prog_fd)
{
	/* native: the underlay's program redirects into the host end, and veth
	 * passes such frames only to an XDP program on the peer */
	return bpf_xdp_attach(dev->consumer_ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
}

int vmq_dev_set_mtu(const struct vmq_dev *dev, int mtu)
{
	int err = link_mtu_set(dev->host, mtu);

	return err ? err : link_mtu_set(dev->consumer, mtu);
}

int vmq_dev_create(__u32 vport_id, int mtu, struct vmq_dev *dev)
{
	int err;

	vmq_dev_names(vport_id, dev);
	/* always a new pair: sockets an earlier consumer still holds are bound
	 * to the old one, and go with it (the kernel unbinds them) */
	vmq_dev_delete(vport_id);
	err = veth_add(dev);
	if (err)
		return err;
	if ((err = no_ipv6_addr(dev->host)) || (err = no_ipv6_addr(dev->consumer)))
		goto fail;
	if (mtu > 0 && (err = vmq_dev_set_mtu(dev, mtu)))
		goto fail;
	if ((err = link_up(dev->consumer)) || (err = link_up(dev->host)))
		goto fail;
	dev->host_ifindex = if_nametoindex(dev->host);
	dev->consumer_ifindex = if_nametoindex(dev->consumer);
	if (!dev->host_ifindex || !dev->consumer_ifindex) {
		err = -ENODEV;
		goto fail;
	}
	return 0;
fail:
	vmq_dev_delete(vport_id);
	return err;
}

int vmq_dev_delete(__u32 vport_id)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_DELLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
		.i = { .ifi_family = AF_UNSPEC },
	};
	struct vmq_dev dev;
	char buf[4096];
	int n;

	vmq_dev_names(vport_id, &dev);
	/* deleting either end deletes both */
	req.i.ifi_index = if_nametoindex(dev.host);
	if (!req.i.ifi_index)
		req.i.ifi_index = if_nametoindex(dev.consumer);
	if (!req.i.ifi_index)
		return 0;
	n = rtnl_talk(&req, sizeof(req), buf, sizeof(buf));
	return n < 0 ? n : 0;
}
