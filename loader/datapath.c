// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libnvgre: load the data path and manage its maps (see datapath.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <nvgre/rss.h>
#include "datapath.h"
#include "nvgre_rx.skel.h"
#include "nvgre_tx.skel.h"
#include "nvgre_xdp.skel.h"
#include "nvgre_xdp_vport.skel.h"

static void clear_pinning(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}

/* The transmit object uses the receive object's maps: one data path state. */
static int share_maps(struct bpf_object *from, struct bpf_object *to)
{
	struct bpf_map *map, *src;
	int err;

	bpf_object__for_each_map(map, to) {
		if (strchr(bpf_map__name(map), '.'))
			continue;	/* .rodata, .bss: per object */
		src = bpf_object__find_map_by_name(from, bpf_map__name(map));
		if (!src)
			continue;
		err = bpf_map__reuse_fd(map, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

int nvgre_dp_share_maps(struct nvgre_dp *dp, struct bpf_object *obj)
{
	if (!dp->pin_dir)
		clear_pinning(obj);
	return share_maps(dp->rx->obj, obj);
}

/* A new, empty table of lookup records, like the one nv_routes was made with. */
static int routes_table_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "nv_routes_tbl", sizeof(struct nvgre_mac_key),
				sizeof(struct nvgre_route), NVGRE_MAX_ROUTES, &opts);

	return fd < 0 ? -errno : fd;
}

/* The table in use (pinned maps of an earlier run), or a first one. */
static int routes_table_adopt(struct nvgre_dp *dp)
{
	__u32 zero = 0, id;
	int fd;

	if (!bpf_map_lookup_elem(dp->routes_outer_fd, &zero, &id)) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			return -errno;
		dp->routes_fd = fd;
		return 0;
	}
	fd = routes_table_create();
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(dp->routes_outer_fd, &zero, &fd, BPF_ANY)) {
		int err = -errno;

		close(fd);
		return err;
	}
	dp->routes_fd = fd;
	return 0;
}

static int open_tx(struct nvgre_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dp->pin_dir);
	struct nvgre_tx *tx = nvgre_tx__open_opts(&opts);
	int err;

	if (!tx)
		return -errno;
	err = nvgre_dp_share_maps(dp, tx->obj) ?: nvgre_tx__load(tx);
	if (err) {
		nvgre_tx__destroy(tx);
		return err;
	}
	dp->tx = tx;
	dp->tc_tx_fd = bpf_program__fd(tx->progs.nvgre_tc_tx);
	return 0;
}

/* The XDP program loaded plainly: for BPF_PROG_TEST_RUN and direct attachment. */
static int open_xdp(struct nvgre_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dp->pin_dir);
	struct nvgre_xdp *xdp = nvgre_xdp__open_opts(&opts);
	int err;

	if (!xdp)
		return -errno;
	err = nvgre_dp_share_maps(dp, xdp->obj) ?: nvgre_xdp__load(xdp);
	if (err) {
		nvgre_xdp__destroy(xdp);
		return err;
	}
	dp->xdp = xdp;
	dp->xdp_rx_fd = bpf_program__fd(xdp->progs.nvgre_xdp_rx);
	return 0;
}

/* The consumer end of xsk vports' veths: steers to the queue set's sockets. */
static int open_xdp_vport(struct nvgre_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dp->pin_dir);
	struct nvgre_xdp_vport *xv = nvgre_xdp_vport__open_opts(&opts);
	int err;

	if (!xv)
		return -errno;
	err = nvgre_dp_share_maps(dp, xv->obj) ?: nvgre_xdp_vport__load(xv);
	if (err) {
		nvgre_xdp_vport__destroy(xv);
		return err;
	}
	dp->xdp_vport = xv;
	dp->xdp_vport_fd = bpf_program__fd(xv->progs.nvgre_xdp_vport);
	return 0;
}

struct bpf_object *nvgre_dp_open_xdp_object(struct nvgre_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dp->pin_dir);
	struct nvgre_xdp *xdp = nvgre_xdp__open_opts(&opts);
	struct bpf_object *obj;

	if (!xdp)
		return NULL;
	if (nvgre_dp_share_maps(dp, xdp->obj)) {
		nvgre_xdp__destroy(xdp);
		return NULL;
	}
	/* the caller owns the object now; the skeleton wrapper goes */
	obj = xdp->obj;
	xdp->obj = NULL;
	nvgre_xdp__destroy(xdp);
	return obj;
}

/* A whole map's entries in batches (below). */
static int map_dump(int fd, size_t key_size, size_t val_size, void **keys, void **vals,
		    size_t *n);
static void ips_index_build(struct nvgre_dp *dp);

int nvgre_dp_open(struct nvgre_dp *dp, const char *pin_dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct nvgre_probe probe;
	struct nvgre_rx *rx;
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->pin_dir = pin_dir;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0)
		return dp->ncpus ? dp->ncpus : -EINVAL;

	err = nvgre_probe_kernel(&probe);
	if (err)
		return err;
	dp->probe = probe;

	rx = nvgre_rx__open_opts(&opts);
	if (!rx)
		return -errno;
	if (!pin_dir)
		clear_pinning(rx->obj);
	rx->rodata->adj_room_decap_l3_ipv4 =
		probe.adj_room_decap_l3_ipv4 ? NVGRE_ADJ_ROOM_DECAP_L3_IPV4 : 0;
	rx->rodata->adj_room_decap_l3_ipv6 =
		probe.adj_room_decap_l3_ipv6 ? NVGRE_ADJ_ROOM_DECAP_L3_IPV6 : 0;
	/* one software channel record per CPU (bpf_get_smp_processor_id) */
	err = bpf_map__set_max_entries(rx->maps.nv_sw_scratch, dp->ncpus) ?: nvgre_rx__load(rx);
	if (err) {
		nvgre_rx__destroy(rx);
		return err;
	}
	dp->rx = rx;
	dp->config_fd = bpf_map__fd(rx->maps.nv_config);
	dp->rss_fd = bpf_map__fd(rx->maps.nv_rss);
	dp->vsids_fd = bpf_map__fd(rx->maps.nv_vsids);
	dp->vports_fd = bpf_map__fd(rx->maps.nv_vports);
	dp->routes_outer_fd = bpf_map__fd(rx->maps.nv_routes);
	err = routes_table_adopt(dp);
	if (err) {
		nvgre_dp_close(dp);
		return err;
	}
	dp->vsid_pas_fd = bpf_map__fd(rx->maps.nv_vsid_pas);
	dp->xsks_fd = bpf_map__fd(rx->maps.nv_xsks);
	dp->drops_fd = bpf_map__fd(rx->maps.nv_drops);
	dp->counters_fd = bpf_map__fd(rx->maps.nv_counters);
	dp->vsid_stats_fd = bpf_map__fd(rx->maps.nv_vsid_stats);
	dp->vport_stats_fd = bpf_map__fd(rx->maps.nv_vport_stats);
	dp->vport_if_fd = bpf_map__fd(rx->maps.nv_vport_if);
	dp->ips_fd = bpf_map__fd(rx->maps.nv_ips);
	dp->events_fd = bpf_map__fd(rx->maps.nv_events);
	dp->sw_channels_fd = bpf_map__fd(rx->maps.nv_sw_channels);
	dp->vport_devs_fd = bpf_map__fd(rx->maps.nv_vport_devs);
	dp->xsk_devs_fd = bpf_map__fd(rx->maps.nv_xsk_devs);
	dp->pa_macs_fd = bpf_map__fd(rx->maps.nv_pa_macs);
	dp->xsk_queue_stats_fd = bpf_map__fd(rx->maps.nv_xsk_queue_stats);
	dp->tc_rx_fd = bpf_program__fd(rx->progs.nvgre_tc_rx);
	err = open_tx(dp) ?: open_xdp(dp) ?: open_xdp_vport(dp);
	if (err)
		nvgre_dp_close(dp);
	else
		ips_index_build(dp);	/* adopted maps have entries already */
	return err;
}

void nvgre_dp_close(struct nvgre_dp *dp)
{
	ip_index_free(&dp->ipx);
	if (dp->routes_fd > 0)
		close(dp->routes_fd);
	dp->routes_fd = 0;
	if (dp->xdp)
		nvgre_xdp__destroy(dp->xdp);
	dp->xdp = NULL;
	if (dp->xdp_vport)
		nvgre_xdp_vport__destroy(dp->xdp_vport);
	dp->xdp_vport = NULL;
	if (dp->tx)
		nvgre_tx__destroy(dp->tx);
	if (dp->rx)
		nvgre_rx__destroy(dp->rx);
	dp->tx = NULL;
	dp->rx = NULL;
}

void nvgre_config_defaults(struct nvgre_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->layout_version = NVGRE_MAP_LAYOUT_VERSION;
	cfg->offload = NVGRE_OFF_DEFAULT;
	cfg->max_header = NVGRE_MAX_HEADER_DEFAULT;
	cfg->rx_queues = 1;
	cfg->ttl = 64;
}

static int map_update(int fd, const void *key, const void *val, __u64 flags)
{
	return bpf_map_update_elem(fd, key, val, flags) ? -errno : 0;
}

static int map_lookup(int fd, const void *key, void *val)
{
	return bpf_map_lookup_elem(fd, key, val) ? -errno : 0;
}

int nvgre_dp_set_config(struct nvgre_dp *dp, const struct nvgre_config *cfg)
{
	__u32 zero = 0;

	if (cfg->max_header > NVGRE_MAX_HEADER_SUPPORTED || !cfg->rx_queues)
		return -EINVAL;
	return map_update(dp->config_fd, &zero, cfg, BPF_ANY);
}

int nvgre_dp_get_config(struct nvgre_dp *dp, struct nvgre_config *cfg)
{
	__u32 zero = 0;

	return map_lookup(dp->config_fd, &zero, cfg);
}

/* One array word: the next packet sees the new state (ST-1). */
int nvgre_dp_set_offload(struct nvgre_dp *dp, __u32 offload)
{
	struct nvgre_config cfg;
	int err = nvgre_dp_get_config(dp, &cfg);

	if (err)
		return err;
	cfg.offload = offload;
	return nvgre_dp_set_config(dp, &cfg);
}

int nvgre_dp_set_rss_key(struct nvgre_dp *dp, const __u8 key[NVGRE_RSS_KEY_LEN])
{
	struct nvgre_rss_table *t = malloc(sizeof(*t));
	__u32 zero = 0;
	int err;

	if (!t)
		return -ENOMEM;
	nvgre_rss_build_table(t, key);
	err = map_update(dp->rss_fd, &zero, t, BPF_ANY);
	free(t);
	return err;
}

int nvgre_dp_vsid_add(struct nvgre_dp *dp, __u32 vsid, __u32 flags)
{
	struct nvgre_vsid v = { .flags = flags & ~NVGRE_VSID_F_DEFAULT_VPORT };
	struct nvgre_vsid_stats *zero;
	int err;

	if (!nvgre_vsid_valid(vsid))
		return -EINVAL;
	zero = calloc(dp->ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	err = map_update(dp->vsids_fd, &vsid, &v, BPF_NOEXIST);
	if (!err)
		err = map_update(dp->vsid_stats_fd, &vsid, zero, BPF_ANY);
	free(zero);
	return err;
}

int nvgre_dp_vsid_del(struct nvgre_dp *dp, __u32 vsid)
{
	if (bpf_map_delete_elem(dp->vsids_fd, &vsid))
		return -errno;
	bpf_map_delete_elem(dp->vsid_stats_fd, &vsid);
	return 0;
}

int nvgre_dp_vsid_get(struct nvgre_dp *dp, __u32 vsid, struct nvgre_vsid *out)
{
	return map_lookup(dp->vsids_fd, &vsid, out);
}

int nvgre_dp_vsid_set_default_vport(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6])
{
	struct nvgre_vsid v;
	int err = nvgre_dp_vsid_get(dp, vsid, &v);

	if (err)
		return err;
	if (mac) {
		memcpy(v.default_mac, mac, 6);
		v.flags |= NVGRE_VSID_F_DEFAULT_VPORT;
	} else {
		v.flags &= ~NVGRE_VSID_F_DEFAULT_VPORT;
	}
	return map_update(dp->vsids_fd, &vsid, &v, BPF_EXIST);
}

static struct nvgre_mac_key mac_key(__u32 vsid, const __u8 mac[6])
{
	struct nvgre_mac_key k;

	memset(&k, 0, sizeof(k));
	k.vsid = vsid;
	memcpy(k.mac, mac, 6);
	return k;
}

static struct nvgre_ip_key ip_key(__u32 vsid, const union nvgre_ip *ip)
{
	struct nvgre_ip_key k;

	memset(&k, 0, sizeof(k));
	k.vsid = vsid;
	k.ip = *ip;
	return k;
}

/* A customer IP of (vsid, mac); -EADDRINUSE when another MAC has it. */
static int ip_add(struct nvgre_dp *dp, __u32 vsid, const union nvgre_ip *ip, const __u8 mac[6])
{
	struct nvgre_ip_key k = ip_key(vsid, ip);
	struct nvgre_ip_mac m = {}, old;

	int err;

	if (!map_lookup(dp->ips_fd, &k, &old))
		return memcmp(old.mac, mac, 6) ? -EADDRINUSE : 0;
	memcpy(m.mac, mac, 6);
	err = map_update(dp->ips_fd, &k, &m, BPF_NOEXIST);
	if (!err)
		ip_index_add(&dp->ipx, vsid, mac, ip);
	return err;
}

/* nv_ips[(vsid, ip)] goes if mac still holds it. */
static void ip_del(struct nvgre_dp *dp, __u32 vsid, const union nvgre_ip *ip, const __u8 mac[6])
{
	struct nvgre_ip_key k = ip_key(vsid, ip);
	struct nvgre_ip_mac m;

	if (!map_lookup(dp->ips_fd, &k, &m) && !memcmp(m.mac, mac, 6))
		bpf_map_delete_elem(dp->ips_fd, &k);
	ip_index_del(&dp->ipx, vsid, mac, ip);
}

/* The index of nv_ips by MAC (ip_index.h), from the map as it is. */
static void ips_index_build(struct nvgre_dp *dp)
{
	struct nvgre_ip_key *keys;
	struct nvgre_ip_mac *macs;
	size_t n, i;

	ip_index_free(&dp->ipx);
	if (map_dump(dp->ips_fd, sizeof(*keys), sizeof(*macs), (void **)&keys, (void **)&macs, &n)) {
		dp->ipx.broken = 1;
		return;
	}
	for (i = 0; i < n; i++)
		ip_index_add(&dp->ipx, keys[i].vsid, macs[i].mac, &keys[i].ip);
	free(keys);
	free(macs);
}


/*
 * Remove the customer IPs of (vsid, mac): those the index names; without a
 * complete index, one batched walk of nv_ips.
 */
static void ips_del_mac(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6])
{
	union nvgre_ip ips[64];
	struct nvgre_ip_key *keys;
	struct nvgre_ip_mac *macs;
	size_t n, i;
	int m = dp->ipx.broken ? -1 : ip_index_get(&dp->ipx, vsid, mac, ips, NV_ARRAY_SIZE(ips));

	if (m >= 0 && m <= (int)NV_ARRAY_SIZE(ips)) {
		while (m--)
			ip_del(dp, vsid, &ips[m], mac);
		return;
	}
	if (map_dump(dp->ips_fd, sizeof(*keys), sizeof(*macs), (void **)&keys, (void **)&macs, &n)) {
		/* out of memory: entry by entry, restarting after each delete */
		struct nvgre_ip_key k, next, *prev = NULL;
		struct nvgre_ip_mac owner;

		while (!bpf_map_get_next_key(dp->ips_fd, prev, &next)) {
			k = next;
			prev = &k;
			if (k.vsid == vsid && !map_lookup(dp->ips_fd, &k, &owner) &&
			    !memcmp(owner.mac, mac, 6)) {
				bpf_map_delete_elem(dp->ips_fd, &k);
				prev = NULL;
			}
		}
		return;
	}
	for (i = 0; i < n; i++)
		if (keys[i].vsid == vsid && !memcmp(macs[i].mac, mac, 6))
			ip_del(dp, vsid, &keys[i].ip, mac);
	free(keys);
	free(macs);
}

/* A vport's entry in its VSID's list of local vports (broadcast copies). */
static __u32 local_entry(const struct nvgre_vport *vp)
{
	return vp->kind == NVGRE_VPORT_XSK ? NVGRE_LOCAL_XSK | vp->id : vp->ifindex;
}

/* Does it send through the transmit program on vp->ifindex (nv_vport_if)? */
static int has_tx_device(const struct nvgre_vport *vp)
{
	return vp->kind == NVGRE_VPORT_NETDEV || vp->ifindex;
}

/* What the vport on vp->ifindex may send. */
static int vport_if_add(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6],
			const struct nvgre_vport *vp, const union nvgre_ip *ips, int n_ips)
{
	struct nvgre_vport_tx vtx;

	memset(&vtx, 0, sizeof(vtx));
	vtx.vsid = vsid;
	vtx.id = vp->id;
	vtx.kind = vp->kind;
	memcpy(vtx.mac, mac, 6);
	vtx.n_ips = n_ips;
	memcpy(vtx.ips, ips, n_ips * sizeof(*ips));
	return map_update(dp->vport_if_fd, &vp->ifindex, &vtx, BPF_NOEXIST);
}

int nvgre_dp_vport_add(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6],
		       const struct nvgre_vport *vp, const union nvgre_ip *ips, int n_ips)
{
	struct nvgre_mac_key k = mac_key(vsid, mac);
	struct nvgre_vport_stats *zero;
	struct nvgre_vsid v;
	int err, i;

	if (mac[0] & 1 || vp->id >= NVGRE_MAX_VPORTS || n_ips < 0 || n_ips > NVGRE_MAX_VPORT_IPS)
		return -EINVAL;
	err = nvgre_dp_vsid_get(dp, vsid, &v);
	if (err)
		return err;
	/* exists first: a restart adopting a full VSID's vports is no overflow */
	if (!nvgre_dp_vport_get(dp, vsid, mac, &(struct nvgre_vport){}))
		return -EEXIST;		/* before its counters are touched */
	if (v.n_local >= NVGRE_MAX_LOCAL_VPORTS)
		return -ENOSPC;
	zero = calloc(dp->ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	err = map_update(dp->vport_stats_fd, &vp->id, zero, BPF_ANY);
	free(zero);
	for (i = 0; !err && vp->kind == NVGRE_VPORT_XSK && i < NVGRE_VMQ_MAX_QUEUES; i++) {
		__u32 idx = vp->id * NVGRE_VMQ_MAX_QUEUES + i;	/* an earlier vport's id */

		err = map_update(dp->xsk_queue_stats_fd, &idx, &(struct nvgre_xsk_queue_stats){},
				 BPF_ANY);
	}
	if (err)
		return err;
	err = map_update(dp->vports_fd, &k, vp, BPF_NOEXIST);
	if (err)
		return err;
	for (i = 0; i < n_ips && !err; i++)
		err = ip_add(dp, vsid, &ips[i], mac);
	if (!err && has_tx_device(vp))
		err = vport_if_add(dp, vsid, mac, vp, ips, n_ips);
	if (!err) {
		v.local_ifindex[v.n_local++] = local_entry(vp);
		err = map_update(dp->vsids_fd, &vsid, &v, BPF_EXIST);
		if (err && has_tx_device(vp))
			bpf_map_delete_elem(dp->vport_if_fd, &vp->ifindex);
	}
	if (err) {
		ips_del_mac(dp, vsid, mac);
		bpf_map_delete_elem(dp->vports_fd, &k);
	}
	return err;
}

int nvgre_dp_vport_get(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6], struct nvgre_vport *vp)
{
	struct nvgre_mac_key k = mac_key(vsid, mac);

	return map_lookup(dp->vports_fd, &k, vp);
}

int nvgre_dp_vport_del(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6])
{
	struct nvgre_mac_key k = mac_key(vsid, mac);
	struct nvgre_vport vp;
	struct nvgre_vsid v;
	int err, i;

	err = map_lookup(dp->vports_fd, &k, &vp);
	if (err)
		return err;
	if (!nvgre_dp_vsid_get(dp, vsid, &v)) {
		for (i = 0; i < v.n_local; i++)
			if (v.local_ifindex[i] == local_entry(&vp)) {
				v.local_ifindex[i] = v.local_ifindex[--v.n_local];
				v.local_ifindex[v.n_local] = 0;
				break;
			}
		err = map_update(dp->vsids_fd, &vsid, &v, BPF_EXIST);
		if (err)
			return err;
	}
	if (has_tx_device(&vp))
		bpf_map_delete_elem(dp->vport_if_fd, &vp.ifindex);
	if (vp.kind == NVGRE_VPORT_XSK)		/* a later vport with its id starts empty */
		nvgre_dp_sw_channel_set(dp, vp.id, -1);
	ips_del_mac(dp, vsid, mac);
	return bpf_map_delete_elem(dp->vports_fd, &k) ? -errno : 0;
}

int nvgre_dp_sw_channel_create(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "nv_sw_channel", 0, 0,
				NVGRE_SW_CHANNEL_SIZE, NULL);

	return fd < 0 ? -errno : fd;
}

int nvgre_dp_sw_channel_set(struct nvgre_dp *dp, __u32 vport_id, int ringbuf_fd)
{
	if (vport_id >= NVGRE_MAX_VPORTS)
		return -EINVAL;
	if (ringbuf_fd >= 0)
		return map_update(dp->sw_channels_fd, &vport_id, &ringbuf_fd, BPF_ANY);
	if (bpf_map_delete_elem(dp->sw_channels_fd, &vport_id) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Add or remove pa in the VSID's head-end replication list (W-9). */
static int remote_pa_list(struct nvgre_dp *dp, __u32 vsid, const union nvgre_ip *pa, int add)
{
	struct nvgre_vsid v;
	__u32 i;
	int err = nvgre_dp_vsid_get(dp, vsid, &v);
	union nvgre_ip *list = nvgre_ip_is_v4(pa) ? v.remote4 : v.remote6;
	__u16 *n = nvgre_ip_is_v4(pa) ? &v.n_remote4 : &v.n_remote6;

	if (err)
		return err;
	if (add) {
		if (*n >= NVGRE_MAX_REMOTE_PAS)
			return -ENOSPC;
		list[(*n)++] = *pa;
	} else {
		for (i = 0; i < *n; i++)
			if (!memcmp(&list[i], pa, sizeof(*pa))) {
				list[i] = list[--*n];
				memset(&list[*n], 0, sizeof(*pa));
				break;
			}
	}
	return map_update(dp->vsids_fd, &vsid, &v, BPF_EXIST);
}

/* nv_vsid_pas counts the records per (VSID, PA) for the W-10 "any PA" option. */
static int vsid_pa_ref(struct nvgre_dp *dp, __u32 vsid, const union nvgre_ip *pa, int delta)
{
	struct nvgre_vsid_pa_key k;
	__u32 n = 0;

	memset(&k, 0, sizeof(k));
	k.vsid = vsid;
	k.pa = *pa;
	map_lookup(dp->vsid_pas_fd, &k, &n);
	n += delta;
	if (n == 0 || (n == 1 && delta > 0)) {
		int err = remote_pa_list(dp, vsid, pa, n == 1);

		if (err)
			return err;
	}
	if (!n)
		return bpf_map_delete_elem(dp->vsid_pas_fd, &k) ? -errno : 0;
	return map_update(dp->vsid_pas_fd, &k, &n, BPF_ANY);
}

int nvgre_dp_route_add(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6],
		       const union nvgre_ip *ip, const union nvgre_ip *pa)
{
	struct nvgre_mac_key k = mac_key(vsid, mac);
	struct nvgre_route r, old;
	struct nvgre_vsid v;
	int err;

	memset(&r, 0, sizeof(r));
	r.pa = *pa;
	err = nvgre_dp_vsid_get(dp, vsid, &v);
	if (err)
		return err;
	if (mac[0] & 1)
		return -EINVAL;
	if (!map_lookup(dp->routes_fd, &k, &old)) {
		/* the same MAC again: another IP of it, at the same PA only */
		if (memcmp(&old.pa, pa, sizeof(*pa)))
			return -EEXIST;
		return ip ? ip_add(dp, vsid, ip, mac) : 0;
	}
	err = map_update(dp->routes_fd, &k, &r, BPF_NOEXIST);
	if (err)
		return err;
	err = vsid_pa_ref(dp, vsid, pa, 1);
	if (err) {
		bpf_map_delete_elem(dp->routes_fd, &k);
		return err;
	}
	err = ip ? ip_add(dp, vsid, ip, mac) : 0;
	if (err) {	/* undo all of it: the record, its PA reference */
		bpf_map_delete_elem(dp->routes_fd, &k);
		vsid_pa_ref(dp, vsid, pa, -1);
	}
	return err;
}

int nvgre_dp_route_probe(struct nvgre_dp *dp, const struct nvgre_route_rec *r, int *mac_new,
			 int *ip_new)
{
	struct nvgre_mac_key k = mac_key(r->vsid, r->mac);
	struct nvgre_ip_key ik;
	struct nvgre_route old;
	struct nvgre_ip_mac m;

	*mac_new = map_lookup(dp->routes_fd, &k, &old) != 0;
	*ip_new = 0;
	if (r->has_ip) {
		ik = ip_key(r->vsid, &r->ip);
		*ip_new = map_lookup(dp->ips_fd, &ik, &m) != 0;
	}
	return 0;
}

int nvgre_dp_route_undo(struct nvgre_dp *dp, const struct nvgre_route_rec *r, int mac_new,
			int ip_new)
{
	struct nvgre_mac_key k = mac_key(r->vsid, r->mac);

	if (r->has_ip && ip_new)
		ip_del(dp, r->vsid, &r->ip, r->mac);
	if (mac_new && !bpf_map_delete_elem(dp->routes_fd, &k))
		return vsid_pa_ref(dp, r->vsid, &r->pa, -1);
	return 0;
}

int nvgre_dp_route_del(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6])
{
	struct nvgre_mac_key k = mac_key(vsid, mac);
	struct nvgre_route r;
	int err;

	err = map_lookup(dp->routes_fd, &k, &r);
	if (err)
		return err;
	if (bpf_map_delete_elem(dp->routes_fd, &k))
		return -errno;
	ips_del_mac(dp, vsid, mac);
	return vsid_pa_ref(dp, vsid, &r.pa, -1);
}

int nvgre_route_rec_cmp(const void *a, const void *b)
{
	const struct nvgre_route_rec *x = a, *y = b;
	int r;

	if (x->vsid != y->vsid)
		return x->vsid < y->vsid ? -1 : 1;
	r = memcmp(x->mac, y->mac, 6);
	if (r)
		return r;
	if (x->has_ip != y->has_ip)
		return x->has_ip - y->has_ip;
	return memcmp(&x->ip, &y->ip, sizeof(x->ip));
}

/* The first record of (vsid, mac) in sorted recs, or NULL. */
static const struct nvgre_route_rec *find_mac(const struct nvgre_route_rec *recs, size_t n,
					      __u32 vsid, const __u8 *mac)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct nvgre_route_rec *r = &recs[mid];
		int c = r->vsid != vsid ? (r->vsid < vsid ? -1 : 1) : memcmp(r->mac, mac, 6);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && recs[lo].vsid == vsid && !memcmp(recs[lo].mac, mac, 6) ? &recs[lo] : NULL;
}

static int has_ip(const struct nvgre_route_rec *first, const struct nvgre_route_rec *end,
		  const union nvgre_ip *ip)
{
	const struct nvgre_route_rec *r;

	for (r = first; r < end && r->vsid == first->vsid && !memcmp(r->mac, first->mac, 6); r++)
		if (r->has_ip && !memcmp(&r->ip, ip, sizeof(*ip)))
			return 1;
	return 0;
}

/* All keys of a map, so it can be changed while we walk them. */
static void *map_keys(int fd, size_t key_size, size_t *n)
{
	size_t cap = 1024;
	char *keys = malloc(cap * key_size), *prev = NULL;

	*n = 0;
	while (keys && !bpf_map_get_next_key(fd, prev, keys + *n * key_size)) {
		prev = keys + *n * key_size;
		if (++*n == cap) {
			char *k = realloc(keys, (cap *= 2) * key_size);

			if (!k) {
				free(keys);
				return NULL;
			}
			keys = k;
			prev = keys + (*n - 1) * key_size;
		}
	}
	return keys;
}

/*
 * Every entry of hash map fd, keys and values, a few thousand per syscall
 * (BPF_MAP_LOOKUP_BATCH) instead of two syscalls per entry: at a million
 * entries that is a fraction of a second instead of seconds.  *keys and
 * *vals are malloc'd; 0 or -errno.
 */
static int map_dump(int fd, size_t key_size, size_t val_size, void **keys, void **vals,
		    size_t *n)
{
	const __u32 chunk = 4096;
	size_t cap = chunk;
	char *k = malloc(cap * key_size), *v = malloc(cap * val_size);
	__u64 batch_in = 0, batch_out = 0;	/* a hash map's batch token is a u32 */
	int first = 1, err = 0;

	*n = 0;
	if (!k || !v)
		err = -ENOMEM;
	while (!err) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 count = chunk;

		if (*n + chunk > cap) {
			char *k2 = realloc(k, cap * 2 * key_size), *v2;

			if (k2)
				k = k2;
			v2 = k2 ? realloc(v, cap * 2 * val_size) : NULL;
			if (!v2) {
				err = -ENOMEM;
				break;
			}
			v = v2;
			cap *= 2;
		}
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch_in, &batch_out,
					   k + *n * key_size, v + *n * val_size, &count, &o);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		*n += count;
		if (err) {	/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		batch_in = batch_out;
		first = 0;
	}
	if (err) {
		free(k);
		free(v);
		*n = 0;
		return err;
	}
	*keys = k;
	*vals = v;
	return 0;
}

/* Is (vsid, mac) in the table at exactly this PA? */
static int route_at(int fd, __u32 vsid, const __u8 *mac, const union nvgre_ip *pa)
{
	struct nvgre_mac_key k = mac_key(vsid, mac);
	struct nvgre_route r;

	return !map_lookup(fd, &k, &r) && !memcmp(&r.pa, pa, sizeof(*pa));
}

/* A long loop over records: the caller's keepalive (nvgred: systemd's watchdog). */
static void keepalive_every(const struct nvgre_dp *dp, size_t i)
{
	if (dp->keepalive && !(i & 4095))
		dp->keepalive();
}

int nvgre_dp_routes_replace(struct nvgre_dp *dp, struct nvgre_route_rec *recs, size_t n)
{
	struct nvgre_mac_key *rk;
	struct nvgre_route *old_pa;
	struct nvgre_ip_key *ik;
	size_t nr, ni, i;
	int err = 0, table, old_table = dp->routes_fd;
	__u32 zero = 0;

	qsort(recs, n, sizeof(*recs), nvgre_route_rec_cmp);
	keepalive_every(dp, 0);
	table = routes_table_create();	/* a million entries, preallocated: a while */
	keepalive_every(dp, 0);
	if (table < 0)
		return table;
	/* 1. the new table, complete, before the data path sees it */
	for (i = 0; i < n && !err; i++) {
		keepalive_every(dp, i);
		struct nvgre_mac_key k = mac_key(recs[i].vsid, recs[i].mac);
		struct nvgre_route r = { .pa = recs[i].pa };

		err = map_update(table, &k, &r, BPF_ANY);
	}
	rk = map_keys(old_table, sizeof(*rk), &nr);
	keepalive_every(dp, 0);
	ik = map_keys(dp->ips_fd, sizeof(*ik), &ni);
	keepalive_every(dp, 0);
	old_pa = calloc(nr + 1, sizeof(*old_pa));
	if (!err && (!rk || !ik || !old_pa))
		err = -ENOMEM;
	for (i = 0; !err && i < nr; i++)
		map_lookup(old_table, &rk[i], &old_pa[i]);
	if (err) {
		close(table);
		goto out;
	}
	/* 2. one update: every lookup the data path makes from now on sees the new set */
	if (bpf_map_update_elem(dp->routes_outer_fd, &zero, &table, BPF_ANY)) {
		err = -errno;
		close(table);
		goto out;
	}
	dp->routes_fd = table;

	/* 3. what derives from the records follows: customer IPs, PAs per VSID */
	for (i = 0; i < ni; i++) {
		keepalive_every(dp, i);
		struct nvgre_ip_mac m;
		struct nvgre_route r;
		struct nvgre_mac_key k;
		const struct nvgre_route_rec *f;

		if (map_lookup(dp->ips_fd, &ik[i], &m))
			continue;
		k = mac_key(ik[i].vsid, m.mac);
		if (map_lookup(old_table, &k, &r))
			continue;	/* a vport's address */
		f = find_mac(recs, n, k.vsid, k.mac);
		if (!f || memcmp(&f->pa, &r.pa, sizeof(r.pa)) || !has_ip(f, recs + n, &ik[i].ip))
			ip_del(dp, ik[i].vsid, &ik[i].ip, m.mac);
	}
	for (i = 0; i < nr; i++)	/* records gone or moved: their PA reference */
		if (!route_at(table, rk[i].vsid, rk[i].mac, &old_pa[i].pa))
			vsid_pa_ref(dp, rk[i].vsid, &old_pa[i].pa, -1);
	for (i = 0; i < n && !err; i++) {
		keepalive_every(dp, i);
		int first = !i || recs[i].vsid != recs[i - 1].vsid ||
			    memcmp(recs[i].mac, recs[i - 1].mac, 6);

		if (first && !route_at(old_table, recs[i].vsid, recs[i].mac, &recs[i].pa))
			err = vsid_pa_ref(dp, recs[i].vsid, &recs[i].pa, 1);
		if (!err && recs[i].has_ip)
			err = ip_add(dp, recs[i].vsid, &recs[i].ip, recs[i].mac);
	}
	close(old_table);	/* the kernel frees it when the data path is done with it */
out:
	free(rk);
	free(ik);
	free(old_pa);
	return err;
}

static int ip_entry_cmp(const void *a, const void *b)
{
	const struct nvgre_ip_entry *x = a, *y = b;

	if (x->vsid != y->vsid)
		return x->vsid < y->vsid ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

struct nvgre_ip_entry *nvgre_dp_ips_sorted(struct nvgre_dp *dp, size_t *n)
{
	struct nvgre_ip_key *keys;
	struct nvgre_ip_mac *macs;
	struct nvgre_ip_entry *e;
	size_t i;

	if (map_dump(dp->ips_fd, sizeof(*keys), sizeof(*macs), (void **)&keys, (void **)&macs, n))
		return NULL;
	e = calloc(*n + 1, sizeof(*e));
	for (i = 0; e && i < *n; i++) {
		e[i].vsid = keys[i].vsid;
		memcpy(e[i].mac, macs[i].mac, 6);
		e[i].ip = keys[i].ip;
	}
	free(keys);
	free(macs);
	if (e)
		qsort(e, *n, sizeof(*e), ip_entry_cmp);
	return e;
}

long nvgre_dp_map_count(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), chunk = 4096;
	__u64 batch_in = 0, batch_out = 0;
	char *k, *v;
	long n = 0;
	int first = 1, err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))	/* libbpf 1.1 */
		return -errno;
	k = malloc((size_t)chunk * info.key_size);
	v = malloc((size_t)chunk * info.value_size);
	for (err = k && v ? 0 : -ENOMEM; !err; first = 0) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 count = chunk;

		err = bpf_map_lookup_batch(fd, first ? NULL : &batch_in, &batch_out, k, v, &count, &o);
		if (err)
			err = errno == ENOENT ? 1 : -errno;	/* 1: the last batch */
		if (err >= 0)
			n += count;
		batch_in = batch_out;
	}
	free(k);
	free(v);
	return err < 0 ? err : n;
}

int nvgre_dp_routes_dump(struct nvgre_dp *dp, struct nvgre_mac_key **keys,
			 struct nvgre_route **routes, size_t *n)
{
	return map_dump(dp->routes_fd, sizeof(**keys), sizeof(**routes), (void **)keys,
			(void **)routes, n);
}

static int ip_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(union nvgre_ip));
}

union nvgre_ip *nvgre_dp_record_pas(struct nvgre_dp *dp, size_t *n)
{
	struct nvgre_vsid_pa_key *keys = map_keys(dp->vsid_pas_fd, sizeof(*keys), n);
	union nvgre_ip *pas;
	size_t i, m = 0;

	if (!keys)
		return NULL;
	pas = calloc(*n + 1, sizeof(*pas));
	for (i = 0; pas && i < *n; i++)
		pas[i] = keys[i].pa;
	free(keys);
	if (!pas)
		return NULL;
	qsort(pas, *n, sizeof(*pas), ip_cmp);
	for (i = 0; i < *n; i++)
		if (!m || ip_cmp(&pas[m - 1], &pas[i]))
			pas[m++] = pas[i];
	*n = m;
	return pas;
}

int nvgre_dp_pa_mac_set(struct nvgre_dp *dp, const union nvgre_ip *pa, const struct nvgre_pa_mac *m)
{
	struct nvgre_pa_mac old;

	if (!map_lookup(dp->pa_macs_fd, pa, &old) && !memcmp(&old, m, sizeof(old)))
		return 0;
	return map_update(dp->pa_macs_fd, pa, m, BPF_ANY);
}

const struct nvgre_ip_entry *nvgre_ips_of(const struct nvgre_ip_entry *e, size_t n, __u32 vsid,
					  const __u8 mac[6], size_t *count)
{
	struct nvgre_ip_entry k = { .vsid = vsid };
	size_t lo = 0, hi = n, c = 0;

	memcpy(k.mac, mac, 6);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ip_entry_cmp(&e[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + c < n && !ip_entry_cmp(&e[lo + c], &k))
		c++;
	*count = c;
	return c ? &e[lo] : NULL;
}

static __u64 percpu_u64_sum(struct nvgre_dp *dp, int fd, __u32 idx)
{
	__u64 *vals = calloc(dp->ncpus, sizeof(__u64)), sum = 0;
	int i;

	if (vals && !bpf_map_lookup_elem(fd, &idx, vals))
		for (i = 0; i < dp->ncpus; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

__u64 nvgre_dp_drops(struct nvgre_dp *dp, enum nvgre_drop_reason reason)
{
	return percpu_u64_sum(dp, dp->drops_fd, reason);
}

__u64 nvgre_dp_counter(struct nvgre_dp *dp, enum nvgre_counter c)
{
	return percpu_u64_sum(dp, dp->counters_fd, c);
}

/* Sum per-CPU structs of u64 counters. */
static int percpu_struct_sum(struct nvgre_dp *dp, int fd, const void *key, void *sum, size_t size)
{
	__u64 *vals = calloc(dp->ncpus, size), *out = sum;
	size_t i, j, n = size / sizeof(__u64);
	int err = -ENOMEM;

	memset(sum, 0, size);
	if (vals) {
		err = map_lookup(fd, key, vals);
		for (i = 0; !err && i < (size_t)dp->ncpus; i++)
			for (j = 0; j < n; j++)
				out[j] += vals[i * n + j];
	}
	free(vals);
	return err;
}

int nvgre_dp_vsid_stats(struct nvgre_dp *dp, __u32 vsid, struct nvgre_vsid_stats *sum)
{
	return percpu_struct_sum(dp, dp->vsid_stats_fd, &vsid, sum, sizeof(*sum));
}

int nvgre_dp_vport_stats(struct nvgre_dp *dp, __u32 id, struct nvgre_vport_stats *sum)
{
	return percpu_struct_sum(dp, dp->vport_stats_fd, &id, sum, sizeof(*sum));
}

int nvgre_dp_xsk_queue_stats(struct nvgre_dp *dp, __u32 id, __u32 queue,
			     struct nvgre_xsk_queue_stats *out)
{
	__u32 idx = id * NVGRE_VMQ_MAX_QUEUES + queue;

	if (id >= NVGRE_MAX_VPORTS || queue >= NVGRE_VMQ_MAX_QUEUES)
		return -EINVAL;
	return map_lookup(dp->xsk_queue_stats_fd, &idx, out);
}

int nvgre_ip_parse(const char *s, union nvgre_ip *ip)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		nvgre_ip_set_v4(ip, a4.s_addr);
		return 0;
	}
	return inet_pton(AF_INET6, s, ip->b) == 1 ? 0 : -EINVAL;
}

void nvgre_ip_str(const union nvgre_ip *ip, char *buf, size_t len)
{
	if (nvgre_ip_is_v4(ip))
		inet_ntop(AF_INET, &ip->w[3], buf, len);
	else
		inet_ntop(AF_INET6, ip->b, buf, len);
}

void nvgre_mac_str(const __u8 m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int nvgre_mac_parse(const char *s, __u8 mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	/* exactly xx:xx:xx:xx:xx:xx (sscanf alone would take signs and spaces) */
	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

int nvgre_dp_vport_dev_set(struct nvgre_dp *dp, __u32 vport_id, int ifindex)
{
	__u32 v = ifindex;

	if (vport_id >= NVGRE_MAX_VPORTS)
		return -EINVAL;
	if (ifindex > 0)
		return map_update(dp->vport_devs_fd, &vport_id, &v, BPF_ANY);
	return bpf_map_delete_elem(dp->vport_devs_fd, &vport_id) && errno != ENOENT ? -errno : 0;
}

int nvgre_dp_xsk_dev_set(struct nvgre_dp *dp, int consumer_ifindex, __u32 vport_id)
{
	__u32 k = consumer_ifindex;

	if (vport_id)
		return map_update(dp->xsk_devs_fd, &k, &vport_id, BPF_ANY);
	return bpf_map_delete_elem(dp->xsk_devs_fd, &k) && errno != ENOENT ? -errno : 0;
}

int nvgre_dp_vport_move(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6], int ifindex)
{
	struct nvgre_mac_key k = mac_key(vsid, mac);
	struct nvgre_vport_tx vtx;
	struct nvgre_vport vp;
	__u32 old, new = ifindex;
	int err;

	err = map_lookup(dp->vports_fd, &k, &vp);
	if (err || vp.ifindex == new)
		return err;
	old = vp.ifindex;
	if (!map_lookup(dp->vport_if_fd, &old, &vtx)) {
		err = map_update(dp->vport_if_fd, &new, &vtx, BPF_ANY);
		if (err)
			return err;
		bpf_map_delete_elem(dp->vport_if_fd, &old);
	}
	vp.ifindex = new;
	return map_update(dp->vports_fd, &k, &vp, BPF_EXIST);
}
