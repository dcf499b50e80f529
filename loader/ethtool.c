// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Netdev features and statistics through SIOCETHTOOL (ethtool.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "ethtool.h"

/* < 0: -errno; >= 0: what the command returned (SFEATURES: ETHTOOL_F_* flags). */
static int do_ioctl(int fd, const char *ifname, void *data)
{
	struct ifreq ifr = {};
	int r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	return r < 0 ? -errno : r;
}

/* The names of string set ss (count in *n); NULL on failure. */
static struct ethtool_gstrings *strings(int fd, const char *ifname, int ss, __u32 *n)
{
	struct ethtool_sset_info *info = calloc(1, sizeof(*info) + sizeof(__u32));
	struct ethtool_gstrings *s = NULL;

	if (!info)
		return NULL;
	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ull << ss;
	if (do_ioctl(fd, ifname, info) < 0 || !info->sset_mask)
		goto out;
	*n = info->data[0];
	s = calloc(1, sizeof(*s) + *n * ETH_GSTRING_LEN);
	if (!s)
		goto out;
	s->cmd = ETHTOOL_GSTRINGS;
	s->string_set = ss;
	s->len = *n;
	if (do_ioctl(fd, ifname, s) < 0) {
		free(s);
		s = NULL;
	}
out:
	free(info);
	return s;
}

static int find(const struct ethtool_gstrings *s, __u32 n, const char *name)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (!strncmp((const char *)s->data + i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN))
			return i;
	return -1;
}

void ethtool_features_get(const char *ifname, const char *const *names, int *out, int n)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), j, k;
	struct ethtool_gstrings *s = NULL;
	struct ethtool_gfeatures *f = NULL;
	__u32 count = 0;

	for (j = 0; j < n; j++)
		out[j] = -1;
	if (fd < 0)
		return;
	s = strings(fd, ifname, ETH_SS_FEATURES, &count);
	if (!s)
		goto out;
	f = calloc(1, sizeof(*f) + ((count + 31) / 32) * sizeof(f->features[0]));
	if (!f)
		goto out;
	f->cmd = ETHTOOL_GFEATURES;
	f->size = (count + 31) / 32;
	if (do_ioctl(fd, ifname, f) < 0)
		goto out;
	for (j = 0; j < n; j++) {
		k = find(s, count, names[j]);
		if (k >= 0)
			out[j] = !!(f->features[k / 32].active & (1u << (k % 32)));
	}
out:
	free(s);
	free(f);
	close(fd);
}

int ethtool_features_set(const char *ifname, const char *const *names, const int *want, int n)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), j, k, err = -ENOENT;
	struct ethtool_gstrings *s = NULL;
	struct ethtool_sfeatures *f = NULL;
	__u32 count = 0;

	if (fd < 0)
		return -errno;
	s = strings(fd, ifname, ETH_SS_FEATURES, &count);
	if (!s)
		goto out;
	f = calloc(1, sizeof(*f) + ((count + 31) / 32) * sizeof(f->features[0]));
	if (!f) {
		err = -ENOMEM;
		goto out;
	}
	f->cmd = ETHTOOL_SFEATURES;
	f->size = (count + 31) / 32;
	for (j = 0; j < n; j++) {
		k = find(s, count, names[j]);
		if (k < 0 || want[j] < 0)
			continue;
		f->features[k / 32].valid |= 1u << (k % 32);
		if (want[j])
			f->features[k / 32].requested |= 1u << (k % 32);
	}
	err = do_ioctl(fd, ifname, f);
	/* ETHTOOL_F_WISH / _UNSUPPORTED (positive): a feature this device cannot
	 * change or that depends on another one; what could be set was set. */
	if (err > 0)
		err = 0;
out:
	free(s);
	free(f);
	close(fd);
	return err;
}

long long ethtool_stat(const char *ifname, const char *name)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), k;
	struct ethtool_gstrings *s = NULL;
	struct ethtool_stats *st = NULL;
	long long v = -1;
	__u32 count = 0;

	if (fd < 0)
		return -1;
	s = strings(fd, ifname, ETH_SS_STATS, &count);
	if (!s || (k = find(s, count, name)) < 0)
		goto out;
	st = calloc(1, sizeof(*st) + count * sizeof(__u64));
	if (!st)
		goto out;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = count;
	if (do_ioctl(fd, ifname, st) >= 0)
		v = st->data[k];
out:
	free(s);
	free(st);
	close(fd);
	return v;
}
