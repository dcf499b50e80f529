// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Capability probes (caps.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include <nvgre/maps.h>
#include <nvgre/offload.h>
#include "caps.h"
#include "ethtool.h"

const char *const caps_offload_names[6] = { "tx-csum", "rx-csum", "lso", "uso", "rss", "vmq" };

/*
 * Software segmentation of GRE GSO skbs needs the gre module's offload
 * registered.  The gre_gso_segment symbol alone proves nothing: this
 * project's reference kernel has it and still drops such skbs (DESIGN).
 * So: the module must be loaded.  A functional probe would be better.
 */
static int probe_kernel_gre_gso(void)
{
	return !access("/sys/module/gre", F_OK);
}

/* From uapi/linux/netdev.h (6.3+; Debian's uapi headers are older). */
#define NV_NETDEV_CMD_DEV_GET		1
#define NV_NETDEV_A_DEV_IFINDEX		1
#define NV_NETDEV_A_DEV_XDP_FEATURES	3
#define NV_NETDEV_XDP_ACT_BASIC		(1u << 0)
#define NV_NETDEV_XDP_ACT_REDIRECT	(1u << 1)
#define NV_NETDEV_XDP_ACT_XSK_ZEROCOPY	(1u << 3)

struct genl_req {
	struct nlmsghdr h;
	struct genlmsghdr g;
	char attrs[64];
};

static void put_attr(struct genl_req *r, int type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* The payload of attribute type in a generic netlink reply; NULL if absent. */
static const void *get_attr(const char *buf, int n, int type, int *len)
{
	const struct nlmsghdr *h = (const void *)buf;
	const struct nlattr *a;
	int rem;

	if (n < (int)NLMSG_HDRLEN || h->nlmsg_type == NLMSG_ERROR)
		return NULL;
	a = (const void *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	rem = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	while (rem >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == type) {
			*len = a->nla_len - NLA_HDRLEN;
			return (const char *)a + NLA_HDRLEN;
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

static int genl_talk(int fd, struct genl_req *r, char *buf, int cap)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return recv(fd, buf, cap, 0);
}

/*
 * The netdev family's xdp-features of ifindex (what the driver does in
 * XDP itself, and AF_XDP zero-copy); -1 where the kernel has no such family.
 */
static long long probe_xdp_features(int ifindex)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), n, len;
	struct genl_req r = { .h = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
				     .nlmsg_type = GENL_ID_CTRL, .nlmsg_flags = NLM_F_REQUEST },
			      .g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 } };
	char buf[8192];
	const void *v;
	__u16 family;
	long long features = -1;

	if (fd < 0)
		return -1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, "netdev", sizeof("netdev"));
	n = genl_talk(fd, &r, buf, sizeof(buf));
	v = get_attr(buf, n, CTRL_ATTR_FAMILY_ID, &len);
	if (!v || len < 2)
		goto out;
	memcpy(&family, v, 2);
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.h.nlmsg_type = family;
	r.h.nlmsg_flags = NLM_F_REQUEST;
	r.g.cmd = NV_NETDEV_CMD_DEV_GET;
	r.g.version = 1;
	put_attr(&r, NV_NETDEV_A_DEV_IFINDEX, &ifindex, sizeof(ifindex));
	n = genl_talk(fd, &r, buf, sizeof(buf));
	v = get_attr(buf, n, NV_NETDEV_A_DEV_XDP_FEATURES, &len);
	if (v && len == 8)
		memcpy(&features, v, 8);
out:
	close(fd);
	return features;
}

/* TCX (6.6+): querying its attach point on lo is refused where it does not exist. */
static int probe_tcx(void)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q);

	return !bpf_prog_query_opts(1, 46 /* BPF_TCX_INGRESS */, &q) || errno != EINVAL;
}

static int count_rx_queues(const char *ifname)
{
	char path[128];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return 1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "rx-", 3);
	closedir(d);
	return n ? n : 1;
}

int caps_probe(const char *underlay, struct nvgred_caps *c)
{
	static const char *const names[] = {
		"tx-tcp-segmentation", "tx-udp-segmentation", "tx-gre-segmentation",
		"tx-checksum-ip-generic", "tx-checksum-ipv4",
	};
	const unsigned int all = NVGRE_CAP_INNER_IPV4 | NVGRE_CAP_OUTER_IPV4 |
				 NVGRE_CAP_INNER_IPV6 | NVGRE_CAP_OUTER_IPV6;
	int f[5];

	memset(c, 0, sizeof(*c));
	if (!if_nametoindex(underlay))
		return -ENODEV;
	c->kernel_gre_gso = probe_kernel_gre_gso();
	ethtool_features_get(underlay, names, f, 5);
	c->dev_tso = f[0] == 1;
	c->dev_uso = f[1] == 1;
	c->dev_gre_gso = f[2] == 1;
	c->dev_tx_csum = f[3] == 1 || f[4] == 1;
	c->rx_queues = count_rx_queues(underlay);
	{
		long long xf = probe_xdp_features(if_nametoindex(underlay));

		c->xdp_features_known = xf >= 0;
		c->xdp_native = xf >= 0 && (xf & (NV_NETDEV_XDP_ACT_BASIC | NV_NETDEV_XDP_ACT_REDIRECT)) ==
			(NV_NETDEV_XDP_ACT_BASIC | NV_NETDEV_XDP_ACT_REDIRECT);
		c->xsk_zerocopy = xf >= 0 && (xf & NV_NETDEV_XDP_ACT_XSK_ZEROCOPY);
	}
	c->tcx = probe_tcx();

	/*
	 * A GRE GSO skb leaves whole if the device segments GRE itself
	 * (tx-gre-segmentation with TSO/USO), or else must be segmented by the
	 * kernel's gre_gso_segment (LSO-4).  Without either it would be dropped.
	 */
	c->gso_tcp = (c->dev_gre_gso && c->dev_tso) || c->kernel_gre_gso;
	c->gso_udp = (c->dev_gre_gso && c->dev_uso) || c->kernel_gre_gso;

	/* The data path checksums, hashes and steers every combination itself. */
	c->nibble[0] = all;		/* tx-csum */
	c->nibble[1] = all;		/* rx-csum */
	c->nibble[2] = c->gso_tcp ? all : 0;
	c->nibble[3] = c->gso_udp ? all : 0;
	c->nibble[4] = all;		/* rss */
	c->nibble[5] = all;		/* vmq: AF_XDP, copy mode at least (generic XDP) */
	c->max_header = NVGRE_MAX_HEADER_SUPPORTED;
	return 0;
}
