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
	__u8 flags;		/* NTF_* */
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

/* One path's next hop from its RTA_GATEWAY or RTA_VIA, or pa itself (on-link). */
static int path_nexthop(struct rtattr *attrs, int len, int family, const union nvgre_ip *pa,
			union nvgre_ip *nh)
{
	struct rtattr *gw = rta_find(attrs, len, RTA_GATEWAY);
	struct rtattr *via = rta_find(attrs, len, RTA_VIA);	/* IPv4 via an IPv6 router */

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

/* The live paths of an RTA_MULTIPATH into paths[]: how many. */
static int multipath_paths(struct rtattr *mp, int family, const union nvgre_ip *pa,
			   struct pa_path *paths)
{
	struct rtnexthop *nh = RTA_DATA(mp);
	int len = RTA_PAYLOAD(mp), n = 0;

	for (; RTNH_OK(nh, len) && n < PA_NEIGH_MAX_PATHS; len -= NLMSG_ALIGN(nh->rtnh_len),
	     nh = RTNH_NEXT(nh)) {
		if (nh->rtnh_flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN))
			continue;
		paths[n].ifindex = nh->rtnh_ifindex;
		if (!path_nexthop(RTNH_DATA(nh), nh->rtnh_len - sizeof(*nh), family, pa,
				  &paths[n].nh))
			n++;
	}
	return n;
}

/*
 * The kernel's route to pa as the transmit program asks for it (out of the
 * underlay, from our PA src if any), each of its paths: output device and
 * next hop (pa itself when on-link).  fib_match: the route entry as it is
 * in the FIB, with all the paths of a multipath route (bpf_fib_lookup picks
 * one by a hash that includes the protocol, GRE, which a route get cannot
 * be asked for); else the one path a lookup without it picks.  Returns the
 * number of paths (0: a route whose paths the reply does not show, a
 * nexthop object's), or -EADDRNOTAVAIL (pa is one of our addresses),
 * -ENETUNREACH (unreachable, blackhole, prohibit), -errno.
 */
static int route_paths(const union nvgre_ip *pa, const union nvgre_ip *src, int oif_want,
		       int fib_match, struct pa_path *paths)
{
	int family = family_of(pa);
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
		char attrs[128];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)), .nlmsg_type = RTM_GETROUTE,
		       .nlmsg_flags = NLM_F_REQUEST },
		.r = { .rtm_family = family, .rtm_dst_len = addr_len(family) * 8,
		       .rtm_flags = fib_match ? RTM_F_FIB_MATCH : 0 },
	};
	struct rtattr *oif, *mp;
	struct nlmsghdr *h;
	struct rtmsg *r;
	char buf[4096];
	int n, len;

	rta_add(&req.h, sizeof(req), RTA_DST, addr_of(pa), addr_len(family));
	if (src) {
		req.r.rtm_src_len = addr_len(family) * 8;
		rta_add(&req.h, sizeof(req), RTA_SRC, addr_of(src), addr_len(family));
	}
	if (oif_want)
		rta_add(&req.h, sizeof(req), RTA_OIF, &oif_want, sizeof(oif_want));
	n = rtnl_talk(&req, req.h.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return n;
	h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*r)))
		return -EIO;
	r = NLMSG_DATA(h);
	if (r->rtm_type == RTN_LOCAL)
		return -EADDRNOTAVAIL;
	if (r->rtm_type != RTN_UNICAST)
		return -ENETUNREACH;
	len = RTM_PAYLOAD(h);
	mp = rta_find(RTM_RTA(r), len, RTA_MULTIPATH);
	if (mp)
		return multipath_paths(mp, family, pa, paths);
	oif = rta_find(RTM_RTA(r), len, RTA_OIF);
	if (!oif)
		return fib_match ? 0 : -ENODEV;
	paths[0].ifindex = *(int *)RTA_DATA(oif);
	n = path_nexthop(RTM_RTA(r), len, family, pa, &paths[0].nh);
	return n ? n : 1;
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
	ni->flags = nd->ndm_flags;
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

enum neigh_op {
	NEIGH_GET,		/* the entry, into *ni */
	NEIGH_CREATE,		/* a new entry of ours, managed; never touches an existing one */
	NEIGH_RESOLVE,		/* start resolving an existing entry, nothing else changed */
	NEIGH_DELETE,
};

static int neigh_request(enum neigh_op op, int ifindex, const union nvgre_ip *nh,
			 struct neigh_info *ni)
{
	static const int type[] = { [NEIGH_GET] = RTM_GETNEIGH, [NEIGH_CREATE] = RTM_NEWNEIGH,
				    [NEIGH_RESOLVE] = RTM_NEWNEIGH, [NEIGH_DELETE] = RTM_DELNEIGH };
	int family = family_of(nh);
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
		char attrs[64];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)), .nlmsg_type = type[op],
		       .nlmsg_flags = NLM_F_REQUEST | (op == NEIGH_GET ? 0 : NLM_F_ACK) },
		.nd = { .ndm_family = family, .ndm_ifindex = ifindex },
	};
	char buf[4096];
	int n;

	rta_add(&req.h, sizeof(req), NDA_DST, addr_of(nh), addr_len(family));
	if (op == NEIGH_CREATE) {
		/* NTF_USE too: a kernel without managed entries (< 5.16, which
		 * ignores NDA_FLAGS_EXT) then only starts a resolution */
		__u8 proto = PA_NEIGH_PROTO;
		__u32 ext = NTF_EXT_MANAGED;

		req.h.nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		req.nd.ndm_flags = NTF_USE;
		rta_add(&req.h, sizeof(req), NDA_PROTOCOL, &proto, sizeof(proto));
		rta_add(&req.h, sizeof(req), NDA_FLAGS_EXT, &ext, sizeof(ext));
	} else if (op == NEIGH_RESOLVE) {
		req.nd.ndm_flags = NTF_USE;
	}
	n = rtnl_talk(&req, req.h.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return n;
	return op == NEIGH_GET ? neigh_parse((struct nlmsghdr *)buf, ni) : 0;
}

/* Ours, and nobody changed it since: the only entries nvgred deletes. */
static int neigh_is_ours(const struct neigh_info *ni)
{
	return ni->proto == PA_NEIGH_PROTO && (ni->ext_flags & NTF_EXT_MANAGED) &&
	       !(ni->state & (NUD_PERMANENT | NUD_NOARP)) && !(ni->flags & NTF_EXT_LEARNED);
}

/* nv_pa_macs[pa] from the neighbour's MAC: the transmit program's MACs. */
static int pa_mac_write(struct pa_neigh *pn, struct nvgred *d, const struct pa_nexthop *hop,
			const __u8 mac[6])
{
	struct nvgre_pa_mac m = { .ifindex = hop->ifindex };
	char name[IF_NAMESIZE];

	if (pn->mac_ifindex != hop->ifindex) {
		if (!if_indextoname(hop->ifindex, name) || link_mac_get(name, pn->mac))
			return -ENODEV;
		pn->mac_ifindex = hop->ifindex;
	}
	memcpy(m.local, pn->mac, 6);
	memcpy(m.remote, mac, 6);
	return nvgre_dp_pa_mac_set(&d->dp, &hop->pa, &m);
}

int pa_neigh_open(struct pa_neigh *pn)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE };
	int rcvbuf = 1 << 20;

	memset(pn, 0, sizeof(*pn));
	pn->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (pn->fd >= 0 && bind(pn->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(pn->fd);
		pn->fd = -1;
	}
	if (pn->fd >= 0)	/* a busy host's events; beyond it ENOBUFS brings a full pass */
		setsockopt(pn->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	pa_neigh_changed(pn);
	return pn->fd < 0 ? -errno : 0;
}

void pa_neigh_close(struct pa_neigh *pn)
{
	if (pn->fd >= 0)
		close(pn->fd);
	free(pn->hops);
	free(pn->by_nh);
	memset(pn, 0, sizeof(*pn));
	pn->fd = -1;
}

void pa_neigh_changed(struct pa_neigh *pn)
{
	if (!pn->dirty)
		clock_gettime(CLOCK_MONOTONIC, &pn->changed);
	pn->dirty = 1;
}

static long long ms_since(const struct timespec *t, const struct timespec *now)
{
	return (now->tv_sec - t->tv_sec) * 1000LL + (now->tv_nsec - t->tv_nsec) / 1000000;
}

int pa_neigh_due_ms(const struct pa_neigh *pn)
{
	struct timespec now;
	long long due;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (pn->dirty) {
		long long gap = PA_NEIGH_MIN_GAP_MS - ms_since(&pn->last, &now);

		due = PA_NEIGH_DEBOUNCE_MS - ms_since(&pn->changed, &now);
		if (gap > due)
			due = gap;
	} else {
		due = PA_NEIGH_PERIOD_S * 1000LL - ms_since(&pn->last, &now);
	}
	return due > 0 ? (int)due : 0;
}

static int pa_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct pa_nexthop *)a)->pa, &((const struct pa_nexthop *)b)->pa,
		      sizeof(union nvgre_ip));
}

static const struct pa_nexthop *hop_by_pa(const struct pa_neigh *pn, const union nvgre_ip *pa)
{
	struct pa_nexthop key = { .pa = *pa };

	return pn->hops ? bsearch(&key, pn->hops, pn->n_hops, sizeof(key), pa_cmp) : NULL;
}

static int nh_cmp(int ifindex_a, const union nvgre_ip *a, int ifindex_b, const union nvgre_ip *b)
{
	if (ifindex_a != ifindex_b)
		return ifindex_a < ifindex_b ? -1 : 1;
	return memcmp(a, b, sizeof(*a));
}

static int by_nh_cmp(const void *a, const void *b)
{
	const struct pa_nexthop *x = a, *y = b;

	return nh_cmp(x->ifindex, &x->nh, y->ifindex, &y->nh);
}

/* The first entry of pn->by_nh for (ifindex, nh), or pn->n_hops if none. */
static size_t first_by_nh(const struct pa_neigh *pn, int ifindex, const union nvgre_ip *nh)
{
	size_t lo = 0, hi = pn->n_hops;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pa_nexthop *h = &pn->by_nh[mid];

		if (nh_cmp(h->ifindex, &h->nh, ifindex, nh) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pn->n_hops && !nh_cmp(pn->by_nh[lo].ifindex, &pn->by_nh[lo].nh, ifindex, nh))
		return lo;
	return pn->n_hops;
}

/* A neighbour of ours that no PA needs any more: removed. */
struct stale_ctx {
	const struct pa_neigh *pn;	/* NULL: remove every one of ours */
};

static int remove_if_stale(const struct nlmsghdr *h, void *ctx)
{
	const struct stale_ctx *sc = ctx;
	struct neigh_info ni;

	if (neigh_parse(h, &ni) || !neigh_is_ours(&ni))
		return 0;
	if (sc->pn && first_by_nh(sc->pn, ni.ifindex, &ni.dst) < sc->pn->n_hops)
		return 0;
	neigh_request(NEIGH_DELETE, ni.ifindex, &ni.dst, NULL);
	return 0;
}

static void remove_stale(const struct pa_neigh *pn)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)), .nlmsg_type = RTM_GETNEIGH,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.nd = { .ndm_family = AF_UNSPEC },
	};
	struct stale_ctx sc = { .pn = pn };

	rtnl_dump(&req, req.h.nlmsg_len, remove_if_stale, &sc);
}

void pa_neigh_remove_all(void)
{
	remove_stale(NULL);
}

/* Our PA of pa's family, if there is one (the route lookup's source). */
static const union nvgre_ip *local_pa(const struct nvgred *d, const union nvgre_ip *pa)
{
	if (nvgre_ip_is_v4(pa))
		return d->cfg.has_pa4 ? &d->cfg.pa4 : NULL;
	return d->cfg.has_pa6 ? &d->cfg.pa6 : NULL;
}

/*
 * One next hop of a PA: its neighbour entry created (ours, managed) if there
 * is none, resolution started if it is someone else's dynamic entry without
 * a MAC, left alone otherwise; the first path's MAC, if known, into
 * nv_pa_macs.  prev: the PA in the last pass (what was said already).
 */
static void sync_nexthop(struct pa_neigh *pn, struct nvgred *d, const struct pa_nexthop *hop,
			 const struct pa_nexthop *prev, const char *pa)
{
	struct neigh_info ni;
	int err = neigh_request(NEIGH_GET, hop->ifindex, &hop->nh, &ni);

	if (err == -ENOENT) {
		err = neigh_request(NEIGH_CREATE, hop->ifindex, &hop->nh, NULL);
		if (err && err != -EEXIST && (!prev || prev->ifindex != hop->ifindex))
			daemon_warn("PA %s: cannot create its neighbour entry: %s", pa,
				    strerror(-err));
		return;		/* its MAC comes with the event */
	}
	if (err) {	/* no single-entry get (< 5.0): a resolution, nothing else */
		neigh_request(NEIGH_RESOLVE, hop->ifindex, &hop->nh, NULL);
		return;
	}
	if (ni.has_mac && (ni.state & PA_NUD_VALID)) {
		if (!hop->alt)
			pa_mac_write(pn, d, hop, ni.mac);
	} else if (!(ni.state & (NUD_PERMANENT | NUD_NOARP)) && !(ni.flags & NTF_EXT_LEARNED) &&
		   !(ni.ext_flags & NTF_EXT_MANAGED)) {
		/* a dynamic entry of the kernel's that failed or went idle */
		neigh_request(NEIGH_RESOLVE, hop->ifindex, &hop->nh, NULL);
	}
}

/* One PA: the paths of its route into out[] (room for PA_NEIGH_MAX_PATHS), each synced. */
static size_t sync_pa(struct pa_neigh *pn, struct nvgred *d, const union nvgre_ip *pa,
		      struct pa_nexthop *out)
{
	const struct pa_nexthop *prev = hop_by_pa(pn, pa);
	const union nvgre_ip *src = local_pa(d, pa);
	struct pa_path paths[PA_NEIGH_MAX_PATHS];
	char s[INET6_ADDRSTRLEN];
	int n, i;

	nvgre_ip_str(pa, s, sizeof(s));
	n = route_paths(pa, src, d->underlay_ifindex, 1, paths);
	if (n == 0)	/* paths the FIB entry does not show: the one a lookup picks */
		n = route_paths(pa, src, d->underlay_ifindex, 0, paths);
	if (n < 0) {
		out[0] = (struct pa_nexthop){ .pa = *pa };
		/* said once, not every pass; one of our own addresses is no remote PA */
		if (n != -EADDRNOTAVAIL && (!prev || prev->ifindex))
			daemon_warn("PA %s: no route out of %s (%s); copies and non-IP frames to "
				    "it are dropped (fib-lookup-failed) until there is one", s,
				    d->cfg.underlay, strerror(-n));
		return 1;
	}
	for (i = 0; i < n; i++) {
		out[i] = (struct pa_nexthop){ .pa = *pa, .nh = paths[i].nh,
					      .ifindex = paths[i].ifindex, .alt = i > 0 };
		sync_nexthop(pn, d, &out[i], prev, s);
	}
	return n;
}

void pa_neigh_sync(struct pa_neigh *pn, struct nvgred *d)
{
	size_t n = 0, i, used = 0, cap;
	union nvgre_ip *pas = nvgre_dp_record_pas(&d->dp, &n);
	struct pa_nexthop *hops = NULL, *by_nh = NULL;

	clock_gettime(CLOCK_MONOTONIC, &pn->last);
	pn->mac_ifindex = 0;	/* our MACs afresh, once per pass */
	cap = n + PA_NEIGH_MAX_PATHS;
	hops = pas ? malloc(cap * sizeof(*hops)) : NULL;
	for (i = 0; hops && i < n; i++) {	/* pas is sorted: so is hops */
		if (cap - used < PA_NEIGH_MAX_PATHS) {	/* multipath routes */
			struct pa_nexthop *more = realloc(hops, 2 * cap * sizeof(*hops));

			if (!more) {
				free(hops);
				hops = NULL;
				break;
			}
			hops = more;
			cap *= 2;
		}
		used += sync_pa(pn, d, &pas[i], &hops[used]);
	}
	free(pas);
	by_nh = hops ? malloc((used + 1) * sizeof(*by_nh)) : NULL;
	if (!by_nh) {
		free(hops);
		return;		/* out of memory: the next period tries again */
	}
	memcpy(by_nh, hops, used * sizeof(*hops));
	qsort(by_nh, used, sizeof(*by_nh), by_nh_cmp);
	free(pn->hops);
	free(pn->by_nh);
	pn->hops = hops;
	pn->by_nh = by_nh;
	pn->n_hops = used;
	remove_stale(pn);
	pn->dirty = 0;
}

/* One neighbour or route message. */
static void on_event(struct pa_neigh *pn, struct nvgred *d, const struct nlmsghdr *h)
{
	struct neigh_info ni;
	size_t i;

	if (h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE) {
		pa_neigh_changed(pn);	/* a PA's next hop may have moved */
		return;
	}
	if (neigh_parse(h, &ni))
		return;
	for (i = first_by_nh(pn, ni.ifindex, &ni.dst); i < pn->n_hops; i++) {
		const struct pa_nexthop *hop = &pn->by_nh[i];

		if (nh_cmp(hop->ifindex, &hop->nh, ni.ifindex, &ni.dst))
			break;
		if (h->nlmsg_type == RTM_DELNEIGH)
			pa_neigh_changed(pn);	/* flushed: make it again */
		else if ((ni.state & PA_NUD_VALID) && ni.has_mac && !hop->alt)
			pa_mac_write(pn, d, hop, ni.mac);
	}
}

void pa_neigh_events(struct pa_neigh *pn, struct nvgred *d)
{
	static char buf[32768];
	int n, reads;

	for (reads = 0; reads < PA_NEIGH_EVENT_READS; reads++) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		n = recv(pn->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			pa_neigh_changed(pn);	/* events lost: look at everything again */
			continue;
		}
		if (n <= 0)
			return;
		for (; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n))
			on_event(pn, d, h);
	}
}
