// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data path's share of `make bench` (tests/bench.sh): per-packet cost of
 * the programs through BPF_PROG_TEST_RUN, against no-op programs measured in
 * the same run, and the scaling of the lookup-record table.
 *
 *   bench_prog micro NOOP_BPF_OBJ OUT.json    measure; raw samples to OUT.json
 *   bench_prog xdp-attach PIN_DIR IFNAME      attach nvgre_xdp_rx (native mode,
 *                                             sharing the maps pinned in PIN_DIR)
 *
 * How BPF_PROG_TEST_RUN repeats a program (net/bpf/test_run.c, as in 6.18):
 *
 *  - XDP and skb (TC) programs, default mode: bpf_test_run() runs the program
 *    `repeat` times on ONE context, the same xdp_buff / sk_buff, and restores
 *    nothing between repetitions: neither the packet bytes nor the pointers.
 *    After a decapsulation (bpf_xdp_adjust_head / bpf_skb_adjust_room) the
 *    second repetition sees the inner frame, which is not NVGRE and is
 *    passed; after an encapsulation the next repetition sees an NVGRE frame
 *    from the underlay MAC and drops it as spoofed.  `duration` is the mean
 *    over all repetitions, so with repeat = R a modifying path contributes
 *    one run in R.  The "naive" records show it with the data path's
 *    counters (repeat 1000: steered +1, not-NVGRE +999).
 *  - XDP with BPF_F_TEST_XDP_LIVE_FRAMES: every repetition gets a frame from
 *    a page_pool whose pages were filled with the input once, when allocated;
 *    data/data_meta/data_end are reset when changed, packet bytes are not.
 *    Decap+steer writes its 32-byte metadata over what was the outer header,
 *    so once the pool recycles pages (after one cache fill, 64 frames) every
 *    frame is broken (record live.xsk64.repeat).  With fresh pages only,
 *    page allocation dominates the timed window (~500 ns/frame for a no-op
 *    here) and every call costs tens of ms of page_pool setup and teardown.
 *    So live frames serve only to check that decap+steer really delivers the
 *    inner frame into an AF_XDP socket.
 *
 * So:
 *  - a path that does not modify the packet (XDP parse + lookup + XDP_PASS,
 *    which is what a netdev vport gets, and the no-op programs) is measured
 *    in the kernel loop ("loop", repeat = R): kernel-reported mean per run;
 *  - a path that does (decap + steer, TC decap, TC encap) is measured one run
 *    per call ("call": repeat = 1, a fresh copy of the packet each time; the
 *    kernel-reported duration of each single run is summed).  A single-run
 *    window also times the harness (two ktime reads, run-ctx setup, and for
 *    XDP an indirect call instead of the dispatcher's direct one).  That
 *    overhead, H = noop(call) - noop(loop) measured in the same trial, is
 *    subtracted by tests/bench/report.py ("corrected").  What remains still
 *    includes the cache misses of a program run once between syscalls; the
 *    netdev XDP path, measured both ways, shows how much.
 *  - lookup scaling runs the xsk path (decap+steer: XDP judges it, source
 *    check included) one call per packet over 65536
 *    distinct packets whose keys are drawn at random from the whole table.
 *
 * Every sample is checked with the data path's own counters: the counter of
 * the intended outcome (steered, passed, delivered, encapsulated) must move
 * exactly once per run, and every run must return the intended verdict.
 * A sample that fails its check is an error, never a number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktbuild.h"
#include "testenv.h"

#define MAX_TRIALS	31

/* nv_config.offload settings the variants run with */
#define OFF_ALL		NVGRE_OFF_DEFAULT
#define OFF_PLAIN	(NVGRE_OFF_DEFAULT & ~(NVGRE_OFF_RX_CSUM | NVGRE_OFF_RSS))
#define OFF_CSUM	(NVGRE_OFF_DEFAULT & ~NVGRE_OFF_RSS)
#define OFF_RSS		(NVGRE_OFF_DEFAULT & ~NVGRE_OFF_RX_CSUM)
#define LIVE_BATCH	64		/* live frames: one page_pool cache fill */
#define XSK_FRAMES	4096
#define XSK_FRAME_SZ	TESTENV_XSK_FRAME
#define TRIM_PERMILLE	10		/* per-call samples: slowest 1% left out */
#define CHUNKS		60		/* rounds a trial interleaves its variants in */
#define LOOP_CHUNKS	6		/* loops per sample (CHUNKS must be a multiple) */

static struct testenv env;
static FILE *jout;
static int jfirst = 1;
static int trials = 9;
static long n_call = 30000;		/* single-run calls per "call" sample */
static __u32 r_loop = 200000;		/* repetitions per "loop" sample */
static long scale_records = 1000000;
static int fd_xdp_pass = -1, fd_tc_ok = -1;

static const char *const cnt_names[NVGRE_CNT_MAX] = {
	[NVGRE_CNT_RX_PACKETS] = "rx_packets",
	[NVGRE_CNT_RX_NOT_NVGRE] = "rx_not_nvgre",
	[NVGRE_CNT_RX_OUTER_FRAGMENT] = "rx_outer_fragment",
	[NVGRE_CNT_RX_XDP_STEERED] = "rx_xdp_steered",
	[NVGRE_CNT_RX_XDP_PASSED] = "rx_xdp_passed",
	[NVGRE_CNT_RX_TC_DELIVERED] = "rx_tc_delivered",
	[NVGRE_CNT_RX_BCAST_COPIES] = "rx_bcast_copies",
	[NVGRE_CNT_RX_CSUM_PARTIAL] = "rx_csum_partial",
	[NVGRE_CNT_RX_PARSE_LIMIT] = "rx_parse_limit",
	[NVGRE_CNT_TX_PACKETS] = "tx_packets",
	[NVGRE_CNT_TX_ENCAP] = "tx_encap",
	[NVGRE_CNT_TX_LOCAL] = "tx_local",
	[NVGRE_CNT_TX_ARP_PROXY] = "tx_arp_proxy",
	[NVGRE_CNT_TX_ND_PROXY] = "tx_nd_proxy",
	[NVGRE_CNT_TX_REPLICA] = "tx_replica",
	[NVGRE_CNT_TX_ICMP_TOO_BIG] = "tx_icmp_too_big",
	[NVGRE_CNT_TX_GSO] = "tx_gso",
};

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_prog: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- JSON records: one object per line, in an array --------------------- */

static void jrec_begin(const char *type)
{
	fprintf(jout, "%s\n  {\"type\": \"%s\"", jfirst ? "" : ",", type);
	jfirst = 0;
}

static void jstr(const char *k, const char *v)
{
	fprintf(jout, ", \"%s\": \"", k);
	for (; *v; v++)
		fprintf(jout, *v == '"' || *v == '\\' ? "\\%c" : "%c", *v);
	fputc('"', jout);
}

static void jnum(const char *k, double v)
{
	fprintf(jout, ", \"%s\": %.6g", k, v);
}

static void jrec_end(void)
{
	fputc('}', jout);
	fflush(jout);
}

/* ---- packets ---------------------------------------------------------------- */

struct pkt {
	__u8 *b;
	__u32 len;
};

struct pktset {
	struct pkt *p;
	int n;
};

static struct pkt pkt_from_spec(const struct pkt_spec *s, int inner_only)
{
	__u8 tmp[PKT_MAX];
	size_t inner, len = pkt_build(s, tmp, sizeof(tmp), &inner);
	struct pkt p;

	if (!len)
		die("packet builder failed");
	if (inner_only) {
		memmove(tmp, tmp + inner, len - inner);
		len -= inner;
	}
	p.b = malloc(len);
	if (!p.b)
		die("out of memory");
	memcpy(p.b, tmp, len);
	p.len = len;
	return p;
}

static struct pktset *pktset_one(struct pkt p)
{
	struct pktset *ps = calloc(1, sizeof(*ps));

	if (!ps || !(ps->p = calloc(1, sizeof(*ps->p))))
		die("out of memory");
	ps->p[0] = p;
	ps->n = 1;
	return ps;
}

/* Inner TCP frame of `size` bytes (Ethernet header included, no FCS). */
static void spec_sized(struct pkt_spec *s, int size)
{
	s->payload = size - 14 - 20 - 20;
}

/* NVGRE for xsk vport B1 (VSID B) carrying an inner frame of `size` bytes. */
static struct pkt rx_xsk_pkt(int size)
{
	struct pkt_spec s;

	pkt_spec_default(&s);
	s.vsid = T_VSID_B;
	memcpy(s.inner_dmac, T_MAC_VPORT_B1, 6);
	spec_sized(&s, size);
	return pkt_from_spec(&s, 0);
}

/* NVGRE for netdev vport A1 (VSID A). */
static struct pkt rx_netdev_pkt(int size)
{
	struct pkt_spec s;

	pkt_spec_default(&s);
	spec_sized(&s, size);
	return pkt_from_spec(&s, 0);
}

/* A frame vport A1 sends to the remote IPv4 host (encapsulated towards PA_REMOTE4). */
static struct pkt tx_pkt(int size)
{
	struct pkt_spec s;

	pkt_spec_default(&s);
	memcpy(s.inner_smac, T_MAC_VPORT_A1, 6);
	memcpy(s.inner_dmac, T_MAC_REMOTE4, 6);
	s.inner_src = T_IP4_A1;
	s.inner_dst = T_IP4_REMOTE4;
	spec_sized(&s, size);
	return pkt_from_spec(&s, 1);
}

/* ---- counters ---------------------------------------------------------------- */

struct snap {
	__u64 c[NVGRE_CNT_MAX];
	__u64 d[NVGRE_DROP_MAX];
};

static void snap_take(struct snap *s)
{
	int i;

	for (i = 0; i < NVGRE_CNT_MAX; i++)
		s->c[i] = nvgre_dp_counter(&env.dp, i);
	for (i = 0; i < NVGRE_DROP_MAX; i++)
		s->d[i] = nvgre_dp_drops(&env.dp, i);
}

static const char *cnt_name(int i)
{
	static char buf[32];

	if (i >= 0 && i < NVGRE_CNT_MAX && cnt_names[i])
		return cnt_names[i];
	snprintf(buf, sizeof(buf), "counter %d", i);
	return buf;
}

/* "name +n, ..." of what moved between a and b. */
static void snap_diff(const struct snap *a, const struct snap *b, char *buf, size_t cap)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < NVGRE_CNT_MAX; i++)
		if (b->c[i] != a->c[i] && i != NVGRE_CNT_RX_PACKETS && i != NVGRE_CNT_TX_PACKETS)
			off += snprintf(buf + off, cap > off ? cap - off : 0, "%s%s +%llu",
					off ? ", " : "", cnt_name(i),
					(unsigned long long)(b->c[i] - a->c[i]));
	for (i = 1; i < NVGRE_DROP_MAX; i++)
		if (b->d[i] != a->d[i])
			off += snprintf(buf + off, cap > off ? cap - off : 0, "%sdrop %s +%llu",
					off ? ", " : "", nvgre_drop_reason_names[i],
					(unsigned long long)(b->d[i] - a->d[i]));
	if (!off)
		snprintf(buf, cap, "nothing counted");
}

/* ---- AF_XDP socket on nvt1 queue 0 (the xsk vport B1's slot) ------------------- */

static struct testenv_xsk xs;

static void xsk_setup(void)
{
	struct nvgre_vport b1;
	__u32 key;
	int err, fd;

	err = testenv_xsk_open(&xs, "nvt1", XSK_FRAMES);
	if (err)
		die("AF_XDP socket on nvt1 (copy mode): %s", strerror(-err));
	fd = xsk_socket__fd(xs.xsk);
	/*
	 * As nvgred opens xsk vport B1's queue set: the underlay program
	 * redirects into the veth's other end (nvt0), nvgre_xdp_vport on nvt1
	 * takes the socket of queue 0 (XSKMAP index id x 64).
	 */
	if (nvgre_dp_vport_get(&env.dp, T_VSID_B, T_MAC_VPORT_B1, &b1))
		die("vport B1 missing");
	key = b1.id * NVGRE_VMQ_MAX_QUEUES;
	if (bpf_map_update_elem(env.dp.xsks_fd, &key, &fd, BPF_ANY))
		die("XSKMAP update: %s", strerror(errno));
	if (nvgre_dp_xsk_dev_set(&env.dp, env.nvt1_ifindex, b1.id) ||
	    nvgre_dp_vport_dev_set(&env.dp, b1.id, if_nametoindex("nvt0")) ||
	    bpf_xdp_attach(env.nvt1_ifindex, env.dp.xdp_vport_fd, XDP_FLAGS_DRV_MODE, NULL))
		die("xsk vport B1's veth hop: %s", strerror(errno));
}

/* Take every frame off the rx ring and give it back to the fill ring; returns
 * how many there were, and copies the first one (if want) to first/first_len. */
static __u32 xsk_drain(__u8 *first, __u32 *first_len)
{
	__u32 idx, fidx, n, i;

	n = xsk_ring_cons__peek(&xs.rx, XSK_FRAMES, &idx);
	if (!n)
		return 0;
	if (xsk_ring_prod__reserve(&xs.fill, n, &fidx) != n)
		die("AF_XDP fill ring full");
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&xs.rx, idx + i);

		if (i == 0 && first) {
			memcpy(first, xsk_umem__get_data(xs.area, d->addr), d->len);
			*first_len = d->len;
		}
		*xsk_ring_prod__fill_addr(&xs.fill, fidx + i) = d->addr & ~(__u64)(XSK_FRAME_SZ - 1);
	}
	xsk_ring_cons__release(&xs.rx, n);
	xsk_ring_prod__submit(&xs.fill, n);
	return n;
}

/* ---- running programs -------------------------------------------------------- */

enum hook { H_XDP, H_TC };
enum method { M_LOOP, M_CALL };
static const char *const method_names[] = { "loop", "call" };

struct tr {
	int fd;
	enum hook hook;
	int ifindex;		/* XDP: ingress; TC: skb->ifindex (0: none) */
	__u32 repeat, flags, batch;
	void *out;		/* optional, PKT_MAX bytes */
	__u32 out_len, retval, duration;
};

static int test_run(struct tr *t, const struct pkt *p)
{
	struct xdp_md x = { .data_end = p->len, .ingress_ifindex = t->ifindex };
	struct __sk_buff s = { .ifindex = t->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = p->len,
		    .repeat = t->repeat, .flags = t->flags, .batch_size = t->batch);

	if (t->out) {
		o.data_out = t->out;
		o.data_size_out = PKT_MAX;
	}
	if (t->hook == H_XDP) {
		o.ctx_in = &x;
		o.ctx_size_in = sizeof(x);
	} else if (t->ifindex) {
		o.ctx_in = &s;
		o.ctx_size_in = sizeof(s);
	}
	if (bpf_prog_test_run_opts(t->fd, &o))
		return -errno;
	t->out_len = o.data_size_out;
	t->retval = o.retval;
	t->duration = o.duration;
	return 0;
}

struct variant {
	const char *key, *desc;
	enum method m;
	enum hook hook;
	int fd, ifindex;
	struct pktset *ps;
	__u32 offload;		/* nv_config.offload for this variant (0: leave) */
	__u32 want_ret;
	int counter;		/* NVGRE_CNT_* that moves once per run, -1: none */
	double s[MAX_TRIALS];
	long runs;		/* runs per sample */
	/* the sample being taken */
	__u32 *d;		/* call: per-run durations */
	long nd, next;		/* call: runs so far; next packet of the set */
	double loop_sum;	/* loop: sum of per-chunk means */
	int loop_n;
};

#define V(k, d, meth, h, f, ifx, pkts, off, ret, cnt)				\
	{ .key = (k), .desc = (d), .m = (meth), .hook = (h), .fd = (f), .ifindex = (ifx),	\
	  .ps = (pkts), .offload = (off), .want_ret = (ret), .counter = (cnt) }

static __u64 counter(int c)
{
	return c < 0 ? 0 : nvgre_dp_counter(&env.dp, c);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * One chunk of v's sample: `runs` single-run calls, or one loop of `runs`
 * repetitions.  The counter of the intended outcome must move by `runs`.
 */
static void measure_chunk(struct variant *v, long runs)
{
	struct tr t = { .fd = v->fd, .hook = v->hook, .ifindex = v->ifindex, .repeat = 1 };
	struct snap a, b;
	char why[512];
	__u64 c0;
	long i;
	int err;

	if (v->offload)
		nvgre_dp_set_offload(&env.dp, v->offload);
	c0 = counter(v->counter);
	if (v->m == M_LOOP) {
		t.repeat = runs;
		if ((err = test_run(&t, &v->ps->p[0])))
			die("%s: test_run: %s", v->key, strerror(-err));
		if (t.retval != v->want_ret)
			die("%s: verdict %u, want %u", v->key, t.retval, v->want_ret);
		v->loop_sum += t.duration;
		v->loop_n++;
	} else {
		for (i = 0; i < runs; i++) {
			const struct pkt *p = &v->ps->p[v->next++ % v->ps->n];

			if ((err = test_run(&t, p)))
				die("%s: test_run: %s", v->key, strerror(-err));
			if (t.retval != v->want_ret)
				die("%s: verdict %u, want %u (packet %ld)", v->key, t.retval,
				    v->want_ret, (v->next - 1) % v->ps->n);
			v->d[v->nd++] = t.duration;
		}
	}
	if (v->counter >= 0 && counter(v->counter) - c0 != (__u64)runs) {
		/* say what the runs did instead */
		snap_take(&a);
		t.repeat = 1;
		test_run(&t, &v->ps->p[0]);
		snap_take(&b);
		snap_diff(&a, &b, why, sizeof(why));
		die("%s: %s moved by %llu in %ld runs: not the intended path (one run: %s)",
		    v->key, cnt_name(v->counter), (unsigned long long)(counter(v->counter) - c0),
		    runs, why);
	}
}

/* The sample: mean ns per run. */
static double sample_finish(struct variant *v)
{
	long i, kept;
	__u64 sum = 0;

	if (v->m == M_LOOP)
		return v->loop_sum / v->loop_n;
	/*
	 * A single run is timed with migration, not preemption, disabled: a run
	 * an interrupt or another task got in the way of reports microseconds.
	 * The mean of all but the slowest TRIM_PERMILLE keeps those out (the
	 * cache misses we want to see are far more common).
	 */
	qsort(v->d, v->nd, sizeof(*v->d), cmp_u32);
	kept = v->nd - v->nd * TRIM_PERMILLE / 1000;
	for (i = 0; i < kept; i++)
		sum += v->d[i];
	return (double)sum / kept;
}

static void variant_emit(const struct variant *v, const char *group, int nt, const char *check)
{
	int i;

	jrec_begin("variant");
	jstr("group", group);
	jstr("key", v->key);
	jstr("desc", v->desc);
	jstr("method", method_names[v->m]);
	jnum("runs_per_sample", v->runs);
	jstr("check", check);
	fprintf(jout, ", \"samples\": [");
	for (i = 0; i < nt; i++)
		fprintf(jout, "%s%.3f", i ? ", " : "", v->s[i]);
	fprintf(jout, "]");
	jrec_end();
}

/*
 * Every trial takes one sample of every variant, interleaved finely: CHUNKS
 * rounds of n_call/CHUNKS calls of each variant in turn (loops: LOOP_CHUNKS
 * loops spread over the rounds; an XDP loop costs ~20 ms of dispatcher
 * update per call), so a machine that speeds up or slows down during the
 * trial does so for all variants alike.
 */
static void run_group(const char *group, struct variant *v, int nv, int nt)
{
	long per_call = n_call / CHUNKS, per_loop = r_loop / LOOP_CHUNKS;
	char check[160];
	int t, i, c;

	for (i = 0; i < nv; i++) {
		v[i].runs = v[i].m == M_LOOP ? per_loop * LOOP_CHUNKS : per_call * CHUNKS;
		if (v[i].m == M_CALL && !(v[i].d = calloc(v[i].runs, sizeof(*v[i].d))))
			die("out of memory");
	}
	for (t = 0; t < nt; t++) {
		for (i = 0; i < nv; i++) {
			v[i].nd = 0;
			v[i].loop_sum = 0;
			v[i].loop_n = 0;
		}
		for (c = 0; c < CHUNKS; c++)
			for (i = 0; i < nv; i++)
				if (v[i].m == M_CALL)
					measure_chunk(&v[i], per_call);
				else if (c % (CHUNKS / LOOP_CHUNKS) == 0)
					measure_chunk(&v[i], per_loop);
		for (i = 0; i < nv; i++)
			v[i].s[t] = sample_finish(&v[i]);
	}
	for (i = 0; i < nv; i++) {
		if (v[i].counter >= 0)
			snprintf(check, sizeof(check), "verdict %u, %s +1 per run", v[i].want_ret,
				 cnt_name(v[i].counter));
		else
			snprintf(check, sizeof(check), "verdict %u", v[i].want_ret);
		variant_emit(&v[i], group, nt, check);
		progress("%-28s %-4s %8.1f ns (trial %d of %d)", v[i].key,
			 method_names[v[i].m], v[i].s[nt / 2], nt / 2 + 1, nt);
		free(v[i].d);
		v[i].d = NULL;
	}
}

/* ---- naive repeat: what repeat > 1 measures on a modifying path ---------------- */

static void naive(const char *key, const char *desc, int fd, enum hook hook, int ifindex,
		  const struct pkt *p, __u32 offload)
{
	struct tr t = { .fd = fd, .hook = hook, .ifindex = ifindex, .repeat = 1000 };
	struct snap a, b;
	char moved[512];
	int err;

	nvgre_dp_set_offload(&env.dp, offload);
	snap_take(&a);
	if ((err = test_run(&t, p)))
		die("%s: test_run: %s", key, strerror(-err));
	snap_take(&b);
	snap_diff(&a, &b, moved, sizeof(moved));
	jrec_begin("naive");
	jstr("key", key);
	jstr("desc", desc);
	jnum("repeat", t.repeat);
	jnum("duration_ns", t.duration);
	jnum("last_verdict", t.retval);
	jstr("counters", moved);
	jrec_end();
	progress("naive %s, repeat %u: %u ns/run, last verdict %u; counters: %s", key, t.repeat,
		 t.duration, t.retval, moved);
}

/* Live frames with page recycling: repeat > one page_pool cache fill. */
static void naive_live(const struct pkt *p)
{
	struct tr t = { .fd = env.dp.xdp_rx_fd, .hook = H_XDP, .ifindex = env.nvt1_ifindex,
			.repeat = 2048, .batch = LIVE_BATCH, .flags = BPF_F_TEST_XDP_LIVE_FRAMES };
	struct snap a, b;
	char moved[512];
	__u32 got;
	int err;

	nvgre_dp_set_offload(&env.dp, OFF_PLAIN);
	xsk_drain(NULL, NULL);
	snap_take(&a);
	if ((err = test_run(&t, p)))
		die("live frames, repeat 2048: %s", strerror(-err));
	snap_take(&b);
	got = xsk_drain(NULL, NULL);
	snap_diff(&a, &b, moved, sizeof(moved));
	jrec_begin("naive");
	jstr("key", "live.xsk64.repeat");
	jstr("desc", "live frames, decap+steer, 64 B, repeat=2048 (pages recycled after 64)");
	jnum("repeat", t.repeat);
	jnum("duration_ns", t.duration);
	jnum("frames_in_socket", got);
	jstr("counters", moved);
	jrec_end();
	progress("naive live.xsk64, repeat 2048: %u ns/frame, %u frames in the socket; counters: %s",
		 t.duration, got, moved);
}

/* One run with output: check the frame the path produces. */
static void check_output(const char *what, int fd, enum hook hook, int ifindex,
			 const struct pkt *in, __u32 want_ret, __u32 want_len, __u32 skip_out,
			 const __u8 *want, __u32 want_cmp)
{
	__u8 out[PKT_MAX];
	struct tr t = { .fd = fd, .hook = hook, .ifindex = ifindex, .repeat = 1, .out = out };
	int err = test_run(&t, in);

	if (err)
		die("%s: test_run: %s", what, strerror(-err));
	if (t.retval != want_ret || (want_len && t.out_len != want_len) ||
	    (want && memcmp(out + skip_out, want, want_cmp)))
		die("%s: verdict %u (want %u), %u bytes (want %u) or content differs", what,
		    t.retval, want_ret, t.out_len, want_len);
}

/* ---- groups ------------------------------------------------------------------- */

/* The checksum verdict decap+steer puts in the AF_XDP metadata. */
static void csum_verdict(const char *what, const struct pktset *ps, __u8 want)
{
	__u8 out[PKT_MAX];
	struct tr t = { .fd = env.dp.xdp_rx_fd, .hook = H_XDP, .ifindex = env.nvt1_ifindex,
			.repeat = 1, .out = out };
	struct nvgre_xdp_meta m;
	int err = test_run(&t, &ps->p[0]);

	if (err || t.retval != XDP_REDIRECT || t.out_len < sizeof(m))
		die("rx-csum %s: test_run %d, verdict %u", what, err, t.retval);
	memcpy(&m, out, sizeof(m));
	if (m.csum != want)
		die("rx-csum %s: metadata csum %#x, want %#x", what, m.csum, want);
}

static void group_xdp(void)
{
	struct pktset *x64 = pktset_one(rx_xsk_pkt(64)), *x1500 = pktset_one(rx_xsk_pkt(1500));
	struct pktset *n64 = pktset_one(rx_netdev_pkt(64)), *n1500 = pktset_one(rx_netdev_pkt(1500));
	int xfd = env.dp.xdp_rx_fd, nvt1 = env.nvt1_ifindex;
	struct variant v[] = {
		V("xdp.noop.loop", "no-op XDP (XDP_PASS), kernel loop", M_LOOP, H_XDP, fd_xdp_pass,
		  nvt1, x64, 0, XDP_PASS, -1),
		V("xdp.noop.call", "no-op XDP (XDP_PASS), one run per call", M_CALL, H_XDP,
		  fd_xdp_pass, nvt1, x64, 0, XDP_PASS, -1),
		V("xdp.netdev64.loop", "netdev vport: parse+lookup, XDP_PASS to TC, 64 B, kernel loop",
		  M_LOOP, H_XDP, xfd, nvt1, n64, OFF_ALL, XDP_PASS, NVGRE_CNT_RX_XDP_PASSED),
		V("xdp.netdev64.call", "netdev vport: parse+lookup, XDP_PASS to TC, 64 B, per call",
		  M_CALL, H_XDP, xfd, nvt1, n64, OFF_ALL, XDP_PASS, NVGRE_CNT_RX_XDP_PASSED),
		V("xdp.netdev1500.loop", "netdev vport: parse+lookup, XDP_PASS to TC, 1500 B, kernel loop",
		  M_LOOP, H_XDP, xfd, nvt1, n1500, OFF_ALL, XDP_PASS, NVGRE_CNT_RX_XDP_PASSED),
		V("xdp.xsk64.plain", "xsk vport: decap+steer, 64 B, rx-csum off, rss off",
		  M_CALL, H_XDP, xfd, nvt1, x64, OFF_PLAIN, XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
		V("xdp.xsk1500.plain", "xsk vport: decap+steer, 1500 B, rx-csum off, rss off",
		  M_CALL, H_XDP, xfd, nvt1, x1500, OFF_PLAIN, XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
		V("xdp.xsk64.csum", "xsk vport: decap+steer, 64 B, rx-csum on, rss off",
		  M_CALL, H_XDP, xfd, nvt1, x64, OFF_CSUM, XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
		V("xdp.xsk1500.csum", "xsk vport: decap+steer, 1500 B, rx-csum on, rss off",
		  M_CALL, H_XDP, xfd, nvt1, x1500, OFF_CSUM, XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
		V("xdp.xsk64.rss", "xsk vport: decap+steer, 64 B, rx-csum off, rss on",
		  M_CALL, H_XDP, xfd, nvt1, x64, OFF_RSS, XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
		V("xdp.xsk64.all", "xsk vport: decap+steer, 64 B, rx-csum on, rss on (defaults)",
		  M_CALL, H_XDP, xfd, nvt1, x64, OFF_ALL, XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
	};
	size_t inner = x64->p[0].len - 42;

	/* The paths do what their names say (output checked once). */
	nvgre_dp_set_offload(&env.dp, OFF_PLAIN);
	check_output("xsk decap 64", xfd, H_XDP, nvt1, &x64->p[0], XDP_REDIRECT,
		     sizeof(struct nvgre_xdp_meta) + inner, sizeof(struct nvgre_xdp_meta),
		     x64->p[0].b + 42, inner);
	check_output("netdev pass 64", xfd, H_XDP, nvt1, &n64->p[0], XDP_PASS, n64->p[0].len, 0,
		     n64->p[0].b, n64->p[0].len);
	/* rx-csum costs the same at 64 and 1500 B: make sure 1500 B are really summed. */
	nvgre_dp_set_offload(&env.dp, OFF_CSUM);
	csum_verdict("good 1500 B", x1500, NVGRE_CSUM_MAKE(NVGRE_CSUM_OK, NVGRE_CSUM_OK));
	{
		struct pkt_spec s;

		pkt_spec_default(&s);
		s.vsid = T_VSID_B;
		memcpy(s.inner_dmac, T_MAC_VPORT_B1, 6);
		spec_sized(&s, 1500);
		s.bad_l4_csum = 1;
		csum_verdict("bad 1500 B", pktset_one(pkt_from_spec(&s, 0)),
			     NVGRE_CSUM_MAKE(NVGRE_CSUM_OK, NVGRE_CSUM_BAD));
	}

	progress("XDP receive program (%d trials)", trials);
	run_group("xdp", v, sizeof(v) / sizeof(v[0]), trials);

	naive("xdp.xsk64.repeat", "xsk decap+steer, 64 B, repeat=1000 on one buffer", xfd, H_XDP,
	      nvt1, &x64->p[0], OFF_PLAIN);
	naive("xdp.netdev64.repeat", "netdev parse+pass, 64 B, repeat=1000 on one buffer", xfd,
	      H_XDP, nvt1, &n64->p[0], OFF_ALL);
	nvgre_dp_set_offload(&env.dp, OFF_ALL);
}

/*
 * Live frames (BPF_F_TEST_XDP_LIVE_FRAMES), not used for timing: one call of
 * LIVE_BATCH fresh pages shows decap+steer end to end (every frame lands
 * decapsulated in the AF_XDP socket); a longer run shows why this mode cannot
 * time the path (recycled pages keep the metadata the program wrote over the
 * old outer header).  Timing it with fresh pages only is dominated by page
 * allocation (~500 ns/frame for a no-op here) and each call costs tens of ms.
 */
static void group_live(void)
{
	struct pkt p = rx_xsk_pkt(64);
	struct tr t = { .fd = env.dp.xdp_rx_fd, .hook = H_XDP, .ifindex = env.nvt1_ifindex,
			.repeat = LIVE_BATCH, .batch = LIVE_BATCH,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES };
	__u8 first[XSK_FRAME_SZ];
	__u32 first_len = 0, inner = p.len - 42, got;
	__u64 c0;
	int err;

	nvgre_dp_set_offload(&env.dp, OFF_PLAIN);
	xsk_drain(NULL, NULL);
	c0 = counter(NVGRE_CNT_RX_XDP_STEERED);
	if ((err = test_run(&t, &p)))
		die("live frames: %s", strerror(-err));
	got = xsk_drain(first, &first_len);
	if (got != LIVE_BATCH || counter(NVGRE_CNT_RX_XDP_STEERED) - c0 != LIVE_BATCH ||
	    first_len != inner || memcmp(first, p.b + 42, inner))
		die("live frames: the AF_XDP socket got %u of %u frames, the first %u bytes long "
		    "(want the %u-byte inner frame)", got, LIVE_BATCH, first_len, inner);
	jrec_begin("info");
	jstr("key", "live.xsk64.check");
	jstr("desc", "live frames: decap+steer, every frame arrived decapsulated in the AF_XDP "
	     "socket");
	jnum("frames", got);
	jrec_end();
	progress("live frames: %u of %u arrived decapsulated in the AF_XDP socket", got, LIVE_BATCH);
	naive_live(&p);
	nvgre_dp_set_offload(&env.dp, OFF_ALL);
}

static void group_tc(void)
{
	struct pktset *r64 = pktset_one(rx_netdev_pkt(64)), *r1500 = pktset_one(rx_netdev_pkt(1500));
	struct pktset *t64 = pktset_one(tx_pkt(64)), *t1500 = pktset_one(tx_pkt(1500));
	int rfd = env.dp.tc_rx_fd, tfd = env.dp.tc_tx_fd, nvt0 = env.nvt0_ifindex;
	struct variant v[] = {
		V("tc.noop.loop", "no-op TC (TC_ACT_OK), kernel loop", M_LOOP, H_TC, fd_tc_ok, 0,
		  r64, 0, 0, -1),
		V("tc.noop.call", "no-op TC (TC_ACT_OK), one run per call", M_CALL, H_TC, fd_tc_ok, 0,
		  r64, 0, 0, -1),
		V("tc.rx64.all", "TC receive: decap to netdev vport, 64 B, rx-csum on, rss on",
		  M_CALL, H_TC, rfd, 0, r64, OFF_ALL, T_TC_REDIRECT, NVGRE_CNT_RX_TC_DELIVERED),
		V("tc.rx1500.all", "TC receive: decap to netdev vport, 1500 B, rx-csum on, rss on",
		  M_CALL, H_TC, rfd, 0, r1500, OFF_ALL, T_TC_REDIRECT, NVGRE_CNT_RX_TC_DELIVERED),
		V("tc.rx64.plain", "TC receive: decap to netdev vport, 64 B, rx-csum off, rss off",
		  M_CALL, H_TC, rfd, 0, r64, OFF_PLAIN, T_TC_REDIRECT, NVGRE_CNT_RX_TC_DELIVERED),
		V("tc.rx1500.plain", "TC receive: decap to netdev vport, 1500 B, rx-csum off, rss off",
		  M_CALL, H_TC, rfd, 0, r1500, OFF_PLAIN, T_TC_REDIRECT, NVGRE_CNT_RX_TC_DELIVERED),
		V("tc.tx64", "TC transmit: encapsulate 64 B (defaults)", M_CALL, H_TC, tfd, nvt0, t64,
		  OFF_ALL, T_TC_REDIRECT, NVGRE_CNT_TX_ENCAP),
		V("tc.tx1500", "TC transmit: encapsulate 1500 B (defaults)", M_CALL, H_TC, tfd, nvt0,
		  t1500, OFF_ALL, T_TC_REDIRECT, NVGRE_CNT_TX_ENCAP),
	};

	/* 1500-byte frames fit the underlay once encapsulated: W-7 is not measured here. */
	if (system("ip link set und0 mtu 1600"))
		die("cannot raise und0's MTU");
	nvgre_dp_set_offload(&env.dp, OFF_ALL);
	check_output("tc rx decap 1500", rfd, H_TC, 0, &r1500->p[0], T_TC_REDIRECT,
		     r1500->p[0].len - 42, 0, r1500->p[0].b + 42, r1500->p[0].len - 42);
	check_output("tc tx encap 1500", tfd, H_TC, nvt0, &t1500->p[0], T_TC_REDIRECT,
		     t1500->p[0].len + 42, 42, t1500->p[0].b, t1500->p[0].len);

	progress("TC programs (%d trials)", trials);
	run_group("tc", v, sizeof(v) / sizeof(v[0]), trials);

	naive("tc.rx64.repeat", "TC decap, 64 B, repeat=1000 on one skb", rfd, H_TC, 0, &r64->p[0],
	      OFF_ALL);
	naive("tc.tx64.repeat", "TC encap, 64 B, repeat=1000 on one skb", tfd, H_TC, nvt0,
	      &t64->p[0], OFF_ALL);
}

/* ---- lookup-table scaling ------------------------------------------------------- */

#define SCALE_VSID	T_VSID_B	/* xsk vport B1's: its frames are judged in XDP */

static void rec_mac(long i, __u8 mac[6])
{
	__u32 x = (__u32)(i + 1) * 2654435761u;	/* a bijection: distinct MACs */

	mac[0] = 0x02;
	mac[1] = 0xb0;
	mac[2] = x >> 24;
	mac[3] = x >> 16;
	mac[4] = x >> 8;
	mac[5] = x;
}

static __u64 rng = 0x9e3779b97f4a7c15ull;

static __u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Records [from, to) of VSID A at PA_REMOTE4, written in batches. */
static double routes_fill(long from, long to)
{
	const long chunk = 65536;
	struct nvgre_mac_key *k = calloc(chunk, sizeof(*k));
	struct nvgre_route *r = calloc(chunk, sizeof(*r));
	union nvgre_ip pa;
	double t0 = now_s();
	long i, n;

	if (!k || !r)
		die("out of memory");
	nvgre_ip_parse(T_PA_REMOTE4, &pa);
	for (i = from; i < to; i += n) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 cnt;
		long j;

		n = to - i < chunk ? to - i : chunk;
		for (j = 0; j < n; j++) {
			k[j].vsid = SCALE_VSID;
			rec_mac(i + j, k[j].mac);
			r[j].pa = pa;
		}
		cnt = n;
		if (bpf_map_update_batch(env.dp.routes_fd, k, r, &cnt, &o) || cnt != n)
			die("filling nv_routes at record %ld: %s", i, strerror(errno));
	}
	free(k);
	free(r);
	return now_s() - t0;
}

static void routes_delete(long from, long to)
{
	const long chunk = 65536;
	struct nvgre_mac_key *k = calloc(chunk, sizeof(*k));
	long i, n, j;

	if (!k)
		die("out of memory");
	for (i = from; i < to; i += n) {
		__u32 cnt;

		n = to - i < chunk ? to - i : chunk;
		for (j = 0; j < n; j++) {
			k[j].vsid = SCALE_VSID;
			rec_mac(i + j, k[j].mac);
		}
		cnt = n;
		if (bpf_map_delete_batch(env.dp.routes_fd, k, &cnt, NULL) || cnt != n)
			die("emptying nv_routes at record %ld: %s", i, strerror(errno));
	}
	free(k);
}

static long routes_count(void)
{
	struct nvgre_mac_key k, next;
	long n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(env.dp.routes_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* npk packets from vport-less remote hosts: inner source MACs drawn at random
 * from records [0, nrec), to xsk vport B1: the XDP program judges (source
 * check: a record lookup), decapsulates and steers them itself.  (Frames for
 * a netdev vport it leaves to TC after one vport lookup, unjudged.) */
static struct pktset *scale_pkts(long nrec, int npk)
{
	struct pktset *ps = calloc(1, sizeof(*ps));
	struct pkt_spec s;
	int i;

	if (!ps || !(ps->p = calloc(npk, sizeof(*ps->p))))
		die("out of memory");
	for (i = 0; i < npk; i++) {
		pkt_spec_default(&s);
		s.vsid = SCALE_VSID;
		memcpy(s.inner_dmac, T_MAC_VPORT_B1, 6);
		spec_sized(&s, 64);
		rec_mac((long)(rnd() % nrec), s.inner_smac);
		ps->p[i] = pkt_from_spec(&s, 0);
	}
	ps->n = npk;
	return ps;
}

static void scale_phase(const char *phase, long nrec, struct pktset *ps, struct pktset *hot,
			int nt)
{
	char k1[64], k2[64], k3[64], k4[64], d3[160];
	struct variant v[] = {
		V(k1, "no-op XDP, kernel loop", M_LOOP, H_XDP, fd_xdp_pass, env.nvt1_ifindex, ps, 0,
		  XDP_PASS, -1),
		V(k2, "no-op XDP, one run per call, packets in rotation", M_CALL, H_XDP, fd_xdp_pass,
		  env.nvt1_ifindex, ps, 0, XDP_PASS, -1),
		V(k3, d3, M_CALL, H_XDP, env.dp.xdp_rx_fd, env.nvt1_ifindex, ps, OFF_PLAIN,
		  XDP_REDIRECT, NVGRE_CNT_RX_XDP_STEERED),
		V(k4, "the same, packets with the 16 keys of the small table only", M_CALL, H_XDP,
		  env.dp.xdp_rx_fd, env.nvt1_ifindex, hot, OFF_PLAIN, XDP_REDIRECT,
		  NVGRE_CNT_RX_XDP_STEERED),
	};
	long have = routes_count();

	if (have != nrec)
		die("scale: nv_routes holds %ld records, want %ld", have, nrec);
	snprintf(k1, sizeof(k1), "scale.%s.noop.loop", phase);
	snprintf(k2, sizeof(k2), "scale.%s.noop.call", phase);
	snprintf(k3, sizeof(k3), "scale.%s.lookup", phase);
	snprintf(k4, sizeof(k4), "scale.%s.hot16", phase);
	snprintf(d3, sizeof(d3), "XDP decap+steer to an xsk vport (source check: a record "
		 "lookup), rx-csum and rss off, %ld records, %d packets with random keys in "
		 "rotation", nrec, ps->n);
	progress("lookup scaling: %s, %ld records (%d trials)", phase, nrec, nt);
	run_group("scale", v, hot ? 4 : 3, nt);
}

static void group_scale(void)
{
	const int npk = 65536;
	struct nvgre_mac_key k, next;
	struct pktset *small, *large;
	double fill_s;
	int nt = trials > 5 ? 5 : trials;

	/* Only the benchmark's records: drop the fixture's. */
	while (!bpf_map_get_next_key(env.dp.routes_fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(env.dp.routes_fd, &k))
			die("emptying nv_routes: %s", strerror(errno));
	}
	routes_fill(0, 16);
	small = scale_pkts(16, npk);
	large = scale_pkts(scale_records, npk);

	scale_phase("small_a", 16, small, NULL, nt);
	fill_s = routes_fill(16, scale_records);
	jrec_begin("info");
	jstr("key", "scale.fill");
	jnum("records", scale_records - 16);
	jnum("seconds", fill_s);
	jrec_end();
	progress("filled nv_routes to %ld records in %.2f s (bpf_map_update_batch)", scale_records,
		 fill_s);
	scale_phase("large", scale_records, large, small, nt);
	routes_delete(16, scale_records);
	scale_phase("small_b", 16, small, NULL, nt);
}

/* ---- main ------------------------------------------------------------------------ */

static int prog_fd(struct bpf_object *o, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(o, name);

	if (!p)
		die("%s not in the no-op object", name);
	return bpf_program__fd(p);
}

static void load_noops(const char *path)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	int err;

	if (!o)
		die("%s: %s", path, strerror(errno));
	if ((err = bpf_object__load(o)))
		die("%s: load: %s", path, strerror(-err));
	fd_xdp_pass = prog_fd(o, "bench_xdp_pass");
	fd_tc_ok = prog_fd(o, "bench_tc_ok");
}

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);

	return s && *s ? strtol(s, NULL, 0) : def;
}

/* BENCH_GROUPS=xdp,tc,...: run only those (all by default). */
static int want_group(const char *g)
{
	const char *s = getenv("BENCH_GROUPS");
	size_t n = strlen(g);

	if (!s || !*s)
		return 1;
	for (; *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] == ',')) {
		if (!strncmp(s, g, n) && (s[n] == ',' || !s[n]))
			return 1;
		if (!s[strcspn(s, ",")])
			break;
	}
	return 0;
}

static int cmd_micro(const char *noop_obj, const char *out_path)
{
	double t0 = now_s();

	trials = env_long("BENCH_TRIALS", trials);
	if (trials < 1 || trials > MAX_TRIALS)
		die("BENCH_TRIALS must be 1..%d", MAX_TRIALS);
	n_call = env_long("BENCH_CALLS", n_call);
	r_loop = env_long("BENCH_LOOP", r_loop);
	scale_records = env_long("BENCH_RECORDS", scale_records);
	if (scale_records < 32 || scale_records > NVGRE_MAX_ROUTES)
		die("BENCH_RECORDS must be 32..%u", NVGRE_MAX_ROUTES);

	jout = fopen(out_path, "w");
	if (!jout)
		die("%s: %s", out_path, strerror(errno));
	if (testenv_init(&env))
		die("the test environment did not come up");
	load_noops(noop_obj);
	xsk_setup();
	fprintf(jout, "{\"trials\": %d, \"calls_per_sample\": %ld, \"loop_repeat\": %u, "
		"\"call_trim_permille\": %d, \"records\": [", trials, n_call, r_loop, TRIM_PERMILLE);

	if (want_group("xdp"))
		group_xdp();
	if (want_group("live"))
		group_live();
	if (want_group("tc"))
		group_tc();
	if (want_group("scale"))
		group_scale();

	fprintf(jout, "\n], \"seconds\": %.1f}\n", now_s() - t0);
	fclose(jout);
	testenv_fini(&env);
	return 0;
}

/* Attach the receive XDP program to ifname, with the maps pinned in pin_dir
 * (a running nvgred's), in native mode.  The attachment outlives us; the
 * caller removes it (ip link set dev IFNAME xdp off). */
static int cmd_xdp_attach(const char *pin_dir, const char *ifname)
{
	struct nvgre_dp dp;
	int ifindex = if_nametoindex(ifname), err;

	if (!ifindex)
		die("%s: no such interface", ifname);
	err = nvgre_dp_open(&dp, pin_dir);
	if (err)
		die("loading the data path with the maps in %s: %s", pin_dir, strerror(-err));
	err = bpf_xdp_attach(ifindex, dp.xdp_rx_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("attaching XDP to %s: %s", ifname, strerror(-err));
	nvgre_dp_close(&dp);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "micro"))
		return cmd_micro(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "xdp-attach"))
		return cmd_xdp_attach(argv[2], argv[3]);
	fprintf(stderr, "usage: bench_prog micro NOOP_BPF_OBJ OUT.json\n"
			"       bench_prog xdp-attach PIN_DIR IFNAME\n");
	return 2;
}
