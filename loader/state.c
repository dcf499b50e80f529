// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* State file (state.h): JSON, written to a temporary file then renamed. */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>
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

/*
 * Lookup records with their customer IPs (IPs of vports are the vports'),
 * one string "VSID MAC [IP] PA" per record and IP, as route import takes
 * them: a million records are a million small JSON strings, not arrays of
 * six.  0, or -errno when the records cannot be read: then nothing may be
 * written.
 */
static int save_routes(struct nvgred *d, json_object *routes_out)
{
	struct nvgre_mac_key *keys;
	struct nvgre_route *routes;
	size_t nips = 0, n = 0, cnt, i, j;
	struct nvgre_ip_entry *ips = nvgre_dp_ips_sorted(&d->dp, &nips);

	int err = ips ? nvgre_dp_routes_dump(&d->dp, &keys, &routes, &n) : -ENOMEM;

	if (err) {
		free(ips);
		return err;
	}
	for (i = 0; i < n; i++) {
		const struct nvgre_mac_key *k = &keys[i];
		const struct nvgre_ip_entry *e;
		char mac[18], pa[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN], line[128];

		if (!(i & 4095))
			daemon_keepalive();	/* a million records take a while */
		nvgre_mac_str(k->mac, mac);
		nvgre_ip_str(&routes[i].pa, pa, sizeof(pa));
		e = nvgre_ips_of(ips, nips, k->vsid, k->mac, &cnt);
		for (j = 0; e && j < cnt; j++) {
			nvgre_ip_str(&e[j].ip, ip, sizeof(ip));
			snprintf(line, sizeof(line), "%u %s %s %s", k->vsid, mac, ip, pa);
			json_object_array_add(routes_out, str(line));
		}
		if (!e) {
			snprintf(line, sizeof(line), "%u %s %s", k->vsid, mac, pa);
			json_object_array_add(routes_out, str(line));
		}
	}
	free(keys);
	free(routes);
	free(ips);
	return 0;
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

/* The rename of a file in path's directory must survive a crash too. */
static int sync_dir_of(const char *path)
{
	char dir[4096], *slash;
	int dfd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd))
		err = -errno;
	if (dfd >= 0)
		close(dfd);
	return err;
}

/* Write len bytes of s to fd: 0, or -errno (-ENOSPC for a short write). */
static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n = write(fd, s, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -ENOSPC;
}

/* path gets exactly len bytes of s: a temporary file, synced, renamed over it. */
static int write_atomically(const char *path, const char *s, size_t len)
{
	char tmp[4200];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, s, len);
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		err = sync_dir_of(path);
	return err;
}

static void journal_path(const struct nvgred *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s.journal", d->state_path);
}

/* An empty journal of d->journal.gen, open for appending. */
static int journal_reset(struct nvgred *d)
{
	char path[4200], head[64];
	int n, err;

	if (d->journal.fd >= 0)
		close(d->journal.fd);
	d->journal.fd = -1;
	d->journal.entries = 0;
	journal_path(d, path, sizeof(path));
	n = snprintf(head, sizeof(head), "{\"journal\": 1, \"gen\": %llu}\n", d->journal.gen);
	err = write_atomically(path, head, n);
	if (!err) {
		d->journal.fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (d->journal.fd < 0)
			err = -errno;
	}
	if (err)	/* each change then writes the state file whole */
		daemon_warn("state: cannot start the journal %s: %s", path, strerror(-err));
	return err;
}

int state_save(struct nvgred *d)
{
	json_object *root = json_object_new_object(), *vsids = json_object_new_array();
	json_object *routes = json_object_new_array(), *vports = json_object_new_array();
	unsigned long long gen = d->journal.gen + 1;
	char *s;
	int err;

	json_object_object_add(root, "version", json_object_new_int(NVGRE_STATE_VERSION));
	json_object_object_add(root, "journal_gen", json_object_new_int64((int64_t)gen));
	json_object_object_add(root, "offload", json_object_new_int(d->offload));
	json_object_object_add(root, "offload_config", json_object_new_int(d->offload_config));
	json_object_object_add(root, "underlay_mtu_orig", json_object_new_int(d->underlay_mtu_orig));
	save_vsids(d, vsids);
	err = save_routes(d, routes);
	save_vports(d, vports);
	for (size_t i = 0; d->unrestored && i < json_object_array_length(d->unrestored); i++)
		json_object_array_add(vports, json_object_get(json_object_array_get_idx(d->unrestored, i)));
	/* applied in this order at start */
	json_object_object_add(root, "vsids", vsids);
	json_object_object_add(root, "routes", routes);
	json_object_object_add(root, "vports", vports);
	/* without its lookup records the file must not replace the old one;
	 * each step takes a second or so at a million records */
	daemon_keepalive();
	if (err || asprintf(&s, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY)) < 0)
		s = NULL;
	daemon_keepalive();
	if (!err)
		err = s ? write_atomically(d->state_path, s, strlen(s)) : -ENOMEM;
	daemon_keepalive();
	free(s);
	json_object_put(root);
	malloc_trim(0);	/* a million records' strings: give the memory back */
	if (err) {
		daemon_warn("state: cannot write %s: %s", d->state_path, strerror(-err));
		return err;
	}
	/* the old journal is in the state file now; its generation says so
	 * even if what follows fails */
	d->journal.gen = gen;
	journal_reset(d);
	return 0;
}

/* Is the journal we append to still the file at its path (not moved or deleted)? */
static int journal_in_place(const struct nvgred *d)
{
	struct stat a, b;
	char path[4200];

	journal_path(d, path, sizeof(path));
	return !fstat(d->journal.fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

int state_record(struct nvgred *d, int argc, const char *const *argv, int bulk)
{
	static int max = -1;
	json_object *a;
	char *line;
	int err = 0;

	if (max < 0) {	/* tests set a small one */
		const char *e = getenv("NVGRED_JOURNAL_MAX");

		max = e && atoi(e) > 0 ? atoi(e) : STATE_JOURNAL_MAX;
		if (e && atoi(e) <= 0)
			daemon_warn("NVGRED_JOURNAL_MAX=%s: not a positive number; %d used", e, max);
	}
	if (bulk || d->journal.fd < 0 || d->journal.entries >= max || !journal_in_place(d))
		return state_save(d);
	a = argv_of(argc, argv);
	if (asprintf(&line, "%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN)) < 0)
		line = NULL;
	json_object_put(a);
	err = line ? write_all(d->journal.fd, line, strlen(line)) : -ENOMEM;
	if (!err && fdatasync(d->journal.fd))
		err = -errno;
	free(line);
	if (err) {
		/* never append after a torn line: until a whole write succeeds
		 * (and begins a new journal), every change writes the state file */
		daemon_warn("state: cannot append to the journal: %s; writing the state file",
			    strerror(-err));
		close(d->journal.fd);
		d->journal.fd = -1;
		return state_save(d);
	}
	d->journal.entries++;
	return 0;
}

/*
 * A state file we cannot read is kept, renamed, for the operator: the save
 * that follows must never replace it with what (little) the maps hold.
 */
static int state_set_aside(struct nvgred *d, const char *why)
{
	char aside[4200];

	char jpath[4200], jaside[4300];

	journal_path(d, jpath, sizeof(jpath));
	snprintf(jaside, sizeof(jaside), "%s.bad-%ld", jpath, (long)time(NULL));
	rename(jpath, jaside);	/* it continues that file: no use without it */
	snprintf(aside, sizeof(aside), "%s.bad-%ld", d->state_path, (long)time(NULL));
	if (rename(d->state_path, aside))
		daemon_err("state: %s %s, and cannot be moved aside: %s", d->state_path, why,
			   strerror(errno));
	else
		daemon_err("state: %s %s: kept as %s; objects not restored", d->state_path, why,
			   aside);
	return -EINVAL;
}

/* Run one command of the state: 0, or its status (err set). */
static int state_run(struct nvgred *d, int argc, const char **argv, char *err, size_t errlen)
{
	json_object *res;
	char *text;
	int rc = cmd_run(d, argc, argv, NULL, &res, &text, err, errlen);

	if (rc)
		return rc;
	json_object_put(res);
	free(text);
	return 0;
}

/* Apply one state entry: 0, -1 if malformed, or the command's status (err set). */
static int state_apply(struct nvgred *d, json_object *a, char *err, size_t errlen)
{
	const char *argv[72];
	size_t j, m = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

	if (!m || m > NV_ARRAY_SIZE(argv))
		return -1;
	for (j = 0; j < m; j++) {
		json_object *f = json_object_array_get_idx(a, j);

		argv[j] = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
		if (!argv[j])
			return -1;
	}
	return state_run(d, m, argv, err, errlen);
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

/* The index of vport add NAME in d->unrestored, or -1. */
static int unrestored_vport(const struct nvgred *d, const char *name)
{
	size_t i, n = json_object_array_length(d->unrestored);

	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(d->unrestored, i);
		const char *k0 = json_object_get_string(json_object_array_get_idx(a, 0));
		const char *k1 = json_object_get_string(json_object_array_get_idx(a, 1));
		const char *k2 = json_object_get_string(json_object_array_get_idx(a, 2));

		if (k0 && k1 && k2 && !strcmp(k0, "vport") && !strcmp(k1, "add") && !strcmp(k2, name))
			return (int)i;
	}
	return -1;
}

int state_unrestored_vport(const struct nvgred *d, const char *name)
{
	return unrestored_vport(d, name) >= 0;
}

int state_forget_vport(struct nvgred *d, const char *name)
{
	int i = unrestored_vport(d, name);

	if (i < 0)
		return 0;
	json_object_array_del_idx(d->unrestored, i, 1);
	return 1;
}

/*
 * A command that failed at start: a vport add (its device may come back) is
 * kept for SIGHUP's retry and in the state file; anything else is said and
 * dropped.  After a crash the state file can be older than the pinned maps
 * (the journal has what came since): an old route add that fails there must
 * not come back on a retry.
 */
static void restore_failed(struct nvgred *d, json_object *a, const char *where, const char *err)
{
	const char *k0 = json_object_get_string(json_object_array_get_idx(a, 0));
	const char *k1 = json_object_get_string(json_object_array_get_idx(a, 1));
	int keep = k0 && k1 && !strcmp(k0, "vport") && !strcmp(k1, "add");

	daemon_warn("state: %s: %s%s", where, err,
		    keep ? " (kept in the state file, retried on SIGHUP)" : "");
	if (keep)
		json_object_array_add(d->unrestored, json_object_get(a));
}

/* One whole journal line, parsed: ends with its newline, one JSON value, nothing after. */
static json_object *journal_line(const char *line, ssize_t len)
{
	struct json_tokener *tok;
	json_object *a;

	if (len < 2 || line[len - 1] != '\n')
		return NULL;	/* cut short */
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	a = json_tokener_parse_ex(tok, line, (int)len - 1);
	if (a && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != (size_t)len - 1)) {
		json_object_put(a);
		a = NULL;
	}
	json_tokener_free(tok);
	return a;
}

json_object *state_journal_commands(const struct nvgred *d)
{
	json_object *all = json_object_new_array();
	char path[4200], *line = NULL;
	ssize_t len;
	size_t cap = 0;
	FILE *f;

	journal_path(d, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return all;
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_object *a = journal_line(line, len);

		if (a && json_object_is_type(a, json_type_array))
			json_object_array_add(all, a);
		else
			json_object_put(a);	/* the header, or a line cut short */
	}
	free(line);
	fclose(f);
	return all;
}

/*
 * The changes since the state file was written: the journal's lines, if it
 * is of the state file's generation.  A line that does not parse can only
 * be a last one whose write was cut short (its command was never
 * acknowledged): skipped.  Failures: restore_failed.  Returns how many
 * failed.
 */
static int journal_replay(struct nvgred *d)
{
	char path[4200], *line = NULL, err[256];
	ssize_t len;
	size_t cap = 0;
	unsigned long long gen;
	int lineno = 1, failed = 0;
	FILE *f;

	journal_path(d, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (getline(&line, &cap, f) < 0 || sscanf(line, "{\"journal\": 1, \"gen\": %llu}", &gen) != 1) {
		daemon_warn("state: %s: not a journal: ignored", path);
		goto out;
	}
	if (gen != d->journal.gen) {	/* written whole after it: nothing new in it */
		daemon_log("state: %s is of generation %llu, %s of %llu: in the state file already",
			   path, gen, d->state_path, d->journal.gen);
		goto out;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_object *a = journal_line(line, len);
		int rc;

		lineno++;
		rc = a ? state_apply(d, a, err, sizeof(err)) : -1;
		if (rc < 0) {
			daemon_warn("state: %s line %d: unreadable (a write cut short): skipped",
				    path, lineno);
		} else if (rc) {
			char where[4300];

			snprintf(where, sizeof(where), "%s line %d", path, lineno);
			restore_failed(d, a, where, err);
			failed++;
		}
		json_object_put(a);
	}
out:
	free(line);
	fclose(f);
	return failed;
}

/* The commands of root's array key, in order.  Returns how many failed. */
static int restore_commands(struct nvgred *d, json_object *root, const char *key)
{
	json_object *cmds;
	size_t i, n;
	int failed = 0;

	if (!json_object_object_get_ex(root, key, &cmds))
		return 0;
	n = json_object_array_length(cmds);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(cmds, i);
		char err[256], where[4300];
		int rc = state_apply(d, a, err, sizeof(err));

		if (!rc)
			continue;
		failed++;
		snprintf(where, sizeof(where), "%s %s entry %zu", d->state_path, key, i + 1);
		if (rc < 0)
			daemon_warn("state: %s: not a list of strings: skipped", where);
		else
			restore_failed(d, a, where, err);
	}
	return failed;
}

/* The lookup records ("VSID MAC [IP] PA" each), as route add.  Returns how many failed. */
static int restore_routes(struct nvgred *d, json_object *root)
{
	json_object *routes;
	size_t i, n;
	int failed = 0;

	if (!json_object_object_get_ex(root, "routes", &routes))
		return 0;
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++) {
		const char *line = json_object_get_string(json_object_array_get_idx(routes, i));
		const char *argv[6] = { "route", "add" };
		char buf[160], err[256];
		int words = 0, rc = -1;

		if (line && strlen(line) < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%s", line);
			words = words_split(buf, argv + 2, 4);
		}
		if (words == 3 || words == 4) {
			rc = state_run(d, 2 + words, argv, err, sizeof(err));
			if (!rc)
				continue;
		}
		failed++;
		if (rc < 0)
			daemon_warn("state: %s routes entry %zu: not \"VSID MAC [IP] PA\": skipped",
				    d->state_path, i + 1);
		else
			daemon_warn("state: %s routes entry %zu: %s", d->state_path, i + 1, err);
	}
	return failed;
}

int state_restore(struct nvgred *d)
{
	json_object *root = json_object_from_file(d->state_path), *v;
	int failed = 0, version;

	if (!root) {
		if (access(d->state_path, F_OK))
			return 0;	/* first start */
		return state_set_aside(d, "is not valid JSON");
	}
	version = json_object_object_get_ex(root, "version", &v) ? json_object_get_int(v) : 0;
	if (version != NVGRE_STATE_VERSION && version != 1) {
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
	if (json_object_object_get_ex(root, "journal_gen", &v))
		d->journal.gen = (unsigned long long)json_object_get_int64(v);
	d->restoring = 1;
	if (version == 1) {	/* every object as a command */
		failed += restore_commands(d, root, "commands");
	} else {
		failed += restore_commands(d, root, "vsids");
		failed += restore_routes(d, root);
		failed += restore_commands(d, root, "vports");
	}
	failed += journal_replay(d);
	d->restoring = 0;
	json_object_put(root);
	return failed ? -EINVAL : 0;
}
