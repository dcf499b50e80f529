// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nvgred: loads and attaches the NVGRE data path, owns its configuration
 * and serves nvgrectl.  SIGTERM leaves the data path attached and its maps
 * pinned (a restarted nvgred adopts them); --teardown removes everything.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <systemd/sd-daemon.h>

#include <nvgre/ctl.h>
#include <nvgre/offload.h>
#include <nvgre/rss.h>
#include <nvgre/vmq.h>
#include "attach.h"
#include "control.h"
#include "daemon.h"
#include "state.h"
#include "vmq_dev.h"
#include "vmq_open.h"
#include "vport_offload.h"
#include "xdp.h"

static struct control ctl;

/*
 * One line per event on stderr; under systemd (JOURNAL_STREAM set) with
 * the <N> priority prefix journald reads.  Nothing here runs per packet:
 * drops are counted, and streamed to monitor clients, never logged.
 */
void daemon_logp(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>", prio);
	fprintf(stderr, "nvgred: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void notify(struct nvgred *d, json_object *ev)
{
	(void)d;
	control_event(&ctl, ev);
}

int daemon_tenant_mtu(struct nvgred *d)
{
	int mtu = link_mtu_get(d->cfg.underlay);

	if (mtu <= 0)
		return mtu;
	/* a vport may talk to PAs of either family: leave room for the larger */
	return mtu - (d->cfg.has_pa6 ? NVGRE_OVERHEAD_IPV6 : NVGRE_OVERHEAD_IPV4);
}

int daemon_push_config(struct nvgred *d)
{
	struct nvgre_config c;

	nvgre_config_defaults(&c);
	c.offload = d->offload;
	c.flags = (d->cfg.drop_bad_csum ? NVGRE_CFG_DROP_BAD_CSUM : 0) |
		  (d->cfg.flowid_zero ? NVGRE_CFG_FLOWID_ZERO : 0) |
		  (d->caps.gso_tcp ? NVGRE_CFG_GSO_TCP : 0) |
		  (d->caps.gso_udp ? NVGRE_CFG_GSO_UDP : 0) |
		  (d->monitors > 0 ? NVGRE_CFG_EVENTS : 0) |
		  (d->xdp_generic ? NVGRE_CFG_XDP_GENERIC : 0);
	c.max_header = d->cfg.max_header;
	c.rx_queues = d->caps.rx_queues > 0 ? d->caps.rx_queues : 1;
	c.ttl = d->cfg.ttl;
	c.underlay_ifindex = d->underlay_ifindex;
	if (d->cfg.has_pa4)
		c.pa4 = d->cfg.pa4;
	if (d->cfg.has_pa6)
		c.pa6 = d->cfg.pa6;
	return nvgre_dp_set_config(&d->dp, &c);
}

void daemon_apply_vport_offloads(struct nvgred *d)
{
	int i, err, allowed =
		(nvgre_offload_on(d->offload, NVGRE_OFF_LSO) && d->caps.gso_tcp ? VPORT_OFF_TSO : 0) |
		(nvgre_offload_on(d->offload, NVGRE_OFF_USO) && d->caps.gso_udp ? VPORT_OFF_USO : 0) |
		(nvgre_offload_on(d->offload, NVGRE_OFF_TX_CSUM) ? VPORT_OFF_CSUM : 0);

	for (i = 1; i < NVGRE_MAX_VPORTS; i++) {
		struct vport_rec *v = &d->vports[i];

		if (!v->used || !*v->dev || v->offloads == allowed)
			continue;
		err = vport_tenant_set(v->dev, v->mac, allowed, 0);
		if (err)
			daemon_warn("vport %s: cannot set the tenant's offloads (%s): %s", v->name,
				   v->dev, err == -ENOENT ? "its veth peer is in no named netns"
							  : strerror(-err));
		else
			daemon_log("vport %s: tenant offloads TSO %s, USO %s, checksum %s", v->name,
				   allowed & VPORT_OFF_TSO ? "on" : "off",
				   allowed & VPORT_OFF_USO ? "on" : "off",
				   allowed & VPORT_OFF_CSUM ? "on" : "off");
		v->offloads = allowed;
	}
}

/*
 * Vport MTUs follow a growing underlay (W-7, KW-1).  They are never
 * lowered at run time: a veth drops, silently, frames larger than its MTU
 * that its peer (the tenant, whose MTU we do not control) sends; better
 * the transmit program sees them and answers with ICMP "too big".
 */
static void update_vport_mtus(struct nvgred *d)
{
	int i, mtu = daemon_tenant_mtu(d);

	for (i = 1; i < NVGRE_MAX_VPORTS && mtu > 0; i++) {
		struct vmq_dev dev;

		if (!d->vports[i].used)
			continue;
		if (*d->vports[i].dev && link_mtu_get(d->vports[i].dev) < mtu)
			vport_tenant_set(d->vports[i].dev, d->vports[i].mac, -1, mtu);
		vmq_dev_names(i, &dev);
		if (!*d->vports[i].dev && link_mtu_get(dev.host) < vmq_dev_mtu(mtu))
			vmq_dev_set_mtu(&dev, vmq_dev_mtu(mtu));
	}
}

static int pin_dir_ok(const char *dir)
{
	struct statfs st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		daemon_err("--pin-dir %s: %s", dir, strerror(errno));
		return 0;
	}
	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		daemon_err("--pin-dir %s: not on a bpf filesystem (mount -t bpf bpf DIR, or /sys/fs/bpf)",
			   dir);
		return 0;
	}
	return 1;
}

/* Maps pinned by an nvgred with another layout cannot be adopted. */
static int pinned_layout_ok(const char *dir)
{
	char path[4096];
	struct nvgre_config c;
	__u32 zero = 0;
	int fd, ok = 1;

	snprintf(path, sizeof(path), "%s/nv_config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 1;	/* nothing pinned yet */
	if (!bpf_map_lookup_elem(fd, &zero, &c) && c.layout_version &&
	    c.layout_version != NVGRE_MAP_LAYOUT_VERSION) {
		daemon_err("maps in %s have layout %u, this nvgred uses %u: "
			   "run nvgred --teardown first (drops the pinned state)",
			   dir, c.layout_version, NVGRE_MAP_LAYOUT_VERSION);
		ok = 0;
	}
	close(fd);
	return ok;
}

/* [static] objects of the config: applied like nvgrectl commands. */
static void apply_statics(struct nvgred *d)
{
	int i;

	d->restoring = 1;
	for (i = 0; i < d->cfg.n_static; i++) {
		char buf[1024], *argv[72], *tok, *save, err[256], *text;
		json_object *res;
		int argc = 0;

		snprintf(buf, sizeof(buf), "%s", d->cfg.statics[i].text);
		/* "route 5000 ..." means "route add 5000 ..." */
		for (tok = strtok_r(buf, " \t", &save); tok && argc < 70;
		     tok = strtok_r(NULL, " \t", &save)) {
			argv[argc++] = tok;
			if (argc == 1)
				argv[argc++] = "add";
		}
		if (cmd_run(d, argc, (const char *const *)argv, NULL, &res, &text, err, sizeof(err))) {
			daemon_warn("%s:%d: %s", d->config_path, d->cfg.statics[i].line, err);
			continue;
		}
		json_object_put(res);
		free(text);
	}
	d->restoring = 0;
}

/* mkdir -p of the directory holding path (the socket's, the state file's). */
static int make_parent_dir(const char *path, mode_t mode)
{
	char dir[4096], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = 0;
	for (p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
	return mkdir(dir, mode) && errno != EEXIST ? -errno : 0;
}

/* The offload state a config asks for: [offload] and the KW-1 master switches. */
static __u32 config_offload_bits(const struct nvgred_config *cfg)
{
	/* [offload] holds the per-offload bits; the master bits are the keywords' */
	return (cfg->offload & ~NVGRE_OFF_MASTER) | (cfg->task_offload ? NVGRE_OFF_GLOBAL : 0) |
	       (cfg->task_offload_nvgre ? NVGRE_OFF_NVGRE : 0);
}

/*
 * A config whose offload bits differ from the ones last applied wins for
 * the bits it changes; `offload set` changes of the others stay (ST-1).
 */
static void apply_config_offload(struct nvgred *d, __u32 bits)
{
	__u32 changed = bits ^ d->offload_config, old = d->offload;

	if (!changed)
		return;
	d->offload = (d->offload & ~changed) | (bits & changed);
	d->offload_config = bits;
	daemon_log("configuration: it changed offload bits 0x%02x", changed);
	daemon_push_config(d);
	daemon_apply_vport_offloads(d);
	daemon_offload_events(d, old);
}

static int start(struct nvgred *d)
{
	int err, mtu;

	if (make_parent_dir(d->state_path, 0700) || make_parent_dir(d->socket_path, 0755) ||
	    make_parent_dir(d->vmq_socket_path, 0755)) {
		daemon_err("cannot create the directory of %s, %s or %s: %s", d->state_path,
			   d->socket_path, d->vmq_socket_path, strerror(errno));
		return NVGRE_EXIT_FAILED;
	}
	/* the socket first: a daemon nobody can reach must not touch the data path */
	err = control_open(&ctl, d, d->socket_path, d->vmq_socket_path);
	if (err) {
		daemon_err("%s %s: %s", ctl.failed_path == d->socket_path ? "--socket" : "--vmq-socket",
			   ctl.failed_path,
			   err == -EADDRINUSE ? "another nvgred is serving it" :
			   err == -EEXIST ? "exists and is not a socket" : strerror(-err));
		ctl.listen_fd = -1;
		return NVGRE_EXIT_FAILED;
	}

	d->underlay_ifindex = if_nametoindex(d->cfg.underlay);
	if (!d->underlay_ifindex) {
		daemon_err("underlay %s: no such interface", d->cfg.underlay);
		return NVGRE_EXIT_FAILED;
	}
	if (!pin_dir_ok(d->pin_dir) || !pinned_layout_ok(d->pin_dir))
		return NVGRE_EXIT_FAILED;
	err = nvgre_dp_open(&d->dp, d->pin_dir);
	if (err) {
		daemon_err("loading the data path: %s", strerror(-err));
		return NVGRE_EXIT_FAILED;
	}
	d->dp.keepalive = daemon_keepalive;	/* route import --replace of a million */
	/* consumers of the previous run lost their lease with its connections */
	vmq_release_all(d);
	d->offload = d->offload_config = config_offload_bits(&d->cfg);

	/* what the underlay can do, before vports are restored and offered offloads */
	caps_probe(d->cfg.underlay, &d->caps);

	/* KW-1 *EncapOverhead: raise the underlay MTU once, from its original value. */
	mtu = link_mtu_get(d->cfg.underlay);
	d->underlay_mtu_orig = mtu;
	state_restore(d);	/* may bring the original MTU and offload state back */
	apply_config_offload(d, config_offload_bits(&d->cfg));
	if (d->cfg.encap_overhead && mtu != d->underlay_mtu_orig + d->cfg.encap_overhead &&
	    link_mtu_set(d->cfg.underlay, d->underlay_mtu_orig + d->cfg.encap_overhead))
		daemon_warn("underlay %s: cannot raise MTU by %d", d->cfg.underlay,
			   d->cfg.encap_overhead);

	err = daemon_push_config(d) ?: nvgre_dp_set_rss_key(&d->dp, d->cfg.rss_key);
	if (!err)
		err = tc_attach_ingress(d->underlay_ifindex, d->dp.tc_rx_fd);
	if (err) {
		daemon_err("setting up %s: %s", d->cfg.underlay, strerror(-err));
		return NVGRE_EXIT_FAILED;
	}
	apply_statics(d);
	update_vport_mtus(d);
	daemon_apply_vport_offloads(d);
	/* XDP: replace an earlier daemon's program, or attach/detach as needed */
	if (xdp_needed(d) && xdp_underlay_query(d, NULL)) {
		err = xdp_underlay_attach(d);
		if (err)
			daemon_warn("underlay %s: replacing XDP: %s", d->cfg.underlay, strerror(-err));
	}
	xdp_update(d);		/* attach or detach as needed; learn the mode */
	state_save(d);
	return 0;
}

/* [vports] devices applies to vport add: the vports already there stay, said. */
static void warn_vports_outside(const struct nvgred *d)
{
	char dev[IF_NAMESIZE];
	int i;

	for (i = 1; i < NVGRE_MAX_VPORTS; i++) {
		const struct vport_rec *v = &d->vports[i];

		if (v->used && *v->dev && if_indextoname(v->ifindex, dev) &&
		    !config_vport_dev_allowed(&d->cfg, dev))
			daemon_warn("reload: vport %s is on %s, which [vports] devices does not "
				    "allow now; it stays until vport del", v->name, dev);
	}
}

/* SIGHUP: re-read the config, apply what changed without reattaching. */
static void reload(struct nvgred *d)
{
	struct nvgred_config *next = malloc(sizeof(*next));
	char err[512];

	if (!next)
		return;
	if (config_load(d->config_path, next, err, sizeof(err))) {
		daemon_warn("reload: %s (keeping the running configuration)", err);
		free(next);
		return;
	}
	if (strcmp(next->underlay, d->cfg.underlay))
		daemon_log("reload: the underlay changes only with a restart");
	else
		d->cfg.pa4 = next->pa4, d->cfg.pa6 = next->pa6,
		d->cfg.has_pa4 = next->has_pa4, d->cfg.has_pa6 = next->has_pa6;
	d->cfg.flowid_zero = next->flowid_zero;
	d->cfg.ttl = next->ttl;
	d->cfg.max_header = next->max_header;
	d->cfg.drop_bad_csum = next->drop_bad_csum;
	apply_config_offload(d, config_offload_bits(next));
	d->cfg.xdp_always = next->xdp_always;
	d->cfg.xdp_mode = next->xdp_mode;
	memcpy(d->cfg.rss_key, next->rss_key, sizeof(next->rss_key));
	memcpy(d->cfg.vport_devices, next->vport_devices, sizeof(next->vport_devices));
	d->cfg.n_vport_devices = next->n_vport_devices;
	warn_vports_outside(d);
	config_free(&d->cfg);
	memcpy(d->cfg.statics, next->statics, sizeof(next->statics));
	d->cfg.n_static = next->n_static;
	free(next);
	daemon_push_config(d);
	nvgre_dp_set_rss_key(&d->dp, d->cfg.rss_key);
	apply_statics(d);
	if (json_object_array_length(d->unrestored)) {
		int n = state_retry(d);

		if (n)
			daemon_log("reload: %d state file entries applied now", n);
	}
	xdp_update(d);
	state_save(d);
	daemon_log("configuration reloaded");
}

/* A drop event from the data path, to every monitor client. */
static int on_event(void *ctx, void *data, size_t len)
{
	const struct nvgre_event *e = data;
	json_object *ev;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string("drop"));
	json_object_object_add(ev, "dir", json_object_new_string(
				       e->kind == NVGRE_EVENT_RX_DROP ? "rx" : "tx"));
	json_object_object_add(ev, "reason", json_object_new_string(
				       e->reason < NVGRE_DROP_MAX ? nvgre_drop_reason_names[e->reason] : "?"));
	json_object_object_add(ev, "vsid", json_object_new_int(e->vsid));
	if (e->kind == NVGRE_EVENT_RX_DROP) {
		nvgre_ip_str(&e->src, src, sizeof(src));
		nvgre_ip_str(&e->dst, dst, sizeof(dst));
		json_object_object_add(ev, "outer_src", json_object_new_string(src));
		json_object_object_add(ev, "outer_dst", json_object_new_string(dst));
	} else {
		json_object_object_add(ev, "vport", json_object_new_int(e->vport));
	}
	control_event(&ctl, ev);
	json_object_put(ev);
	return 0;
}

static int rtnl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A link changed (features, MTU, ...): re-derive capabilities and MTUs. */
static void link_changed(struct nvgred *d, int fd)
{
	char buf[16384];
	int gso_tcp = d->caps.gso_tcp, gso_udp = d->caps.gso_udp;

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	caps_probe(d->cfg.underlay, &d->caps);
	if (gso_tcp != d->caps.gso_tcp || gso_udp != d->caps.gso_udp) {
		json_object *ev = json_object_new_object();

		daemon_log("underlay %s: GSO of GRE now tcp %s, udp %s", d->cfg.underlay,
			   d->caps.gso_tcp ? "on" : "off", d->caps.gso_udp ? "on" : "off");
		json_object_object_add(ev, "event", json_object_new_string("caps"));
		json_object_object_add(ev, "lso", json_object_new_boolean(d->caps.gso_tcp));
		json_object_object_add(ev, "uso", json_object_new_boolean(d->caps.gso_udp));
		control_event(&ctl, ev);
		json_object_put(ev);
	}
	daemon_push_config(d);
	daemon_apply_vport_offloads(d);
	update_vport_mtus(d);
}

/* systemd's watchdog (WatchdogSec): 0 when it is off. */
static uint64_t wd_usec;
static struct timespec last_wd;

static long long wd_ms_since_ping(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - last_wd.tv_sec) * 1000LL + (now.tv_nsec - last_wd.tv_nsec) / 1000000;
}

void daemon_keepalive(void)
{
	if (!wd_usec || wd_ms_since_ping() < (long long)(wd_usec / 2000))
		return;
	sd_notify(0, "WATCHDOG=1");
	clock_gettime(CLOCK_MONOTONIC, &last_wd);
}

/* Milliseconds until the next ping is due (half the interval), or timeout. */
static int wd_due_ms(int timeout)
{
	long long due;

	if (!wd_usec)
		return timeout;
	due = (long long)(wd_usec / 2000) - wd_ms_since_ping();
	if (due < 0)
		due = 0;
	return due < timeout || timeout < 0 ? (int)due : timeout;
}

static int run(struct nvgred *d)
{
	struct pollfd fds[CONTROL_MAX_CLIENTS + 6];	/* 2 listening, clients, 4 of ours */
	struct ring_buffer *events;
	int timeout;
	sigset_t mask;
	int sfd, nfd, n, nctl;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	nfd = rtnl_open();
	if (pa_neigh_open(&d->pa_neigh))
		daemon_warn("neighbour events unavailable: %s; PA neighbours are looked at every %d s",
			    strerror(errno), PA_NEIGH_PERIOD_S);
	d->notify = notify;
	events = ring_buffer__new(d->dp.events_fd, on_event, d, NULL);
	if (!events)
		daemon_warn("drop events unavailable: %s", strerror(errno));
	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	sd_notifyf(0, "READY=1\nSTATUS=serving %s on %s", d->cfg.underlay, d->socket_path);
	daemon_log("ready: underlay %s, socket %s, pins %s", d->cfg.underlay, d->socket_path,
		   d->pin_dir);

	for (;;) {
		int i;

		/* the control sockets first, then ours */
		nctl = control_pollfds(&ctl, fds, CONTROL_MAX_CLIENTS + 2);
		n = nctl;
		fds[n++] = (struct pollfd){ .fd = events ? ring_buffer__epoll_fd(events) : -1,
					    .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = nfd, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = d->pa_neigh.fd, .events = POLLIN };
		/* wake up for the next PA neighbour pass, and the next watchdog ping */
		timeout = wd_due_ms(pa_neigh_due_ms(&d->pa_neigh));
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			break;
		daemon_keepalive();
		if (fds[nctl + 1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					sd_notify(0, "RELOADING=1");
					reload(d);
					pa_neigh_changed(&d->pa_neigh);	/* [static] records */
					sd_notify(0, "READY=1");
				} else {
					break;
				}
			}
		}
		if (nfd >= 0 && (fds[nctl + 2].revents & POLLIN))
			link_changed(d, nfd);
		if (d->pa_neigh.fd >= 0 && (fds[nctl + 3].revents & POLLIN))
			pa_neigh_events(&d->pa_neigh, d);
		if (events && (fds[nctl].revents & POLLIN))
			ring_buffer__consume(events);
		for (i = 0; i < nctl; i++)
			if (fds[i].revents)
				break;
		if (i < nctl)
			control_handle(&ctl, fds, nctl);
		if (!pa_neigh_due_ms(&d->pa_neigh))
			pa_neigh_sync(&d->pa_neigh, d);
	}
	/* Leave the data path attached and pinned: the next nvgred adopts it. */
	sd_notify(0, "STOPPING=1");
	ring_buffer__free(events);
	d->monitors = 0;
	daemon_push_config(d);		/* no listener left for drop events */
	control_close(&ctl);
	pa_neigh_close(&d->pa_neigh);	/* its neighbour entries stay, with the data path */
	state_save(d);
	daemon_log("stopped; the data path stays attached");
	return 0;
}

/* Our filter off the devices of the "... dev IFNAME" commands in cmds. */
static void detach_devs_of(json_object *cmds)
{
	size_t i, j;

	for (i = 0; i < json_object_array_length(cmds); i++) {
		json_object *a = json_object_array_get_idx(cmds, i);
		size_t m = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

		for (j = 0; j + 1 < m; j++) {
			const char *k = json_object_get_string(json_object_array_get_idx(a, j));
			const char *dev = json_object_get_string(json_object_array_get_idx(a, j + 1));
			int ifindex = k && dev && !strcmp(k, "dev") ? (int)if_nametoindex(dev) : 0;

			if (ifindex)
				tc_detach_ingress(ifindex);
		}
	}
}

/* Detach everything we attached and remove our pins (state file kept). */
static int teardown(struct nvgred *d)
{
	const char *maps[] = { "nv_config", "nv_rss", "nv_vsids", "nv_vports", "nv_routes",
			       "nv_vsid_pas", "nv_vport_if", "nv_ips", "nv_xsks", "nv_drops",
			       "nv_counters", "nv_vsid_stats", "nv_vport_stats", "nv_events",
			       "nv_pa_macs", "nv_sw_channels", "nv_xsk_devs",
			       "nv_xsk_queue_stats" };
	json_object *root = json_object_from_file(d->state_path), *cmds, *v, *journal;
	char path[4096];
	size_t i;
	int ifindex;

	ifindex = *d->cfg.underlay ? (int)if_nametoindex(d->cfg.underlay) : 0;
	if (ifindex) {
		tc_detach_ingress(ifindex);
		d->underlay_ifindex = ifindex;
		xdp_underlay_detach(d);
	}
	/* vports: from the state file and its journal ("vport add NAME ... dev IFNAME") */
	if (root && json_object_object_get_ex(root, "commands", &cmds))	/* version 1 */
		detach_devs_of(cmds);
	if (root && json_object_object_get_ex(root, "vports", &cmds))
		detach_devs_of(cmds);
	journal = state_journal_commands(d);
	detach_devs_of(journal);
	json_object_put(journal);
	if (root && json_object_object_get_ex(root, "underlay_mtu_orig", &v) && *d->cfg.underlay &&
	    d->cfg.encap_overhead && json_object_get_int(v) > 0)
		link_mtu_set(d->cfg.underlay, json_object_get_int(v));
	json_object_put(root);
	for (i = 1; i < NVGRE_MAX_VPORTS; i++)	/* xsk vports' veth pairs */
		vmq_dev_delete(i);
	pa_neigh_remove_all();
	for (i = 0; i < NV_ARRAY_SIZE(maps); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->pin_dir, maps[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/xdp", d->pin_dir);	/* libxdp's, if it left it */
	rmdir(path);
	rmdir(d->pin_dir);
	printf("nvgred: torn down (pins in %s removed, state file %s kept)\n", d->pin_dir,
	       d->state_path);
	return 0;
}

/* libbpf chatter: warnings and errors only, and not the expected EEXIST of clsact. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || strstr(fmt, "Exclusivity flag") ||
	    strstr(fmt, "unrecognized data section"))	/* libxdp's .xdp_run_config */
		return 0;
	if (strstr(fmt, "Kernel error message") && level == LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* libxdp: its warnings (e.g. why it fell back from its dispatcher); all with NVGRED_DEBUG. */
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBXDP_DEBUG && !getenv("NVGRED_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Several daemons on one machine (one per netns, DESIGN) have their own pin
 * directories; they must not share a state file either.  The default
 * instance keeps NVGRE_DEFAULT_STATE; another --pin-dir gets its own.
 */
static const char *default_state_path(const char *pin_dir)
{
	static char path[4096];
	size_t i, n;

	if (!strcmp(pin_dir, NVGRE_DEFAULT_PIN_DIR))
		return NVGRE_DEFAULT_STATE;
	n = snprintf(path, sizeof(path), "/var/lib/nvgre/state%s.json", pin_dir);
	for (i = strlen("/var/lib/nvgre/state"); i < n && i < sizeof(path) - 6; i++)
		if (path[i] == '/')
			path[i] = '_';
	return path;
}

/* The consumer socket beside the control socket: X.sock -> X-vmq.sock. */
static const char *default_vmq_socket_path(const char *socket_path)
{
	static char path[4096];
	size_t n = strlen(socket_path);

	if (!strcmp(socket_path, NVGRE_DEFAULT_SOCKET))
		return NVGRE_DEFAULT_VMQ_SOCKET;
	if (n > 5 && !strcmp(socket_path + n - 5, ".sock"))
		n -= 5;
	snprintf(path, sizeof(path), "%.*s-vmq.sock", (int)n, socket_path);
	return path;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nvgred [--config FILE] [--socket PATH] [--vmq-socket PATH] [--pin-dir DIR]\n"
		   "              [--state FILE] [--foreground]\n"
		   "       nvgred --check-config FILE\n"
		   "       nvgred --teardown [--config FILE] [--pin-dir DIR] [--state FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "vmq-socket", required_argument, NULL, 'V' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 'S' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "teardown", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct nvgred d;
	const char *check = NULL;
	char err[512];
	int o, do_teardown = 0, ret;

	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	d.config_path = NVGRE_DEFAULT_CONFIG;
	d.socket_path = NVGRE_DEFAULT_SOCKET;
	d.pin_dir = NVGRE_DEFAULT_PIN_DIR;
	d.state_path = NULL;
	d.unrestored = json_object_new_array();
	d.journal.fd = -1;
	while ((o = getopt_long(argc, argv, "c:s:V:p:S:fC:Th", opts, NULL)) != -1) {
		switch (o) {
		case 'c': d.config_path = optarg; break;
		case 's': d.socket_path = optarg; break;
		case 'V': d.vmq_socket_path = optarg; break;
		case 'p': d.pin_dir = optarg; break;
		case 'S': d.state_path = optarg; break;
		case 'f': break;	/* always: systemd Type=notify runs us in the foreground */
		case 'C': check = optarg; break;
		case 'T': do_teardown = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return NVGRE_EXIT_USAGE;
		}
	}
	if (!d.state_path)
		d.state_path = default_state_path(d.pin_dir);
	if (!d.vmq_socket_path)
		d.vmq_socket_path = default_vmq_socket_path(d.socket_path);
	if (optind < argc) {
		daemon_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return NVGRE_EXIT_USAGE;
	}
	if (check) {
		if (config_load(check, &d.cfg, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return NVGRE_EXIT_USAGE;
		}
		printf("%s: ok (underlay %s, %d static objects)\n", check, d.cfg.underlay,
		       d.cfg.n_static);
		return 0;
	}
	if (config_load(d.config_path, &d.cfg, err, sizeof(err))) {
		if (do_teardown)	/* tear down what we can without a config */
			return teardown(&d);
		fprintf(stderr, "%s\n", err);
		return NVGRE_EXIT_USAGE;
	}
	if (do_teardown)
		return teardown(&d);
	ret = start(&d);
	if (ret) {
		if (ctl.listen_fd > 0)
			control_close(&ctl);
		return ret;
	}
	return run(&d);
}
