// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Minimal rtnetlink (rtnl.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "rtnl.h"

/* One rtnetlink request and its reply into buf; the reply length or -errno. */
int rtnl_talk(void *req, size_t len, char *buf, size_t cap)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (fd < 0)
		return -errno;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (n = recv(fd, buf, cap, 0)) < 0) {
		n = -errno;
	} else if (n < (int)sizeof(*h) || h->nlmsg_type == NLMSG_ERROR) {
		/* an acknowledgement (NLM_F_ACK) is an error message of 0 */
		n = n >= (int)(sizeof(*h) + sizeof(int)) ? *(int *)NLMSG_DATA(h) : -EIO;
	}
	close(fd);
	return n;
}

int rtnl_dump(void *req, size_t len, int (*cb)(const struct nlmsghdr *h, void *ctx), void *ctx)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n, err = 0;
	static char buf[32768];	/* a dump part; nvgred is single-threaded */

	if (fd < 0)
		return -errno;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = -errno;
	while (!err) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = -errno;
			break;
		}
		for (; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
				      *(int *)NLMSG_DATA(h) : -EIO;
				goto out;
			}
			if (cb(h, ctx))
				goto out;	/* the rest of the dump goes with the socket */
		}
	}
out:
	close(fd);
	return err;
}

struct rtattr *rta_find(struct rtattr *a, int len, int type)
{
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

struct rtattr *rta_add(struct nlmsghdr *h, size_t cap, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) > cap)
		return NULL;
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len);
	return a;
}

void rta_nest_end(struct nlmsghdr *h, struct rtattr *nest)
{
	nest->rta_len = (char *)h + h->nlmsg_len - (char *)nest;
}
