/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Minimal rtnetlink: one request and its reply, or a dump (links, routes, neighbours). */
#ifndef NVGRED_RTNL_H
#define NVGRED_RTNL_H

#include <stddef.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Send req, read the reply into buf: its length, or -errno (an NLMSG_ERROR's too). */
int rtnl_talk(void *req, size_t len, char *buf, size_t cap);

/*
 * Send a dump request, call cb for each message of the reply (until
 * NLMSG_DONE, or cb returns non-zero).  0, or -errno.
 */
int rtnl_dump(void *req, size_t len, int (*cb)(const struct nlmsghdr *h, void *ctx), void *ctx);

/* Find attribute type in the attributes [a, a + len). */
struct rtattr *rta_find(struct rtattr *a, int len, int type);

/* Append an attribute to the message h (room: cap bytes); NULL when full. */
struct rtattr *rta_add(struct nlmsghdr *h, size_t cap, int type, const void *data, size_t len);
/* Close a nested attribute opened with rta_add(..., NULL, 0). */
void rta_nest_end(struct nlmsghdr *h, struct rtattr *nest);

#endif
