// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* State file (state.h): JSON, written to a temporary file then renamed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <nvgre/ctl.h>
#include "state.h"

static json_object *str(const char *s)
{
	return json_object_new_string(s);
}

/* Each object as the argv that recreates it: the state file replays commands. */
static json_object *argv_of(int n, const char *const *a)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, str(a[i]));
	return arr;
}

static void save_vsids(struct nvgred *d, json_object *cmds)
{
	__u32 k, next, *prev = NULL;
	struct nvgre_vsid v;
	char vs[16];

	while (!bpf_map_get_next_key(d->dp.vsids_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (nvgre_dp_vsid_get(&d->dp, k, &v))
			continue;
		snprintf(vs, sizeof(vs), "%u", k);
		if (v.flags & NVGRE_VSID_F_ANY_PA)
			json_object_array_add(cmds, argv_of(4, (const char *[]){ "vsid", "add", vs, "any-pa" }));
		else
			json_object_array_add(cmds, argv_of(3, (const char *[]){ "vsid", "add", vs }));
	}
}

/* Lookup records with their customer IPs (IPs of vports are the vports'). */
static void save_routes(struct nvgred *d, json_object *cmds)
{
	struct nvgre_mac_key k, next, *prev = NULL;
	struct nvgre_route r;
	size_t nips = 0, cnt, j;
	struct nvgre_ip_entry *ips = nvgre_dp_ips_sorted(&d->dp, &nips);

	while (!bpf_map_get_next_key(d->dp.routes_fd, prev, &next)) {
		const struct nvgre_ip_entry *e;
		char vs[16], mac[18], pa[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN];

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(d->dp.routes_fd, &k, &r))
			continue;
		snprintf(vs, sizeof(vs), "%u", k.vsid);
		nvgre_mac_str(k.mac, mac);
		nvgre_ip_str(&r.pa, pa, sizeof(pa));
		e = ips ? nvgre_ips_of(ips, nips, k.vsid, k.mac, &cnt) : NULL;
		for (j = 0; e && j < cnt; j++) {
			nvgre_ip_str(&e[j].ip, ip, sizeof(ip));
			json_object_array_add(cmds, argv_of(6, (const char *[]){ "route", "add", vs, mac, ip, pa }));
		}
		if (!e)
			json_object_array_add(cmds, argv_of(5, (const char *[]){ "route", "add", vs, mac, pa }));
	}
	free(ips);
}

static void save_vports(struct nvgred *d, json_object *cmds)
{
	int i, j;

	for (i = 1; i < NVGRE_MAX_VPORTS; i++) {
		const struct vport_rec *v = &d->vports[i];
		json_object *a;
		char vs[16], mac[18], ip[INET6_ADDRSTRLEN], q[16];

		if (!v->used)
			continue;
		snprintf(vs, sizeof(vs), "%u", v->vsid);
		nvgre_mac_str(v->mac, mac);
		a = argv_of(7, (const char *[]){ "vport", "add", v->name, "vsid", vs, "mac", mac });
		for (j = 0; j < v->n_ips; j++) {
			nvgre_ip_str(&v->ips[j], ip, sizeof(ip));
			json_object_array_add(a, str("ip"));
			json_object_array_add(a, str(ip));
		}
		if (*v->dev) {
			json_object_array_add(a, str("dev"));
			json_object_array_add(a, str(v->dev));
		} else {
			snprintf(q, sizeof(q), "%d", v->xsk_queues);
			json_object_array_add(a, str("xsk"));
			json_object_array_add(a, str(q));
			if (v->has_owner) {
				snprintf(q, sizeof(q), "%u", v->owner);
				json_object_array_add(a, str("owner"));
				json_object_array_add(a, str(q));
			}
		}
		json_object_array_add(cmds, a);
	}
}

int state_save(struct nvgred *d)
{
	json_object *root = json_object_new_object(), *cmds = json_object_new_array();
	char tmp[4096];
	const char *s;
	int fd, err = 0;
	size_t len;

	json_object_object_add(root, "version", json_object_new_int(NVGRE_STATE_VERSION));
	json_object_object_add(root, "offload", json_object_new_int(d->offload));
	json_object_object_add(root, "offload_config", json_object_new_int(d->offload_config));
	json_object_object_add(root, "underlay_mtu_orig", json_object_new_int(d->underlay_mtu_orig));
	save_vsids(d, cmds);
	save_routes(d, cmds);
	save_vports(d, cmds);
	for (size_t i = 0; d->unrestored && i < json_object_array_length(d->unrestored); i++)
		json_object_array_add(cmds, json_object_get(json_object_array_get_idx(d->unrestored, i)));
	json_object_object_add(root, "commands", cmds);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	len = strlen(s);

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		err = -errno;
	else if (write(fd, s, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd))
		err = -errno ?: -EIO;
	if (fd >= 0)
		close(fd);
	if (!err && rename(tmp, d->state_path))
		err = -errno;
	if (!err) {	/* the rename itself must survive a crash */
		char dir[4096], *slash;
		int dfd;

		snprintf(dir, sizeof(dir), "%s", d->state_path);
		slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = 0;
		dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	if (err) {
		unlink(tmp);
		daemon_warn("state: cannot write %s: %s", d->state_path, strerror(-err));
	}
	json_object_put(root);
	return err;
}

/*
 * A state file we cannot read is kept, renamed, for the operator: the save
 * that follows must never replace it with what (little) the maps hold.
 */
static int state_set_aside(struct nvgred *d, const char *why)
{
	char aside[4200];

	snprintf(aside, sizeof(aside), "%s.bad-%ld", d->state_path, (long)time(NULL));
	if (rename(d->state_path, aside))
		daemon_err("state: %s %s, and cannot be moved aside: %s", d->state_path, why,
			   strerror(errno));
	else
		daemon_err("state: %s %s: kept as %s; objects not restored", d->state_path, why,
			   aside);
	return -EINVAL;
}

/* Apply one state entry: 0, -1 if malformed, or the command's status (err set). */
static int state_apply(struct nvgred *d, json_object *a, char *err, size_t errlen)
{
	const char *argv[72];
	json_object *res;
	char *text;
	size_t j, m = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	int rc;

	if (!m || m > NV_ARRAY_SIZE(argv))
		return -1;
	for (j = 0; j < m; j++) {
		json_object *f = json_object_array_get_idx(a, j);

		argv[j] = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
		if (!argv[j])
			return -1;
	}
	rc = cmd_run(d, m, argv, NULL, &res, &text, err, errlen);
	if (rc)
		return rc;
	json_object_put(res);
	free(text);
	return 0;
}

int state_retry(struct nvgred *d)
{
	json_object *left = json_object_new_array();
	size_t i, n = json_object_array_length(d->unrestored);
	int applied = 0;

	d->restoring = 1;
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(d->unrestored, i);
		char err[256];

		if (state_apply(d, a, err, sizeof(err))) {
			daemon_warn("state: still not applied: %s", err);
			json_object_array_add(left, json_object_get(a));
		} else {
			applied++;
		}
	}
	d->restoring = 0;
	json_object_put(d->unrestored);
	d->unrestored = left;
	return applied;
}

int state_forget_vport(struct nvgred *d, const char *name)
{
	size_t i, n = json_object_array_length(d->unrestored);

	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(d->unrestored, i);
		const char *k0 = json_object_get_string(json_object_array_get_idx(a, 0));
		const char *k1 = json_object_get_string(json_object_array_get_idx(a, 1));
		const char *k2 = json_object_get_string(json_object_array_get_idx(a, 2));

		if (k0 && k1 && k2 && !strcmp(k0, "vport") && !strcmp(k1, "add") && !strcmp(k2, name)) {
			json_object_array_del_idx(d->unrestored, i, 1);
			return 1;
		}
	}
	return 0;
}

int state_restore(struct nvgred *d)
{
	json_object *root = json_object_from_file(d->state_path), *cmds, *v;
	size_t i, n;
	int failed = 0;

	if (!root) {
		if (access(d->state_path, F_OK))
			return 0;	/* first start */
		return state_set_aside(d, "is not valid JSON");
	}
	if (!json_object_object_get_ex(root, "version", &v) ||
	    json_object_get_int(v) != NVGRE_STATE_VERSION) {
		json_object_put(root);
		return state_set_aside(d, "has an unknown version");
	}
	if (json_object_object_get_ex(root, "offload", &v))
		d->offload = json_object_get_int(v);
	/* what the config asked for when that state was saved: a config that
	 * asks for something else since wins for those bits (nvgred.c) */
	if (json_object_object_get_ex(root, "offload_config", &v))
		d->offload_config = json_object_get_int(v);
	if (json_object_object_get_ex(root, "underlay_mtu_orig", &v) && json_object_get_int(v) > 0)
		d->underlay_mtu_orig = json_object_get_int(v);
	if (!json_object_object_get_ex(root, "commands", &cmds))
		cmds = NULL;
	n = cmds ? json_object_array_length(cmds) : 0;
	d->restoring = 1;
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(cmds, i);
		char err[256];
		int rc = state_apply(d, a, err, sizeof(err));

		if (!rc)
			continue;
		failed++;
		if (rc < 0) {
			daemon_warn("state: %s entry %zu: not a list of strings: skipped",
				    d->state_path, i + 1);
			continue;
		}
		daemon_warn("state: %s entry %zu: %s (kept in the state file, retried on SIGHUP)",
			    d->state_path, i + 1, err);
		json_object_array_add(d->unrestored, json_object_get(a));
	}
	d->restoring = 0;
	json_object_put(root);
	return failed ? -EINVAL : 0;
}
