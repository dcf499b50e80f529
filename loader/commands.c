// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The commands of DESIGN's command-line contract, validated and applied to
 * the data path.  One implementation for the control socket, the config
 * file's [static] objects and the state file, so they cannot disagree.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <json-c/printbuf.h>

#include <nvgre/ctl.h>
#include <nvgre/offload.h>
#include <nvgre/wire.h>
#include "attach.h"
#include "daemon.h"
#include "state.h"
#include "vmq_dev.h"
#include "vmq_open.h"
#include "vport_offload.h"
#include "xdp.h"

struct cmd_ctx {
	struct nvgred *d;
	int argc;
	const char *const *argv;
	json_object *records;
	int output;		/* CMD_OUT_*: what the client shows */
	json_object *result;
	FILE *text;		/* human-readable output */
	char *err;
	size_t errlen;
};

static int usage(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return NVGRE_EXIT_USAGE;
}

static int failed(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failed(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return NVGRE_EXIT_FAILED;
}

/* ---- argument parsing ------------------------------------------------- */

static int parse_vsid(struct cmd_ctx *c, const char *s, __u32 *vsid)
{
	char *end;
	unsigned long v;

	/* decimal, or hex with 0x; never octal (a leading 0 means nothing) */
	errno = 0;
	v = strtoul(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || *s == ' ' || v > NVGRE_VSID_MASK)
		return usage(c, "VSID '%s': not a number from 0 to 16777215", s);
	if (!nvgre_vsid_valid(v))
		return usage(c, "VSID %s: reserved (0x000000-0x000FFF and 0xFFFFFF, SPEC W-4)", s);
	*vsid = v;
	return 0;
}

static int parse_mac(struct cmd_ctx *c, const char *s, __u8 mac[6])
{
	if (nvgre_mac_parse(s, mac))
		return usage(c, "MAC '%s': expected six hex bytes like 02:00:00:aa:00:01", s);
	if (mac[0] & 1)
		return usage(c, "MAC %s: a group address cannot be a tenant adapter", s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return usage(c, "MAC %s: the zero address", s);
	return 0;
}

static int parse_ip(struct cmd_ctx *c, const char *what, const char *s, union nvgre_ip *ip)
{
	if (nvgre_ip_parse(s, ip))
		return usage(c, "%s '%s': not an IPv4 or IPv6 address", what, s);
	return 0;
}

static const char *on_off(int on)
{
	return on ? "on" : "off";
}

/* ---- status, caps, offload ---------------------------------------------- */

static int n_vports(struct nvgred *d)
{
	int i, n = 0;

	for (i = 1; i < NVGRE_MAX_VPORTS; i++)
		n += d->vports[i].used;
	return n;
}

static int cmd_status(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	char pa4[INET6_ADDRSTRLEN] = "-", pa6[INET6_ADDRSTRLEN] = "-";
	long nv = nvgre_dp_map_count(d->dp.vsids_fd), nr = nvgre_dp_map_count(d->dp.routes_fd);
	const char *xdp_mode = "off";
	unsigned int xdp_id;

	if (nv < 0 || nr < 0)
		return failed(c, "status: counting the VSIDs and lookup records: %s",
			      strerror((int)-(nv < 0 ? nv : nr)));

	if (d->cfg.has_pa4)
		nvgre_ip_str(&d->cfg.pa4, pa4, sizeof(pa4));
	if (d->cfg.has_pa6)
		nvgre_ip_str(&d->cfg.pa6, pa6, sizeof(pa6));
	json_object_object_add(c->result, "protocol", json_object_new_int(NVGRE_CTL_VERSION));
	json_object_object_add(c->result, "map_layout", json_object_new_int(NVGRE_MAP_LAYOUT_VERSION));
	json_object_object_add(c->result, "underlay", json_object_new_string(d->cfg.underlay));
	json_object_object_add(c->result, "pa4", json_object_new_string(pa4));
	json_object_object_add(c->result, "pa6", json_object_new_string(pa6));
	json_object_object_add(c->result, "pin_dir", json_object_new_string(d->pin_dir));
	json_object_object_add(c->result, "tenant_mtu", json_object_new_int(daemon_tenant_mtu(d)));
	json_object_object_add(c->result, "vsids", json_object_new_int64(nv));
	json_object_object_add(c->result, "routes", json_object_new_int64(nr));
	json_object_object_add(c->result, "vports", json_object_new_int(n_vports(d)));
	xdp_id = xdp_underlay_query(d, &xdp_mode);
	json_object_object_add(c->result, "xdp", json_object_new_string(xdp_id ? xdp_mode : "off"));
	fprintf(c->text, "underlay   %s (PA %s, %s)\ntenant MTU %d\npins       %s\n"
		"objects    %ld VSIDs, %ld lookup records, %d vports\nXDP        %s\n",
		d->cfg.underlay, pa4, pa6, daemon_tenant_mtu(d), d->pin_dir, nv, nr, n_vports(d),
		xdp_id ? xdp_mode : "off (no xsk vport needs it)");
	return 0;
}

static int cmd_caps(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	json_object *offs = json_object_new_object(), *probes = json_object_new_object();
	int i;

	caps_probe(d->cfg.underlay, &d->caps);
	daemon_push_config(d);
	fprintf(c->text, "%-8s %-6s %s\n", "offload", "nibble", "inner-ipv4 outer-ipv4 inner-ipv6 outer-ipv6");
	for (i = 0; i < 6; i++) {
		unsigned int n = d->caps.nibble[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "nibble", json_object_new_int(n));
		json_object_object_add(o, "inner_ipv4", json_object_new_boolean(n & NVGRE_CAP_INNER_IPV4));
		json_object_object_add(o, "outer_ipv4", json_object_new_boolean(n & NVGRE_CAP_OUTER_IPV4));
		json_object_object_add(o, "inner_ipv6", json_object_new_boolean(n & NVGRE_CAP_INNER_IPV6));
		json_object_object_add(o, "outer_ipv6", json_object_new_boolean(n & NVGRE_CAP_OUTER_IPV6));
		json_object_object_add(offs, caps_offload_names[i], o);
		fprintf(c->text, "%-8s 0x%x    %-10s %-10s %-10s %s\n", caps_offload_names[i], n,
			on_off(n & 1), on_off(n & 2), on_off(n & 4), on_off(n & 8));
	}
	json_object_object_add(c->result, "offloads", offs);
	json_object_object_add(c->result, "max_header_size_supported",
			       json_object_new_int(d->caps.max_header));
	json_object_object_add(probes, "kernel_gre_gso", json_object_new_boolean(d->caps.kernel_gre_gso));
	json_object_object_add(probes, "tx_gre_segmentation", json_object_new_boolean(d->caps.dev_gre_gso));
	json_object_object_add(probes, "tso", json_object_new_boolean(d->caps.dev_tso));
	json_object_object_add(probes, "uso", json_object_new_boolean(d->caps.dev_uso));
	json_object_object_add(probes, "rx_queues", json_object_new_int(d->caps.rx_queues));
	json_object_object_add(probes, "xdp_native", d->caps.xdp_features_known ?
			       json_object_new_boolean(d->caps.xdp_native) : NULL);
	json_object_object_add(probes, "xsk_zerocopy", d->caps.xdp_features_known ?
			       json_object_new_boolean(d->caps.xsk_zerocopy) : NULL);
	json_object_object_add(probes, "tcx", json_object_new_boolean(d->caps.tcx));
	json_object_object_add(probes, "adj_room_decap_l3",
			       json_object_new_boolean(d->dp.probe.adj_room_decap_l3_ipv4 &&
						       d->dp.probe.adj_room_decap_l3_ipv6));
	json_object_object_add(c->result, "probes", probes);
	fprintf(c->text, "MaxHeaderSizeSupported %d\nprobes: kernel GRE GSO %s, underlay "
		"tx-gre-segmentation %s, TSO %s, USO %s, %d rx queues\n"
		"        XDP native %s, AF_XDP zero-copy %s, TCX %s, ADJ_ROOM DECAP_L3 flags %s\n",
		d->caps.max_header, on_off(d->caps.kernel_gre_gso), on_off(d->caps.dev_gre_gso),
		on_off(d->caps.dev_tso), on_off(d->caps.dev_uso), d->caps.rx_queues,
		d->caps.xdp_features_known ? on_off(d->caps.xdp_native) : "unknown",
		d->caps.xdp_features_known ? on_off(d->caps.xsk_zerocopy) : "unknown",
		on_off(d->caps.tcx),
		on_off(d->dp.probe.adj_room_decap_l3_ipv4 && d->dp.probe.adj_room_decap_l3_ipv6));
	return 0;
}

static const struct { const char *name; __u32 bit; } features[] = {
	{ "global", NVGRE_OFF_GLOBAL }, { "nvgre", NVGRE_OFF_NVGRE },
	{ "tx-csum", NVGRE_OFF_TX_CSUM }, { "rx-csum", NVGRE_OFF_RX_CSUM },
	{ "lso", NVGRE_OFF_LSO }, { "uso", NVGRE_OFF_USO },
	{ "rss", NVGRE_OFF_RSS }, { "vmq", NVGRE_OFF_VMQ },
};

static int cmd_offload_show(struct cmd_ctx *c)
{
	__u32 s = c->d->offload;
	size_t i;

	fprintf(c->text, "%-8s %-5s %s\n", "feature", "state", "effective");
	for (i = 0; i < NV_ARRAY_SIZE(features); i++) {
		int on = !!(s & features[i].bit);
		int eff = i < 2 ? on : nvgre_offload_on(s, features[i].bit);
		json_object *o = json_object_new_object();

		json_object_object_add(o, "state", json_object_new_string(on_off(on)));
		json_object_object_add(o, "effective", json_object_new_string(on_off(eff)));
		json_object_object_add(c->result, features[i].name, o);
		fprintf(c->text, "%-8s %-5s %s\n", features[i].name, on_off(on), on_off(eff));
	}
	return 0;
}

void daemon_offload_events(struct nvgred *d, __u32 old)
{
	size_t i;

	for (i = 0; i < NV_ARRAY_SIZE(features); i++) {
		int on = !!(d->offload & features[i].bit);
		json_object *ev;

		if (on == !!(old & features[i].bit))
			continue;
		daemon_log("offload %s %s (state 0x%02x -> 0x%02x)", features[i].name, on_off(on),
			   old, d->offload);
		ev = json_object_new_object();
		json_object_object_add(ev, "event", json_object_new_string("offload"));
		json_object_object_add(ev, "feature", json_object_new_string(features[i].name));
		json_object_object_add(ev, "state", json_object_new_string(on_off(on)));
		if (d->notify)
			d->notify(d, ev);
		json_object_put(ev);
	}
}

static int cmd_offload_set(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	const char *name = c->argv[2], *val = c->argv[3];
	__u32 bit = 0, old = d->offload;
	size_t i;
	int on = config_bool(val);

	for (i = 0; i < NV_ARRAY_SIZE(features); i++)
		if (!strcmp(name, features[i].name))
			bit = features[i].bit;
	if (!bit)
		return usage(c, "offload '%s': expected one of nvgre tx-csum rx-csum lso uso rss vmq global",
			     name);
	if (on < 0)
		return usage(c, "offload %s '%s': expected on or off", name, val);
	d->offload = on ? d->offload | bit : d->offload & ~bit;
	if (daemon_push_config(d)) {
		d->offload = old;
		return failed(c, "offload %s: cannot update the data path: %s", name, strerror(errno));
	}
	daemon_apply_vport_offloads(d);	/* tx-csum, lso, uso: what tenants are offered */
	daemon_offload_events(d, old);
	json_object_object_add(c->result, name, json_object_new_string(on_off(on)));
	fprintf(c->text, "%s %s\n", name, on_off(on));
	return 0;
}

/* ---- vsid --------------------------------------------------------------- */

static int vsid_in_use(struct nvgred *d, __u32 vsid)
{
	struct nvgre_mac_key k, next, *prev = NULL;
	int i;

	for (i = 1; i < NVGRE_MAX_VPORTS; i++)
		if (d->vports[i].used && d->vports[i].vsid == vsid)
			return 1;
	while (!bpf_map_get_next_key(d->dp.routes_fd, prev, &next)) {
		if (next.vsid == vsid)
			return 1;
		k = next;
		prev = &k;
	}
	return 0;
}

static int cmd_vsid(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	const char *op = c->argv[1];
	__u32 vsid, flags = 0;
	int err;

	if (!strcmp(op, "list")) {
		__u32 k, next, *prev = NULL;
		json_object *arr = json_object_new_array();
		struct nvgre_vsid v;

		while (!bpf_map_get_next_key(d->dp.vsids_fd, prev, &next)) {
			json_object *o = json_object_new_object();

			k = next;
			prev = &k;
			if (nvgre_dp_vsid_get(&d->dp, k, &v))
				continue;
			json_object_object_add(o, "vsid", json_object_new_int(k));
			json_object_object_add(o, "any_pa",
					       json_object_new_boolean(v.flags & NVGRE_VSID_F_ANY_PA));
			json_object_array_add(arr, o);
			fprintf(c->text, "%u (0x%06x)%s\n", k, k,
				v.flags & NVGRE_VSID_F_ANY_PA ? " any-pa" : "");
		}
		json_object_object_add(c->result, "vsids", arr);
		return 0;
	}
	if (c->argc < 3)
		return usage(c, "vsid %s: missing VSID", op);
	if (parse_vsid(c, c->argv[2], &vsid))
		return NVGRE_EXIT_USAGE;
	if (!strcmp(op, "add")) {
		if (c->argc > 4 || (c->argc == 4 && strcmp(c->argv[3], "any-pa")))
			return usage(c, "vsid add: unexpected '%s' (only the option any-pa)", c->argv[3]);
		if (c->argc == 4)
			flags |= NVGRE_VSID_F_ANY_PA;
		err = nvgre_dp_vsid_add(&d->dp, vsid, flags);
		if (err == -EEXIST && d->restoring)
			err = 0;
		if (err == -EEXIST)
			return failed(c, "vsid %u: already exists", vsid);
		if (err == -E2BIG || err == -ENOSPC)
			return failed(c, "vsid %u: the VSID table is full (%d)", vsid, NVGRE_MAX_VSIDS);
		if (err)
			return failed(c, "vsid %u: %s", vsid, strerror(-err));
		fprintf(c->text, "vsid %u added\n", vsid);
		return 0;
	}
	if (c->argc != 3)
		return usage(c, "vsid del: unexpected '%s'", c->argv[3]);
	if (vsid_in_use(d, vsid))
		return failed(c, "vsid %u: still used by vports or lookup records", vsid);
	err = nvgre_dp_vsid_del(&d->dp, vsid);
	if (err == -ENOENT)
		return failed(c, "vsid %u: no such VSID", vsid);
	if (err)
		return failed(c, "vsid %u: %s", vsid, strerror(-err));
	fprintf(c->text, "vsid %u deleted\n", vsid);
	return 0;
}

/* ---- route -------------------------------------------------------------- */

struct route_args {
	__u32 vsid;
	__u8 mac[6];
	int has_ip;
	union nvgre_ip ip, pa;
};

/* VSID MAC [IP] PA: syntax only. */
static int route_parse(struct cmd_ctx *c, int n, const char *const *a, struct route_args *r)
{
	if (n != 3 && n != 4)
		return usage(c, "route add: expected VSID MAC [IP] PA");
	r->has_ip = n == 4;
	if (parse_vsid(c, a[0], &r->vsid) || parse_mac(c, a[1], r->mac) ||
	    (n == 4 && parse_ip(c, "IP", a[2], &r->ip)) || parse_ip(c, "PA", a[n - 1], &r->pa))
		return NVGRE_EXIT_USAGE;
	return 0;
}

/* route add VSID MAC [IP] PA, from argv[first]. */
static int route_add_args(struct cmd_ctx *c, int n, const char *const *a)
{
	struct route_args r;
	int err;

	if (route_parse(c, n, a, &r))
		return NVGRE_EXIT_USAGE;
	err = nvgre_dp_route_add(&c->d->dp, r.vsid, r.mac, r.has_ip ? &r.ip : NULL, &r.pa);
	if (err == -ENOENT)
		return failed(c, "route %s %s: no such VSID (vsid add first)", a[0], a[1]);
	if (err == -EEXIST)
		return failed(c, "route %s %s: already at another PA (route del first)", a[0], a[1]);
	if (err == -EADDRINUSE)
		return failed(c, "route %s %s: IP %s belongs to another MAC in this VSID", a[0], a[1],
			      a[2]);
	if (err == -E2BIG || err == -ENOSPC)
		return failed(c, "route %s %s: table full", a[0], a[1]);
	if (err)
		return failed(c, "route %s %s: %s", a[0], a[1], strerror(-err));
	return 0;
}

/* Visit every lookup record: (vsid, mac, pa) and its customer IPs.  0 or -errno. */
struct route_out;

static int routes_walk(struct nvgred *d, __u32 only_vsid,
		       void (*fn)(struct route_out *, __u32, const __u8 *, const union nvgre_ip *,
				  const union nvgre_ip *, int),
		       struct route_out *o)
{
	struct nvgre_mac_key *keys;
	struct nvgre_route *routes;
	union nvgre_ip ips[16];
	size_t nips = 0, n = 0, cnt, i, j;
	struct nvgre_ip_entry *all;
	int err = nvgre_dp_routes_dump(&d->dp, &keys, &routes, &n);

	if (err)
		return err;
	all = nvgre_dp_ips_sorted(&d->dp, &nips);
	if (!all) {
		free(keys);
		free(routes);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct nvgre_mac_key *k = &keys[i];
		const struct nvgre_ip_entry *e;

		if (only_vsid && k->vsid != only_vsid)
			continue;
		e = nvgre_ips_of(all, nips, k->vsid, k->mac, &cnt);
		for (j = 0; e && j < cnt && j < NV_ARRAY_SIZE(ips); j++)
			ips[j] = e[j].ip;
		fn(o, k->vsid, k->mac, &routes[i].pa, ips, e ? (int)j : 0);
	}
	free(all);
	free(keys);
	free(routes);
	return 0;
}

/*
 * route list / export of a million records: only the output the client
 * shows, and its JSON written as text (prerendered), not a million json-c
 * objects.
 */
struct route_out {
	struct cmd_ctx *c;
	int export;
	FILE *json;		/* the "routes" array, rendered; NULL: not wanted */
	size_t n;
};

static void route_print(struct route_out *o, __u32 vsid, const __u8 *mac, const union nvgre_ip *pa,
			const union nvgre_ip *ips, int n)
{
	FILE *text = o->c->output & CMD_OUT_TEXT ? o->c->text : NULL;
	char m[18], p[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN];
	int i;

	nvgre_mac_str(mac, m);
	nvgre_ip_str(pa, p, sizeof(p));
	if (o->json)
		fprintf(o->json, "%s{\"vsid\":%u,\"mac\":\"%s\",\"pa\":\"%s\",\"ips\":[",
			o->n++ ? "," : "", vsid, m, p);
	if (text && !o->export)
		fprintf(text, "%-8u %s  %-20s", vsid, m, p);
	for (i = 0; i < n; i++) {
		nvgre_ip_str(&ips[i], ip, sizeof(ip));
		if (o->json)
			fprintf(o->json, "%s\"%s\"", i ? "," : "", ip);
		if (text && o->export)
			fprintf(text, "%u %s %s %s\n", vsid, m, ip, p);
		else if (text)
			fprintf(text, " %s", ip);
	}
	if (o->json)
		fputs("]}", o->json);
	if (text && o->export && !n)
		fprintf(text, "%u %s %s\n", vsid, m, p);
	if (text && !o->export)
		fputc('\n', text);
}

struct import_rec {
	struct nvgre_route_rec r;
	size_t line;		/* record number, from 1 */
};

static int import_cmp(const void *a, const void *b)
{
	const struct import_rec *x = a, *y = b;
	int c = nvgre_route_rec_cmp(&x->r, &y->r);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int same_mac(const struct import_rec *a, const struct import_rec *b)
{
	return a->r.vsid == b->r.vsid && !memcmp(a->r.mac, b->r.mac, 6);
}

static int import_ip_cmp(const void *a, const void *b)
{
	const struct import_rec *x = *(const struct import_rec *const *)a;
	const struct import_rec *y = *(const struct import_rec *const *)b;
	int c;

	if (x->r.vsid != y->r.vsid)
		return x->r.vsid < y->r.vsid ? -1 : 1;
	c = memcmp(&x->r.ip, &y->r.ip, sizeof(x->r.ip));
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int vport_has_mac(const struct nvgred *d, __u32 vsid, const __u8 mac[6])
{
	for (int i = 1; i < NVGRE_MAX_VPORTS; i++)
		if (d->vports[i].used && d->vports[i].vsid == vsid && !memcmp(d->vports[i].mac, mac, 6))
			return 1;
	return 0;
}

int words_split(char *s, const char **w, int max)
{
	char *tok, *save;
	int n = 0;

	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (n++ < max)
			w[n - 1] = tok;
	return n;
}

/*
 * The words of one imported record into a[] (up to 4): a string "VSID MAC
 * [IP] PA" (split in buf), or an array of strings.  How many words there
 * are (a[] holds the first 4), or -EINVAL for a field that is no string.
 */
static int import_words(json_object *rec, char *buf, size_t len, const char *a[4])
{
	size_t j, m;

	if (json_object_is_type(rec, json_type_string)) {
		snprintf(buf, len, "%s", json_object_get_string(rec));
		return words_split(buf, a, 4);
	}
	m = json_object_is_type(rec, json_type_array) ? json_object_array_length(rec) : 0;
	for (j = 0; j < m; j++) {
		json_object *f = json_object_array_get_idx(rec, j);

		if (!json_object_is_type(f, json_type_string))
			return -EINVAL;
		if (j < 4)
			a[j] = json_object_get_string(f);
	}
	return (int)m;
}

/* A long loop over records tells systemd's watchdog now and then that we live. */
static void keepalive_every(size_t i)
{
	if (!(i & 4095))
		daemon_keepalive();
}

/* Add recs to the table; if one fails (table full), take back what the others made. */
static int import_merge(struct nvgred *d, const struct nvgre_route_rec *recs, size_t n)
{
	__u8 *made = calloc(n ? n : 1, 1);
	int err = 0, mac_new, ip_new;
	size_t i, j;

	if (!made)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		keepalive_every(i);
		nvgre_dp_route_probe(&d->dp, &recs[i], &mac_new, &ip_new);
		err = nvgre_dp_route_add(&d->dp, recs[i].vsid, recs[i].mac,
					 recs[i].has_ip ? &recs[i].ip : NULL, &recs[i].pa);
		made[i] = mac_new | ip_new << 1;
	}
	/* i - 1 failed; undo the ones before it, last first */
	for (j = err ? i - 1 : 0; j-- > 0;)
		nvgre_dp_route_undo(&d->dp, &recs[j], made[j] & 1, made[j] >> 1 & 1);
	free(made);
	return err;
}

/*
 * What the tables cannot take is refused before anything is written: a
 * customer IP held by another MAC (in the file; a vport's; a lookup
 * record's when merging), and more remote PAs per VSID and family than a
 * replication list holds.  recs are sorted by VSID.
 */
static int import_check_fit(struct cmd_ctx *c, const struct import_rec *recs, size_t n, int replace)
{
	struct nvgred *d = c->d;
	const struct import_rec **byip = calloc(n + 1, sizeof(*byip));
	char ip[INET6_ADDRSTRLEN];
	size_t i, m = 0, start;
	int err = 0;

	if (!byip)
		return failed(c, "route import: out of memory");
	for (i = 0; i < n; i++)
		if (recs[i].r.has_ip)
			byip[m++] = &recs[i];
	qsort(byip, m, sizeof(*byip), import_ip_cmp);
	for (i = 0; i < m && !err; i++) {
		const struct import_rec *r = byip[i], *p = i ? byip[i - 1] : NULL;
		struct nvgre_ip_key k;
		struct nvgre_ip_mac owner;

		keepalive_every(i);
		nvgre_ip_str(&r->r.ip, ip, sizeof(ip));
		if (p && p->r.vsid == r->r.vsid && !memcmp(&p->r.ip, &r->r.ip, sizeof(r->r.ip)) &&
		    memcmp(p->r.mac, r->r.mac, 6)) {
			err = failed(c, "record %zu: IP %s is another MAC's in record %zu", r->line, ip,
				     p->line);
			break;
		}
		memset(&k, 0, sizeof(k));
		k.vsid = r->r.vsid;
		k.ip = r->r.ip;
		if (bpf_map_lookup_elem(d->dp.ips_fd, &k, &owner) || !memcmp(owner.mac, r->r.mac, 6))
			continue;
		if (!replace || vport_has_mac(d, r->r.vsid, owner.mac))
			err = failed(c, "record %zu: IP %s belongs to another MAC in VSID %u", r->line, ip,
				     r->r.vsid);
	}
	free(byip);
	if (err)
		return err;

	for (start = 0; start < n; start = i) {
		union nvgre_ip pas[2][NVGRE_MAX_REMOTE_PAS];
		int np[2] = { 0, 0 }, f, j;
		__u32 vsid = recs[start].r.vsid;
		struct nvgre_vsid v;

		if (!replace && !nvgre_dp_vsid_get(&d->dp, vsid, &v)) {
			np[0] = v.n_remote4 < NVGRE_MAX_REMOTE_PAS ? v.n_remote4 : NVGRE_MAX_REMOTE_PAS;
			np[1] = v.n_remote6 < NVGRE_MAX_REMOTE_PAS ? v.n_remote6 : NVGRE_MAX_REMOTE_PAS;
			memcpy(pas[0], v.remote4, np[0] * sizeof(pas[0][0]));
			memcpy(pas[1], v.remote6, np[1] * sizeof(pas[1][0]));
		}
		for (i = start; i < n && recs[i].r.vsid == vsid; i++) {
			f = !nvgre_ip_is_v4(&recs[i].r.pa);
			for (j = 0; j < np[f] && memcmp(&pas[f][j], &recs[i].r.pa, sizeof(pas[f][j])); j++)
				;
			if (j < np[f])
				continue;
			if (np[f] == NVGRE_MAX_REMOTE_PAS) {
				nvgre_ip_str(&recs[i].r.pa, ip, sizeof(ip));
				return failed(c, "record %zu: PA %s: VSID %u would have more than %d IPv%c PAs",
					      recs[i].line, ip, vsid, NVGRE_MAX_REMOTE_PAS, f ? '6' : '4');
			}
			pas[f][np[f]++] = recs[i].r.pa;
		}
	}
	return 0;
}

/*
 * route import [--replace]: every record is checked first (syntax, VSID,
 * one PA per MAC in the file and, when merging, against the table), so bad
 * input changes nothing.  "record N: why" names the record; nvgrectl turns
 * that into FILE:LINE.
 */
static int route_import(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	int replace = c->argc == 3 && !strcmp(c->argv[2], "--replace");
	struct import_rec *recs;
	struct nvgre_route_rec *plain;
	size_t i, n;
	int err = 0;

	if (c->argc > 3 || (c->argc == 3 && !replace))
		return usage(c, "route import: unexpected '%s' (only --replace)", c->argv[2]);
	if (!c->records || !json_object_is_type(c->records, json_type_array))
		return usage(c, "route import: no records sent");
	n = json_object_array_length(c->records);
	recs = calloc(n + 1, sizeof(*recs));
	plain = calloc(n + 1, sizeof(*plain));
	if (!recs || !plain) {
		err = failed(c, "route import: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_object *rec = json_object_array_get_idx(c->records, i);
		const char *a[4];
		struct route_args ra;
		char why[256], words[256];
		int m;

		keepalive_every(i);
		m = import_words(rec, words, sizeof(words), a);
		if (m == -EINVAL) {
			err = usage(c, "record %zu: fields must be strings", i + 1);
			goto out;
		}
		if (m != 3 && m != 4) {
			err = usage(c, "record %zu: expected VSID MAC [IP] PA", i + 1);
			goto out;
		}
		if (route_parse(c, m, a, &ra)) {
			snprintf(why, sizeof(why), "%s", c->err);
			err = usage(c, "record %zu: %s", i + 1, why);
			goto out;
		}
		if (nvgre_dp_vsid_get(&d->dp, ra.vsid, &(struct nvgre_vsid){})) {
			err = usage(c, "record %zu: VSID %u does not exist", i + 1, ra.vsid);
			goto out;
		}
		recs[i].line = i + 1;
		recs[i].r.vsid = ra.vsid;
		memcpy(recs[i].r.mac, ra.mac, 6);
		recs[i].r.has_ip = ra.has_ip;
		recs[i].r.ip = ra.ip;
		recs[i].r.pa = ra.pa;
	}
	qsort(recs, n, sizeof(*recs), import_cmp);
	for (i = 0; i < n; i++) {
		struct nvgre_mac_key k = { .vsid = recs[i].r.vsid };
		struct nvgre_route old;

		keepalive_every(i);
		if (i && same_mac(&recs[i], &recs[i - 1])) {
			if (memcmp(&recs[i].r.pa, &recs[i - 1].r.pa, sizeof(recs[i].r.pa))) {
				size_t first = recs[i].line < recs[i - 1].line ? recs[i].line : recs[i - 1].line;
				size_t later = recs[i].line ^ recs[i - 1].line ^ first;

				err = usage(c, "record %zu: this MAC is at another PA in record %zu",
					    later, first);
				goto out;
			}
			continue;
		}
		memcpy(k.mac, recs[i].r.mac, 6);
		if (!replace && !bpf_map_lookup_elem(d->dp.routes_fd, &k, &old) &&
		    memcmp(&old.pa, &recs[i].r.pa, sizeof(old.pa))) {
			err = failed(c, "record %zu: this MAC is already at another PA "
				     "(route del first, or import --replace)", recs[i].line);
			goto out;
		}
	}
	err = import_check_fit(c, recs, n, replace);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		plain[i] = recs[i].r;
	daemon_keepalive();
	if (replace) {
		err = nvgre_dp_routes_replace(&d->dp, plain, n);
	} else {
		err = import_merge(d, plain, n);
	}
	if (err) {
		err = failed(c, "route import: %s: nothing imported",
			     err == -E2BIG || err == -ENOSPC ? "table full" : strerror(-err));
		goto out;
	}
	json_object_object_add(c->result, "imported", json_object_new_int64(n));
	fprintf(c->text, "%zu records imported%s\n", n, replace ? " (replacing the table)" : "");
out:
	free(recs);
	free(plain);
	return err;
}

/* json-c writes a prerendered value as it is. */
static int prerendered_write(json_object *o, struct printbuf *pb, int level, int flags)
{
	const char *s = json_object_get_userdata(o);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, s, (int)strlen(s));
}

static void prerendered_free(json_object *o, void *s)
{
	(void)o;
	free(s);
}

/* route list [VSID] / route export */
static int route_list(struct cmd_ctx *c, const char *op, __u32 vsid)
{
	struct route_out o = { .c = c, .export = !strcmp(op, "export") };
	json_object *routes;
	char *json = NULL;
	size_t len = 0;
	int err;

	if (c->output & CMD_OUT_JSON) {
		o.json = open_memstream(&json, &len);
		if (!o.json)
			return failed(c, "route %s: out of memory", op);
		fputc('[', o.json);
	}
	err = routes_walk(c->d, vsid, route_print, &o);
	if (o.json) {
		fputc(']', o.json);
		fclose(o.json);
	}
	if (err) {
		free(json);
		return failed(c, "route %s: reading the lookup records: %s", op, strerror(-err));
	}
	routes = json_object_new_array();
	if (json)
		json_object_set_serializer(routes, prerendered_write, json, prerendered_free);
	json_object_object_add(c->result, "routes", routes);
	return 0;
}

static int cmd_route(struct cmd_ctx *c)
{
	const char *op = c->argv[1];
	__u8 mac[6];
	__u32 vsid = 0;
	int err;

	if (!strcmp(op, "add")) {
		err = route_add_args(c, c->argc - 2, c->argv + 2);
		if (!err)
			fprintf(c->text, "route added\n");
		return err;
	}
	if (!strcmp(op, "del")) {
		if (c->argc != 4)
			return usage(c, "route del: expected VSID MAC");
		if (parse_vsid(c, c->argv[2], &vsid) || parse_mac(c, c->argv[3], mac))
			return NVGRE_EXIT_USAGE;
		err = nvgre_dp_route_del(&c->d->dp, vsid, mac);
		if (err == -ENOENT)
			return failed(c, "route %s %s: no such lookup record", c->argv[2], c->argv[3]);
		if (err)
			return failed(c, "route del: %s", strerror(-err));
		fprintf(c->text, "route deleted\n");
		return 0;
	}
	if (!strcmp(op, "import"))
		return route_import(c);
	if (!strcmp(op, "list") || !strcmp(op, "export")) {
		if (c->argc > 3 || (c->argc == 3 && !strcmp(op, "export")))
			return usage(c, "route %s: unexpected '%s'", op, c->argv[c->argc - 1]);
		if (c->argc == 3 && parse_vsid(c, c->argv[2], &vsid))
			return NVGRE_EXIT_USAGE;
		return route_list(c, op, vsid);
	}
	return usage(c, "route %s: unknown (add del list import export)", op);
}

/* ---- vport ---------------------------------------------------------------- */

static struct vport_rec *vport_by_name(struct nvgred *d, const char *name)
{
	int i;

	for (i = 1; i < NVGRE_MAX_VPORTS; i++)
		if (d->vports[i].used && !strcmp(d->vports[i].name, name))
			return &d->vports[i];
	return NULL;
}

static int valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= VPORT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' ||
		      (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/* owner USER|UID: the one user besides root who may open an xsk vport's queue set. */
static int parse_owner(struct cmd_ctx *c, const char *val, unsigned int *uid)
{
	struct passwd *pw;
	char *end;
	unsigned long u;

	errno = 0;
	u = strtoul(val, &end, 10);
	if (*val && !*end && !errno && u < 0xffffffffUL && val[0] != '-') {
		*uid = u;
		return 0;
	}
	pw = getpwnam(val);
	if (!pw)
		return usage(c, "owner '%s': no such user (a user name or a numeric uid)", val);
	*uid = pw->pw_uid;
	return 0;
}

/* vport add NAME vsid VSID mac MAC [ip ADDR]... dev IFNAME | xsk QUEUES [owner USER]: syntax only. */
static int vport_parse(struct cmd_ctx *c, struct vport_rec *out)
{
	struct vport_rec v = { .used = 1 };
	int i, have_vsid = 0, have_mac = 0;

	if (c->argc < 3)
		return usage(c, "vport add: expected NAME vsid VSID mac MAC [ip ADDR]... dev IFNAME|xsk QUEUES");
	if (!valid_name(c->argv[2]))
		return usage(c, "vport name '%s': 1-31 characters of A-Z a-z 0-9 . _ -", c->argv[2]);
	strcpy(v.name, c->argv[2]);
	for (i = 3; i < c->argc; i += 2) {
		const char *k = c->argv[i], *val = i + 1 < c->argc ? c->argv[i + 1] : NULL;

		if (!val)
			return usage(c, "vport add: '%s' needs a value", k);
		if (!strcmp(k, "vsid")) {
			if (parse_vsid(c, val, &v.vsid))
				return NVGRE_EXIT_USAGE;
			have_vsid = 1;
		} else if (!strcmp(k, "mac")) {
			if (parse_mac(c, val, v.mac))
				return NVGRE_EXIT_USAGE;
			have_mac = 1;
		} else if (!strcmp(k, "ip")) {
			if (v.n_ips >= NVGRE_MAX_VPORT_IPS)
				return usage(c, "vport add: more than %d addresses", NVGRE_MAX_VPORT_IPS);
			if (parse_ip(c, "ip", val, &v.ips[v.n_ips++]))
				return NVGRE_EXIT_USAGE;
		} else if (!strcmp(k, "dev")) {
			if (strlen(val) >= IF_NAMESIZE)
				return usage(c, "dev '%s': name too long", val);
			strcpy(v.dev, val);
		} else if (!strcmp(k, "xsk")) {
			char *end;
			long q = strtol(val, &end, 10);

			if (*end || q < 1 || q > 64)
				return usage(c, "xsk '%s': number of queues 1..64", val);
			v.xsk_queues = q;
		} else if (!strcmp(k, "owner")) {
			if (parse_owner(c, val, &v.owner))
				return NVGRE_EXIT_USAGE;
			v.has_owner = 1;
		} else {
			return usage(c, "vport add: unknown '%s' (vsid mac ip dev xsk owner)", k);
		}
	}
	if (!have_vsid || !have_mac)
		return usage(c, "vport add %s: vsid and mac are required", v.name);
	if (!*v.dev == !v.xsk_queues)
		return usage(c, "vport add %s: exactly one of dev IFNAME or xsk QUEUES", v.name);
	if (v.has_owner && !v.xsk_queues)
		return usage(c, "vport add %s: owner is for xsk vports (who may open the queue set)",
			     v.name);
	*out = v;
	return 0;
}

/* An xsk vport's veth pair and its nv_xsk_devs entry go (its sockets unbind). */
static void xsk_dev_remove(struct nvgred *d, __u32 id)
{
	struct vmq_dev dev;

	vmq_dev_names(id, &dev);
	nvgre_dp_xsk_dev_set(&d->dp, if_nametoindex(dev.consumer), 0);
	vmq_dev_delete(id);
}

/*
 * Devices a netdev vport may not take (usage error said): what carries no
 * Ethernet (the transmit program parses Ethernet), the veth of an xsk vport
 * (made and replaced by name, vmq_dev.h), and what [vports] devices of the
 * config leaves out.
 */
static int vport_dev_refused(struct cmd_ctx *c, const char *dev)
{
	const struct nvgred_config *cfg = &c->d->cfg;
	int type = link_hw_type(dev);
	unsigned int id;
	char end, more, pats[512];

	if (type < 0)
		return usage(c, "dev %s: cannot read its type: %s", dev, strerror(-type));
	if (type != ARPHRD_ETHER)
		return usage(c, "dev %s: not an Ethernet device (ARPHRD %d): a vport carries "
			     "Ethernet frames", dev, type);
	if (sscanf(dev, "nvx%u%c%c", &id, &end, &more) == 2 && (end == 'h' || end == 'c'))
		return usage(c, "dev %s: that name belongs to an xsk vport's veth pair", dev);
	if (!config_vport_dev_allowed(cfg, dev))
		return usage(c, "dev %s: not one of [vports] devices in %s (%s)", dev, cfg->path,
			     config_vport_devices_str(cfg, pats, sizeof(pats)));
	return 0;
}

static int vport_add(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	struct vport_rec v;
	struct nvgre_vport vp = {};
	int i, err, id = 0, mtu, ret = 0;

	if (vport_parse(c, &v))
		return NVGRE_EXIT_USAGE;
	if (*v.dev) {
		v.ifindex = if_nametoindex(v.dev);
		if (!v.ifindex)
			return usage(c, "dev %s: no such interface", v.dev);
		if (v.ifindex == d->underlay_ifindex)
			return usage(c, "dev %s: that is the underlay", v.dev);
		if (vport_dev_refused(c, v.dev))
			return NVGRE_EXIT_USAGE;
	}
	v.lease_fd = -1;
	if (vport_by_name(d, v.name)) {
		if (d->restoring)
			return 0;
		return failed(c, "vport %s: already exists", v.name);
	}
	/* one not restored at start (its device was missing) holds the name too:
	 * two entries of one name would come back in the wrong order */
	if (!d->restoring && state_unrestored_vport(d, v.name))
		return failed(c, "vport %s: already exists, not restored at start (its device was "
			      "missing); vport del %s first", v.name, v.name);
	if (d->restoring) {
		/*
		 * A restart over pinned maps: the data path already has this
		 * vport.  Adopt its id (its counters and xsk slot) if it is still
		 * the same vport; a re-created device or a changed kind leaves a
		 * stale entry, replaced below by a fresh one.
		 */
		struct nvgre_vport pinned;

		if (!nvgre_dp_vport_get(&d->dp, v.vsid, v.mac, &pinned)) {
			/* an xsk vport's veth is made anew (vmq_dev.h): its
			 * ifindex changes, and the entry moves to it below */
			if (pinned.id > 0 && pinned.id < NVGRE_MAX_VPORTS && !d->vports[pinned.id].used &&
			    pinned.kind == (*v.dev ? NVGRE_VPORT_NETDEV : NVGRE_VPORT_XSK) &&
			    (!*v.dev || pinned.ifindex == (__u32)v.ifindex) &&
			    pinned.queues == v.xsk_queues)
				id = pinned.id;
			else
				nvgre_dp_vport_del(&d->dp, v.vsid, v.mac);
		}
	}
	for (i = 1; i < NVGRE_MAX_VPORTS; i++) {
		struct vport_rec *o = &d->vports[i];

		if (!o->used) {
			if (!id)
				id = i;
			continue;
		}
		if (o->vsid == v.vsid && !memcmp(o->mac, v.mac, 6))
			return failed(c, "vport %s: MAC already used by vport %s in this VSID",
				      v.name, o->name);
		if (*v.dev && o->ifindex == v.ifindex)
			return failed(c, "vport %s: dev %s is already vport %s", v.name, v.dev, o->name);
	}
	if (!id)
		return failed(c, "vport %s: all %d vport slots in use", v.name, NVGRE_MAX_VPORTS - 1);
	v.id = id;
	if (!*v.dev) {
		/* the veth its consumer transmits into, through the TC policy */
		struct vmq_dev dev;

		err = vmq_dev_create(id, vmq_dev_mtu(daemon_tenant_mtu(d)), &dev);
		if (!err)
			err = vmq_dev_attach(&dev, d->dp.xdp_vport_fd) ?:
			      nvgre_dp_xsk_dev_set(&d->dp, dev.consumer_ifindex, id);
		if (err) {
			xsk_dev_remove(d, id);
			return failed(c, "vport %s: setting up its veth pair %s/%s: %s", v.name,
				      dev.host, dev.consumer, strerror(-err));
		}
		v.ifindex = dev.host_ifindex;
	}

	vp.id = id;
	vp.kind = *v.dev ? NVGRE_VPORT_NETDEV : NVGRE_VPORT_XSK;
	vp.ifindex = v.ifindex;
	vp.xsk_slot = id;
	vp.queues = v.xsk_queues;
	err = nvgre_dp_vport_add(&d->dp, v.vsid, v.mac, &vp, v.ips, v.n_ips);
	if (err == -ENOENT)
		ret = failed(c, "vport %s: VSID %u does not exist (vsid add first)", v.name, v.vsid);
	else if (err == -ENOSPC)
		ret = failed(c, "vport %s: VSID %u has %d vports already", v.name, v.vsid,
			     NVGRE_MAX_LOCAL_VPORTS);
	else if (err == -EEXIST && !d->restoring)
		ret = failed(c, "vport %s: MAC or device already registered", v.name);
	else if (err == -EADDRINUSE)
		ret = failed(c, "vport %s: one of its addresses belongs to another MAC in VSID %u",
			     v.name, v.vsid);
	else if (err && err != -EEXIST)
		ret = failed(c, "vport %s: %s", v.name, strerror(-err));
	else if (err == -EEXIST && !*v.dev && (err = nvgre_dp_vport_move(&d->dp, v.vsid, v.mac,
									     v.ifindex)))
		ret = failed(c, "vport %s: moving to its new veth: %s", v.name, strerror(-err));
	if (ret)
		goto undo_dev;
	err = tc_attach_ingress(v.ifindex, d->dp.tc_tx_fd);
	if (err) {
		nvgre_dp_vport_del(&d->dp, v.vsid, v.mac);
		ret = failed(c, "vport %s: attaching to %s: %s", v.name,
			     *v.dev ? v.dev : "its veth", strerror(-err));
		goto undo_dev;
	}
	if (*v.dev) {
		/* W-7, KW-1: the tenant's MTU leaves room for the encapsulation,
		 * on both sides of a veth (or a bigger frame dies silently in it) */
		mtu = daemon_tenant_mtu(d);
		if (mtu > 0 && vport_tenant_set(v.dev, v.mac, -1, mtu))
			daemon_warn("vport %s: MTU %d set on %s only: its tenant side was not found",
				   v.name, mtu, v.dev);
	}
	v.offloads = -1;
	d->vports[id] = v;
	daemon_apply_vport_offloads(d);
	if (!d->restoring)	/* once after a replay, not once per vport */
		xdp_update(d);	/* an xsk vport needs XDP on the underlay */
	fprintf(c->text, "vport %s added (id %d)\n", v.name, id);
	json_object_object_add(c->result, "id", json_object_new_int(id));
	return 0;
undo_dev:
	if (!*v.dev)
		xsk_dev_remove(d, id);
	return ret;
}

static int cmd_vport(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	const char *op = c->argv[1];
	struct vport_rec *v;
	int i, j;

	if (!strcmp(op, "add"))
		return vport_add(c);
	if (!strcmp(op, "del")) {
		if (c->argc != 3)
			return usage(c, "vport del: expected NAME");
		v = vport_by_name(d, c->argv[2]);
		if (!v && state_forget_vport(d, c->argv[2])) {
			fprintf(c->text, "vport %s deleted (it had not been restored)\n", c->argv[2]);
			return 0;
		}
		if (!v)
			return failed(c, "vport %s: no such vport", c->argv[2]);
		if (v->leased) {
			/* the consumer learns it from its connection closing */
			vmq_release(d, v);
			shutdown(v->lease_fd, SHUT_RDWR);
		}
		if (v->xsk_queues)	/* first: no window where its sockets reach the host */
			xsk_dev_remove(d, v->id);
		else if (v->ifindex)
			tc_detach_ingress(v->ifindex);
		nvgre_dp_vport_del(&d->dp, v->vsid, v->mac);
		memset(v, 0, sizeof(*v));
		if (!d->restoring)
			xdp_update(d);
		fprintf(c->text, "vport %s deleted\n", c->argv[2]);
		return 0;
	}
	if (!strcmp(op, "list")) {
		json_object *arr = json_object_new_array();

		for (i = 1; i < NVGRE_MAX_VPORTS; i++) {
			json_object *o, *ips;
			char m[18], ip[INET6_ADDRSTRLEN];

			v = &d->vports[i];
			if (!v->used)
				continue;
			o = json_object_new_object();
			ips = json_object_new_array();
			nvgre_mac_str(v->mac, m);
			json_object_object_add(o, "name", json_object_new_string(v->name));
			json_object_object_add(o, "id", json_object_new_int(v->id));
			json_object_object_add(o, "vsid", json_object_new_int(v->vsid));
			json_object_object_add(o, "mac", json_object_new_string(m));
			fprintf(c->text, "%-12s vsid %-8u mac %s", v->name, v->vsid, m);
			for (j = 0; j < v->n_ips; j++) {
				nvgre_ip_str(&v->ips[j], ip, sizeof(ip));
				json_object_array_add(ips, json_object_new_string(ip));
				fprintf(c->text, " ip %s", ip);
			}
			json_object_object_add(o, "ips", ips);
			if (*v->dev) {
				json_object_object_add(o, "dev", json_object_new_string(v->dev));
				fprintf(c->text, " dev %s\n", v->dev);
			} else {
				struct vmq_dev dev;

				vmq_dev_names(v->id, &dev);
				json_object_object_add(o, "xsk", json_object_new_int(v->xsk_queues));
				json_object_object_add(o, "tx_dev", json_object_new_string(dev.consumer));
				json_object_object_add(o, "owner", v->has_owner ?
						       json_object_new_int64(v->owner) : NULL);
				json_object_object_add(o, "open_by_pid", v->leased ?
						       json_object_new_int(v->lease_pid) : NULL);
				fprintf(c->text, " xsk %d", v->xsk_queues);
				if (v->has_owner)
					fprintf(c->text, " owner %u", v->owner);
				if (v->leased)
					fprintf(c->text, " (open by pid %d)", v->lease_pid);
				fprintf(c->text, "\n");
			}
			json_object_array_add(arr, o);
		}
		json_object_object_add(c->result, "vports", arr);
		return 0;
	}
	return usage(c, "vport %s: unknown (add del list)", op);
}

/* ---- stats ---------------------------------------------------------------- */

static json_object *drops_json(const __u64 *drops, FILE *text, const char *indent)
{
	json_object *o = json_object_new_object();
	int i;

	for (i = 1; i < NVGRE_DROP_MAX; i++) {
		if (!drops[i])
			continue;
		json_object_object_add(o, nvgre_drop_reason_names[i], json_object_new_int64(drops[i]));
		fprintf(text, "%s%-24s %llu\n", indent, nvgre_drop_reason_names[i],
			(unsigned long long)drops[i]);
	}
	return o;
}

static void vsid_stats(struct cmd_ctx *c, json_object *arr, __u32 vsid)
{
	struct nvgre_vsid_stats s;
	json_object *o = json_object_new_object();

	if (nvgre_dp_vsid_stats(&c->d->dp, vsid, &s)) {
		json_object_put(o);
		return;
	}
	fprintf(c->text, "vsid %u: rx %llu packets %llu bytes, delivered %llu, csum ok %llu bad %llu; "
		"tx %llu packets %llu bytes, encapsulated %llu, replicated %llu, proxied %llu\n",
		vsid, (unsigned long long)s.rx_packets, (unsigned long long)s.rx_bytes,
		(unsigned long long)s.rx_delivered, (unsigned long long)s.rx_csum_ok,
		(unsigned long long)s.rx_csum_bad, (unsigned long long)s.tx_packets,
		(unsigned long long)s.tx_bytes, (unsigned long long)s.tx_encapsulated,
		(unsigned long long)s.tx_replicated, (unsigned long long)s.tx_proxied);
	json_object_object_add(o, "vsid", json_object_new_int(vsid));
#define F(name) json_object_object_add(o, #name, json_object_new_int64(s.name))
	F(rx_packets); F(rx_bytes); F(rx_delivered); F(rx_csum_ok); F(rx_csum_bad);
	F(tx_packets); F(tx_bytes); F(tx_encapsulated); F(tx_replicated); F(tx_proxied);
#undef F
	json_object_object_add(o, "rx_drops", drops_json(s.rx_drops, c->text, "  rx drop "));
	json_object_object_add(o, "tx_drops", drops_json(s.tx_drops, c->text, "  tx drop "));
	json_object_array_add(arr, o);
}

static const char *const counter_names[NVGRE_CNT_MAX] = {
	"rx_packets", "rx_not_nvgre", "rx_outer_fragment", "rx_xdp_steered", "rx_xdp_passed",
	"rx_tc_delivered", "rx_bcast_copies", "rx_csum_partial", "rx_parse_limit",
	"tx_packets", "tx_encap", "tx_local", "tx_arp_proxy", "tx_nd_proxy", "tx_replica",
	"tx_icmp_too_big", "tx_gso", "rx_not_ours", "rx_sw_channel", "rx_xsk_not_open",
};
_Static_assert(sizeof(counter_names) / sizeof(counter_names[0]) == NVGRE_CNT_MAX &&
	       NVGRE_CNT_RX_XSK_NOT_OPEN == NVGRE_CNT_MAX - 1,
	       "name every counter (the last one named is rx_xsk_not_open)");

/*
 * An xsk vport's queues: what the data path handed to each queue's socket
 * and, while a consumer has them open, what the socket could not take.
 * (All queues transmit through one socket: transmit is per vport.)
 */
static json_object *xsk_queue_stats(struct cmd_ctx *c, const struct vport_rec *v)
{
	json_object *arr = json_object_new_array();
	int q;

	for (q = 0; q < v->xsk_queues; q++) {
		struct nvgre_xsk_queue_stats s = {};
		struct xdp_statistics x;
		json_object *o = json_object_new_object();

		nvgre_dp_xsk_queue_stats(&c->d->dp, v->id, q, &s);
		json_object_object_add(o, "queue", json_object_new_int(q));
		json_object_object_add(o, "rx_packets", json_object_new_int64(s.rx_packets));
		json_object_object_add(o, "rx_bytes", json_object_new_int64(s.rx_bytes));
		fprintf(c->text, "  queue %d: rx %llu packets %llu bytes", q,
			(unsigned long long)s.rx_packets, (unsigned long long)s.rx_bytes);
		if (!vmq_queue_socket_stats(v, q, &x)) {
			json_object_object_add(o, "rx_ring_full", json_object_new_int64(x.rx_ring_full));
			json_object_object_add(o, "rx_fill_empty",
					       json_object_new_int64(x.rx_fill_ring_empty_descs));
			json_object_object_add(o, "rx_dropped", json_object_new_int64(x.rx_dropped));
			fprintf(c->text, "; socket: ring full %llu, no fill buffer %llu, dropped %llu",
				(unsigned long long)x.rx_ring_full,
				(unsigned long long)x.rx_fill_ring_empty_descs,
				(unsigned long long)x.rx_dropped);
		}
		fputc('\n', c->text);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* What each vport (of one VSID, or all) received and sent: isolation shows here. */
static json_object *vport_stats(struct cmd_ctx *c, const __u32 *vsid)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 1; i < NVGRE_MAX_VPORTS; i++) {
		const struct vport_rec *v = &c->d->vports[i];
		struct nvgre_vport_stats s;
		json_object *o;

		if (!v->used || (vsid && v->vsid != *vsid) ||
		    nvgre_dp_vport_stats(&c->d->dp, v->id, &s))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(v->name));
		json_object_object_add(o, "vsid", json_object_new_int64(v->vsid));
		json_object_object_add(o, "rx_packets", json_object_new_int64(s.rx_packets));
		json_object_object_add(o, "rx_bytes", json_object_new_int64(s.rx_bytes));
		json_object_object_add(o, "tx_packets", json_object_new_int64(s.tx_packets));
		json_object_object_add(o, "tx_bytes", json_object_new_int64(s.tx_bytes));
		json_object_array_add(arr, o);
		fprintf(c->text, "vport %s (vsid %u): rx %llu packets %llu bytes; tx %llu packets "
			"%llu bytes\n", v->name, v->vsid, (unsigned long long)s.rx_packets,
			(unsigned long long)s.rx_bytes, (unsigned long long)s.tx_packets,
			(unsigned long long)s.tx_bytes);
		if (v->xsk_queues)
			json_object_object_add(o, "queues", xsk_queue_stats(c, v));
	}
	return arr;
}

static int cmd_stats(struct cmd_ctx *c)
{
	struct nvgred *d = c->d;
	__u64 drops[NVGRE_DROP_MAX] = {};
	json_object *cnt = json_object_new_object(), *arr = json_object_new_array();
	__u32 vsid, k, next, *prev = NULL;
	int i;

	if (c->argc > 2)
		return usage(c, "stats: expected at most one VSID");
	if (c->argc == 2 && parse_vsid(c, c->argv[1], &vsid))
		return NVGRE_EXIT_USAGE;
	fprintf(c->text, "counters:\n");
	for (i = 0; i < NVGRE_CNT_MAX; i++) {
		__u64 v = nvgre_dp_counter(&d->dp, i);

		json_object_object_add(cnt, counter_names[i], json_object_new_int64(v));
		if (v)
			fprintf(c->text, "  %-24s %llu\n", counter_names[i], (unsigned long long)v);
	}
	json_object_object_add(c->result, "counters", cnt);
	for (i = 1; i < NVGRE_DROP_MAX; i++)
		drops[i] = nvgre_dp_drops(&d->dp, i);
	fprintf(c->text, "drops:\n");
	json_object_object_add(c->result, "drops", drops_json(drops, c->text, "  "));
	if (c->argc == 2) {
		if (nvgre_dp_vsid_get(&d->dp, vsid, &(struct nvgre_vsid){}))
			return failed(c, "stats: no such VSID %u", vsid);
		vsid_stats(c, arr, vsid);
	} else {
		while (!bpf_map_get_next_key(d->dp.vsids_fd, prev, &next)) {
			k = next;
			prev = &k;
			vsid_stats(c, arr, k);
		}
	}
	json_object_object_add(c->result, "vsids", arr);
	json_object_object_add(c->result, "vports", vport_stats(c, c->argc == 2 ? &vsid : NULL));
	return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

static const struct command {
	const char *w1, *w2;	/* w2 NULL: any second word (handled inside) */
	int min_argc, max_argc;
	int mutates;
	int (*fn)(struct cmd_ctx *c);
} commands[] = {
	{ "status", NULL, 1, 1, 0, cmd_status },
	{ "caps", NULL, 1, 1, 0, cmd_caps },
	{ "offload", "show", 2, 2, 0, cmd_offload_show },
	{ "offload", "set", 4, 4, 1, cmd_offload_set },
	{ "vsid", "add", 3, 4, 1, cmd_vsid },
	{ "vsid", "del", 3, 3, 1, cmd_vsid },
	{ "vsid", "list", 2, 2, 0, cmd_vsid },
	{ "route", "add", 5, 6, 1, cmd_route },
	{ "route", "del", 4, 4, 1, cmd_route },
	{ "route", "list", 2, 3, 0, cmd_route },
	{ "route", "import", 2, 3, 1, cmd_route },
	{ "route", "export", 2, 2, 0, cmd_route },
	{ "vport", "add", 3, 64, 1, cmd_vport },
	{ "vport", "del", 3, 3, 1, cmd_vport },
	{ "vport", "list", 2, 2, 0, cmd_vport },
	{ "stats", NULL, 1, 2, 0, cmd_stats },
};

static const struct command *find(int argc, const char *const *argv, int *partial)
{
	size_t i;

	*partial = 0;
	for (i = 0; i < NV_ARRAY_SIZE(commands); i++) {
		const struct command *k = &commands[i];

		if (argc < 1 || strcmp(argv[0], k->w1))
			continue;
		*partial = 1;
		if (k->w2 && (argc < 2 || strcmp(argv[1], k->w2)))
			continue;
		return k;
	}
	return NULL;
}

int cmd_check(int argc, const char *const *argv, char *err, size_t errlen)
{
	struct cmd_ctx c = { .argc = argc, .argv = argv, .err = err, .errlen = errlen };
	struct route_args r;
	struct vport_rec v;
	__u32 vsid;

	if (argc >= 3 && !strcmp(argv[0], "vsid") && !strcmp(argv[1], "add")) {
		if (argc > 4 || (argc == 4 && strcmp(argv[3], "any-pa")))
			return usage(&c, "unexpected '%s' (only the option any-pa)", argv[argc - 1]);
		return parse_vsid(&c, argv[2], &vsid);
	}
	if (argc >= 2 && !strcmp(argv[0], "route") && !strcmp(argv[1], "add"))
		return route_parse(&c, argc - 2, argv + 2, &r);
	if (argc >= 2 && !strcmp(argv[0], "vport") && !strcmp(argv[1], "add"))
		return vport_parse(&c, &v);
	return usage(&c, "expected vsid, route or vport");
}

int cmd_mutates(int argc, const char *const *argv)
{
	int partial;
	const struct command *k = find(argc, argv, &partial);

	return k && k->mutates;
}

int cmd_run(struct nvgred *d, int argc, const char *const *argv, const struct cmd_request *rq,
	    json_object **result, char **text, char *err, size_t errlen)
{
	struct cmd_ctx c = { .d = d, .argc = argc, .argv = argv, .records = rq ? rq->records : NULL,
			     .output = rq ? rq->output : CMD_OUT_TEXT | CMD_OUT_JSON,
			     .err = err, .errlen = errlen };
	const struct command *k;
	size_t tlen = 0;
	int partial, ret;

	*result = NULL;
	*text = NULL;
	k = find(argc, argv, &partial);
	if (!k) {
		if (!argc)
			snprintf(err, errlen, "no command");
		else if (partial)
			snprintf(err, errlen, "%s: unknown or missing subcommand '%s'", argv[0],
				 argc > 1 ? argv[1] : "");
		else
			snprintf(err, errlen, "unknown command '%s'", argv[0]);
		return NVGRE_EXIT_USAGE;
	}
	if (argc < k->min_argc || argc > k->max_argc) {
		snprintf(err, errlen, "%s%s%s: wrong number of arguments", k->w1, k->w2 ? " " : "",
			 k->w2 ? k->w2 : "");
		return NVGRE_EXIT_USAGE;
	}
	c.result = json_object_new_object();
	c.text = open_memstream(text, &tlen);
	if (!c.result || !c.text) {
		snprintf(err, errlen, "out of memory");
		return NVGRE_EXIT_FAILED;
	}
	ret = k->fn(&c);
	fclose(c.text);
	if (ret) {
		json_object_put(c.result);
		free(*text);
		*text = NULL;
		return ret;
	}
	*result = c.result;
	return 0;
}
