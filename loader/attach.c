// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TC attachment and device settings (attach.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "attach.h"

int tc_attach_ingress(int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NVGRE_TC_HANDLE, .priority = NVGRE_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int tc_detach_ingress(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NVGRE_TC_HANDLE, .priority = NVGRE_TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &opts);

	return err == -ENOENT ? 0 : err;
}

unsigned int tc_ingress_prog_id(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NVGRE_TC_HANDLE, .priority = NVGRE_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

static int ifreq_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	strncpy(ifr->ifr_name, ifname, IF_NAMESIZE - 1);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

int link_mtu_get(const char *ifname)
{
	struct ifreq ifr = {};
	int err = ifreq_ioctl(ifname, SIOCGIFMTU, &ifr);

	return err ? err : ifr.ifr_mtu;
}

int link_mtu_set(const char *ifname, int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };

	return ifreq_ioctl(ifname, SIOCSIFMTU, &ifr);
}

int link_hw_type(const char *ifname)
{
	struct ifreq ifr = {};
	int err = ifreq_ioctl(ifname, SIOCGIFHWADDR, &ifr);

	return err ? err : ifr.ifr_hwaddr.sa_family;
}

int link_mac_get(const char *ifname, unsigned char mac[6])
{
	struct ifreq ifr = {};
	int err = ifreq_ioctl(ifname, SIOCGIFHWADDR, &ifr);

	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}
