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
