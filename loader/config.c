// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* nvgred configuration: INI via inih, every key validated (config.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>

#include <nvgre/offload.h>
#include <nvgre/rss.h>
#include "config.h"
#include "datapath.h"
#include "daemon.h"

struct parse_ctx {
	struct nvgred_config *cfg;
	char why[512];		/* "key: why" of the first error */
};

int config_bool(const char *v)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

static int parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int parse_hex_key(const char *v, __u8 key[NVGRE_RSS_KEY_LEN])
{
	int i = 0;

	while (*v && i < NVGRE_RSS_KEY_LEN) {
		unsigned int b;

		if (*v == ':' || *v == ' ' || *v == '-') {
			v++;
			continue;
		}
		if (sscanf(v, "%2x", &b) != 1 || !v[1])
			return -1;
		key[i++] = b;
		v += 2;
	}
	while (*v == ' ')
		v++;
	return i == NVGRE_RSS_KEY_LEN && !*v ? 0 : -1;
}

/* inih reports the first failing line: keep that line's reason, not a later one's. */
#define FAIL(...) do {								\
	if (!*p->why)								\
		snprintf(p->why, sizeof(p->why), __VA_ARGS__);			\
	return 0;								\
} while (0)

static const struct { const char *name; __u32 bit; } offload_keys[] = {
	{ "tx-csum", NVGRE_OFF_TX_CSUM }, { "rx-csum", NVGRE_OFF_RX_CSUM },
	{ "lso", NVGRE_OFF_LSO }, { "uso", NVGRE_OFF_USO },
	{ "rss", NVGRE_OFF_RSS }, { "vmq", NVGRE_OFF_VMQ },
};

static int section_nvgre(struct parse_ctx *p, const char *k, const char *v)
{
	struct nvgred_config *c = p->cfg;
	long n;

	if (!strcmp(k, "*EncapsulatedPacketTaskOffload") ||
	    !strcmp(k, "*EncapsulatedPacketTaskOffloadNvgre")) {
		if (parse_int(v, 0, 1, &n))
			FAIL("%s: must be 0 or 1, not '%s'", k, v);
		if (!strcmp(k, "*EncapsulatedPacketTaskOffloadNvgre"))
			c->task_offload_nvgre = n;
		else
			c->task_offload = n;
	} else if (!strcmp(k, "*EncapOverhead")) {
		if (parse_int(v, 0, 480, &n) || n % 32)
			FAIL("%s: must be 0..480 in steps of 32, not '%s'", k, v);
		c->encap_overhead = n;
	} else if (!strcmp(k, "flowid")) {
		if (strcmp(v, "hash") && strcmp(v, "zero"))
			FAIL("%s: must be hash or zero, not '%s'", k, v);
		c->flowid_zero = !strcmp(v, "zero");
	} else if (!strcmp(k, "ttl")) {
		if (parse_int(v, 1, 255, &n))
			FAIL("%s: must be 1..255, not '%s'", k, v);
		c->ttl = n;
	} else if (!strcmp(k, "max_header")) {
		if (parse_int(v, 128, NVGRE_MAX_HEADER_SUPPORTED, &n))
			FAIL("%s: must be 128..%d, not '%s'", k, NVGRE_MAX_HEADER_SUPPORTED, v);
		c->max_header = n;
	} else if (!strcmp(k, "bad_csum")) {
		if (strcmp(v, "pass") && strcmp(v, "drop"))
			FAIL("%s: must be pass or drop, not '%s'", k, v);
		c->drop_bad_csum = !strcmp(v, "drop");
	} else {
		FAIL("%s: unknown key in [nvgre]", k);
	}
	return 1;
}

static int section_underlay(struct parse_ctx *p, const char *k, const char *v)
{
	struct nvgred_config *c = p->cfg;
	union nvgre_ip ip;

	if (!strcmp(k, "interface")) {
		if (!*v || strlen(v) >= IF_NAMESIZE || strchr(v, '/') || strchr(v, ' '))
			FAIL("%s: '%s' is not an interface name", k, v);
		if (*c->underlay)
			FAIL("%s: only one underlay interface is supported", k);
		strcpy(c->underlay, v);
	} else if (!strcmp(k, "pa")) {
		if (nvgre_ip_parse(v, &ip))
			FAIL("%s: '%s' is not an IPv4 or IPv6 address", k, v);
		if (nvgre_ip_is_v4(&ip)) {
			if (c->has_pa4)
				FAIL("%s: a second IPv4 provider address", k);
			c->pa4 = ip;
			c->has_pa4 = 1;
		} else {
			if (c->has_pa6)
				FAIL("%s: a second IPv6 provider address", k);
			c->pa6 = ip;
			c->has_pa6 = 1;
		}
	} else if (!strcmp(k, "xdp_mode")) {
		if (!strcmp(v, "auto"))
			c->xdp_mode = NVGRED_XDP_AUTO;
		else if (!strcmp(v, "native"))
			c->xdp_mode = NVGRED_XDP_NATIVE;
		else if (!strcmp(v, "generic"))
			c->xdp_mode = NVGRED_XDP_GENERIC;
		else
			FAIL("%s: must be native, generic or auto, not '%s'", k, v);
	} else if (!strcmp(k, "xdp")) {
		if (strcmp(v, "when-needed") && strcmp(v, "always"))
			FAIL("%s: must be when-needed or always, not '%s'", k, v);
		c->xdp_always = !strcmp(v, "always");
	} else {
		FAIL("%s: unknown key in [underlay]", k);
	}
	return 1;
}

static int section_offload(struct parse_ctx *p, const char *k, const char *v)
{
	struct nvgred_config *c = p->cfg;
	size_t i;
	int b;

	for (i = 0; i < NV_ARRAY_SIZE(offload_keys); i++)
		if (!strcmp(k, offload_keys[i].name)) {
			b = config_bool(v);
			if (b < 0)
				FAIL("%s: must be on or off, not '%s'", k, v);
			if (b)
				c->offload |= offload_keys[i].bit;
			else
				c->offload &= ~offload_keys[i].bit;
			return 1;
		}
	FAIL("%s: unknown offload (tx-csum rx-csum lso uso rss vmq)", k);
}

static int section_rss(struct parse_ctx *p, const char *k, const char *v)
{
	long n;

	if (!strcmp(k, "key")) {
		if (parse_hex_key(v, p->cfg->rss_key))
			FAIL("%s: must be 40 bytes of hex", k);
	} else if (!strcmp(k, "queues")) {
		if (parse_int(v, 1, 256, &n))
			FAIL("%s: must be 1..256, not '%s'", k, v);
		p->cfg->rss_queues = n;
	} else {
		FAIL("%s: unknown key in [rss]", k);
	}
	return 1;
}

/* Patterns as the kernel's device names allow (dev_valid_name): no '/', ':' or space. */
static int section_vports(struct parse_ctx *p, const char *k, const char *v)
{
	struct nvgred_config *c = p->cfg;
	char buf[1024], *tok, *save;

	if (strcmp(k, "devices"))
		FAIL("%s: unknown key in [vports] (devices)", k);
	snprintf(buf, sizeof(buf), "%s", v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok)
		FAIL("%s: no pattern", k);
	for (; tok; tok = strtok_r(NULL, " \t", &save)) {
		if (strlen(tok) >= CONFIG_DEV_PATTERN_LEN || strpbrk(tok, "/:"))
			FAIL("%s: '%s' is not a device name pattern (up to %d characters, no / or :)",
			     k, tok, CONFIG_DEV_PATTERN_LEN - 1);
		if (c->n_vport_devices >= CONFIG_MAX_DEV_PATTERNS)
			FAIL("%s: more than %d patterns", k, CONFIG_MAX_DEV_PATTERNS);
		snprintf(c->vport_devices[c->n_vport_devices++], CONFIG_DEV_PATTERN_LEN, "%s", tok);
	}
	return 1;
}

int config_vport_dev_allowed(const struct nvgred_config *cfg, const char *dev)
{
	int i;

	if (!cfg->n_vport_devices)
		return 1;
	for (i = 0; i < cfg->n_vport_devices; i++)
		if (!fnmatch(cfg->vport_devices[i], dev, 0))
			return 1;
	return 0;
}

const char *config_vport_devices_str(const struct nvgred_config *cfg, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	*buf = 0;
	for (i = 0; i < cfg->n_vport_devices && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? " " : "",
				 cfg->vport_devices[i]);
	return buf;
}

/* "route = 5000 02:.. PA" is "route add 5000 02:.. PA": checked like nvgrectl's. */
static int static_valid(struct parse_ctx *p, const char *k, const char *v)
{
	char buf[1024], *argv[72], *tok, *save, err[256];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	argv[argc++] = (char *)k;
	argv[argc++] = "add";
	for (tok = strtok_r(buf, " \t", &save); tok && argc < 72; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (cmd_check(argc, (const char *const *)argv, err, sizeof(err)))
		FAIL("%s: %s", k, err);
	return 1;
}

static int section_static(struct parse_ctx *p, const char *k, const char *v, int line)
{
	struct nvgred_config *c = p->cfg;
	size_t len = strlen(k) + strlen(v) + 2;
	char *text;

	if (strcmp(k, "vsid") && strcmp(k, "route") && strcmp(k, "vport"))
		FAIL("%s: unknown key in [static] (vsid, route, vport)", k);
	if (!static_valid(p, k, v))
		return 0;
	if (c->n_static >= CONFIG_MAX_STATIC)
		FAIL("%s: more than %d static objects", k, CONFIG_MAX_STATIC);
	text = malloc(len);
	if (!text)
		FAIL("%s: out of memory", k);
	snprintf(text, len, "%s %s", k, v);
	c->statics[c->n_static].line = line;
	c->statics[c->n_static++].text = text;
	return 1;
}

static int handler(void *user, const char *section, const char *k, const char *v)
{
	struct parse_ctx *p = user;

	if (!k)
		return 1;	/* a section header alone */
	if (!strcmp(section, "nvgre"))
		return section_nvgre(p, k, v);
	if (!strcmp(section, "underlay"))
		return section_underlay(p, k, v);
	if (!strcmp(section, "offload"))
		return section_offload(p, k, v);
	if (!strcmp(section, "rss"))
		return section_rss(p, k, v);
	if (!strcmp(section, "static"))
		return section_static(p, k, v, 0);
	if (!strcmp(section, "vports"))
		return section_vports(p, k, v);
	FAIL("%s: key in unknown section [%s]", k, section);
}

static void defaults(struct nvgred_config *c, const char *path)
{
	const __u8 key[NVGRE_RSS_KEY_LEN] = NVGRE_RSS_DEFAULT_KEY;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->task_offload = 1;
	c->task_offload_nvgre = 1;
	c->ttl = 64;
	c->max_header = NVGRE_MAX_HEADER_DEFAULT;
	c->offload = NVGRE_OFF_DEFAULT;
	memcpy(c->rss_key, key, sizeof(key));
	c->rss_queues = 1;
}

/* A [static] vport on a device [vports] devices does not allow: 1, err set. */
static int static_vport_refused(const struct nvgred_config *cfg, char *err, size_t errlen)
{
	char buf[1024], *tok, *prev, *save, pats[512];
	int i, j;

	for (i = 0; i < cfg->n_static; i++) {
		snprintf(buf, sizeof(buf), "%s", cfg->statics[i].text);
		if (strncmp(buf, "vport ", 6))
			continue;
		/* "vport NAME ... dev DEV ...": the key dev, not a name or an owner of that name */
		prev = NULL;
		for (j = 0, tok = strtok_r(buf, " \t", &save); tok;
		     j++, prev = tok, tok = strtok_r(NULL, " \t", &save)) {
			if (j < 2 || strcmp(tok, "dev") || !strcmp(prev, "owner") ||
			    !(tok = strtok_r(NULL, " \t", &save)))
				continue;
			if (config_vport_dev_allowed(cfg, tok))
				break;
			snprintf(err, errlen, "%s:%d: vport: dev %s is not one of [vports] devices (%s)",
				 cfg->path, cfg->statics[i].line, tok,
				 config_vport_devices_str(cfg, pats, sizeof(pats)));
			return 1;
		}
	}
	return 0;
}

int config_load(const char *path, struct nvgred_config *cfg, char *err, size_t errlen)
{
	struct parse_ctx p = { .cfg = cfg };
	int line;

	defaults(cfg, path);
	line = ini_parse(path, handler, &p);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 *p.why ? p.why : "syntax error");
		config_free(cfg);
		return -1;
	}
	/* inih gives no line numbers to handlers: find the static ones again. */
	if (cfg->n_static) {
		FILE *f = fopen(path, "r");
		char buf[1024];
		int n = 0, i = 0;

		while (f && fgets(buf, sizeof(buf), f) && i < cfg->n_static) {
			char *s = buf;

			n++;
			while (*s == ' ' || *s == '\t')
				s++;
			if (!strncmp(s, "vsid", 4) || !strncmp(s, "route", 5) ||
			    !strncmp(s, "vport", 5))
				if (strchr(s, '='))
					cfg->statics[i++].line = n;
		}
		if (f)
			fclose(f);
	}
	if (static_vport_refused(cfg, err, errlen)) {
		config_free(cfg);
		return -1;
	}
	if (!*cfg->underlay) {
		snprintf(err, errlen, "%s: [underlay] interface: missing", path);
		config_free(cfg);
		return -1;
	}
	if (!cfg->has_pa4 && !cfg->has_pa6) {
		snprintf(err, errlen, "%s: [underlay] pa: at least one provider address is needed",
			 path);
		config_free(cfg);
		return -1;
	}
	return 0;
}

void config_free(struct nvgred_config *cfg)
{
	int i;

	for (i = 0; i < cfg->n_static; i++)
		free(cfg->statics[i].text);
	cfg->n_static = 0;
}
