// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Capability probes (caps.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

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
	c->nibble[5] = all;		/* vmq: AF_XDP, copy mode at least */
	c->max_header = NVGRE_MAX_HEADER_SUPPORTED;
	return 0;
}
