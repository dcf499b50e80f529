/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Netdev features by their ethtool names (SIOCETHTOOL, string set ETH_SS_FEATURES). */
#ifndef NVGRED_ETHTOOL_H
#define NVGRED_ETHTOOL_H

/* out[i] = 1/0 for each named feature's active state, -1 if unknown. */
void ethtool_features_get(const char *ifname, const char *const *names, int *out, int n);
/* Request each named feature on (1) or off (0); a negative value leaves it alone. */
int ethtool_features_set(const char *ifname, const char *const *names, const int *want, int n);
/* An ethtool statistic by name (veth: "peer_ifindex"); -1 if absent. */
long long ethtool_stat(const char *ifname, const char *name);

#endif
