/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attaching programs to devices so the attachment outlives nvgred: TC
 * filters through netlink (clsact), replaced atomically on upgrade; and
 * device settings the daemon manages (MTU) or reads (MAC).
 */
#ifndef NVGRED_ATTACH_H
#define NVGRED_ATTACH_H

/* Our filter's handle and priority on clsact: fixed, so a restart replaces it. */
#define NVGRE_TC_HANDLE		0x4e56
#define NVGRE_TC_PRIORITY	0x4e56

/* Attach prog_fd at ifindex's TC ingress, replacing our previous filter. */
int tc_attach_ingress(int ifindex, int prog_fd);
/* Remove our filter (and nothing else) from ifindex's TC ingress. */
int tc_detach_ingress(int ifindex);
/* BPF program id of our ingress filter on ifindex, 0 if none. */
unsigned int tc_ingress_prog_id(int ifindex);

int link_mtu_get(const char *ifname);
int link_mtu_set(const char *ifname, int mtu);
int link_mac_get(const char *ifname, unsigned char mac[6]);
/* The device's ARPHRD_* type, or -errno. */
int link_hw_type(const char *ifname);

#endif
