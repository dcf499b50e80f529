// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The tenant side's offloads of a vport (vport_offload.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "attach.h"
#include "ethtool.h"
#include "rtnl.h"
#include "vport_offload.h"

/* Every flavour of TSO the kernel knows (names it lacks are skipped). */
static const char *const feature_names[] = {
	"tx-tcp-segmentation", "tx-tcp6-segmentation", "tx-tcp-ecn-segmentation",
	"tx-tcp-mangleid-segmentation", "tx-tcp-accecn-segmentation",
	"tx-udp-segmentation",
	"tx-checksum-ip-generic", "tx-checksum-ipv4", "tx-checksum-ipv6",
};

static int set_features(const char *ifname, int allowed)
{
	int tso = !!(allowed & VPORT_OFF_TSO), csum = !!(allowed & VPORT_OFF_CSUM);
	int want[] = { tso, tso, tso, tso, tso, !!(allowed & VPORT_OFF_USO), csum, csum, csum };

	return ethtool_features_set(ifname, feature_names, want, 9);
}

/* Offloads (allowed < 0: leave them) and MTU (mtu <= 0: leave it). */
static int set_dev(const char *ifname, int allowed, int mtu)
{
	int err = 0;

	if (allowed >= 0)
		err = set_features(ifname, allowed);
	if (!err && mtu > 0)
		err = link_mtu_set(ifname, mtu);
	return err;
}

/* The netns id (as our namespace knows it) where dev's veth peer lives; -1: ours. */
static int peer_netnsid(int ifindex)
{
	struct { struct nlmsghdr h; struct ifinfomsg i; } req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	char buf[16384];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int n = rtnl_talk(&req, sizeof(req), buf, sizeof(buf));

	if (n < 0 || h->nlmsg_type != RTM_NEWLINK)
		return n < 0 ? n : -EIO;
	a = rta_find(IFLA_RTA(NLMSG_DATA(h)), IFLA_PAYLOAD(h), IFLA_LINK_NETNSID);
	return a ? *(int *)RTA_DATA(a) : -1;
}

/* The id our namespace gives the namespace nsfd (NETNSA_NSID_NOT_ASSIGNED: none). */
static int netnsid_of_fd(int nsfd)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
		char pad[3];
		struct rtattr a;
		int fd;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNSID,
		       .nlmsg_flags = NLM_F_REQUEST },
		.g = { .rtgen_family = AF_UNSPEC },
		.a = { .rta_len = RTA_LENGTH(sizeof(int)), .rta_type = NETNSA_FD },
		.fd = nsfd,
	};
	char buf[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int n = rtnl_talk(&req, sizeof(req), buf, sizeof(buf));

	if (n < 0 || h->nlmsg_type != RTM_NEWNSID)
		return NETNSA_NSID_NOT_ASSIGNED;
	a = rta_find((struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct rtgenmsg))),
		     h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg))), NETNSA_NSID);
	return a ? *(int *)RTA_DATA(a) : NETNSA_NSID_NOT_ASSIGNED;
}

/*
 * In the namespace nsfd (-1: ours), set the device with this ifindex and
 * MAC.  A child enters the namespace, so the daemon never leaves its own.
 * Returns 0 when set, 1 when no such device there, < 0 on errors.
 */
static int set_in_ns(int nsfd, int ifindex, const __u8 mac[6], int allowed, int mtu)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (!pid) {
		char name[IF_NAMESIZE];
		__u8 m[6];

		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET))
			_exit(3);
		if (!if_indextoname(ifindex, name) || link_mac_get(name, m) || memcmp(m, mac, 6))
			_exit(1);
		_exit(set_dev(name, allowed, mtu) ? 2 : 0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 1 ? 1 : -EIO;
}

int vport_tenant_set(const char *dev, const __u8 mac[6], int allowed, int mtu)
{
	long long peer = ethtool_stat(dev, "peer_ifindex");
	int nsid = peer > 0 ? peer_netnsid(if_nametoindex(dev)) : -1, ret = 1;
	struct dirent *e;
	DIR *d;

	if (peer <= 0)		/* not a veth: the device itself is all we have */
		return set_dev(dev, allowed, mtu);
	/*
	 * The tenant's side first (its frames must never outgrow ours), in
	 * exactly the namespace the kernel says: ifindex and MAC alone are not
	 * unique, and another tenant's device must never be touched.
	 */
	if (nsid == -1) {
		ret = set_in_ns(-1, peer, mac, allowed, mtu);
	} else if (nsid >= 0) {
		d = opendir("/run/netns");
		while (d && (e = readdir(d))) {
			char path[300];
			int fd;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (netnsid_of_fd(fd) == nsid)
				ret = set_in_ns(fd, peer, mac, allowed, mtu);
			close(fd);
			if (ret <= 0)
				break;
		}
		if (d)
			closedir(d);
	}
	set_dev(dev, allowed, mtu);	/* and the host-to-tenant direction */
	return ret == 1 ? -ENOENT : ret;
}
