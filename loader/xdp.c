// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* XDP on the underlay through libxdp (xdp.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "xdp.h"

#define PROG_NAME "nvgre_xdp_rx"

int xdp_needed(const struct nvgred *d)
{
	int i;

	if (d->cfg.xdp_always)
		return 1;
	for (i = 1; i < NVGRE_MAX_VPORTS; i++)
		if (d->vports[i].used && d->vports[i].xsk_queues)
			return 1;
	return 0;
}

/* libxdp keeps its dispatcher pins on a bpffs: ours (ip netns exec hides /sys/fs/bpf). */
static void libxdp_env(struct nvgred *d)
{
	setenv("LIBXDP_BPFFS", d->pin_dir, 0);
}

/* Detach every nvgre program on the underlay except the one with id keep. */
static int detach_ours(struct nvgred *d, __u32 keep)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(d->underlay_ifindex);
	struct xdp_program *p;
	int err = 0;

	if (libxdp_get_error(mp))
		return 0;	/* nothing attached */
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
		if (strcmp(xdp_program__name(p), PROG_NAME) || xdp_program__id(p) == keep)
			continue;
		err = xdp_program__detach(p, d->underlay_ifindex, xdp_multiprog__attach_mode(mp), 0);
		break;	/* the dispatcher changed: the iteration is over */
	}
	if (!p && !xdp_multiprog__next_prog(NULL, mp)) {
		/* a single program without dispatcher */
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), PROG_NAME) && xdp_program__id(p) != keep)
			err = xdp_program__detach(p, d->underlay_ifindex,
						  xdp_multiprog__attach_mode(mp), 0);
	}
	xdp_multiprog__close(mp);
	return err;
}

/*
 * Where the kernel refuses libxdp's dispatcher (freplace; this project's
 * reference machine does), libxdp attaches a single program.  Our own then
 * is replaced in one step: XDP_FLAGS_REPLACE with the old program's fd.
 * Returns 1 when there was no such single program of ours to replace.
 */
static int replace_single(struct nvgred *d)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(d->underlay_ifindex);
	struct xdp_program *p;
	int ret = 1, old_fd;

	if (libxdp_get_error(mp))
		return 1;
	p = xdp_multiprog__main_prog(mp);
	if (p && !xdp_multiprog__next_prog(NULL, mp) && !strcmp(xdp_program__name(p), PROG_NAME)) {
		__u32 flags = XDP_FLAGS_REPLACE | (xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ?
						   XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts);

		old_fd = bpf_prog_get_fd_by_id(xdp_program__id(p));
		opts.old_prog_fd = old_fd;
		ret = old_fd < 0 ? -errno :
		      bpf_xdp_attach(d->underlay_ifindex, d->dp.xdp_rx_fd, flags, &opts);
		if (old_fd >= 0)
			close(old_fd);
	}
	xdp_multiprog__close(mp);
	return ret;
}

int xdp_underlay_attach(struct nvgred *d)
{
	struct bpf_object *obj;
	struct xdp_program *prog;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .prog_name = PROG_NAME);
	enum xdp_attach_mode mode = d->cfg.xdp_mode == NVGRED_XDP_GENERIC ? XDP_MODE_SKB
									 : XDP_MODE_NATIVE;
	__u32 id;
	int err, i;

	libxdp_env(d);
	err = replace_single(d);
	if (err <= 0)
		return err;
	obj = nvgre_dp_open_xdp_object(&d->dp);
	if (!obj)
		return -errno ?: -EINVAL;
	opts.obj = obj;
	prog = xdp_program__create(&opts);
	err = libxdp_get_error(prog);
	if (err) {
		bpf_object__close(obj);
		return err;
	}
	err = xdp_program__attach(prog, d->underlay_ifindex, mode, 0);
	if (err && d->cfg.xdp_mode == NVGRED_XDP_AUTO)
		err = xdp_program__attach(prog, d->underlay_ifindex, XDP_MODE_SKB, 0);
	id = err ? 0 : xdp_program__id(prog);
	xdp_program__close(prog);
	bpf_object__close(obj);
	if (err)
		return err;
	/* the new program runs; now the previous daemon's can go (no gap) */
	for (i = 0; i < 4 && !detach_ours(d, id); i++)
		if (!xdp_underlay_query(d, NULL) || xdp_underlay_query(d, NULL) == id)
			break;
	return 0;
}

int xdp_underlay_detach(struct nvgred *d)
{
	int i, err = 0;

	libxdp_env(d);
	for (i = 0; i < 4 && xdp_underlay_query(d, NULL); i++)
		err = detach_ours(d, 0);
	return err;
}

unsigned int xdp_underlay_query(struct nvgred *d, const char **mode)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	unsigned int id = 0;

	libxdp_env(d);
	mp = xdp_multiprog__get_from_ifindex(d->underlay_ifindex);
	if (libxdp_get_error(mp))
		return 0;
	for (p = xdp_multiprog__next_prog(NULL, mp); p && !id; p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), PROG_NAME))
			id = xdp_program__id(p);
	p = xdp_multiprog__main_prog(mp);
	if (!id && p && !strcmp(xdp_program__name(p), PROG_NAME))
		id = xdp_program__id(p);
	if (mode)
		*mode = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ? "generic" : "native";
	xdp_multiprog__close(mp);
	return id;
}

void xdp_update(struct nvgred *d)
{
	int on = xdp_underlay_query(d, NULL) != 0, want = xdp_needed(d), err, generic;
	const char *mode = "native";

	if (on != want) {
		err = want ? xdp_underlay_attach(d) : xdp_underlay_detach(d);
		if (err)
			daemon_warn("underlay %s: %s XDP: %s", d->cfg.underlay,
				    want ? "attaching" : "detaching", strerror(-err));
		else
			daemon_log("underlay %s: XDP %s", d->cfg.underlay,
				   want ? "attached" : "detached");
	}
	/* generic mode loses metadata on the way to an xsk vport's veth */
	generic = xdp_underlay_query(d, &mode) && !strcmp(mode, "generic");
	if (generic != d->xdp_generic) {
		d->xdp_generic = generic;
		if (generic)
			daemon_log("underlay %s: XDP in generic mode: xsk vports are served "
				   "through their software channels", d->cfg.underlay);
		daemon_push_config(d);
	}
}
