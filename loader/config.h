/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* nvgred's configuration file (INI, read with inih; SPEC KW-1, DESIGN). */
#ifndef NVGRED_CONFIG_H
#define NVGRED_CONFIG_H

#include <net/if.h>
#include <nvgre/maps.h>

enum xdp_mode { NVGRED_XDP_AUTO, NVGRED_XDP_NATIVE, NVGRED_XDP_GENERIC };

#define CONFIG_MAX_STATIC	4096
#define CONFIG_MAX_DEV_PATTERNS	64
#define CONFIG_DEV_PATTERN_LEN	64

struct static_line {
	int line;
	char *text;	/* "vsid 5000", "route 5000 02:.. 198.18.0.2", "vport a1 ..." */
};

struct nvgred_config {
	const char *path;
	int task_offload;		/* *EncapsulatedPacketTaskOffload */
	int task_offload_nvgre;		/* *EncapsulatedPacketTaskOffloadNvgre */
	int encap_overhead;		/* *EncapOverhead: 0..480, step 32 */
	int flowid_zero;		/* flowid = zero */
	char underlay[IF_NAMESIZE];
	union nvgre_ip pa4, pa6;
	int has_pa4, has_pa6;
	enum xdp_mode xdp_mode;
	int xdp_always;			/* attach XDP even without xsk vports */
	int ttl;
	int max_header;			/* PARSE-3 MaxHeaderSize */
	int drop_bad_csum;		/* CSUM-RX-2 policy */
	__u32 offload;			/* [offload] defaults, NVGRE_OFF_* */
	__u8 rss_key[NVGRE_RSS_KEY_LEN];
	int rss_queues;
	/* [vports] devices: shell patterns of the devices a vport may use; none: any */
	char vport_devices[CONFIG_MAX_DEV_PATTERNS][CONFIG_DEV_PATTERN_LEN];
	int n_vport_devices;
	struct static_line statics[CONFIG_MAX_STATIC];
	int n_static;
};

/*
 * Read path into cfg (defaults first).  On error returns -1 with
 * "file:line: key: why" in err; cfg is then not to be used.
 */
int config_load(const char *path, struct nvgred_config *cfg, char *err, size_t errlen);
void config_free(struct nvgred_config *cfg);

/* May a vport use device dev ([vports] devices)? */
int config_vport_dev_allowed(const struct nvgred_config *cfg, const char *dev);
/* The patterns of [vports] devices as one string, for messages. */
const char *config_vport_devices_str(const struct nvgred_config *cfg, char *buf, size_t len);

/* on/off/1/0/yes/no/true/false; -1 if none of them. */
int config_bool(const char *v);

#endif
