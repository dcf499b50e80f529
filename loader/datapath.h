/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libnvgre: open the data path programs and read/write their maps.  Used by
 * nvgred and by the tests, so both drive the data path the same way.
 * Functions return 0 or a negative errno.
 */
#ifndef NVGRE_DATAPATH_H
#define NVGRE_DATAPATH_H

#include <nvgre/maps.h>
#include <nvgre/meta.h>
#include <nvgre/offload.h>
#include <nvgre/reasons.h>
#include "ip_index.h"

struct nvgre_rx;
struct nvgre_tx;
struct nvgre_xdp;
struct nvgre_xdp_vport;
struct bpf_object;

/* Not in Debian's 6.1 uapi headers (the kernel has them): from uapi/linux/bpf.h. */
#define NVGRE_ADJ_ROOM_DECAP_L3_IPV4	(1ULL << 7)
#define NVGRE_ADJ_ROOM_DECAP_L3_IPV6	(1ULL << 8)

/* Kernel features the programs adapt to, probed once (DESIGN: probe, never assume). */
struct nvgre_probe {
	int adj_room_decap_l3_ipv4;	/* BPF_F_ADJ_ROOM_DECAP_L3_IPV4 accepted */
	int adj_room_decap_l3_ipv6;
};

struct nvgre_dp {
	struct nvgre_rx *rx;
	struct nvgre_tx *tx;
	struct nvgre_xdp *xdp;
	const char *pin_dir;
	int config_fd, rss_fd, vsids_fd, vports_fd, routes_fd, vsid_pas_fd;
	int xsks_fd, drops_fd, counters_fd, vsid_stats_fd, vport_stats_fd;
	int vport_if_fd, ips_fd, events_fd;
	int sw_channels_fd;
	int vport_devs_fd;		/* nv_vport_devs: xsk vport id -> its veth (open) */
	int xsk_devs_fd;		/* nv_xsk_devs: consumer end ifindex -> xsk vport id */
	struct nvgre_xdp_vport *xdp_vport;
	int xdp_vport_fd;		/* nvgre_xdp_vport, for the consumer end of xsk veths */
	int pa_macs_fd;			/* nv_pa_macs: remote PA -> underlay MACs */
	int xsk_queue_stats_fd;		/* nv_xsk_queue_stats: per xsk vport queue */
	int routes_outer_fd;		/* nv_routes; routes_fd is its current table */
	int xdp_rx_fd, tc_rx_fd, tc_tx_fd;
	int ncpus;
	struct nvgre_probe probe;	/* what nvgre_dp_open found */
	struct ip_index ipx;		/* nv_ips by (VSID, MAC) */
	void (*keepalive)(void);	/* if set, called now and then in long operations */
};

int nvgre_probe_kernel(struct nvgre_probe *p);

/*
 * Open and load the programs.  pin_dir: bpffs directory whose pinned maps
 * are reused or created; NULL for private maps (tests).
 */
int nvgre_dp_open(struct nvgre_dp *dp, const char *pin_dir);
void nvgre_dp_close(struct nvgre_dp *dp);

/* Make obj (opened, not loaded) use the data path's maps. */
int nvgre_dp_share_maps(struct nvgre_dp *dp, struct bpf_object *obj);
/* The XDP object opened with shared maps, for libxdp to load (caller closes it). */
struct bpf_object *nvgre_dp_open_xdp_object(struct nvgre_dp *dp);

/* Default settings: all offloads on, MaxHeaderSize 256, one rx queue. */
void nvgre_config_defaults(struct nvgre_config *cfg);
int nvgre_dp_set_config(struct nvgre_dp *dp, const struct nvgre_config *cfg);
int nvgre_dp_get_config(struct nvgre_dp *dp, struct nvgre_config *cfg);
int nvgre_dp_set_offload(struct nvgre_dp *dp, __u32 offload);
int nvgre_dp_set_rss_key(struct nvgre_dp *dp, const __u8 key[NVGRE_RSS_KEY_LEN]);

int nvgre_dp_vsid_add(struct nvgre_dp *dp, __u32 vsid, __u32 flags);
int nvgre_dp_vsid_set_default_vport(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6]);
int nvgre_dp_vsid_get(struct nvgre_dp *dp, __u32 vsid, struct nvgre_vsid *out);

int nvgre_dp_vsid_del(struct nvgre_dp *dp, __u32 vsid);

/*
 * A vport with its own addresses ips[0..n_ips): they are what it may send
 * from (anti-spoofing) and what the ARP/ND proxy answers for it.  The
 * caller attaches the transmit program to vp->ifindex: a netdev vport's
 * host side, or for an xsk vport the host end of the veth its consumer
 * transmits into (0: an xsk vport that cannot transmit).  Both kinds get
 * broadcast copies: an xsk vport through its software channel.
 */
int nvgre_dp_vport_add(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6],
		       const struct nvgre_vport *vp, const union nvgre_ip *ips, int n_ips);
int nvgre_dp_vport_del(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6]);
/* The pinned vport entry of (vsid, mac), if any: 0 or -ENOENT. */
int nvgre_dp_vport_get(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6], struct nvgre_vport *vp);

/*
 * VMQ-4 software channel of xsk vport vport_id (nvgre_vport.id): a new
 * BPF ring buffer of NVGRE_SW_CHANNEL_SIZE bytes (fd, or negative errno),
 * and putting it in place while a consumer has the vport's queue set open
 * (ringbuf_fd < 0: remove it; removing none is not an error).  Each record
 * is a struct nvgre_sw_hdr and hdr.len bytes of frame.
 */
int nvgre_dp_sw_channel_create(void);
/* While vport_id's queue set is open, the underlay's XDP program redirects
 * its frames into ifindex (the host end of its veth); 0: not open. */
int nvgre_dp_vport_dev_set(struct nvgre_dp *dp, __u32 vport_id, int ifindex);
/* Frames arriving at consumer_ifindex belong to vport_id's sockets (0: none). */
int nvgre_dp_xsk_dev_set(struct nvgre_dp *dp, int consumer_ifindex, __u32 vport_id);
/* The vport's transmit device is now ifindex (an xsk vport's new veth). */
int nvgre_dp_vport_move(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6], int ifindex);
int nvgre_dp_sw_channel_set(struct nvgre_dp *dp, __u32 vport_id, int ringbuf_fd);

/*
 * Lookup record (VSID, MAC [, IP]) -> PA.  Adding the same MAC again with
 * the same PA and another IP adds that IP; another PA is -EEXIST.
 * route_del removes the MAC with all its IPs.
 */
int nvgre_dp_route_add(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6],
		       const union nvgre_ip *ip, const union nvgre_ip *pa);
int nvgre_dp_route_del(struct nvgre_dp *dp, __u32 vsid, const __u8 mac[6]);


/* One line of a bulk import: VSID MAC [IP] PA. */
struct nvgre_route_rec {
	__u32 vsid;
	__u8 mac[6];
	int has_ip;
	union nvgre_ip ip, pa;
};

/*
 * Undoing nvgre_dp_route_add(r) (a merge import that failed halfway, table
 * full): probe before the add whether it creates the MAC's record and the IP,
 * then undo removes just what it created, with no scan.
 */
int nvgre_dp_route_probe(struct nvgre_dp *dp, const struct nvgre_route_rec *r, int *mac_new,
			 int *ip_new);
int nvgre_dp_route_undo(struct nvgre_dp *dp, const struct nvgre_route_rec *r, int mac_new,
			int ip_new);

/*
 * Make the lookup records exactly recs[0..n) (sorted in place): records
 * not in it are removed, records that moved to another PA are re-added,
 * customer IPs become exactly the given ones; vport addresses are kept.
 * The caller has validated recs (one PA per MAC, VSIDs exist).
 */
int nvgre_dp_routes_replace(struct nvgre_dp *dp, struct nvgre_route_rec *recs, size_t n);
int nvgre_route_rec_cmp(const void *a, const void *b);	/* by VSID, MAC, IP */

/* How many entries hash map fd holds (batched reads), or -errno. */
long nvgre_dp_map_count(int fd);
/* Every lookup record (a batched walk of the current table).  Free both. */
int nvgre_dp_routes_dump(struct nvgre_dp *dp, struct nvgre_mac_key **keys,
			 struct nvgre_route **routes, size_t *n);

/* A customer IP and the MAC it belongs to (nv_ips). */
struct nvgre_ip_entry {
	__u32 vsid;
	__u8 mac[6];
	union nvgre_ip ip;
};

/* Every customer IP, sorted by (VSID, MAC): one walk of the map.  Free it. */
struct nvgre_ip_entry *nvgre_dp_ips_sorted(struct nvgre_dp *dp, size_t *n);
/* The entries of (vsid, mac) in such an array: the first one, and *count of them. */
const struct nvgre_ip_entry *nvgre_ips_of(const struct nvgre_ip_entry *e, size_t n, __u32 vsid,
					  const __u8 mac[6], size_t *count);

/* The distinct PAs of all lookup records (nv_vsid_pas), sorted.  Free it. */
union nvgre_ip *nvgre_dp_record_pas(struct nvgre_dp *dp, size_t *n);
/* nv_pa_macs[pa] = *m, written only when it differs (the receive path learns too). */
int nvgre_dp_pa_mac_set(struct nvgre_dp *dp, const union nvgre_ip *pa, const struct nvgre_pa_mac *m);

/* Counters summed over CPUs. */
__u64 nvgre_dp_drops(struct nvgre_dp *dp, enum nvgre_drop_reason reason);
__u64 nvgre_dp_counter(struct nvgre_dp *dp, enum nvgre_counter c);
int nvgre_dp_vsid_stats(struct nvgre_dp *dp, __u32 vsid, struct nvgre_vsid_stats *sum);
int nvgre_dp_vport_stats(struct nvgre_dp *dp, __u32 id, struct nvgre_vport_stats *sum);
/* What the second hop handed to the socket of xsk vport id's queue. */
int nvgre_dp_xsk_queue_stats(struct nvgre_dp *dp, __u32 id, __u32 queue,
			     struct nvgre_xsk_queue_stats *out);

/* Parse "198.18.0.1" or "2001:db8::1" into the IPv4-mapped form. */
int nvgre_ip_parse(const char *s, union nvgre_ip *ip);
int nvgre_mac_parse(const char *s, __u8 mac[6]);
/* And back: "198.18.0.1" / "2001:db8::1", "02:00:00:aa:00:01" (buf of 18). */
void nvgre_ip_str(const union nvgre_ip *ip, char *buf, size_t len);
void nvgre_mac_str(const __u8 mac[6], char *buf);

#endif
