// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Receive path suite: a fixture table run through BPF_PROG_TEST_RUN on the
 * XDP and TC programs.  Each fixture names the input (a pkt_spec edit), the
 * expected verdict per hook, the expected output (inner frame, unchanged
 * input, or the inner frame with CE set) and the expected counter changes
 * (exactly one drop reason, or none).  Expected frames come from the test's
 * own packet builder, never from the code under test.
 *
 * While software channels (VMQ-4) are open, every run must leave exactly
 * the expected record in them: one in the fixture's xsk vport's channel,
 * with the header worked out here from the spec, nothing in any other.
 */
/* The fixture macros set defaults that individual fixtures override. */
#pragma GCC diagnostic ignored "-Woverride-init"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <nvgre/bytes.h>
#include <nvgre/rss.h>
#include "tap.h"
#include "pktbuild.h"
#include "testenv.h"

enum out_kind { OUT_NONE, OUT_SAME, OUT_INNER, OUT_INNER_ECN };
#define HOOK_TC  1
#define HOOK_XDP 2
#define NO_CNT   (-1)

struct rx_case {
	const char *name;
	void (*edit)(struct pkt_spec *s);
	int hooks;
	int tc_ret, xdp_ret;
	enum out_kind tc_out;		/* XDP output: SAME when it passes */
	int drop;			/* NVGRE_DROP_* expected once, 0: none */
	int counter;			/* NVGRE_CNT_* expected once, or NO_CNT */
	int vport_id;			/* vport expected to count the frame (TC) */
	int csum_ok, csum_bad;		/* expected VSID stats deltas (TC), or: */
#define CSUM_IF_ANY_V4	(-1)		/* 1 if the outer or inner IP is IPv4 */
#define CSUM_IF_OUTER_V4 (-2)		/* 1 if the outer IP is IPv4 */
#define CSUM_IF_ONLY_OUTER_V4 (-3)	/* 1 if the outer IP is the only IPv4 header */
	__u32 offload;			/* 0: defaults */
	__u32 cfg_flags;
	__u16 max_header;		/* 0: default */
	__u8 ecn;			/* OUT_INNER_ECN: the inner ECN expected */
	int counter_delta;		/* counter moves by exactly this, 0: at least 1 */
	int sw;				/* TC: vport whose software channel gets it */
	enum out_kind sw_out;		/* what it gets: OUT_INNER (default) or _ECN */
};

static struct testenv env;
static struct nvgre_rss_table *rss_tbl;
static struct t_sw_rec sw_rec;

/* ---- counters ---------------------------------------------------------- */

/* Exactly the expected drop reason moved, by one; no other. */
static int drops_as_expected(const struct testenv_snap *a, const struct testenv_snap *b, int drop)
{
	int i, ok = 1;

	for (i = 1; i < NVGRE_DROP_MAX; i++) {
		__u64 d = b->drops[i] - a->drops[i];

		if (d != (__u64)(i == drop)) {
			tap_diag("drop %s moved by %llu", nvgre_drop_reason_names[i],
				 (unsigned long long)d);
			ok = 0;
		}
	}
	return ok;
}

/* ---- running one fixture ------------------------------------------------ */

static void apply_config(const struct rx_case *c)
{
	struct nvgre_config cfg;

	nvgre_config_defaults(&cfg);
	nvgre_ip_parse(T_PA_LOCAL4, &cfg.pa4);	/* frames to other PAs are not ours */
	nvgre_ip_parse(T_PA_LOCAL6, &cfg.pa6);
	cfg.underlay_ifindex = env.und0_ifindex;
	if (c->offload)
		cfg.offload = c->offload;
	cfg.flags = c->cfg_flags;
	if (c->max_header)
		cfg.max_header = c->max_header;
	nvgre_dp_set_config(&env.dp, &cfg);
}

static int expect_frame(const char *what, const __u8 *got, size_t glen, const __u8 *want,
			size_t wlen)
{
	if (glen == wlen && !memcmp(got, want, wlen))
		return 1;
	tap_diag("%s: output differs", what);
	pkt_hexdump("got", got, glen);
	pkt_hexdump("want", want, wlen);
	return 0;
}

/*
 * The frame a hook must put out (or hand a software channel), as kind
 * says: into want, returning its start and *wlen.
 */
static const __u8 *want_frame(const struct rx_case *c, enum out_kind kind,
			      const struct pkt_spec *s, const __u8 *in, size_t len, size_t inner,
			      __u8 *want, size_t *wlen)
{
	struct pkt_spec ce = *s;
	size_t winner;

	switch (kind) {
	case OUT_SAME:
		*wlen = len;
		return in;
	case OUT_INNER_ECN:
		ce.inner_tos = (ce.inner_tos & ~NV_ECN_MASK) | c->ecn;
		*wlen = pkt_build(&ce, want, PKT_MAX, &winner) - winner;
		return want + winner;
	default:
		*wlen = len - inner;
		return in + inner;
	}
}

/*
 * The software channel header of frame s (in, len bytes as received)
 * delivered as a wlen-byte frame, worked out from the spec: what the
 * offloads in effect report (ST-2: with the master switch off nothing is
 * judged and RSS sees the outer 2-tuple), offsets from the builder's
 * layout, no GSO, no partial checksum.
 */
static void sw_hdr_want(const struct rx_case *c, const struct pkt_spec *s, const __u8 *in,
			size_t len, size_t wlen, struct nvgre_sw_hdr *w)
{
	__u32 off = c->offload ? c->offload : NVGRE_OFF_DEFAULT;
	int master = (off & NVGRE_OFF_MASTER) == NVGRE_OFF_MASTER, ip = s->inner_ipver;
	struct nvgre_pkt pkt;
	__u8 type = NVGRE_RSS_NONE;

	memset(w, 0, sizeof(*w));
	if (!master || (off & NVGRE_OFF_RSS)) {
		nvgre_parse(&pkt, in, in + len, NVGRE_MAX_HEADER_DEFAULT);
		w->meta.rss_hash = nvgre_rss_hash(rss_tbl, &pkt, master, &type);
	}
	w->meta.rss_type = type;
	w->meta.vsid = s->vsid;
	w->meta.flowid = s->flowid;
	w->meta.inner_ipver = ip;
	w->meta.l4_proto = ip ? s->l4 : 0;
	w->meta.l3_off = ip ? NV_ETH_HLEN : 0;
	w->meta.l4_off = ip ? NV_ETH_HLEN + (ip == 4 ? 20 : 40) : 0;
	if (master && (off & NVGRE_OFF_RX_CSUM))
		w->meta.csum = NVGRE_CSUM_MAKE(s->outer_ipver == 4 || ip == 4 ?
					       NVGRE_CSUM_OK : NVGRE_CSUM_NOT_CHECKED,
					       !ip ? NVGRE_CSUM_NOT_CHECKED :
					       s->bad_l4_csum ? NVGRE_CSUM_BAD : NVGRE_CSUM_OK);
	w->meta.flags = NVGRE_META_F_SW_PATH | (s->inner_dmac[0] & 1 ? NVGRE_META_F_MCAST : 0);
	w->meta.magic = NVGRE_META_MAGIC;
	w->meta.version = NVGRE_META_VERSION;
	w->meta.size = sizeof(w->meta);
	w->len = wlen;
}

/* A software channel record: exactly header w and frame want. */
static int sw_rec_is(const struct t_sw_rec *r, const struct nvgre_sw_hdr *w, const __u8 *want)
{
	if (r->size != sizeof(*w) + w->len) {
		tap_diag("record of %zu bytes, want %zu", r->size, sizeof(*w) + w->len);
		return 0;
	}
	if (memcmp(&r->hdr, w, sizeof(*w))) {
		tap_diag("software channel header differs");
		pkt_hexdump("got", (const __u8 *)&r->hdr, sizeof(r->hdr));
		pkt_hexdump("want", (const __u8 *)w, sizeof(*w));
		return 0;
	}
	return expect_frame("software channel frame", r->frame, r->hdr.len, want, w->len);
}

/*
 * Every open software channel holds what the fixture says after one run:
 * the frame in c->sw's (TC only), nothing in any other.
 */
static int sw_as_expected(const struct rx_case *c, int hook, const struct pkt_spec *s,
			  const __u8 *in, size_t len, size_t inner)
{
	static __u8 buf[PKT_MAX];
	struct nvgre_sw_hdr w;
	const __u8 *want;
	size_t wlen;
	int ok = 1, n, want_n;

	for (int id = 1; id <= T_ID_MAX; id++) {
		if (env.sw_fd[id] < 0)
			continue;
		want_n = hook == HOOK_TC && c->sw == id;
		n = testenv_sw_read(env.sw_fd[id], &sw_rec, 1);
		if (n != want_n) {
			tap_diag("vport %d's software channel: %d records, want %d", id, n, want_n);
			ok = 0;
			continue;
		}
		if (!n)
			continue;
		want = want_frame(c, c->sw_out, s, in, len, inner, buf, &wlen);
		sw_hdr_want(c, s, in, len, wlen, &w);
		ok &= sw_rec_is(&sw_rec, &w, want);
	}
	return ok;
}

static int delivered(const struct rx_case *c, int hook)
{
	return hook == HOOK_TC && (c->tc_ret == T_TC_REDIRECT || c->tc_ret == T_TC_STOLEN);
}

static void run_hook(const struct rx_case *c, const char *combo, int hook,
		     const struct pkt_spec *s)
{
	__u8 in[PKT_MAX], out[PKT_MAX], want_buf[PKT_MAX];
	size_t len, inner, olen, wlen;
	struct testenv_snap a, b;
	const __u8 *want;
	__u32 ret = 0xdead;
	__u64 d;
	int err, ok, vp, want_ok;
	const char *hn = hook == HOOK_TC ? "tc" : "xdp";

	len = pkt_build(s, in, sizeof(in), &inner);
	apply_config(c);
	testenv_sw_drain(&env);
	testenv_snap(&env, &a, s->vsid);
	err = hook == HOOK_TC ? testenv_run_tc(&env, in, len, out, &olen, &ret)
			      : testenv_run_xdp(&env, in, len, out, &olen, &ret, NULL);
	testenv_snap(&env, &b, s->vsid);

	ok = !err;
	if (err)
		tap_diag("test_run failed: %d", err);
	if (ok && (int)ret != (hook == HOOK_TC ? c->tc_ret : c->xdp_ret)) {
		tap_diag("verdict %u, want %d", ret, hook == HOOK_TC ? c->tc_ret : c->xdp_ret);
		ok = 0;
	}

	/* Output bytes. */
	if (ok && hook == HOOK_XDP && c->xdp_ret == T_XDP_PASS)
		ok = expect_frame("xdp pass", out, olen, in, len);
	if (ok && hook == HOOK_TC && c->tc_out != OUT_NONE) {
		want = want_frame(c, c->tc_out, s, in, len, inner, want_buf, &wlen);
		ok = expect_frame(c->tc_out == OUT_SAME ? "tc pass" : "tc decap", out, olen,
				  want, wlen);
	}
	if (ok)
		ok = sw_as_expected(c, hook, s, in, len, inner);

	/* Counters: the reason, the global counters, the vport, the checksums. */
	if (ok)
		ok = drops_as_expected(&a, &b, c->drop);
	d = c->counter != NO_CNT ? b.cnt[c->counter] - a.cnt[c->counter] : 0;
	if (ok && c->counter != NO_CNT &&
	    (c->counter_delta ? d != (__u64)c->counter_delta : d < 1)) {
		tap_diag("counter %d moved by %llu", c->counter, (unsigned long long)d);
		ok = 0;
	}
	d = b.cnt[NVGRE_CNT_RX_SW_CHANNEL] - a.cnt[NVGRE_CNT_RX_SW_CHANNEL];
	if (ok && d != (__u64)(hook == HOOK_TC && c->sw)) {
		tap_diag("rx-sw-channel moved by %llu", (unsigned long long)d);
		ok = 0;
	}
	d = b.vs.rx_delivered - a.vs.rx_delivered;
	if (ok && d != (__u64)delivered(c, hook)) {
		tap_diag("VSID rx_delivered moved by %llu", (unsigned long long)d);
		ok = 0;
	}
	vp = hook == HOOK_TC ? c->vport_id : 0;
	for (int i = 1; ok && i <= T_ID_MAX; i++) {
		d = b.vp[i].rx_packets - a.vp[i].rx_packets;
		if (d != (__u64)(i == vp)) {
			tap_diag("vport %d rx moved by %llu (want vport %d)", i,
				 (unsigned long long)d, vp);
			ok = 0;
		}
	}
	want_ok = c->csum_ok == CSUM_IF_ANY_V4 ? s->outer_ipver == 4 || s->inner_ipver == 4 :
		  c->csum_ok == CSUM_IF_OUTER_V4 ? s->outer_ipver == 4 :
		  c->csum_ok == CSUM_IF_ONLY_OUTER_V4 ? s->outer_ipver == 4 && s->inner_ipver != 4 :
		  c->csum_ok;
	if (ok && hook == HOOK_TC &&
	    (b.vs.rx_csum_ok - a.vs.rx_csum_ok != (__u64)want_ok ||
	     b.vs.rx_csum_bad - a.vs.rx_csum_bad != (__u64)c->csum_bad)) {
		tap_diag("csum ok/bad moved %llu/%llu, want %d/%d",
			 (unsigned long long)(b.vs.rx_csum_ok - a.vs.rx_csum_ok),
			 (unsigned long long)(b.vs.rx_csum_bad - a.vs.rx_csum_bad),
			 want_ok, c->csum_bad);
		ok = 0;
	}
	tap_ok(ok, "%s [%s %s]", c->name, combo, hn);
}

static const int combos[4][2] = { {4, 4}, {4, 6}, {6, 4}, {6, 6} };
static const int l4s[] = { 6, 17, 1 };

/* Run a fixture on every hook it names, for one outer/inner combination. */
static void run_case(const struct rx_case *c, int outer, int inner, int l4)
{
	struct pkt_spec s;
	char combo[32];

	pkt_spec_default(&s);
	s.l4 = l4;
	t_spec_combo(&s, outer, inner);
	if (c->edit)
		c->edit(&s);
	snprintf(combo, sizeof(combo), "%d-in-%d %s", s.inner_ipver, s.outer_ipver,
		 s.l4 == 6 ? "tcp" : s.l4 == 17 ? "udp" : s.l4 == 1 ? "icmp" :
		 s.l4 == 58 ? "icmp6" : "none");
	if (c->hooks & HOOK_TC)
		run_hook(c, combo, HOOK_TC, &s);
	if (c->hooks & HOOK_XDP)
		run_hook(c, combo, HOOK_XDP, &s);
}

static void run_all_combos(const struct rx_case *c)
{
	for (int i = 0; i < 4; i++)
		for (size_t j = 0; j < NV_ARRAY_SIZE(l4s); j++)
			run_case(c, combos[i][0], combos[i][1], l4s[j]);
}

/* ---- fixture edits ------------------------------------------------------ */

static void e_none(struct pkt_spec *s) { (void)s; }
static void e_big(struct pkt_spec *s) { s->payload = 1400; }
static void e_jumbo(struct pkt_spec *s) { s->payload = 3000; }	/* test_run: < 1 page */
static void e_empty(struct pkt_spec *s) { s->payload = 0; }
static void e_odd(struct pkt_spec *s) { s->payload = 333; }
static void e_tcpopts(struct pkt_spec *s) { s->tcp_opts = 12; }
static void e_vlan1(struct pkt_spec *s) { s->outer_vlans = 1; }
static void e_vlan2(struct pkt_spec *s) { s->outer_vlans = 2; }
static void e_vlan3(struct pkt_spec *s) { s->outer_vlans = 3; }
static void e_ipopts(struct pkt_spec *s) { s->outer_ipver = 4; s->outer_src = T_PA_REMOTE4;
	s->outer_dst = T_PA_LOCAL4; memcpy(s->inner_smac, T_MAC_REMOTE4, 6); s->outer_ip_opts = 12; }
static void e_ipopts40(struct pkt_spec *s) { e_ipopts(s); s->outer_ip_opts = 40; }
static void e_outer_ext(struct pkt_spec *s) { if (s->outer_ipver == 6) s->outer_ext = 2; }
static void e_inner_ext(struct pkt_spec *s) { if (s->inner_ipver == 6) s->inner_ext = 2; }
static void e_inner_frag(struct pkt_spec *s) { s->inner_frag = 1; }
static void e_outer_frag(struct pkt_spec *s) { s->outer_frag = 1; }
static void e_gre_c(struct pkt_spec *s) { s->gre_flags = 0xa000; s->gre_len = 12; }
static void e_gre_r(struct pkt_spec *s) { s->gre_flags = 0x6000; }
static void e_gre_s(struct pkt_spec *s) { s->gre_flags = 0x3000; s->gre_len = 12; }
static void e_gre_nokey(struct pkt_spec *s) { s->gre_nokey = 1; }
static void e_gre_resv(struct pkt_spec *s) { s->gre_flags = 0x2040; }
static void e_gre_ver1(struct pkt_spec *s) { s->gre_flags = 0x2001; }
static void e_gre_ip(struct pkt_spec *s) { s->gre_proto = 0x0800; }
static void e_vsid0(struct pkt_spec *s) { s->vsid = 0; }
static void e_vsidfff(struct pkt_spec *s) { s->vsid = 0xfff; }
static void e_vsidffffff(struct pkt_spec *s) { s->vsid = 0xffffff; }
static void e_unknown_vsid(struct pkt_spec *s) { s->vsid = T_VSID_UNKNOWN; }
static void e_unknown_mac(struct pkt_spec *s) { memcpy(s->inner_dmac, T_MAC_UNKNOWN, 6); }
static void e_default_vport(struct pkt_spec *s) { s->vsid = T_VSID_D; s->outer_ipver = 4;
	s->outer_src = T_PA_REMOTE4; s->outer_dst = T_PA_LOCAL4;
	memcpy(s->inner_smac, T_MAC_REMOTE4, 6); memcpy(s->inner_dmac, T_MAC_UNKNOWN, 6); }
static void e_inner_vlan(struct pkt_spec *s) { s->inner_vlan = 1; }
static void e_other_dst(struct pkt_spec *s) { s->outer_dst = s->outer_ipver == 4 ? "198.18.0.99" : "2001:db8:ffff::99"; }
static void e_spoof(struct pkt_spec *s) { s->outer_src = s->outer_ipver == 4 ? T_PA_OTHER4 : T_PA_OTHER6; }
static void e_spoof_cross(struct pkt_spec *s) { /* a real PA, but not REMOTE4's */
	s->outer_ipver = 6; s->outer_src = T_PA_REMOTE6; s->outer_dst = T_PA_LOCAL6;
	memcpy(s->inner_smac, T_MAC_REMOTE4, 6); }
static void e_anypa_ok(struct pkt_spec *s) { e_spoof_cross(s); s->vsid = T_VSID_C;
	memcpy(s->inner_dmac, T_MAC_VPORT_C1, 6); }
static void e_anypa_bad(struct pkt_spec *s) { e_anypa_ok(s); s->outer_src = T_PA_OTHER6; }
static void e_bad_outer(struct pkt_spec *s) { s->outer_ipver = 4; s->outer_src = T_PA_REMOTE4;
	s->outer_dst = T_PA_LOCAL4; memcpy(s->inner_smac, T_MAC_REMOTE4, 6); s->bad_outer_csum = 1; }
static void e_bad_inner(struct pkt_spec *s) { s->inner_ipver = 4; s->inner_src = "192.0.2.2";
	s->inner_dst = "192.0.2.1"; if (s->l4 == 58) s->l4 = 1; s->bad_inner_csum = 1; }
static void e_bad_l4(struct pkt_spec *s) { s->bad_l4_csum = 1; }
static void e_udp0_v4(struct pkt_spec *s) { s->l4 = 17; s->inner_ipver = 4; s->inner_src = "192.0.2.2";
	s->inner_dst = "192.0.2.1"; s->udp_zero_csum = 1; }
static void e_udp0_v6(struct pkt_spec *s) { s->l4 = 17; s->inner_ipver = 6;
	s->inner_src = "2001:db8:1::2"; s->inner_dst = "2001:db8:1::1"; s->udp_zero_csum = 1; }
static void e_arp(struct pkt_spec *s) { s->inner_ipver = 0; s->l4 = 0;
	s->inner_src = "192.0.2.2"; s->inner_dst = "192.0.2.1"; }
static void e_tiny(struct pkt_spec *s) { e_arp(s); s->inner_ethertype = 0x88b5; s->payload = 16; }
static void e_bcast(struct pkt_spec *s) { memset(s->inner_dmac, 0xff, 6); }
static void e_mcast6(struct pkt_spec *s) { memcpy(s->inner_dmac, (__u8[]){0x33, 0x33, 0, 0, 0, 1}, 6); }
static void e_bcast_b(struct pkt_spec *s) { e_bcast(s); s->vsid = T_VSID_B; }
static void e_xsk(struct pkt_spec *s) { s->vsid = T_VSID_B; memcpy(s->inner_dmac, T_MAC_VPORT_B1, 6); }
static void e_xsk_bad_l4(struct pkt_spec *s) { e_xsk(s); s->bad_l4_csum = 1; }
static void e_xsk_jumbo(struct pkt_spec *s) { e_xsk(s); s->payload = 3000; }
static void e_xsk_ce(struct pkt_spec *s) { e_xsk(s); s->outer_tos = NV_ECN_CE;
	s->inner_tos = NV_ECN_ECT0; }
static void e_mcast6_b(struct pkt_spec *s) { e_mcast6(s); s->vsid = T_VSID_B; }
static void e_b1_in_a(struct pkt_spec *s) { memcpy(s->inner_dmac, T_MAC_VPORT_B1, 6); }
static void e_bcast_e(struct pkt_spec *s) { e_bcast(s); s->vsid = T_VSID_E; }
static void e_a2(struct pkt_spec *s) { memcpy(s->inner_dmac, T_MAC_VPORT_A2, 6); }
static void e_flowid0(struct pkt_spec *s) { s->flowid = 0; }
static void e_flowidff(struct pkt_spec *s) { s->flowid = 0xff; }

#define DELIVER(n, e, ...) { .name = n, .edit = e, .hooks = HOOK_TC | HOOK_XDP,		\
	.tc_ret = T_TC_REDIRECT, .xdp_ret = T_XDP_PASS, .tc_out = OUT_INNER,		\
	.counter = NO_CNT, .vport_id = T_ID_A1, .csum_ok = 1, __VA_ARGS__ }
#define PASS(n, e, cnt) { .name = n, .edit = e, .hooks = HOOK_TC | HOOK_XDP,		\
	.tc_ret = T_TC_OK, .xdp_ret = T_XDP_PASS, .tc_out = OUT_SAME, .counter = cnt }
#define DROP(n, e, why, ...) { .name = n, .edit = e, .hooks = HOOK_TC | HOOK_XDP,	\
	.tc_ret = T_TC_SHOT, .xdp_ret = T_XDP_DROP, .tc_out = OUT_NONE, .drop = why,	\
	.counter = NO_CNT, __VA_ARGS__ }

/* Dropped by TC; XDP leaves it to TC untouched, without judging it (only
 * unicast for an open xsk vport is XDP's: nvgre_xdp.bpf.c). */
#define DROP_IN_TC(n, e, why)									\
	DROP(n, e, why, .hooks = HOOK_TC),							\
	{ .name = n ", not judged in XDP", .edit = e, .hooks = HOOK_XDP, .xdp_ret = T_XDP_PASS,	\
	  .counter = NVGRE_CNT_RX_XDP_PASSED, .counter_delta = 1 }

#define OFF_ALL NVGRE_OFF_DEFAULT

/* Fixtures run for all four outer/inner combinations and TCP, UDP, ICMP(v6). */
static const struct rx_case combo_cases[] = {
	DELIVER("deliver", e_none),
	DELIVER("deliver 1400-byte payload", e_big),
	DELIVER("deliver 3000-byte payload (several checksum blocks)", e_jumbo),
	DELIVER("deliver empty payload", e_empty),
	DELIVER("deliver odd payload", e_odd),
	DELIVER("deliver FlowID 0", e_flowid0),
	DELIVER("deliver FlowID 0xff", e_flowidff),
	DELIVER("deliver to second vport of the VSID", e_a2, .vport_id = T_ID_A2),
	DELIVER("inner ARP (no IP: nothing to check)", e_arp, .csum_ok = CSUM_IF_OUTER_V4),
	DELIVER("tiny non-IP inner frame", e_tiny, .csum_ok = CSUM_IF_OUTER_V4),
	DELIVER("outer IPv6 extension headers", e_outer_ext),
	DELIVER("inner IPv6 extension headers", e_inner_ext),
	DELIVER("inner fragment: delivered, L4 not checked", e_inner_frag,
		.csum_ok = CSUM_IF_ANY_V4),
	DELIVER("bad L4 checksum, policy pass: delivered unmarked", e_bad_l4,
		.csum_ok = 0, .csum_bad = 1),
	DROP("bad L4 checksum, policy drop", e_bad_l4, NVGRE_DROP_BAD_L4_CSUM,
	     .cfg_flags = NVGRE_CFG_DROP_BAD_CSUM, .hooks = HOOK_TC, .csum_bad = 1),
	DELIVER("rx-csum off: bad L4 not judged", e_bad_l4, .csum_ok = 0,
		.offload = OFF_ALL & ~NVGRE_OFF_RX_CSUM, .cfg_flags = NVGRE_CFG_DROP_BAD_CSUM),
	DELIVER("nvgre master off: decap goes on, nothing judged", e_bad_l4, .csum_ok = 0,
		.offload = OFF_ALL & ~NVGRE_OFF_NVGRE, .cfg_flags = NVGRE_CFG_DROP_BAD_CSUM),
	DELIVER("rss off", e_none, .offload = OFF_ALL & ~NVGRE_OFF_RSS),
	/* an inner IPv4 header beyond the limit is unchecked: no "IP ok" then */
	DELIVER("MaxHeaderSize 64: delivered, offloads beyond not checked", e_none,
		.max_header = 64, .counter = NVGRE_CNT_RX_PARSE_LIMIT,
		.csum_ok = CSUM_IF_ONLY_OUTER_V4, .hooks = HOOK_TC),
	PASS("outer fragment goes to the host", e_outer_frag, NVGRE_CNT_RX_OUTER_FRAGMENT),
	PASS("GRE checksum bit: not NVGRE", e_gre_c, NVGRE_CNT_RX_NOT_NVGRE),
	PASS("GRE routing bit: not NVGRE", e_gre_r, NVGRE_CNT_RX_NOT_NVGRE),
	PASS("GRE sequence bit: not NVGRE", e_gre_s, NVGRE_CNT_RX_NOT_NVGRE),
	PASS("GRE without key: not NVGRE", e_gre_nokey, NVGRE_CNT_RX_NOT_NVGRE),
	PASS("GRE reserved bits: not NVGRE", e_gre_resv, NVGRE_CNT_RX_NOT_NVGRE),
	PASS("GRE version 1: not NVGRE", e_gre_ver1, NVGRE_CNT_RX_NOT_NVGRE),
	PASS("GRE protocol IPv4: not NVGRE", e_gre_ip, NVGRE_CNT_RX_NOT_NVGRE),
	DROP("reserved VSID 0", e_vsid0, NVGRE_DROP_RESERVED_VSID),
	DROP("reserved VSID 0xfff", e_vsidfff, NVGRE_DROP_RESERVED_VSID),
	DROP("reserved VSID 0xffffff", e_vsidffffff, NVGRE_DROP_RESERVED_VSID),
	DROP("unknown VSID", e_unknown_vsid, NVGRE_DROP_UNKNOWN_VSID),
	DROP("unknown inner destination MAC", e_unknown_mac, NVGRE_DROP_NO_VPORT),
	DROP("inner 802.1Q tag", e_inner_vlan, NVGRE_DROP_INNER_VLAN),
	DROP_IN_TC("spoofed outer source", e_spoof, NVGRE_DROP_SOURCE_CHECK),
	PASS("NVGRE for another host's PA: not ours", e_other_dst, NVGRE_CNT_RX_NOT_OURS),
	{ .name = "xsk vport, queue set not open: XDP leaves it to TC", .edit = e_xsk,
	  .hooks = HOOK_XDP, .xdp_ret = T_XDP_PASS, .counter = NVGRE_CNT_RX_XSK_NOT_OPEN },
	DROP("xsk vport on the TC path, no consumer: no software channel", e_xsk,
	     NVGRE_DROP_XSK_NO_SOCKET, .hooks = HOOK_TC, .csum_ok = 1),
	{ .name = "xsk vport, vmq off: XDP leaves it to TC", .edit = e_xsk, .hooks = HOOK_XDP,
	  .xdp_ret = T_XDP_PASS, .counter = NVGRE_CNT_RX_XDP_PASSED,
	  .offload = OFF_ALL & ~NVGRE_OFF_VMQ },
};

/* Fixtures that set their own addresses (run once, on the combination named). */
static const struct rx_case single_cases[] = {
	DELIVER("outer IPv4 options (12 bytes)", e_ipopts),
	DELIVER("outer IPv4 options (40 bytes)", e_ipopts40),
	DELIVER("TCP options", e_tcpopts),
	DELIVER("default vport of the VSID", e_default_vport, .vport_id = T_ID_D1),
	DELIVER("any-PA VSID accepts another PA of the VSID", e_anypa_ok, .vport_id = T_ID_C1),
	DROP_IN_TC("any-PA VSID refuses a PA outside the VSID", e_anypa_bad, NVGRE_DROP_SOURCE_CHECK),
	DROP_IN_TC("strict VSID refuses another record's PA", e_spoof_cross, NVGRE_DROP_SOURCE_CHECK),
	DELIVER("bad outer IPv4 checksum, policy pass", e_bad_outer, .csum_ok = 0, .csum_bad = 1),
	DROP("bad outer IPv4 checksum, policy drop", e_bad_outer, NVGRE_DROP_BAD_OUTER_IP_CSUM,
	     .cfg_flags = NVGRE_CFG_DROP_BAD_CSUM, .hooks = HOOK_TC, .csum_bad = 1),
	DELIVER("bad inner IPv4 checksum, policy pass", e_bad_inner, .csum_ok = 0, .csum_bad = 1),
	DROP("bad inner IPv4 checksum, policy drop", e_bad_inner, NVGRE_DROP_BAD_INNER_IP_CSUM,
	     .cfg_flags = NVGRE_CFG_DROP_BAD_CSUM, .hooks = HOOK_TC, .csum_bad = 1),
	DELIVER("IPv4 UDP checksum 0: delivered", e_udp0_v4),
	DELIVER("IPv6 UDP checksum 0: bad, policy pass", e_udp0_v6, .csum_ok = 0, .csum_bad = 1),
	DROP("IPv6 UDP checksum 0: bad, policy drop", e_udp0_v6, NVGRE_DROP_BAD_L4_CSUM,
	     .cfg_flags = NVGRE_CFG_DROP_BAD_CSUM, .hooks = HOOK_TC, .csum_bad = 1),
	{ .name = "outer 802.1Q tag: XDP parses it, leaves it to TC", .edit = e_vlan1,
	  .hooks = HOOK_XDP, .xdp_ret = T_XDP_PASS, .counter = NVGRE_CNT_RX_XDP_PASSED },
	{ .name = "outer QinQ: XDP parses it, leaves it to TC", .edit = e_vlan2,
	  .hooks = HOOK_XDP, .xdp_ret = T_XDP_PASS, .counter = NVGRE_CNT_RX_XDP_PASSED },
	PASS("three outer tags: not parsed, the host's", e_vlan3, NVGRE_CNT_RX_NOT_NVGRE),
	{ .name = "broadcast: a copy per local netdev vport", .edit = e_bcast,
	  .hooks = HOOK_TC, .tc_ret = T_TC_REDIRECT, .tc_out = OUT_INNER,
	  .counter = NVGRE_CNT_RX_BCAST_COPIES, .csum_ok = 1 },
	{ .name = "broadcast: XDP leaves it to the TC path", .edit = e_bcast,
	  .hooks = HOOK_XDP, .xdp_ret = T_XDP_PASS, .counter = NVGRE_CNT_RX_XDP_PASSED },
	{ .name = "IPv6 multicast: a copy per local netdev vport", .edit = e_mcast6,
	  .hooks = HOOK_TC, .tc_ret = T_TC_REDIRECT, .tc_out = OUT_INNER,
	  .counter = NVGRE_CNT_RX_BCAST_COPIES, .csum_ok = 1 },
	DROP("broadcast in a VSID with only an xsk vport, no consumer", e_bcast_b,
	     NVGRE_DROP_XSK_NO_SOCKET, .hooks = HOOK_TC, .csum_ok = 1),
	DROP_IN_TC("broadcast from a spoofed source", e_spoof, NVGRE_DROP_SOURCE_CHECK),
	DROP("broadcast in a VSID without local vports", e_bcast_e, NVGRE_DROP_NO_LOCAL_VPORT,
	     .hooks = HOOK_TC),
};

/* ---- VMQ-4 software channels --------------------------------------------- */

/* A frame for xsk vport B1, in its software channel (opened for these). */
#define SW(n, e, ...) { .name = n, .edit = e, .hooks = HOOK_TC, .tc_ret = T_TC_STOLEN,	\
	.tc_out = OUT_NONE, .counter = NO_CNT, .vport_id = T_ID_B1, .sw = T_ID_B1,	\
	.csum_ok = 1, __VA_ARGS__ }

/* With B1's channel open; all four combinations and TCP, UDP, ICMP(v6). */
static const struct rx_case sw_cases[] = {
	SW("xsk vport, vmq off: software channel", e_xsk, .offload = OFF_ALL & ~NVGRE_OFF_VMQ),
	SW("xsk vport, frame XDP left to TC: software channel", e_xsk),
	SW("xsk vport, 3000-byte payload: software channel", e_xsk_jumbo),
	SW("xsk vport, nvgre master off: software channel, nothing judged", e_xsk,
	   .offload = OFF_ALL & ~NVGRE_OFF_NVGRE, .csum_ok = 0),
	SW("xsk vport, rss off: software channel, no hash", e_xsk,
	   .offload = OFF_ALL & ~NVGRE_OFF_RSS),
	SW("xsk vport, bad L4 checksum: reported bad in the header", e_xsk_bad_l4,
	   .csum_ok = 0, .csum_bad = 1),
	SW("xsk vport, outer CE over ECT(0): CE in the channel's frame", e_xsk_ce,
	   .sw_out = OUT_INNER_ECN, .ecn = NV_ECN_CE),
	SW("broadcast in a VSID with only an xsk vport: its channel", e_bcast_b,
	   .counter = NVGRE_CNT_RX_BCAST_COPIES, .counter_delta = 1),
	SW("IPv6 multicast in a VSID with only an xsk vport: its channel", e_mcast6_b,
	   .counter = NVGRE_CNT_RX_BCAST_COPIES, .counter_delta = 1),
	/* an xsk vport never gets another VSID's frames */
	DELIVER("unicast in VSID A: nothing in VSID B's channel", e_none),
	DROP("VSID A frame to xsk vport B1's MAC: no vport, nothing in its channel", e_b1_in_a,
	     NVGRE_DROP_NO_VPORT),
	{ .name = "broadcast in VSID A: nothing in VSID B's channel", .edit = e_bcast,
	  .hooks = HOOK_TC, .tc_ret = T_TC_REDIRECT, .tc_out = OUT_INNER, .csum_ok = 1,
	  .counter = NVGRE_CNT_RX_BCAST_COPIES, .counter_delta = 2 },
};

/* Broadcast in VSID A with xsk vport A3 too: a copy in A3's channel, and A1, A2's clones. */
#define BCAST_A3(n, e, ...) { .name = n, .edit = e, .hooks = HOOK_TC, .vport_id = T_ID_A3,	\
	.sw = T_ID_A3, .csum_ok = 1, .counter = NVGRE_CNT_RX_BCAST_COPIES,		\
	.counter_delta = 3, __VA_ARGS__ }

static const struct rx_case a3_last_cases[] = {
	BCAST_A3("broadcast, xsk vport A3 last of the VSID's list", e_bcast,
		 .tc_ret = T_TC_STOLEN, .tc_out = OUT_NONE),
	BCAST_A3("IPv6 multicast, xsk vport A3 last of the VSID's list", e_mcast6,
		 .tc_ret = T_TC_STOLEN, .tc_out = OUT_NONE),
};

/* The kernel refuses the clone to A2 (its device down): counted, the others made. */
static const struct rx_case a2_down_cases[] = {
	BCAST_A3("broadcast, vport A2's device down: its copy counted as copy-failed", e_bcast,
		 .tc_ret = T_TC_STOLEN, .tc_out = OUT_NONE, .counter_delta = 2,
		 .drop = NVGRE_DROP_COPY_FAILED),
};

static const struct rx_case a3_middle_cases[] = {
	BCAST_A3("broadcast, xsk vport A3 not last", e_bcast, .tc_ret = T_TC_REDIRECT,
		 .tc_out = OUT_INNER),
	BCAST_A3("IPv6 multicast, xsk vport A3 not last", e_mcast6, .tc_ret = T_TC_REDIRECT,
		 .tc_out = OUT_INNER),
};

/* ---- ECN (W-11, RFC 6040 normal mode) ------------------------------------ */

static __u8 ecn_outer, ecn_inner;
static void e_ecn(struct pkt_spec *s) { s->outer_tos = 0xb8 | ecn_outer; s->inner_tos = 0x20 | ecn_inner; }

static void test_ecn(void)
{
	/* the second pass starts from CHECKSUM_COMPLETE (as a NIC with a full
	 * checksum would deliver): every rewrite must keep skb->csum right */
	for (int complete = 0; complete < 2; complete++)
	for (int combo = 0; combo < 4; combo++)
		for (ecn_outer = 0; ecn_outer < 4; ecn_outer++)
			for (ecn_inner = 0; ecn_inner < 4; ecn_inner++) {
				struct rx_case c = DELIVER("ECN", e_ecn, .hooks = HOOK_TC);
				char name[64];

				if (ecn_outer == NV_ECN_CE && ecn_inner == NV_ECN_NOT_ECT) {
					struct rx_case d = DROP("ECN", e_ecn, NVGRE_DROP_ECN_CE_NOT_ECT,
								.hooks = HOOK_TC);
					c = d;
				} else if (ecn_outer == NV_ECN_CE && ecn_inner != NV_ECN_CE) {
					c.tc_out = OUT_INNER_ECN;
					c.ecn = NV_ECN_CE;
				} else if (ecn_outer == NV_ECN_ECT1 && ecn_inner == NV_ECN_ECT0) {
					c.tc_out = OUT_INNER_ECN;	/* RFC 6040 Figure 4 */
					c.ecn = NV_ECN_ECT1;
				}
				snprintf(name, sizeof(name), "ECN outer %u inner %u%s", ecn_outer, ecn_inner,
					 complete ? ", CHECKSUM_COMPLETE" : "");
				c.name = name;
				env.rx_csum_complete = complete;
				run_case(&c, combos[combo][0], combos[combo][1], 6);
				env.rx_csum_complete = 0;
			}
}

/* ---- truncation at every byte ------------------------------------------- */

/* Cut a frame to n bytes and make the outer IP length say so. */
static void fix_outer_len(__u8 *p, size_t n, const struct pkt_spec *s, size_t l3)
{
	if (s->outer_ipver == 4 && n >= l3 + 20) {
		__u16 tot = n - l3;

		p[l3 + 2] = tot >> 8;
		p[l3 + 3] = tot & 0xff;
		p[l3 + 10] = p[l3 + 11] = 0;
		tot = pkt_csum(p + l3, 20, 0);
		p[l3 + 10] = tot >> 8;
		p[l3 + 11] = tot & 0xff;
	} else if (s->outer_ipver == 6 && n >= l3 + 40) {
		__u16 pl = n - l3 - 40;

		p[l3 + 4] = pl >> 8;
		p[l3 + 5] = pl & 0xff;
	}
}

static void test_truncation(int outer, int inner, int l4)
{
	__u8 full[PKT_MAX], in[PKT_MAX], out[PKT_MAX];
	size_t len, inner_off, n, olen, l3 = 14, gre_end;
	int bad_tc = 0, bad_xdp = 0, bad_raw = 0;
	struct pkt_spec s;

	pkt_spec_default(&s);
	s.l4 = l4;
	t_spec_combo(&s, outer, inner);
	len = pkt_build(&s, full, sizeof(full), &inner_off);
	gre_end = inner_off;
	apply_config(&(struct rx_case){ 0 });

	for (n = NV_ETH_HLEN; n < len; n++) {
		__u32 ret_tc = 0, ret_xdp = 0, ret_raw = 0;
		int tc_ran;
		__u64 trunc0 = nvgre_dp_drops(&env.dp, NVGRE_DROP_TRUNCATED);
		int want_drop = n >= gre_end;

		/*
		 * Cut without fixing lengths: the outer IP lies, the host judges.
		 * test_run refuses skbs shorter than an IP header: TC is then
		 * not run (-EINVAL), XDP still is.
		 */
		memcpy(in, full, n);
		tc_ran = !testenv_run_tc(&env, in, n, out, &olen, &ret_raw);
		if (tc_ran && (ret_raw != T_TC_OK || olen != n || memcmp(out, in, n)))
			bad_raw++, tap_diag("len %zu: raw tc %u", n, ret_raw);
		if (testenv_run_xdp(&env, in, n, out, &olen, &ret_xdp, NULL) ||
		    ret_xdp != T_XDP_PASS || olen != n || memcmp(out, in, n))
			bad_raw++, tap_diag("len %zu: raw xdp %u", n, ret_xdp);

		/* Cut with consistent outer lengths. */
		fix_outer_len(in, n, &s, l3);
		if (tc_ran && (testenv_run_tc(&env, in, n, out, &olen, &ret_tc) ||
			       ret_tc != (want_drop ? T_TC_SHOT : T_TC_OK)))
			bad_tc++, tap_diag("len %zu: tc %u", n, ret_tc);
		if (testenv_run_xdp(&env, in, n, out, &olen, &ret_xdp, NULL) ||
		    ret_xdp != (want_drop ? T_XDP_DROP : T_XDP_PASS))
			bad_xdp++, tap_diag("len %zu: xdp %u", n, ret_xdp);
		if (want_drop &&
		    nvgre_dp_drops(&env.dp, NVGRE_DROP_TRUNCATED) - trunc0 != 1u + tc_ran)
			bad_tc++, tap_diag("len %zu: truncated not counted per run", n);
	}
	tap_ok(!bad_raw, "truncated %d-in-%d l4 %d, lengths not fixed: host's, untouched (%zu cuts)",
	       inner, outer, l4, len - NV_ETH_HLEN);
	tap_ok(!bad_tc && !bad_xdp,
	       "truncated %d-in-%d l4 %d at every byte: pass before GRE, drop after (%zu cuts)",
	       inner, outer, l4, len - NV_ETH_HLEN);
}

/* ---- odds and ends ------------------------------------------------------- */

static void test_not_configured(void)
{
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len, inner, olen;
	struct pkt_spec s;
	__u32 ret_tc, ret_xdp;
	__u64 before = nvgre_dp_counter(&env.dp, NVGRE_CNT_RX_PACKETS);

	pkt_spec_default(&s);
	len = pkt_build(&s, in, sizeof(in), &inner);
	nvgre_dp_set_config(&env.dp, &(struct nvgre_config){ .max_header = 0, .rx_queues = 1 });
	testenv_run_tc(&env, in, len, out, &olen, &ret_tc);
	testenv_run_xdp(&env, in, len, out, &olen, &ret_xdp, NULL);
	tap_ok(ret_tc == T_TC_OK && ret_xdp == T_XDP_PASS &&
	       nvgre_dp_counter(&env.dp, NVGRE_CNT_RX_PACKETS) == before,
	       "maps not set up by nvgred: everything is the host's, nothing counted");
	testenv_reset_config(&env);
}

static void test_non_ip(void)
{
	/* An ARP frame and a plain UDP datagram on the underlay. */
	__u8 arp[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0xee, 0, 2, 0x08, 0x06,
			0, 1, 8, 0, 6, 4, 0, 1};
	__u8 udp[60] = {2, 0, 0, 0xee, 0, 1, 2, 0, 0, 0xee, 0, 2, 0x08, 0x00,
			0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 2, 198, 18, 0, 1,
			0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0};
	__u8 *frames[] = { arp, udp }, out[PKT_MAX];
	const char *names[] = { "ARP", "IPv4 UDP" };
	size_t olen;
	__u32 ret;

	for (int i = 0; i < 2; i++) {
		int ok = !testenv_run_tc(&env, frames[i], 60, out, &olen, &ret) &&
			 ret == T_TC_OK && olen == 60 && !memcmp(out, frames[i], 60);

		ok = ok && !testenv_run_xdp(&env, frames[i], 60, out, &olen, &ret, NULL) &&
		     ret == T_XDP_PASS && olen == 60 && !memcmp(out, frames[i], 60);
		tap_ok(ok, "underlay %s frame passes untouched (tc and xdp)", names[i]);
	}
}

/* ---- AF_XDP steering and metadata (VMQ-3, PARSE-2) ------------------------ */

/* Run frame s through XDP with ctx for nvt1 queue 0; out gets meta + frame. */
static int xdp_meta_run(const struct pkt_spec *s, __u8 *out, size_t *olen, __u32 *ret,
			__u32 *meta_len, size_t *inner_off, __u8 *in, size_t *ilen)
{
	*ilen = pkt_build(s, in, PKT_MAX, inner_off);
	return testenv_run_xdp(&env, in, *ilen, out, olen, ret, meta_len);
}

/* Run meta + frame through nvgre_xdp_vport as arriving on ifindex queue 0. */
static int xdp_vport_run(int ifindex, const struct nvgre_xdp_meta *m, const __u8 *frame,
			 size_t len, __u32 *ret)
{
	__u8 in[PKT_MAX + sizeof(*m)], out[PKT_MAX + sizeof(*m)];
	size_t ml = m ? sizeof(*m) : 0;
	struct xdp_md ctx_in = { .data = ml, .data_end = ml + len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = ml + len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = 1);

	if (m)
		memcpy(in, m, ml);
	memcpy(in + ml, frame, len);
	if (bpf_prog_test_run_opts(env.dp.xdp_vport_fd, &opts))
		return -errno;
	*ret = opts.retval;
	return 0;
}

static void test_xsk_steering(void)
{
	const __u8 key[NVGRE_RSS_KEY_LEN] = NVGRE_RSS_DEFAULT_KEY;
	const __u8 mac_q4[6] = {0x02, 0, 0, 0xbb, 0, 0x04};
	struct nvgre_rss_table *tbl = malloc(sizeof(*tbl));
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t olen, inner, ilen;
	struct nvgre_vport vp = { .id = 9, .kind = NVGRE_VPORT_XSK, .queues = 4 }, b1;
	struct nvgre_xdp_meta m;
	struct nvgre_pkt pkt;
	struct testenv_xsk x;
	struct pkt_spec s;
	__u32 ret, ml, idx, hash, q;
	struct nvgre_vsid_stats vs0, vs1;
	__u64 e0, d0;
	__u8 type;
	int fd, ok;

	if (!tap_ok(tbl && !testenv_xsk_open(&x, "nvt1", 64), "AF_XDP socket on veth (copy mode) created"))
		return;
	fd = xsk_socket__fd(x.xsk);
	nvgre_rss_build_table(tbl, key);
	testenv_reset_config(&env);

	/* Not open (no veth in nv_vport_devs): left to the TC path, not judged. */
	pkt_spec_default(&s);
	e_xsk(&s);
	e0 = nvgre_dp_counter(&env.dp, NVGRE_CNT_RX_XSK_NOT_OPEN);
	nvgre_dp_vsid_stats(&env.dp, T_VSID_B, &vs0);
	xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
	nvgre_dp_vsid_stats(&env.dp, T_VSID_B, &vs1);
	tap_ok(ret == T_XDP_PASS && ml == 0 && olen == ilen && !memcmp(out, in, ilen) &&
	       nvgre_dp_counter(&env.dp, NVGRE_CNT_RX_XSK_NOT_OPEN) == e0 + 1,
	       "xsk vport not open: XDP_PASS untouched, counted as not open");
	tap_ok(vs1.rx_packets == vs0.rx_packets && vs1.rx_bytes == vs0.rx_bytes,
	       "... and not counted for the VSID: the TC path counts it (%llu -> %llu)",
	       (unsigned long long)vs0.rx_packets, (unsigned long long)vs1.rx_packets);

	/* Open: redirected to its veth (here nvt1) with the metadata in front. */
	nvgre_dp_vport_get(&env.dp, T_VSID_B, T_MAC_VPORT_B1, &b1);
	nvgre_dp_vport_dev_set(&env.dp, b1.id, env.nvt1_ifindex);
	for (int c = 0; c < 4; c++) {
		pkt_spec_default(&s);
		t_spec_combo(&s, combos[c][0], combos[c][1]);
		e_xsk(&s);
		xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
		memcpy(&m, out, sizeof(m));
		nvgre_parse(&pkt, in, in + ilen, NVGRE_MAX_HEADER_DEFAULT);
		hash = nvgre_rss_hash(tbl, &pkt, 1, &type);
		ok = ret == T_XDP_REDIRECT && ml == sizeof(m) && olen == ml + ilen - inner &&
		     !memcmp(out + ml, in + inner, ilen - inner);
		tap_ok(ok, "xsk %d-in-%d: redirected, decapsulated frame after %u bytes of metadata",
		       s.inner_ipver, s.outer_ipver, ml);
		ok = m.magic == NVGRE_META_MAGIC && m.version == NVGRE_META_VERSION &&
		     m.size == sizeof(m) && m.vsid == T_VSID_B && m.flowid == s.flowid &&
		     m.inner_ipver == s.inner_ipver && m.l4_proto == 6 && m.l3_off == 14 &&
		     m.l4_off == (s.inner_ipver == 4 ? 34 : 54) &&
		     m.csum == NVGRE_CSUM_MAKE(s.outer_ipver == 4 || s.inner_ipver == 4 ?
					       NVGRE_CSUM_OK : NVGRE_CSUM_NOT_CHECKED, NVGRE_CSUM_OK) &&
		     m.rss_type == NVGRE_RSS_INNER_4TUPLE && m.rss_hash == hash && m.queue == 0;
		if (!ok)
			pkt_hexdump("metadata", out, ml);
		tap_ok(ok, "xsk %d-in-%d: metadata (vsid, flowid, offsets, csum, rss 0x%08x)",
		       s.inner_ipver, s.outer_ipver, m.rss_hash);
	}

	/* Bad L4 checksum: reported in the metadata, not dropped by default. */
	pkt_spec_default(&s);
	e_xsk(&s);
	s.bad_l4_csum = 1;
	xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
	memcpy(&m, out, sizeof(m));
	tap_ok(ret == T_XDP_REDIRECT && m.csum == NVGRE_CSUM_MAKE(NVGRE_CSUM_OK, NVGRE_CSUM_BAD),
	       "xsk: bad L4 checksum reported as bad in the metadata");

	/* rx-csum and rss off: not checked, no hash. */
	nvgre_dp_set_offload(&env.dp, NVGRE_OFF_DEFAULT & ~(NVGRE_OFF_RX_CSUM | NVGRE_OFF_RSS));
	s.bad_l4_csum = 0;
	xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
	memcpy(&m, out, sizeof(m));
	tap_ok(ret == T_XDP_REDIRECT && m.csum == 0 && m.rss_type == NVGRE_RSS_NONE &&
	       m.rss_hash == 0, "xsk: rx-csum and rss off: not checked, no hash");
	testenv_reset_config(&env);

	/* Outer VLAN tags are parsed on the XDP path. */
	s.outer_vlans = 2;
	xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
	tap_ok(ret == T_XDP_REDIRECT && !memcmp(out + ml, in + inner, ilen - inner),
	       "xsk: outer QinQ frame decapsulated");

	/* The source check (W-10) still holds for what XDP delivers itself. */
	{
		__u64 sc0 = nvgre_dp_drops(&env.dp, NVGRE_DROP_SOURCE_CHECK);
		struct pkt_spec sp;

		pkt_spec_default(&sp);
		e_xsk(&sp);
		e_spoof(&sp);
		xdp_meta_run(&sp, out, &olen, &ret, &ml, &inner, in, &ilen);
		tap_ok(ret == T_XDP_DROP &&
		       nvgre_dp_drops(&env.dp, NVGRE_DROP_SOURCE_CHECK) == sc0 + 1,
		       "xsk: a spoofed outer source is dropped in XDP (source-check), verdict %u",
		       ret);
	}

	/* Outer CE over ECT(0): CE on the delivered inner header. */
	s.outer_vlans = 0;
	s.outer_tos = NV_ECN_CE;
	s.inner_tos = NV_ECN_ECT0;
	xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
	{
		struct pkt_spec ce = s;
		__u8 want[PKT_MAX];
		size_t wl, wi;

		ce.inner_tos = NV_ECN_CE;
		wl = pkt_build(&ce, want, sizeof(want), &wi);
		tap_ok(ret == T_XDP_REDIRECT && olen - ml == wl - wi &&
		       !memcmp(out + ml, want + wi, wl - wi), "xsk: outer CE marks inner ECT CE");
	}
	/* Generic XDP: the metadata would not survive the veth: left to TC. */
	{
		struct nvgre_config cfg;

		nvgre_dp_get_config(&env.dp, &cfg);
		cfg.flags |= NVGRE_CFG_XDP_GENERIC;
		nvgre_dp_set_config(&env.dp, &cfg);
		pkt_spec_default(&s);
		e_xsk(&s);
		xdp_meta_run(&s, out, &olen, &ret, &ml, &inner, in, &ilen);
		tap_ok(ret == T_XDP_PASS && ml == 0 && olen == ilen && !memcmp(out, in, ilen),
		       "xsk: XDP in generic mode leaves the frame to TC (software channel)");
		testenv_reset_config(&env);
	}
	nvgre_dp_vport_dev_set(&env.dp, b1.id, 0);

	/* VMMQ: a vport with 4 queues gets the RSS queue in its metadata ... */
	nvgre_dp_vport_add(&env.dp, T_VSID_B, mac_q4, &vp, NULL, 0);
	nvgre_dp_vport_dev_set(&env.dp, vp.id, env.nvt1_ifindex);
	pkt_spec_default(&s);
	e_xsk(&s);
	memcpy(s.inner_dmac, mac_q4, 6);
	ilen = pkt_build(&s, in, sizeof(in), &inner);
	nvgre_parse(&pkt, in, in + ilen, NVGRE_MAX_HEADER_DEFAULT);
	q = nvgre_rss_hash(tbl, &pkt, 1, &type) % 4;
	testenv_run_xdp(&env, in, ilen, out, &olen, &ret, &ml);
	memcpy(&m, out, sizeof(m));
	tap_ok(ret == T_XDP_REDIRECT && m.queue == q, "vmmq: queue %u (RSS hash %% 4) in the metadata",
	       q);

	/* ... and the vport's veth program takes the socket of that queue only. */
	nvgre_dp_xsk_dev_set(&env.dp, env.nvt1_ifindex, vp.id);
	idx = vp.id * NVGRE_VMQ_MAX_QUEUES + (q + 1) % 4;	/* a neighbouring queue's slot */
	bpf_map_update_elem(env.dp.xsks_fd, &idx, &fd, BPF_ANY);
	d0 = nvgre_dp_drops(&env.dp, NVGRE_DROP_XSK_NO_SOCKET);
	nvgre_dp_vsid_stats(&env.dp, T_VSID_B, &vs0);
	xdp_vport_run(env.nvt1_ifindex, &m, out + ml, olen - ml, &ret);
	nvgre_dp_vsid_stats(&env.dp, T_VSID_B, &vs1);
	tap_ok(ret == T_XDP_DROP && nvgre_dp_drops(&env.dp, NVGRE_DROP_XSK_NO_SOCKET) == d0 + 1 &&
	       vs1.rx_drops[NVGRE_DROP_XSK_NO_SOCKET] == vs0.rx_drops[NVGRE_DROP_XSK_NO_SOCKET] + 1,
	       "vport veth: queue %u's slot empty: dropped as xsk-no-socket (for its VSID too), "
	       "never another queue's", q);
	bpf_map_delete_elem(env.dp.xsks_fd, &idx);
	idx = vp.id * NVGRE_VMQ_MAX_QUEUES + q;
	bpf_map_update_elem(env.dp.xsks_fd, &idx, &fd, BPF_ANY);
	{
		struct nvgre_xsk_queue_stats qs[4][2];
		int moved = 1;

		for (int i = 0; i < 4; i++)
			nvgre_dp_xsk_queue_stats(&env.dp, vp.id, i, &qs[i][0]);
		xdp_vport_run(env.nvt1_ifindex, &m, out + ml, olen - ml, &ret);
		for (int i = 0; i < 4; i++) {
			nvgre_dp_xsk_queue_stats(&env.dp, vp.id, i, &qs[i][1]);
			moved &= qs[i][1].rx_packets - qs[i][0].rx_packets == (i == (int)q) &&
				 qs[i][1].rx_bytes - qs[i][0].rx_bytes ==
				 (i == (int)q ? olen - ml : 0);
		}
		tap_ok(ret == T_XDP_REDIRECT, "vport veth: steered to the socket of queue %u", q);
		tap_ok(moved, "vport veth: queue %u counted one frame of %zu bytes, no other queue",
		       q, olen - ml);
	}
	d0 = nvgre_dp_drops(&env.dp, NVGRE_DROP_NOT_VPORT);
	xdp_vport_run(env.nvt1_ifindex, NULL, out + ml, olen - ml, &ret);
	tap_ok(ret == T_XDP_DROP && nvgre_dp_drops(&env.dp, NVGRE_DROP_NOT_VPORT) == d0 + 1,
	       "vport veth: a frame without our metadata is dropped (not-a-vport)");
	m.magic = 0;
	xdp_vport_run(env.nvt1_ifindex, &m, out + ml, olen - ml, &ret);
	tap_ok(ret == T_XDP_DROP, "vport veth: metadata with a wrong magic is dropped");
	nvgre_dp_xsk_dev_set(&env.dp, env.nvt1_ifindex, 0);
	m.magic = NVGRE_META_MAGIC;
	xdp_vport_run(env.nvt1_ifindex, &m, out + ml, olen - ml, &ret);
	tap_ok(ret == T_XDP_DROP, "vport veth: a device that is no xsk vport's is dropped");

	bpf_map_delete_elem(env.dp.xsks_fd, &idx);
	nvgre_dp_vport_dev_set(&env.dp, vp.id, 0);
	nvgre_dp_vport_del(&env.dp, T_VSID_B, mac_q4);
	testenv_xsk_close(&x);
	free(tbl);
}

/* ---- VMQ-4 software channels ---------------------------------------------- */

/* Run a fixture table for every combination. */
static void run_table(const struct rx_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_all_combos(&t[i]);
}

/* Set device ifindex up or down. */
static int link_up(int ifindex, int up)
{
	char name[IF_NAMESIZE], cmd[64];

	if (!if_indextoname(ifindex, name))
		return -1;
	snprintf(cmd, sizeof(cmd), "ip link set %s %s", name, up ? "up" : "down");
	return system(cmd) ? -1 : 0;
}

/* Swap the last two entries of VSID A's list of local vports. */
static int swap_last_local(void)
{
	struct nvgre_vsid v;
	__u32 vsid = T_VSID_A, t;

	if (nvgre_dp_vsid_get(&env.dp, vsid, &v) || v.n_local < 2)
		return -1;
	t = v.local_ifindex[v.n_local - 1];
	v.local_ifindex[v.n_local - 1] = v.local_ifindex[v.n_local - 2];
	v.local_ifindex[v.n_local - 2] = t;
	return bpf_map_update_elem(env.dp.vsids_fd, &vsid, &v, BPF_EXIST);
}

/*
 * A full ring buffer (no consumer reading): the frames that do not fit are
 * dropped and counted as sw-channel-full, never anything else, and there
 * is room again once the consumer has read.
 */
static void test_sw_full(void)
{
	static __u8 in[PKT_MAX], out[PKT_MAX];
	const int extra = 10;
	struct pkt_spec s;
	size_t len, inner, olen, rec;
	int fit, stolen = 0, shot = 0, other = 0, order = 1, n, i;
	__u64 full0, drops0 = 0, drops1 = 0;
	__u32 ret;

	pkt_spec_default(&s);
	e_xsk_jumbo(&s);
	len = pkt_build(&s, in, sizeof(in), &inner);
	/* a ring buffer record: 8-byte header, 8-byte aligned */
	rec = (8 + sizeof(struct nvgre_sw_hdr) + len - inner + 7) & ~7ul;
	fit = NVGRE_SW_CHANNEL_SIZE / rec;
	apply_config(&(struct rx_case){ 0 });
	testenv_sw_drain(&env);
	full0 = nvgre_dp_drops(&env.dp, NVGRE_DROP_SW_CHANNEL_FULL);
	for (i = 1; i < NVGRE_DROP_MAX; i++)
		drops0 += nvgre_dp_drops(&env.dp, i);
	for (i = 0; i < fit + extra; i++) {
		if (testenv_run_tc(&env, in, len, out, &olen, &ret))
			ret = ~0u;
		if (ret == T_TC_STOLEN)
			order &= !shot, stolen++;
		else if (ret == T_TC_SHOT)
			shot++;
		else
			other++;
	}
	for (i = 1; i < NVGRE_DROP_MAX; i++)
		drops1 += nvgre_dp_drops(&env.dp, i);
	tap_ok(stolen == fit && shot == extra && !other && order &&
	       nvgre_dp_drops(&env.dp, NVGRE_DROP_SW_CHANNEL_FULL) - full0 == (__u64)extra &&
	       drops1 - drops0 == (__u64)extra,
	       "full software channel: %d of %d frames fit (want %d), the rest sw-channel-full "
	       "(%d dropped, %d other verdicts)", stolen, fit + extra, fit, shot, other);
	n = testenv_sw_read(env.sw_fd[T_ID_B1], &sw_rec, 1);
	tap_ok(n == fit && sw_rec.hdr.len == len - inner &&
	       !memcmp(sw_rec.frame, in + inner, len - inner),
	       "full software channel: the consumer reads all %d records (%d), the first intact",
	       fit, n);
	tap_ok(!testenv_run_tc(&env, in, len, out, &olen, &ret) && ret == T_TC_STOLEN &&
	       testenv_sw_read(env.sw_fd[T_ID_B1], NULL, 0) == 1,
	       "software channel read empty: room again");
}

/* CHECKSUM_PARTIAL: the L4 checksum field holds the folded pseudo-header sum only. */
static void make_partial(__u8 *ip, int ipver, __u8 proto, __u8 *l4, __u16 l4len, int csum_off)
{
	__u8 ph[40] = {};
	size_t n;

	if (ipver == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		nv_put16(ph + 10, l4len);
		n = 12;
	} else {
		memcpy(ph, ip + 8, 32);
		nv_put32(ph + 32, l4len);
		ph[39] = proto;
		n = 40;
	}
	nv_put16(l4 + csum_off, (__u16)~pkt_csum(ph, n, 0));
}

/* Send frame out of ifname with a virtio-net header, as a VM backend would. */
static int vnet_send(const char *ifname, const struct virtio_net_hdr *vh, const void *frame,
		     size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex(ifname),
	};
	struct iovec iov[2] = {
		{ .iov_base = (void *)vh, .iov_len = sizeof(*vh) },
		{ .iov_base = (void *)frame, .iov_len = len },
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)), on = 1, err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		err = -errno;
	if (!err) {
		n = writev(fd, iov, 2);
		err = n < 0 ? -errno : n != (ssize_t)(sizeof(*vh) + len) ? -EIO : 0;
	}
	close(fd);
	return err;
}

/*
 * CSUM-RX-5 on the software channel: an NVGRE frame whose inner L4
 * checksum is left CHECKSUM_PARTIAL (a local sender's, across a veth)
 * reaches the xsk vport with csum_partial and csum_start/offset counted
 * from the decapsulated frame, not from where the skb began: nvgre_tc_rx
 * attached to und0 for real, the frame sent on und1.
 */
static void test_sw_partial(void)
{
	static __u8 in[PKT_MAX];
	struct nvgre_sw_hdr w;
	struct pkt_spec s;
	size_t len, inner;
	int err = testenv_tc_attach(env.und0_ifindex, env.dp.tc_rx_fd), c, n, ok;

	if (!tap_ok(!err, "receive program attached to und0 (%d)", err))
		return;
	testenv_reset_config(&env);
	for (c = 0; c < 4; c++)
		for (int udp = 0; udp < 2; udp++) {
			struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM };
			size_t l3, l4, iplen;

			pkt_spec_default(&s);
			s.l4 = udp ? 17 : 6;
			t_spec_combo(&s, combos[c][0], combos[c][1]);
			e_xsk(&s);
			s.payload = 1000;
			len = pkt_build(&s, in, sizeof(in), &inner);
			l3 = inner + NV_ETH_HLEN;
			iplen = s.inner_ipver == 4 ? 20 : 40;
			l4 = l3 + iplen;
			make_partial(in + l3, s.inner_ipver, s.l4, in + l4, len - l4, udp ? 6 : 16);
			vh.csum_start = l4;
			vh.csum_offset = udp ? 6 : 16;
			testenv_sw_drain(&env);
			err = vnet_send("und1", &vh, in, len);
			n = err ? err : testenv_sw_wait(env.sw_fd[T_ID_B1], &sw_rec, 1, 1000);
			sw_hdr_want(&(struct rx_case){ 0 }, &s, in, len, len - inner, &w);
			/* L4 left to the consumer: not checked */
			w.meta.csum = NVGRE_CSUM_MAKE(NVGRE_CSUM_IP(w.meta.csum),
						      NVGRE_CSUM_NOT_CHECKED);
			w.csum_partial = 1;
			w.csum_start = NV_ETH_HLEN + iplen;
			w.csum_offset = udp ? 6 : 16;
			ok = n == 1 && sw_rec_is(&sw_rec, &w, in + inner);
			tap_ok(ok, "CHECKSUM_PARTIAL %d-in-%d %s through und0: partial, start %u "
			       "offset %u in the software channel (records %d)", s.inner_ipver,
			       s.outer_ipver, udp ? "udp" : "tcp", w.csum_start, w.csum_offset, n);
		}
	testenv_tc_detach(env.und0_ifindex);
}

static void test_sw_channel(void)
{
	int ok;

	int err = testenv_sw_open(&env, T_ID_B1);

	if (!tap_ok(!err, "software channel of xsk vport B1 in place (%d)", err))
		return;
	run_table(sw_cases, NV_ARRAY_SIZE(sw_cases));

	ok = !testenv_add_a3(&env);
	if (tap_ok(ok && !testenv_sw_open(&env, T_ID_A3),
		   "xsk vport A3 added to VSID A, its channel open")) {
		run_table(a3_last_cases, NV_ARRAY_SIZE(a3_last_cases));
		if (tap_ok(!link_up(env.a2_ifindex, 0), "vport A2's device set down")) {
			run_table(a2_down_cases, NV_ARRAY_SIZE(a2_down_cases));
			link_up(env.a2_ifindex, 1);
		}
		if (tap_ok(!swap_last_local(), "A3 moved before A2 in VSID A's local list"))
			run_table(a3_middle_cases, NV_ARRAY_SIZE(a3_middle_cases));
	}
	testenv_sw_close(&env, T_ID_A3);
	testenv_del_a3(&env);

	test_sw_full();
	test_sw_partial();
	testenv_sw_close(&env, T_ID_B1);
}

/* ---- attach: the verifier and both XDP modes ------------------------------- */

static void test_attach(void)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = env.nvt0_ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .prog_fd = env.dp.tc_rx_fd);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	const __u32 modes[2] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	const char *names[2] = { "native", "generic" };
	int err;

	for (int i = 0; i < 2; i++) {
		err = bpf_xdp_attach(env.nvt0_ifindex, env.dp.xdp_rx_fd, modes[i], NULL);
		if (!err)
			err = bpf_xdp_query(env.nvt0_ifindex, modes[i], &q);
		tap_ok(!err && q.attach_mode == (i ? XDP_ATTACHED_SKB : XDP_ATTACHED_DRV),
		       "XDP program attaches in %s mode", names[i]);
		bpf_xdp_detach(env.nvt0_ifindex, modes[i], NULL);
	}
	err = bpf_tc_hook_create(&hook);
	if (!err || err == -EEXIST)
		err = bpf_tc_attach(&hook, &tc);
	tap_ok(!err, "TC program attaches to clsact ingress");
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
}

int main(void)
{
	const __u8 key[NVGRE_RSS_KEY_LEN] = NVGRE_RSS_DEFAULT_KEY;

	rss_tbl = malloc(sizeof(*rss_tbl));
	if (!rss_tbl)
		return 1;
	nvgre_rss_build_table(rss_tbl, key);
	if (testenv_init(&env)) {
		tap_ok(0, "test environment (netns, data path load)");
		return tap_done();
	}
	tap_ok(1, "XDP and TC receive programs pass the verifier");

	for (size_t i = 0; i < NV_ARRAY_SIZE(combo_cases); i++)
		run_all_combos(&combo_cases[i]);
	for (size_t i = 0; i < NV_ARRAY_SIZE(single_cases); i++)
		run_case(&single_cases[i], 4, 4, 6);
	test_ecn();
	for (int c = 0; c < 4; c++) {
		test_truncation(combos[c][0], combos[c][1], 6);
		test_truncation(combos[c][0], combos[c][1], 17);
	}
	test_non_ip();
	test_not_configured();
	test_xsk_steering();
	test_sw_channel();
	test_attach();

	testenv_fini(&env);
	free(rss_tbl);
	return tap_done();
}
