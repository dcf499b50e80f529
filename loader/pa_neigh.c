// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Managed underlay neighbours for the remote PAs (pa_neigh.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/neighbour.h>

#include "attach.h"
#include "daemon.h"
#include "pa_neigh.h"
#include "rtnl.h"

/* The states with a usable link-layer address (the kernel's NUD_VALID). */
#define PA_NUD_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | \
			 NUD_DELAY)

/* What a neighbour message says. */
struct neigh_info {
	int ifindex;
	union nvgre_ip dst;
	__u16 state;
	__u8 proto;
	__u32 ext_flags;
	int has_mac;
	__u8 mac[6];
};

static int family_of(const union nvgre_ip *ip)
{
	return nvgre_ip_is_v4(ip) ? AF_INET : AF_INET6;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static const void *addr_of(const union nvgre_ip *ip)
{
	return nvgre_ip_is_v4(ip) ? (const void *)&ip->w[3] : (const void *)ip->b;
}

static int ip_from(union nvgre_ip *ip, int family, const void *a, size_t len)
{
	memset(ip, 0, sizeof(*ip));
	if (family == AF_INET && len >= 4) {
		__be32 v4;

		memcpy(&v4, a, 4);
		nvgre_ip_set_v4(ip, v4);
		return 0;
	}
	if (family == AF_INET6 && len >= 16) {
		memcpy(ip->b, a, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/*
 * The kernel's route to pa: output device and next hop (pa itself when
 * on-link).  -EADDRNOTAVAIL: pa is not a unicast destination (one of ours).
 */
static int route_get(const union nvgre_ip *pa, int *ifindex, union nvgre_ip *nh)
{
	int family = family_of(pa);
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
		char attrs[64];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)), .nlmsg_type = RTM_GETROUTE,
		       .nlmsg_flags = NLM_F_REQUEST },
		.r = { .rtm_family = family, .rtm_dst_len = addr_len(family) * 8 },
	};
	struct rtattr *oif, *gw, *via;
	struct nlmsghdr *h;
	struct rtmsg *r;
	char buf[4096];
	int n, len;

	rta_add(&req.h, sizeof(req), RTA_DST, addr_of(pa), addr_len(family));
	n = rtnl_talk(&req, req.h.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return n;
	h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*r)))
		return -EIO;
	r = NLMSG_DATA(h);
	if (r->rtm_type != RTN_UNICAST)
		return -EADDRNOTAVAIL;
	len = RTM_PAYLOAD(h);
	oif = rta_find(RTM_RTA(r), len, RTA_OIF);
	gw = rta_find(RTM_RTA(r), len, RTA_GATEWAY);
	via = rta_find(RTM_RTA(r), len, RTA_VIA);	/* an IPv4 route via an IPv6 router */
	if (!oif)
		return -ENODEV;
	*ifindex = *(int *)RTA_DATA(oif);
	if (gw)
		return ip_from(nh, family, RTA_DATA(gw), RTA_PAYLOAD(gw));
	if (via) {
		struct rtvia *v = RTA_DATA(via);

		return ip_from(nh, v->rtvia_family, v->rtvia_addr,
			       RTA_PAYLOAD(via) - sizeof(v->rtvia_family));
	}
	*nh = *pa;
	return 0;
}

/* Parse an RTM_NEWNEIGH/RTM_DELNEIGH message; -EINVAL if it is not one we use. */
static int neigh_parse(const struct nlmsghdr *h, struct neigh_info *ni)
{
	const struct ndmsg *nd = NLMSG_DATA(h);
	struct rtattr *attrs = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))), *a;
	int len;

	if ((h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return -EINVAL;
	memset(ni, 0, sizeof(*ni));
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	a = rta_find(attrs, len, NDA_DST);
	if (!a || ip_from(&ni->dst, nd->ndm_family, RTA_DATA(a), RTA_PAYLOAD(a)))
		return -EINVAL;
	ni->ifindex = nd->ndm_ifindex;
	ni->state = nd->ndm_state;
	a = rta_find(attrs, len, NDA_LLADDR);
	if (a && RTA_PAYLOAD(a) == 6) {
		ni->has_mac = 1;
		memcpy(ni->mac, RTA_DATA(a), 6);
	}
	a = rta_find(attrs, len, NDA_PROTOCOL);
	if (a && RTA_PAYLOAD(a) >= 1)
		ni->proto = *(__u8 *)RTA_DATA(a);
	a = rta_find(attrs, len, NDA_FLAGS_EXT);
	if (a && RTA_PAYLOAD(a) >= 4)
		ni->ext_flags = *(__u32 *)RTA_DATA(a);
	return 0;
}

/* One neighbour request: type RTM_GETNEIGH (reply into *ni), NEWNEIGH or DELNEIGH. */
static int neigh_request(int type, int ifindex, const union nvgre_ip *nh, struct neigh_info *ni)
{
	int family = family_of(nh);
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
		char attrs[64];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)), .nlmsg_type = type,
		       .nlmsg_flags = NLM_F_REQUEST | (type == RTM_GETNEIGH ? 0 : NLM_F_ACK) },
		.nd = { .ndm_family = family, .ndm_ifindex = ifindex },
	};
	char buf[4096];
	int n;

	rta_add(&req.h, sizeof(req), NDA_DST, addr_of(nh), addr_len(family));
	if (type == RTM_NEWNEIGH) {
		/* no state given (NUD_NONE): an entry that exists keeps its own */
		__u8 proto = PA_NEIGH_PROTO;
		__u32 ext = NTF_EXT_MANAGED;

		req.h.nlmsg_flags |= NLM_F_CREATE;
		rta_add(&req.h, sizeof(req), NDA_PROTOCOL, &proto, sizeof(proto));
		rta_add(&req.h, sizeof(req), NDA_FLAGS_EXT, &ext, sizeof(ext));
	}
	n = rtnl_talk(&req, req.h.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return n;
	return type == RTM_GETNEIGH ? neigh_parse((struct nlmsghdr *)buf, ni) : 0;
}

/* nv_pa_macs[pa] from the neighbour's MAC: the transmit program's MACs. */
static int pa_mac_write(struct nvgred *d, const struct pa_nexthop *hop, const __u8 mac[6])
{
	struct nvgre_pa_mac m = { .ifindex = hop->ifindex };
	char name[IF_NAMESIZE];

	if (!if_indextoname(hop->ifindex, name) || link_mac_get(name, m.local))
		return -ENODEV;
	memcpy(m.remote, mac, 6);
	return nvgre_dp_pa_mac_set(&d->dp, &hop->pa, &m);
}

int pa_neigh_open(struct pa_neigh *pn)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_NEIGH };

	memset(pn, 0, sizeof(*pn));
	pn->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (pn->fd >= 0 && bind(pn->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(pn->fd);
		pn->fd = -1;
	}
	pn->dirty = 1;
	return pn->fd < 0 ? -errno : 0;
}

void pa_neigh_close(struct pa_neigh *pn)
{
	if (pn->fd >= 0)
		close(pn->fd);
	free(pn->hops);
	memset(pn, 0, sizeof(*pn));
	pn->fd = -1;
}

void pa_neigh_changed(struct pa_neigh *pn)
{
	pn->dirty = 1;
}

int pa_neigh_due_ms(const struct pa_neigh *pn)
{
	struct timespec now;
	long long since;

	clock_gettime(CLOCK_MONOTONIC, &now);
	since = (now.tv_sec - pn->last.tv_sec) * 1000LL + (now.tv_nsec - pn->last.tv_nsec) / 1000000;
	since = (pn->dirty ? PA_NEIGH_DEBOUNCE_MS : PA_NEIGH_PERIOD_S * 1000LL) - since;
	return since > 0 ? (int)since : 0;
}

static const struct pa_nexthop *hop_find(const struct pa_nexthop *hops, size_t n,
					 const union nvgre_ip *pa)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&hops[i].pa, pa, sizeof(*pa)))
			return &hops[i];
	return NULL;
}

/* A neighbour of ours that no PA needs any more: removed. */
struct stale_ctx {
	const struct pa_nexthop *hops;
	size_t n;
	int all;		/* remove every one of ours */
};

static int remove_if_stale(const struct nlmsghdr *h, void *ctx)
{
	const struct stale_ctx *sc = ctx;
	struct neigh_info ni;
	size_t i;

	if (neigh_parse(h, &ni) || ni.proto != PA_NEIGH_PROTO)
		return 0;
	for (i = 0; !sc->all && i < sc->n; i++)
		if (sc->hops[i].ifindex == ni.ifindex &&
		    !memcmp(&sc->hops[i].nh, &ni.dst, sizeof(ni.dst)))
			return 0;
	neigh_request(RTM_DELNEIGH, ni.ifindex, &ni.dst, NULL);
	return 0;
}

static void remove_stale(const struct pa_nexthop *hops, size_t n, int all)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)), .nlmsg_type = RTM_GETNEIGH,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.nd = { .ndm_family = AF_UNSPEC },
	};
	struct stale_ctx sc = { .hops = hops, .n = n, .all = all };

	rtnl_dump(&req, req.h.nlmsg_len, remove_if_stale, &sc);
}

void pa_neigh_remove_all(void)
{
	remove_stale(NULL, 0, 1);
}

/* One PA: its route, a managed neighbour for the next hop, its MACs if known. */
static void sync_one(struct pa_neigh *pn, struct nvgred *d, struct pa_nexthop *hop)
{
	const struct pa_nexthop *prev = hop_find(pn->hops, pn->n_hops, &hop->pa);
	struct neigh_info ni;
	char pa[INET6_ADDRSTRLEN];
	int err;

	nvgre_ip_str(&hop->pa, pa, sizeof(pa));
	err = route_get(&hop->pa, &hop->ifindex, &hop->nh);
	if (err) {
		hop->ifindex = 0;
		/* said once, not every pass; a local address is no remote PA */
		if (err != -EADDRNOTAVAIL && (!prev || prev->ifindex))
			daemon_warn("PA %s: no route (%s); copies and non-IP frames to it are "
				    "dropped (fib-failed) until there is one", pa, strerror(-err));
		return;
	}
	err = neigh_request(RTM_GETNEIGH, hop->ifindex, &hop->nh, &ni);
	/* an operator's static entry stays as it is; a managed one already is */
	if (err || !(ni.state & (NUD_PERMANENT | NUD_NOARP) || ni.ext_flags & NTF_EXT_MANAGED)) {
		int e = neigh_request(RTM_NEWNEIGH, hop->ifindex, &hop->nh, NULL);

		if (e && !prev)
			daemon_warn("PA %s: cannot make its neighbour managed: %s", pa, strerror(-e));
	}
	if (!err && (ni.state & PA_NUD_VALID) && ni.has_mac)
		hop->resolved = !pa_mac_write(d, hop, ni.mac);
}

void pa_neigh_sync(struct pa_neigh *pn, struct nvgred *d)
{
	size_t n = 0, i;
	union nvgre_ip *pas = nvgre_dp_record_pas(&d->dp, &n);
	struct pa_nexthop *hops = pas ? calloc(n + 1, sizeof(*hops)) : NULL;

	clock_gettime(CLOCK_MONOTONIC, &pn->last);
	if (!hops) {
		free(pas);
		return;		/* out of memory: the next period tries again */
	}
	for (i = 0; i < n; i++) {
		hops[i].pa = pas[i];
		sync_one(pn, d, &hops[i]);
	}
	free(pas);
	remove_stale(hops, n, 0);
	free(pn->hops);
	pn->hops = hops;
	pn->n_hops = n;
	pn->dirty = 0;
}

void pa_neigh_events(struct pa_neigh *pn, struct nvgred *d)
{
	char buf[16384];
	int n;

	while ((n = recv(pn->fd, buf, sizeof(buf), 0)) != 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0) {
			if (errno == ENOBUFS)	/* events lost: look at everything again */
				pn->dirty = 1;
			if (errno != EINTR && errno != ENOBUFS)
				return;
			continue;
		}
		for (; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			struct neigh_info ni;
			size_t i;

			if (neigh_parse(h, &ni))
				continue;
			for (i = 0; i < pn->n_hops; i++) {
				struct pa_nexthop *hop = &pn->hops[i];

				if (hop->ifindex != ni.ifindex || memcmp(&hop->nh, &ni.dst, sizeof(ni.dst)))
					continue;
				if (h->nlmsg_type == RTM_DELNEIGH)
					pn->dirty = 1;		/* flushed: make it again */
				else if ((ni.state & PA_NUD_VALID) && ni.has_mac)
					hop->resolved = !pa_mac_write(d, hop, ni.mac);
			}
		}
	}
}
