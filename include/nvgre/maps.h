/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keys and values of the maps nvgred writes and the data path reads.  The
 * layout version is stored in nv_config so a daemon can tell whether pinned
 * maps from an earlier run are ones it understands.
 */
#ifndef NVGRE_MAPS_H
#define NVGRE_MAPS_H

#include "compat.h"
#include "reasons.h"
#include "meta.h"

#define NVGRE_MAP_LAYOUT_VERSION	2

#define NVGRE_MAX_VSIDS			4096
#define NVGRE_MAX_VPORTS		1024
#define NVGRE_MAX_ROUTES		(1u << 20)
#define NVGRE_MAX_VSID_PAS		65536
#define NVGRE_MAX_LOCAL_VPORTS		16	/* per VSID, for broadcast copies */
/* nv_xsks: vport id x NVGRE_VMQ_MAX_QUEUES + vport queue */
#define NVGRE_MAX_XSK_ENTRIES		(NVGRE_MAX_VPORTS * NVGRE_VMQ_MAX_QUEUES)
#define NVGRE_MAX_REMOTE_PAS		16	/* per VSID, for head-end replication */
#define NVGRE_MAX_VPORT_IPS		8	/* a vport's own addresses */
#define NVGRE_MAX_CUSTOMER_IPS		(1u << 20)

/* PARSE-3: MaxHeaderSize default, and the most the programs can be told. */
#define NVGRE_MAX_HEADER_DEFAULT	256
#define NVGRE_MAX_HEADER_SUPPORTED	512

/* An IPv4 or IPv6 address; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
union nvgre_ip {
	__u8   b[16];
	__be16 h[8];
	__be32 w[4];
};

NV_INLINE int nvgre_ip_is_v4(const union nvgre_ip *ip)
{
	return ip->w[0] == 0 && ip->w[1] == 0 && ip->w[2] == nv_htonl(0x0000ffff);
}

NV_INLINE void nvgre_ip_set_v4(union nvgre_ip *ip, __be32 v4)
{
	ip->w[0] = 0;
	ip->w[1] = 0;
	ip->w[2] = nv_htonl(0x0000ffff);
	ip->w[3] = v4;
}

NV_INLINE int nvgre_ip_equal(const union nvgre_ip *a, const union nvgre_ip *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] &&
	       a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

/* nv_config[0]: global settings; written by nvgred, read per packet. */
#define NVGRE_CFG_DROP_BAD_CSUM		(1u << 0) /* CSUM-RX-2 policy: drop, else pass unmarked */
#define NVGRE_CFG_FLOWID_ZERO		(1u << 1) /* W-3 interop option (transmit) */
#define NVGRE_CFG_GSO_TCP		(1u << 2) /* the underlay carries GRE TCP GSO skbs */
#define NVGRE_CFG_GSO_UDP		(1u << 3) /* ... and UDP GSO skbs (USO) */
#define NVGRE_CFG_EVENTS		(1u << 4) /* someone listens: emit drop events */
/* XDP runs in generic (skb) mode on the underlay: a frame redirected into a
 * veth then loses its metadata, so xsk vports are served by the TC path */
#define NVGRE_CFG_XDP_GENERIC		(1u << 5)

struct nvgre_config {
	__u32 layout_version;	/* NVGRE_MAP_LAYOUT_VERSION once nvgred set it up */
	__u32 offload;		/* NVGRE_OFF_* bits (ST-1) */
	__u32 flags;		/* NVGRE_CFG_* */
	__u16 max_header;	/* PARSE-3 MaxHeaderSize, <= NVGRE_MAX_HEADER_SUPPORTED */
	__u16 rx_queues;	/* underlay rx queues (informational: xsk vports steer on their veth) */
	__u8  ttl;		/* outer TTL / hop limit (transmit) */
	__u8  pad[3];
	__u32 underlay_ifindex;	/* where encapsulated frames leave */
	union nvgre_ip pa4;	/* this host's IPv4 PA (all zero: none) */
	union nvgre_ip pa6;	/* this host's IPv6 PA (all zero: none) */
};

/* nv_rss[0]: Toeplitz lookup table derived from the 40-byte key (RSS-1). */
#define NVGRE_RSS_KEY_LEN	40
#define NVGRE_RSS_INPUT_MAX	36	/* IPv6 src, dst, ports */

struct nvgre_rss_table {
	__u32 t[NVGRE_RSS_INPUT_MAX][256];
};

/* nv_vsids: VSID -> settings of that virtual subnet. */
#define NVGRE_VSID_F_ANY_PA		(1u << 0) /* W-10: accept any PA of this VSID */
#define NVGRE_VSID_F_DEFAULT_VPORT	(1u << 1) /* VMQ-1: unmatched unicast goes to default_mac */

struct nvgre_vsid {
	__u32 flags;
	__u8  default_mac[6];
	__u16 n_local;				/* valid entries of local_ifindex */
	/* the VSID's local vports, for broadcast copies: the ifindex of a
	 * netdev vport, or NVGRE_LOCAL_XSK | id of an xsk vport (its software
	 * channel) */
	__u32 local_ifindex[NVGRE_MAX_LOCAL_VPORTS];
	/* W-9 head-end replication: the VSID's remote PAs, one list per family */
	__u16 n_remote4, n_remote6;
	union nvgre_ip remote4[NVGRE_MAX_REMOTE_PAS];
	union nvgre_ip remote6[NVGRE_MAX_REMOTE_PAS];
};

#define NVGRE_LOCAL_XSK		(1u << 31)

/* (VSID, MAC): the key of vports and of lookup records. */
struct nvgre_mac_key {
	__u32 vsid;
	__u8  mac[6];
	__u16 pad;	/* must be zero */
};

/* nv_vports: (VSID, MAC) -> local tenant adapter. */
#define NVGRE_VPORT_NETDEV	1
#define NVGRE_VPORT_XSK		2

struct nvgre_vport {
	__u32 id;		/* index into nv_vport_stats */
	__u32 ifindex;		/* the host side of the tenant's veth/tap; for XSK,
				 * of the veth its consumer transmits into */
	__u32 xsk_slot;		/* XSK: = id (the XSKMAP index is id x 64 + queue) */
	__u16 queues;		/* XSK: Q, number of vport queues (VMMQ) */
	__u8  kind;		/* NVGRE_VPORT_* */
	__u8  pad;
};

/*
 * nv_vport_if: host-side ifindex of a vport (the netdev vport's veth/tap, or
 * the veth an xsk vport's consumer transmits into) -> what it may send.
 */
struct nvgre_vport_tx {
	__u32 vsid;
	__u32 id;			/* index into nv_vport_stats */
	__u8  mac[6];
	__u16 n_ips;			/* 0: no IP anti-spoofing */
	union nvgre_ip ips[NVGRE_MAX_VPORT_IPS];
	__u8  kind;			/* NVGRE_VPORT_*: XSK: replies go to its software channel */
	__u8  pad[3];
};

/* nv_ips: (VSID, customer IP) -> customer MAC, for the ARP/ND proxy. */
struct nvgre_ip_key {
	__u32 vsid;
	union nvgre_ip ip;
};

struct nvgre_ip_mac {
	__u8 mac[6];
	__u16 pad;
};

/*
 * nv_pa_macs (LRU): a PA's next hop MAC and ours, from nvgred's managed
 * neighbour of that PA (loader/pa_neigh.c) and from the outer MACs of NVGRE
 * frames received from the PA that passed the source check.  Used to send
 * to that PA when bpf_fib_lookup declines (forwarding off on the underlay)
 * and the kernel cannot resolve for us (non-IP frames, replica clones).
 */
#define NVGRE_MAX_PA_MACS		65536

struct nvgre_pa_mac {
	__u8  remote[6];	/* the PA's side: its MAC or its router's */
	__u8  local[6];		/* ours */
	__u32 ifindex;
};

/* nv_routes: lookup record (VSID, customer MAC) -> provider address. */
struct nvgre_route {
	union nvgre_ip pa;
};

/* nv_vsid_pas: (VSID, PA) -> number of lookup records using it (W-10 "any PA"). */
struct nvgre_vsid_pa_key {
	__u32 vsid;
	union nvgre_ip pa;
};

/* nv_counters (per CPU, global): packet counters by index. */
enum nvgre_counter {
	NVGRE_CNT_RX_PACKETS,		/* frames seen by a receive program */
	NVGRE_CNT_RX_NOT_NVGRE,		/* passed to the host stack untouched */
	NVGRE_CNT_RX_OUTER_FRAGMENT,	/* W-8: outer fragments go to the host */
	NVGRE_CNT_RX_XDP_STEERED,	/* to an AF_XDP socket */
	NVGRE_CNT_RX_XDP_PASSED,	/* NVGRE left to the TC path */
	NVGRE_CNT_RX_TC_DELIVERED,	/* redirected to a netdev vport */
	NVGRE_CNT_RX_BCAST_COPIES,	/* broadcast copies made */
	NVGRE_CNT_RX_CSUM_PARTIAL,	/* CSUM-RX-5: partial, kept as is */
	NVGRE_CNT_RX_PARSE_LIMIT,	/* PARSE-3: offloads not checked */
	NVGRE_CNT_TX_PACKETS,		/* frames a vport sent */
	NVGRE_CNT_TX_ENCAP,		/* left as NVGRE */
	NVGRE_CNT_TX_LOCAL,		/* delivered to a vport on this host */
	NVGRE_CNT_TX_ARP_PROXY,		/* ARP requests answered */
	NVGRE_CNT_TX_ND_PROXY,		/* neighbour solicitations answered */
	NVGRE_CNT_TX_REPLICA,		/* head-end replication copies */
	NVGRE_CNT_TX_ICMP_TOO_BIG,	/* W-7 ICMP errors sent to a tenant */
	NVGRE_CNT_TX_GSO,		/* GSO skbs encapsulated */
	NVGRE_CNT_RX_NOT_OURS,		/* NVGRE to another host's PA: the host's */
	NVGRE_CNT_RX_SW_CHANNEL,	/* VMQ-4: frames written to a software channel */
	NVGRE_CNT_RX_XSK_NOT_OPEN,	/* XDP: xsk vport with no consumer, left to TC */
	NVGRE_CNT_MAX,
};
#define NVGRE_COUNTER_SLOTS 32
_Static_assert(NVGRE_CNT_MAX <= NVGRE_COUNTER_SLOTS,
	       "grow NVGRE_COUNTER_SLOTS and the map version");

/* nv_vsid_stats (per CPU): what happened in one virtual subnet. */
struct nvgre_vsid_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 rx_delivered;
	__u64 rx_csum_ok;	/* validated good (CSUM-RX-2) */
	__u64 rx_csum_bad;	/* any checksum failed */
	__u64 rx_drops[NVGRE_DROP_SLOTS];
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 tx_encapsulated;
	__u64 tx_replicated;
	__u64 tx_proxied;
	__u64 tx_drops[NVGRE_DROP_SLOTS];
};

/*
 * VMQ-4 software channel of xsk vports: nv_sw_channels (array of maps,
 * index nvgre_vport.id) holds a BPF ring buffer for each xsk vport whose
 * queue set a consumer has open; no entry: nobody to deliver to
 * (xsk-no-socket).  Each record is a struct nvgre_sw_hdr and the frame.
 * Frames come from the TC paths: broadcast and multicast, everything while
 * vmq (or the nvgre master switch) is off, an queue set not open, frames
 * from local vports, and the ARP/ND proxy and ICMP replies to the xsk
 * vport's own frames.
 */
#define NVGRE_SW_CHANNEL_SIZE	(4u << 20)	/* bytes per vport ring buffer */
/* longer frames: sw-channel-too-big; the largest GSO frame short of BIG
 * TCP (Ethernet, IPv6 header, a 64 KB payload) fits */
#define NVGRE_SW_MAX_FRAME	(14 + 40 + 65535)


struct nvgre_sw_hdr {
	struct nvgre_xdp_meta meta;	/* as on the XSK path; flags has NVGRE_META_F_SW_PATH */
	__u32 len;			/* frame bytes following this header */
	__u16 gso_size;			/* MSS of a GSO frame, 0: not GSO */
	__u8  gso_type;			/* NVGRE_SW_GSO_* */
	__u8  csum_partial;		/* 1: the L4 checksum is left to finish (it holds the
					 * pseudo-header sum), as virtio's NEEDS_CSUM */
	__u16 csum_start;		/* partial: where summing starts, from the frame start */
	__u16 csum_offset;		/* partial: the checksum field, from csum_start */
};

_Static_assert(sizeof(struct nvgre_sw_hdr) == 44, "consumers read the frame right after it");

/* nv_events (ring buffer): one per dropped frame while NVGRE_CFG_EVENTS is set. */
#define NVGRE_EVENT_RX_DROP	1
#define NVGRE_EVENT_TX_DROP	2
#define NVGRE_EVENTS_SIZE	(256 * 1024)

struct nvgre_event {
	__u32 kind;		/* NVGRE_EVENT_* */
	__u32 reason;		/* enum nvgre_drop_reason */
	__u32 vsid;		/* 0 when not known */
	__u32 vport;		/* transmit: the sending vport's id */
	union nvgre_ip src;	/* receive: outer source and destination */
	union nvgre_ip dst;
};

/* nv_vport_stats (per CPU, indexed by nvgre_vport.id). */
struct nvgre_vport_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
};

/*
 * nv_xsk_queue_stats: what an xsk vport's second hop (nvgre_xdp_vport) handed
 * to the socket of each vport queue, indexed like nv_xsks.  Not per CPU (64
 * queues x 1024 vports would not fit per CPU): atomic adds, and one veth
 * NAPI serves all queues of a vport anyway.  What the socket then could not
 * take (ring full, no fill buffer) is the socket's own XDP_STATISTICS.
 */
struct nvgre_xsk_queue_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
};

#endif
