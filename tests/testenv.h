/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The receive tests' world: a private network namespace (so nothing a test
 * does reaches the host), the data path loaded with private maps, and a
 * standard set of VSIDs, vports and lookup records described below.
 */
#ifndef NVGRE_TESTENV_H
#define NVGRE_TESTENV_H

#include <stddef.h>
#include <xdp/xsk.h>
#include "datapath.h"

/* VSID A: two netdev vports (A1 on veth nvt0, A2 on vpa2) and lookup records
 * for a remote IPv4 host and a remote IPv6 host. */
#define T_VSID_A	0x001234
/* VSID B: one xsk vport B1 (slot 0, one queue, transmitting into veth vpb1;
 * A1's addresses: tenants' addresses overlap), same remote records. */
#define T_VSID_B	0x005678
/* VSID C: "any PA" source check; one netdev vport, record for REMOTE4 only. */
#define T_VSID_C	0x009abc
/* VSID D: no vports of its own; default vport D1 set. */
#define T_VSID_D	0x00def0
/* VSID E: no local vports at all; a record for REMOTE4. */
#define T_VSID_E	0x00e000
#define T_VSID_UNKNOWN	0x004321

#define T_PA_LOCAL4	"198.18.0.1"
#define T_PA_REMOTE4	"198.18.0.2"
#define T_PA_OTHER4	"198.18.0.3"	/* a host with no records */
#define T_PA_LOCAL6	"2001:db8:ffff::1"
#define T_PA_REMOTE6	"2001:db8:ffff::2"
#define T_PA_OTHER6	"2001:db8:ffff::3"

/* Customer addresses: vports A1, A2 are local; REMOTE4/REMOTE6 are the MACs
 * of lookup records at PA_REMOTE4 / PA_REMOTE6, each with both families. */
#define T_IP4_A1	"192.0.2.1"
#define T_IP6_A1	"2001:db8:1::1"
#define T_IP4_A2	"192.0.2.3"
#define T_IP6_A2	"2001:db8:1::3"
#define T_IP4_REMOTE4	"192.0.2.2"
#define T_IP6_REMOTE4	"2001:db8:1::2"
#define T_IP4_REMOTE6	"192.0.2.6"
#define T_IP6_REMOTE6	"2001:db8:1::6"
#define T_IP4_B1	T_IP4_A1
#define T_IP6_B1	T_IP6_A1
/* A3: an xsk vport of VSID A (veth vpa3), only where a test adds it. */
#define T_IP4_A3	"192.0.2.4"
#define T_IP6_A3	"2001:db8:1::4"

/* Underlay veth und0 (PA_LOCAL4/6, this MAC); the remote PAs resolve to
 * UNDERLAY_MAC_REMOTE; PA_OTHER4/6 are on-link but unresolved. */
#define T_UNDERLAY_MAC_LOCAL	"02:00:00:ee:00:01"
#define T_UNDERLAY_MAC_REMOTE	"02:00:00:ee:00:02"

extern const __u8 T_MAC_VPORT_A1[6], T_MAC_VPORT_A2[6], T_MAC_VPORT_B1[6];
extern const __u8 T_MAC_VPORT_C1[6], T_MAC_VPORT_D1[6], T_MAC_VPORT_A3[6];
extern const __u8 T_MAC_REMOTE4[6], T_MAC_REMOTE6[6], T_MAC_UNKNOWN[6];

/* vport ids (index of nv_vport_stats) */
enum { T_ID_A1 = 1, T_ID_A2, T_ID_B1, T_ID_C1, T_ID_D1, T_ID_A3, T_ID_MAX = T_ID_A3 };

struct testenv {
	struct nvgre_dp dp;
	int nvt0_ifindex, nvt1_ifindex, lo_ifindex;
	int a2_ifindex, c1_ifindex, d1_ifindex;	/* host sides of vports A2, C1, D1 */
	int b1_ifindex, a3_ifindex;		/* where xsk vports B1, A3 transmit */
	int sw_fd[T_ID_MAX + 1];		/* open software channels by vport id, or -1 */
	int und0_ifindex;				/* the underlay */
	/* BPF_F_TEST_SKB_CHECKSUM_COMPLETE: the rx TC run starts CHECKSUM_COMPLETE
	 * and fails (-EBADMSG) unless skb->csum still matches the bytes after it */
	int rx_csum_complete;
	/* a transmit run as a GSO skb with this gso_size (0: not GSO) */
	__u16 tx_gso_size;
};

/* Every counter a test compares before and after one run. */
struct testenv_snap {
	__u64 drops[NVGRE_DROP_MAX];
	__u64 cnt[NVGRE_CNT_MAX];
	struct nvgre_vsid_stats vs;			/* of the VSID given */
	struct nvgre_vport_stats vp[T_ID_MAX + 1];
};

void testenv_snap(struct testenv *env, struct testenv_snap *sn, __u32 vsid);

/* Enter a private netns, create veth nvt0/nvt1, load and configure. */
int testenv_init(struct testenv *env);
void testenv_fini(struct testenv *env);

/* Reset nv_config to the defaults (all offloads on, rx-csum policy: pass). */
int testenv_reset_config(struct testenv *env);

/* Add or remove xsk vport A3 in VSID A (its veth host end vpa3). */
int testenv_add_a3(struct testenv *env);
int testenv_del_a3(struct testenv *env);

/* ---- VMQ-4 software channels ---- */

/* A software channel put in place for vport id (env->sw_fd[id]): 0 or -errno. */
int testenv_sw_open(struct testenv *env, __u32 id);
/* Remove vport id's channel and close it. */
void testenv_sw_close(struct testenv *env, __u32 id);
/* Empty every open channel. */
void testenv_sw_drain(struct testenv *env);

#define T_SW_FRAME_MAX	10000

/* One record read from a software channel. */
struct t_sw_rec {
	struct nvgre_sw_hdr hdr;
	size_t size;				/* of the whole record */
	__u8 frame[T_SW_FRAME_MAX];		/* its first bytes after hdr */
};

/*
 * Consume every record waiting in channel fd, the first max of them
 * into recs (may be NULL); returns how many there were, or -errno.
 */
int testenv_sw_read(int fd, struct t_sw_rec *recs, int max);
/* The same, waiting up to timeout_ms for the first record to arrive. */
int testenv_sw_wait(int fd, struct t_sw_rec *recs, int max, int timeout_ms);

/* Attach prog_fd to ifindex's clsact ingress, and remove clsact again. */
int testenv_tc_attach(int ifindex, int prog_fd);
void testenv_tc_detach(int ifindex);

/* BPF_PROG_TEST_RUN, one run (repeat 1, so the input is never reused). */
int testenv_run_xdp(struct testenv *env, const void *in, size_t len, void *out,
		    size_t *out_len, __u32 *retval, __u32 *meta_len);
int testenv_run_tc(struct testenv *env, const void *in, size_t len, void *out,
		   size_t *out_len, __u32 *retval);

/* The transmit program, as if the vport on ifindex had sent the frame. */
int testenv_run_tx(struct testenv *env, int ifindex, const void *in, size_t len, void *out,
		   size_t *out_len, __u32 *retval);

struct pkt_spec;
/* Addresses of a 4-in-4, 6-in-4, 4-in-6 or 6-in-6 frame for VSID A. */
void t_spec_combo(struct pkt_spec *s, int outer_ipver, int inner_ipver);

#define T_XDP_DROP	1
#define T_XDP_PASS	2
#define T_XDP_REDIRECT	4
#define T_TC_OK		0
#define T_TC_SHOT	2
#define T_TC_STOLEN	4	/* delivered to a software channel */
#define T_TC_REDIRECT	7

/* An AF_XDP socket on ifname queue 0 (copy mode, receive only) with a UMEM
 * of frames 4 KiB frames, all of them on the fill ring. */
struct testenv_xsk {
	void *area;
	unsigned int frames;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
};

#define TESTENV_XSK_FRAME	4096

int testenv_xsk_open(struct testenv_xsk *x, const char *ifname, unsigned int frames);
void testenv_xsk_close(struct testenv_xsk *x);

#endif
