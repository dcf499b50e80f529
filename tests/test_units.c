// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User-space unit tests of the code the data path shares with user space
 * (include/nvgre): wire helpers (W-2, W-4, W-7), the parser (W-1, W-5, W-8,
 * PARSE-1..3), checksum validation (CSUM-RX-1..3) and the Toeplitz hash
 * (RSS-1..3).  No BPF is loaded: these are the same static inline functions
 * the programs run.
 *
 * Frames come from tests/pktbuild.c.  What the parser must report is worked
 * out here from the builder's layout and the spec, never from the parser.
 * Every frame is parsed from memory that ends right at an inaccessible
 * page, so a read past the given end faults instead of going unnoticed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <nvgre/bytes.h>
#include <nvgre/parse.h>
#include <nvgre/csum.h>
#include <nvgre/rss.h>
#include "guard.h"
#include "tap.h"
#include "pktbuild.h"
#include "testenv.h"
#include "../loader/ip_index.h"

#define MAX_DIAG	5	/* mismatches printed per aggregated check */

static const __u8 default_key[NVGRE_RSS_KEY_LEN] = NVGRE_RSS_DEFAULT_KEY;
static struct nvgre_rss_table rss_table;	/* from default_key */

/* A check for a bug found by this suite and since fixed: the bug named on failure. */
static int tap_ok_bugfix(int cond, const char *what, const char *bug)
{
	return tap_ok(cond, "%s%s%s", what, cond ? "" : " - regression: ", cond ? "" : bug);
}

/* ---- guarded memory ---------------------------------------------------- */

#define GUARD_ROOM	(20 * 1024)	/* largest buffer handed to the code */

/* ---- small helpers ----------------------------------------------------- */

static __u64 rng_state = 0x9e3779b97f4a7c15ull;

static __u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (__u32)(rng_state >> 16);
}

static void rnd_fill(__u8 *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

/* IPv4 header checksum recomputed after a test edited the header. */
static void fix_ip4_csum(__u8 *ip)
{
	int ihl = (ip[0] & 0xf) * 4;

	nv_put16(ip + 10, 0);
	nv_put16(ip + 10, pkt_csum(ip, ihl, 0));
}

static void ip_from_str(union nvgre_ip *ip, int ipver, const char *s)
{
	__be32 v4;

	memset(ip, 0, sizeof(*ip));
	if (ipver == 4 && inet_pton(AF_INET, s, &v4) == 1)
		nvgre_ip_set_v4(ip, v4);
	else if (ipver == 6 && inet_pton(AF_INET6, s, ip->b) != 1)
		tap_diag("bad address %s", s);
}

/* ---- frames ------------------------------------------------------------ */

struct frame {
	struct pkt_spec s;
	__u8 b[PKT_MAX];
	size_t len, inner_off;
};

/* Default spec (VSID A) with the addresses of an outer/inner combination. */
static void spec_combo(struct pkt_spec *s, int outer, int inner, int l4)
{
	pkt_spec_default(s);
	s->l4 = l4;
	t_spec_combo(s, outer, inner);	/* also swaps ICMP <-> ICMPv6 */
}

static int frame_build(struct frame *f)
{
	f->len = pkt_build(&f->s, f->b, sizeof(f->b), &f->inner_off);
	return f->len ? 0 : -1;
}

static int parse_n(struct nvgre_pkt *pkt, const __u8 *b, size_t n, __u32 max_header)
{
	const __u8 *p = guard_copy(b, n);

	return nvgre_parse(pkt, p, p + n, max_header);
}

static const char *l4_name(int l4)
{
	switch (l4) {
	case NV_IPPROTO_TCP: return "tcp";
	case NV_IPPROTO_UDP: return "udp";
	case NV_IPPROTO_ICMP: return "icmp";
	case NV_IPPROTO_ICMPV6: return "icmpv6";
	default: return "none";
	}
}

static const char *verdict_name(int v)
{
	return v == NV_PARSE_NVGRE ? "NVGRE" : v == NV_PARSE_PASS ? "PASS" :
	       v == NV_PARSE_DROP ? "DROP" : "?";
}

/*
 * The parse result a well-formed frame built from s (len bytes) must give,
 * from pktbuild's layout: 8-byte IPv6 extension headers, 4-byte VLAN tags,
 * a fragment header after the inner extension headers.
 */
static void expect_pkt(const struct pkt_spec *s, size_t len, struct nvgre_pkt *e)
{
	__u32 off;

	memset(e, 0, sizeof(*e));
	e->l3_off = NV_ETH_HLEN + 4 * s->outer_vlans;
	e->outer_ipver = s->outer_ipver;
	if (s->outer_ipver == 4) {
		e->outer_ihl = 20 + s->outer_ip_opts;
		e->gre_off = e->l3_off + e->outer_ihl;
	} else {
		e->gre_off = e->l3_off + 40 + 8 * s->outer_ext;
	}
	e->outer_ecn = s->outer_tos & NV_ECN_MASK;
	e->outer_end = len;
	ip_from_str(&e->outer_src, s->outer_ipver, s->outer_src);
	ip_from_str(&e->outer_dst, s->outer_ipver, s->outer_dst);
	e->key = (s->vsid & NVGRE_VSID_MASK) << 8 | s->flowid;
	e->inner_l2_off = e->gre_off + NVGRE_HLEN;
	e->inner_proto = s->inner_ipver == 4 ? NV_ETH_P_IP :
			 s->inner_ipver == 6 ? NV_ETH_P_IPV6 :
			 s->inner_ethertype ? s->inner_ethertype : NV_ETH_P_ARP;
	if (s->inner_dmac[0] & 1)
		e->flags |= NV_PKT_INNER_MCAST;
	if (!s->inner_ipver)
		return;

	off = e->inner_l2_off + NV_ETH_HLEN;
	e->inner_l3_off = off;
	e->inner_ipver = s->inner_ipver;
	e->inner_ecn = s->inner_tos & NV_ECN_MASK;
	e->inner_end = len;
	e->l4_proto = s->l4;
	ip_from_str(&e->inner_src, s->inner_ipver, s->inner_src);
	ip_from_str(&e->inner_dst, s->inner_ipver, s->inner_dst);
	if (s->inner_ipver == 4) {
		e->inner_ihl = 20;
		off += 20;
	} else {
		off += 40 + 8 * s->inner_ext + (s->inner_frag ? 8 : 0);
		if (s->inner_ext || s->inner_frag)
			e->flags |= NV_PKT_INNER_EXTHDR;
	}
	if (s->inner_frag) {
		e->flags |= NV_PKT_INNER_FRAG;
		return;
	}
	e->inner_l4_off = off;
	e->inner_l4_end = off + (s->l4 == NV_IPPROTO_TCP ? 20 + s->tcp_opts : 8);
	if (s->l4 == NV_IPPROTO_TCP || s->l4 == NV_IPPROTO_UDP) {
		e->sport = htons(s->sport);
		e->dport = htons(s->dport);
	}
}

/* Drop what lies beyond MaxHeaderSize m from a full model (PARSE-3). */
static void expect_limit(struct nvgre_pkt *e, __u32 m)
{
	__u32 l3_end = e->inner_l3_off + (e->inner_ipver == 4 ? e->inner_ihl : 40);

	if (m > NVGRE_MAX_HEADER_SUPPORTED)
		m = NVGRE_MAX_HEADER_SUPPORTED;
	if (!e->inner_l4_off || e->inner_l4_end <= m)
		return;
	e->flags |= NV_PKT_HDR_LIMIT;
	e->inner_l4_off = 0;
	e->inner_l4_end = 0;
	e->sport = 0;
	e->dport = 0;
	if (l3_end <= m)
		return;
	/* Nothing of the inner IP packet is looked at. */
	e->flags &= ~(NV_PKT_INNER_EXTHDR | NV_PKT_INNER_FRAG);
	e->inner_l3_off = 0;
	e->inner_ipver = 0;
	e->inner_ihl = 0;
	e->inner_ecn = 0;
	e->inner_end = 0;
	e->l4_proto = 0;
	memset(&e->inner_src, 0, sizeof(e->inner_src));
	memset(&e->inner_dst, 0, sizeof(e->inner_dst));
}

#define CMP_FIELD(f)							\
	do {								\
		if ((__u64)got->f != (__u64)want->f) {			\
			if (!quiet)					\
				tap_diag("%s: " #f " = %llu, want %llu", name, \
					 (unsigned long long)got->f,	\
					 (unsigned long long)want->f);	\
			bad++;						\
		}							\
	} while (0)

#define CMP_ADDR(f)							\
	do {								\
		if (memcmp(&got->f, &want->f, sizeof(got->f))) {	\
			if (!quiet)					\
				tap_diag("%s: " #f " differs", name);	\
			bad++;						\
		}							\
	} while (0)

static int pkt_match(const char *name, const struct nvgre_pkt *got,
		     const struct nvgre_pkt *want, int quiet)
{
	int bad = 0;

	CMP_FIELD(l3_off);
	CMP_FIELD(gre_off);
	CMP_FIELD(inner_l2_off);
	CMP_FIELD(inner_l3_off);
	CMP_FIELD(inner_l4_off);
	CMP_FIELD(inner_l4_end);
	CMP_FIELD(inner_proto);
	CMP_FIELD(outer_ipver);
	CMP_FIELD(outer_ihl);
	CMP_FIELD(outer_ecn);
	CMP_FIELD(inner_ipver);
	CMP_FIELD(inner_ihl);
	CMP_FIELD(inner_ecn);
	CMP_FIELD(l4_proto);
	CMP_FIELD(flags);
	CMP_FIELD(reason);
	CMP_FIELD(counter);
	CMP_FIELD(key);
	CMP_FIELD(inner_end);
	CMP_FIELD(outer_end);
	CMP_FIELD(sport);
	CMP_FIELD(dport);
	CMP_ADDR(outer_src);
	CMP_ADDR(outer_dst);
	CMP_ADDR(inner_src);
	CMP_ADDR(inner_dst);
	return !bad;
}

/* ---- wire.h ------------------------------------------------------------ */

static void test_wire(void)
{
	int i, bad = 0;

	tap_ok(nvgre_key(0x123456, 0x78) == 0x12345678, "nvgre_key(0x123456, 0x78)");
	tap_ok(nvgre_key(0x7123456, 0x00) == 0x12345600,
	       "nvgre_key keeps only 24 VSID bits");
	tap_ok(nvgre_key_vsid(0xfedcba98) == 0xfedcba && nvgre_key_flowid(0xfedcba98) == 0x98,
	       "nvgre_key_vsid/flowid split 0xfedcba98");
	for (i = 0; i < 10000; i++) {
		__u32 vsid = rnd() & NVGRE_VSID_MASK;
		__u8 flowid = rnd();
		__u32 key = nvgre_key(vsid, flowid);

		if (nvgre_key_vsid(key) != vsid || nvgre_key_flowid(key) != flowid)
			bad++;
	}
	tap_ok(!bad, "key/vsid/flowid round trip, 10000 random values (%d bad)", bad);

	tap_ok(!nvgre_vsid_valid(0), "VSID 0 reserved (W-4)");
	tap_ok(!nvgre_vsid_valid(0xfff), "VSID 0xfff reserved");
	tap_ok(nvgre_vsid_valid(0x1000), "VSID 0x1000 valid");
	tap_ok(nvgre_vsid_valid(0xfffffe), "VSID 0xfffffe valid");
	tap_ok(!nvgre_vsid_valid(0xffffff), "VSID 0xffffff reserved");
	tap_ok(!nvgre_vsid_valid(0x1000000), "VSID 0x1000000 (25 bits) invalid");
}

/* W-7: overhead over the inner L3 packet is 42 / 62 bytes. */
static void test_overhead(void)
{
	int outer;

	for (outer = 4; outer <= 6; outer += 2) {
		struct frame f;
		size_t inner_l3;

		spec_combo(&f.s, outer, 4, NV_IPPROTO_TCP);
		frame_build(&f);
		inner_l3 = f.len - f.inner_off - NV_ETH_HLEN;
		tap_ok(f.len - NV_ETH_HLEN - inner_l3 ==
		       (outer == 4 ? NVGRE_OVERHEAD_IPV4 : NVGRE_OVERHEAD_IPV6),
		       "W-7 overhead with outer IPv%d is %zu", outer,
		       f.len - NV_ETH_HLEN - inner_l3);
	}
}

/* ---- RSS --------------------------------------------------------------- */

struct rss_vec {
	int ipver;
	const char *src, *dst;
	__u16 sport, dport;
	__u32 h2, h4;
};

/* rss-verification.md */
static const struct rss_vec rss_vecs[] = {
	{ 4, "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ 4, "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ 4, "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ 4, "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f },
	{ 4, "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2 },
	{ 6, "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766,
	  0x2cc18cd5, 0x40207d3d },
	{ 6, "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739,
	  0x0f0c461c, 0xdde51bbf },
	{ 6, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024,
	  0x4b61e985, 0x02d1feef },
};

/* Bit by bit, as the RSS specification describes it. */
static __u32 ref_toeplitz(const __u8 *key, const __u8 *in, size_t n)
{
	__u32 h = 0, win = (__u32)key[0] << 24 | key[1] << 16 | key[2] << 8 | key[3];
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		for (b = 7; b >= 0; b--) {
			if (in[i] >> b & 1)
				h ^= win;
			win = win << 1 | (key[i + 4] >> b & 1);
		}
	}
	return h;
}

/* The Toeplitz input of a vector: addresses, then ports if four. */
static size_t rss_input(const struct rss_vec *v, int four, __u8 *in)
{
	int alen = v->ipver == 4 ? 4 : 16;

	inet_pton(v->ipver == 4 ? AF_INET : AF_INET6, v->src, in);
	inet_pton(v->ipver == 4 ? AF_INET : AF_INET6, v->dst, in + alen);
	if (!four)
		return 2 * alen;
	nv_put16(in + 2 * alen, v->sport);
	nv_put16(in + 2 * alen + 2, v->dport);
	return 2 * alen + 4;
}

/* An NVGRE frame carrying the vector's flow as its inner packet. */
static void rss_spec(struct pkt_spec *s, const struct rss_vec *v, int outer, int l4)
{
	spec_combo(s, outer, v->ipver, l4);
	s->inner_src = v->src;
	s->inner_dst = v->dst;
	s->sport = v->sport;
	s->dport = v->dport;
}

/* Product path: build, parse, hash.  Returns -1 if the frame did not parse. */
static int rss_product(const struct pkt_spec *s, int inner_ok, __u32 *hash, __u8 *type)
{
	struct frame f;
	struct nvgre_pkt pkt;

	f.s = *s;
	if (frame_build(&f) || parse_n(&pkt, f.b, f.len, NVGRE_MAX_HEADER_DEFAULT) != NV_PARSE_NVGRE)
		return -1;
	*type = 0xff;
	*hash = nvgre_rss_hash(&rss_table, &pkt, inner_ok, type);
	return 0;
}

static void test_rss_vectors(void)
{
	size_t i;
	int four, outer;

	for (i = 0; i < NV_ARRAY_SIZE(rss_vecs); i++) {
		const struct rss_vec *v = &rss_vecs[i];

		for (four = 0; four <= 1; four++) {
			__u32 want = four ? v->h4 : v->h2, ref;
			__u8 in[36];
			size_t n = rss_input(v, four, in);

			ref = ref_toeplitz(default_key, in, n);
			tap_ok(ref == want, "RSS reference IPv%d %d-tuple %s: 0x%08x (want 0x%08x)",
			       v->ipver, four ? 4 : 2, v->src, ref, want);

			for (outer = 4; outer <= 6; outer += 2) {
				int l4 = four ? NV_IPPROTO_TCP : NV_IPPROTO_ICMP;
				__u8 type, want_type = four ? NVGRE_RSS_INNER_4TUPLE :
							      NVGRE_RSS_INNER_2TUPLE;
				struct pkt_spec s;
				__u32 h = 0;
				int err;

				rss_spec(&s, v, outer, l4);
				err = rss_product(&s, 1, &h, &type);
				tap_ok(!err && h == want && type == want_type,
				       "RSS product %d-in-%d %s %s: 0x%08x type %u (want 0x%08x type %u)",
				       v->ipver, outer, l4_name(s.l4), v->src, h, type, want,
				       want_type);
			}
		}
	}
}

/* RSS-1, RSS-2: other routes to the same published values. */
static void test_rss_fallbacks(void)
{
	static const struct {
		const char *name;
		int l4, inner_frag, inner_ext, four;
	} cases[] = {
		{ "udp 4-tuple", NV_IPPROTO_UDP, 0, 0, 1 },
		{ "tcp inner fragment: 2-tuple", NV_IPPROTO_TCP, 1, 0, 0 },
		{ "udp inner fragment: 2-tuple", NV_IPPROTO_UDP, 1, 0, 0 },
	};
	size_t i, c;

	for (c = 0; c < NV_ARRAY_SIZE(cases); c++) {
		int bad = 0;

		for (i = 0; i < NV_ARRAY_SIZE(rss_vecs); i++) {
			const struct rss_vec *v = &rss_vecs[i];
			__u32 want = cases[c].four ? v->h4 : v->h2, h = 0;
			__u8 type = 0, want_type = cases[c].four ? NVGRE_RSS_INNER_4TUPLE :
								   NVGRE_RSS_INNER_2TUPLE;
			struct pkt_spec s;

			rss_spec(&s, v, 4, cases[c].l4);
			s.inner_frag = cases[c].inner_frag;
			if (rss_product(&s, 1, &h, &type) || h != want || type != want_type) {
				bad++;
				tap_diag("%s %s: 0x%08x type %u", cases[c].name, v->src, h, type);
			}
		}
		tap_ok(!bad, "RSS %s, all %zu vectors", cases[c].name, NV_ARRAY_SIZE(rss_vecs));
	}

	/* IPv6 extension headers before TCP: 2-tuple (RSS-2). */
	for (i = 0; i < NV_ARRAY_SIZE(rss_vecs); i++) {
		const struct rss_vec *v = &rss_vecs[i];
		struct pkt_spec s;
		__u32 h = 0;
		__u8 type = 0;

		if (v->ipver != 6)
			continue;
		rss_spec(&s, v, 6, NV_IPPROTO_TCP);
		s.inner_ext = 2;
		tap_ok(!rss_product(&s, 1, &h, &type) && h == v->h2 &&
		       type == NVGRE_RSS_INNER_2TUPLE,
		       "RSS tcp after inner IPv6 ext headers is the 2-tuple %s: 0x%08x type %u",
		       v->src, h, type);
	}
}

/* Hash of the outer addresses of s, by the reference implementation. */
static __u32 ref_outer(const struct pkt_spec *s)
{
	struct rss_vec v = { .ipver = s->outer_ipver, .src = s->outer_src, .dst = s->outer_dst };
	__u8 in[36];

	return ref_toeplitz(default_key, in, rss_input(&v, 0, in));
}

/* RSS-3 and the outer 2-tuple. */
static void test_rss_outer(void)
{
	const struct rss_vec *v = &rss_vecs[0];
	struct pkt_spec s, t;
	__u32 h1 = 0, h2 = 0, h3 = 0;
	__u8 ty1 = 0, ty2 = 1, ty3 = 2;
	int outer;

	rss_spec(&s, v, 4, NV_IPPROTO_TCP);
	rss_spec(&t, v, 6, NV_IPPROTO_TCP);
	t.flowid = 0;
	t.vsid = T_VSID_B;
	t.outer_src = T_PA_OTHER6;
	rss_product(&s, 1, &h1, &ty1);
	rss_product(&t, 1, &h2, &ty2);
	t.flowid = 0xff;
	t.outer_ipver = 4;
	t.outer_src = T_PA_OTHER4;
	t.outer_dst = "203.0.113.77";
	rss_product(&t, 1, &h3, &ty3);
	tap_ok(h1 == v->h4 && h2 == h1 && h3 == h1 && ty1 == ty2 && ty2 == ty3,
	       "RSS-3 same inner flow, other outer addresses/FlowID/VSID: 0x%08x 0x%08x 0x%08x",
	       h1, h2, h3);

	for (outer = 4; outer <= 6; outer += 2) {
		__u32 h = 0, want;
		__u8 type = 0;

		rss_spec(&s, v, outer, NV_IPPROTO_TCP);
		want = ref_outer(&s);
		tap_ok(!rss_product(&s, 0, &h, &type) && h == want &&
		       type == NVGRE_RSS_OUTER_2TUPLE,
		       "RSS inner_ok=0, outer IPv%d: outer 2-tuple 0x%08x (want 0x%08x) type %u",
		       outer, h, want, type);

		/* Inner frame not IP (ARP): nothing inner to hash. */
		spec_combo(&s, outer, 0, 0);
		want = ref_outer(&s);
		tap_ok(!rss_product(&s, 1, &h, &type) && h == want &&
		       type == NVGRE_RSS_OUTER_2TUPLE,
		       "RSS inner ARP, outer IPv%d: outer 2-tuple 0x%08x type %u", outer, h, type);
	}

	/* Inner IP header beyond MaxHeaderSize: outer 2-tuple. */
	{
		struct frame f;
		struct nvgre_pkt pkt;
		__u32 h;
		__u8 type = 0;

		rss_spec(&f.s, v, 4, NV_IPPROTO_TCP);
		frame_build(&f);
		parse_n(&pkt, f.b, f.len, 60);
		h = nvgre_rss_hash(&rss_table, &pkt, 1, &type);
		tap_ok(h == ref_outer(&f.s) && type == NVGRE_RSS_OUTER_2TUPLE,
		       "RSS inner IP beyond max_header 60: outer 2-tuple (type %u)", type);
	}
}

/* The table path with a random key against the reference, IPv6 layout. */
static void test_rss_random_key(void)
{
	static struct nvgre_rss_table t;
	__u8 key[NVGRE_RSS_KEY_LEN], in[36];
	int i, bad = 0;

	rnd_fill(key, sizeof(key));
	nvgre_rss_build_table(&t, key);
	for (i = 0; i < 2000; i++) {
		__u32 h;

		rnd_fill(in, sizeof(in));
		h = nv_rss_bytes(&t, in, 0, 16) ^ nv_rss_bytes(&t, in + 16, 16, 16) ^
		    nv_rss_bytes(&t, in + 32, 32, 2) ^ nv_rss_bytes(&t, in + 34, 34, 2);
		if (h != ref_toeplitz(key, in, 36))
			bad++;
	}
	tap_ok(!bad, "RSS table from a random key matches the reference, 2000 inputs (%d bad)",
	       bad);
}

/* ---- checksums --------------------------------------------------------- */

/* Internet checksum of bytes as pkt_csum would store it, from a range sum. */
static __u16 range_csum(__u32 sum)
{
	return (__u16)~ntohs(nv_csum_fold(sum));
}

static void test_csum_range(void)
{
	static __u8 buf[2048];
	int start;

	rnd_fill(buf, sizeof(buf));
	for (start = 0; start < 4; start++) {
		int len, bad = 0, badlim = 0;

		for (len = 0; len <= 1600; len++) {
			__u16 want = pkt_csum(buf + start, len, 0);
			__u8 *p = guard_copy(buf, start + len);
			__u32 s = 0;
			int rc = nv_csum_range(p, p + start + len, start, len, &s);

			if (rc || range_csum(s) != want) {
				if (bad++ < MAX_DIAG)
					tap_diag("start %d len %d: rc %d csum 0x%04x want 0x%04x",
						 start, len, rc, range_csum(s), want);
			}
			if (!len)
				continue;
			/* The same range in a buffer one byte short. */
			p = guard_copy(buf, start + len - 1);
			s = 0;
			if (nv_csum_range(p, p + start + len - 1, start, len, &s) != -1 &&
			    badlim++ < MAX_DIAG)
				tap_diag("start %d len %d: range past the end accepted", start, len);
		}
		tap_ok(!bad, "nv_csum_range == pkt_csum, offset %d, lengths 0..1600 (%d bad)",
		       start, bad);
		tap_ok(!badlim, "nv_csum_range -1 when the range leaves the buffer, offset %d (%d bad)",
		       start, badlim);
	}
}

/* Partial sums add up when split at even offsets (they are one's complement). */
static void test_csum_split(void)
{
	static __u8 buf[1600];
	int i, bad = 0;

	rnd_fill(buf, sizeof(buf));
	for (i = 0; i < 2000; i++) {
		__u32 len = rnd() % sizeof(buf), k = (rnd() % (len + 1)) & ~1u, s = 0;

		if (nv_csum_range(buf, buf + len, 0, k, &s) ||
		    nv_csum_range(buf, buf + len, k, len - k, &s) ||
		    range_csum(s) != pkt_csum(buf, len, 0))
			bad++;
	}
	tap_ok(!bad, "nv_csum_range accumulates into *sum across even splits (%d bad)", bad);
}

static void test_csum_limits(void)
{
	const __u32 max = NV_CSUM_MAX_CHUNKS * NV_CSUM_CHUNK + NV_CSUM_CHUNK - 1;
	static __u8 buf[GUARD_ROOM];
	__u8 *p;
	__u32 s;
	int rc;

	rnd_fill(buf, sizeof(buf));
	p = guard_copy(buf, max + 1);
	s = 0;
	rc = nv_csum_range(p, p + max + 1, 0, max, &s);
	tap_ok(!rc && range_csum(s) == pkt_csum(p, max, 0),
	       "nv_csum_range sums the longest range, %u bytes", max);
	s = 0;
	rc = nv_csum_range(p, p + max + 1, 1, max, &s);
	tap_ok(!rc && range_csum(s) == pkt_csum(p + 1, max, 0),
	       "nv_csum_range sums %u bytes at odd offset 1", max);
	s = 0;
	tap_ok(nv_csum_range(p, p + max + 1, 0, max + 1, &s) == -1,
	       "nv_csum_range -1 for %u bytes (> NV_CSUM_MAX_CHUNKS*512+511)", max + 1);
	s = 0;
	tap_ok(nv_csum_range(p, p + max + 1, 0, 0xffffffffu, &s) == -1,
	       "nv_csum_range -1 for length 0xffffffff");
	s = 0;
	tap_ok(nv_csum_range(p, p + max + 1, max + 2, 0, &s) == 0 && s == 0,
	       "nv_csum_range of 0 bytes adds nothing");

	/* Offsets are masked with NV_CSUM_OFF_MASK: 16 KiB and beyond wrap. */
	p = guard_copy(buf, 20000);
	s = 0;
	rc = nv_csum_range(p, p + 20000, 17000, 4000, &s);
	tap_ok_bugfix(rc == -1, "nv_csum_range -1 for [17000, 21000) of a 20000-byte buffer",
		 "csum.h: offsets >= 16 KiB wrap through NV_CSUM_OFF_MASK");
	s = 0;
	rc = nv_csum_range(p, p + 20000, 16384, 64, &s);
	tap_ok_bugfix(rc == -1 || range_csum(s) == pkt_csum(p + 16384, 64, 0),
		 "nv_csum_range at offset 16384 sums those bytes or refuses",
		 "csum.h: offsets >= 16 KiB wrap through NV_CSUM_OFF_MASK");
}

/* Parse a frame and return nv_l4_csum of it (0xff: did not parse). */
static int l4_csum_of(const __u8 *b, size_t len, struct nvgre_pkt *pkt)
{
	const __u8 *p = guard_copy(b, len);

	if (nvgre_parse(pkt, p, p + len, NVGRE_MAX_HEADER_DEFAULT) != NV_PARSE_NVGRE)
		return 0xff;
	return nv_l4_csum(pkt, p, p + len);
}

static const char *csum_name(int c)
{
	return c == NVGRE_CSUM_OK ? "OK" : c == NVGRE_CSUM_BAD ? "BAD" :
	       c == NVGRE_CSUM_NOT_CHECKED ? "NOT_CHECKED" : "no-parse";
}

static void check_l4(const char *what, const struct pkt_spec *s, int want)
{
	struct nvgre_pkt pkt;
	struct frame f;
	int got;

	f.s = *s;
	frame_build(&f);
	got = l4_csum_of(f.b, f.len, &pkt);
	tap_ok(got == want, "nv_l4_csum %d-in-%d %s %s: %s (want %s)", s->inner_ipver,
	       s->outer_ipver, l4_name(s->l4), what, csum_name(got), csum_name(want));
}

static void test_l4_csum(void)
{
	static const int l4s[] = { NV_IPPROTO_TCP, NV_IPPROTO_UDP, NV_IPPROTO_ICMP };
	int outer, inner;
	size_t i;

	for (outer = 4; outer <= 6; outer += 2)
		for (inner = 4; inner <= 6; inner += 2)
			for (i = 0; i < NV_ARRAY_SIZE(l4s); i++) {
				struct pkt_spec s;

				spec_combo(&s, outer, inner, l4s[i]);
				check_l4("good", &s, NVGRE_CSUM_OK);
				s.payload = 63;
				s.tcp_opts = 12;
				check_l4("good, odd payload", &s, NVGRE_CSUM_OK);
				s.payload = 64;
				s.tcp_opts = 0;
				s.bad_l4_csum = 1;
				check_l4("bad_l4_csum", &s, NVGRE_CSUM_BAD);
			}

	for (inner = 4; inner <= 6; inner += 2) {
		struct pkt_spec s;
		int len;
		int bad = 0;

		spec_combo(&s, 4, inner, NV_IPPROTO_UDP);
		s.udp_zero_csum = 1;
		check_l4("checksum 0", &s, inner == 4 ? NVGRE_CSUM_NOT_CHECKED : NVGRE_CSUM_BAD);

		/* Every payload length up to a full frame. */
		for (len = 0; len <= 1400; len++) {
			struct nvgre_pkt pkt;
			struct frame f;

			spec_combo(&f.s, 4, inner, len & 1 ? NV_IPPROTO_TCP : NV_IPPROTO_UDP);
			f.s.payload = len;
			frame_build(&f);
			if (l4_csum_of(f.b, f.len, &pkt) != NVGRE_CSUM_OK)
				bad++;
			f.b[f.len - 1 - len / 2] ^= 0x40;	/* one bit of the segment */
			if (l4_csum_of(f.b, f.len, &pkt) != NVGRE_CSUM_BAD)
				bad++;
		}
		tap_ok(!bad, "nv_l4_csum IPv%d tcp/udp payload 0..1400: OK, BAD after a bit flip (%d bad)",
		       inner, bad);
	}

	{
		struct pkt_spec s;
		struct nvgre_pkt pkt;
		struct frame f;

		spec_combo(&s, 4, 4, NV_IPPROTO_TCP);
		s.inner_frag = 1;
		check_l4("inner fragment", &s, NVGRE_CSUM_NOT_CHECKED);

		/* The UDP length must match the IP length. */
		spec_combo(&f.s, 4, 6, NV_IPPROTO_UDP);
		frame_build(&f);
		nv_put16(f.b + f.len - f.s.payload - 4, 8 + f.s.payload - 2);
		tap_ok(l4_csum_of(f.b, f.len, &pkt) == NVGRE_CSUM_BAD,
		       "nv_l4_csum udp length shorter than the IP payload: BAD");

		/* L4 beyond MaxHeaderSize: not checked (PARSE-3). */
		spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
		frame_build(&f);
		parse_n(&pkt, f.b, f.len, 80);
		tap_ok(nv_l4_csum(&pkt, f.b, f.b + f.len) == NVGRE_CSUM_NOT_CHECKED,
		       "nv_l4_csum with L4 beyond max_header 80: NOT_CHECKED");
	}
}

static void test_ipv4_hdr(void)
{
	static const int opts[] = { 0, 4, 20, 40 };
	size_t i;

	for (i = 0; i < NV_ARRAY_SIZE(opts); i++) {
		struct frame f;
		__u8 *p;
		int hl = 20 + opts[i];

		spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
		f.s.outer_ip_opts = opts[i];
		frame_build(&f);
		p = guard_copy(f.b, f.len);
		tap_ok(nv_ipv4_hdr_ok(p, p + f.len, 14, hl) == 1,
		       "nv_ipv4_hdr_ok outer header with %d option bytes", opts[i]);
		tap_ok(nv_ipv4_hdr_ok(p, p + f.len, f.inner_off + 14, 20) == 1,
		       "nv_ipv4_hdr_ok inner header (outer options %d)", opts[i]);
		f.b[14 + hl - 1] ^= 0x10;	/* last option byte, or the address */
		p = guard_copy(f.b, f.len);
		tap_ok(nv_ipv4_hdr_ok(p, p + f.len, 14, hl) == 0,
		       "nv_ipv4_hdr_ok outer header, last byte corrupted (%d option bytes)",
		       opts[i]);
		f.b[14 + hl - 1] ^= 0x10;
		f.b[14 + 8] -= 1;	/* TTL */
		p = guard_copy(f.b, f.len);
		tap_ok(nv_ipv4_hdr_ok(p, p + f.len, 14, hl) == 0,
		       "nv_ipv4_hdr_ok outer header, TTL changed (%d option bytes)", opts[i]);
		p = guard_copy(f.b, 14 + hl - 1);
		tap_ok(nv_ipv4_hdr_ok(p, p + 14 + hl - 1, 14, hl) == 0,
		       "nv_ipv4_hdr_ok header cut by the buffer end (%d option bytes)", opts[i]);
	}

	{
		struct frame f;
		__u8 *p;

		spec_combo(&f.s, 6, 4, NV_IPPROTO_UDP);
		f.s.bad_inner_csum = 1;
		frame_build(&f);
		p = guard_copy(f.b, f.len);
		tap_ok(nv_ipv4_hdr_ok(p, p + f.len, f.inner_off + 14, 20) == 0,
		       "nv_ipv4_hdr_ok inner header with bad_inner_csum");
		spec_combo(&f.s, 4, 6, NV_IPPROTO_UDP);
		f.s.bad_outer_csum = 1;
		frame_build(&f);
		p = guard_copy(f.b, f.len);
		tap_ok(nv_ipv4_hdr_ok(p, p + f.len, 14, 20) == 0,
		       "nv_ipv4_hdr_ok outer header with bad_outer_csum");
	}
}

/* ---- parser: well-formed frames ---------------------------------------- */

/* Build s, parse it with max_header, compare every field with the model. */
static void check_parse(const char *what, const struct pkt_spec *s, __u32 max_header)
{
	struct nvgre_pkt got, want;
	char name[128];
	struct frame f;
	int ret;

	snprintf(name, sizeof(name), "%d-in-%d %s%s%s", s->inner_ipver, s->outer_ipver,
		 s->inner_ipver ? l4_name(s->l4) : s->inner_ethertype ? "non-IP" : "arp",
		 *what ? " " : "", what);
	f.s = *s;
	if (frame_build(&f)) {
		tap_ok(0, "parse %s: frame built", name);
		return;
	}
	ret = parse_n(&got, f.b, f.len, max_header);
	expect_pkt(s, f.len, &want);
	expect_limit(&want, max_header);
	tap_ok(ret == NV_PARSE_NVGRE && got.inner_l2_off == f.inner_off &&
	       pkt_match(name, &got, &want, 0),
	       "parse %s: %s l3 %u gre %u l2 %u l3 %u l4 %u-%u flags 0x%x",
	       name, verdict_name(ret), got.l3_off, got.gre_off, got.inner_l2_off,
	       got.inner_l3_off, got.inner_l4_off, got.inner_l4_end, got.flags);
}

static void test_parse_combos(void)
{
	static const int l4s[] = { NV_IPPROTO_TCP, NV_IPPROTO_UDP, NV_IPPROTO_ICMP };
	struct pkt_spec s;
	int outer, inner;
	size_t i;

	for (outer = 4; outer <= 6; outer += 2) {
		for (inner = 4; inner <= 6; inner += 2)
			for (i = 0; i < NV_ARRAY_SIZE(l4s); i++) {
				spec_combo(&s, outer, inner, l4s[i]);
				check_parse("", &s, NVGRE_MAX_HEADER_DEFAULT);
			}
		spec_combo(&s, outer, 0, 0);
		check_parse("(inner not IP)", &s, NVGRE_MAX_HEADER_DEFAULT);
		/* Other EtherTypes, down to a bare 14-byte inner header. */
		s.inner_ethertype = 0x88b5;
		s.payload = 0;
		check_parse("(inner 0x88b5, no payload)", &s, NVGRE_MAX_HEADER_DEFAULT);
		s.inner_ethertype = 0x88cc;
		s.payload = 46;
		check_parse("(inner 0x88cc, 46 bytes)", &s, NVGRE_MAX_HEADER_DEFAULT);
	}
}

static void test_parse_variants(void)
{
	struct pkt_spec s;
	int n;

	for (n = 1; n <= 2; n++) {
		spec_combo(&s, 4, 4, NV_IPPROTO_TCP);
		s.outer_vlans = n;
		check_parse(n == 1 ? "1 outer VLAN" : "2 outer VLANs", &s, 256);
		spec_combo(&s, 6, 6, NV_IPPROTO_UDP);
		s.outer_vlans = n;
		check_parse(n == 1 ? "1 outer VLAN" : "2 outer VLANs", &s, 256);
	}
	for (n = 4; n <= 40; n += 12) {
		char what[32];

		spec_combo(&s, 4, 6, NV_IPPROTO_TCP);
		s.outer_ip_opts = n;
		snprintf(what, sizeof(what), "%d outer IPv4 option bytes", n);
		check_parse(what, &s, 256);
	}
	for (n = 1; n <= NV_MAX_EXTHDRS; n++) {
		char what[32];

		spec_combo(&s, 6, n & 1 ? 4 : 6, NV_IPPROTO_UDP);
		s.outer_ext = n;
		snprintf(what, sizeof(what), "%d outer IPv6 ext headers", n);
		check_parse(what, &s, 256);
	}
	for (n = 1; n <= 3; n++) {
		char what[32];

		spec_combo(&s, n == 2 ? 4 : 6, 6, n == 3 ? NV_IPPROTO_UDP : NV_IPPROTO_TCP);
		s.inner_ext = n;
		snprintf(what, sizeof(what), "%d inner IPv6 ext headers", n);
		check_parse(what, &s, 256);
	}
	for (n = 0; n < 4; n++) {
		spec_combo(&s, n & 1 ? 6 : 4, n & 2 ? 6 : 4, NV_IPPROTO_TCP);
		s.inner_frag = 1;
		check_parse("inner fragment", &s, 256);
	}
	spec_combo(&s, 6, 6, NV_IPPROTO_UDP);
	s.inner_frag = 1;
	s.inner_ext = 1;
	check_parse("inner ext header + fragment", &s, 256);

	spec_combo(&s, 4, 4, NV_IPPROTO_TCP);
	s.tcp_opts = 20;
	check_parse("20 TCP option bytes", &s, 256);
	spec_combo(&s, 6, 4, NV_IPPROTO_UDP);
	s.payload = 0;
	check_parse("empty UDP", &s, 256);
	spec_combo(&s, 4, 6, NV_IPPROTO_ICMP);
	memcpy(s.inner_dmac, (__u8[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
	check_parse("multicast inner MAC", &s, 256);
	spec_combo(&s, 6, 4, NV_IPPROTO_TCP);
	s.outer_tos = 0xb9;	/* DSCP 46, ECT(1) */
	s.inner_tos = 0x03;	/* CE */
	check_parse("ECN outer ECT(1) inner CE", &s, 256);
	spec_combo(&s, 4, 6, NV_IPPROTO_UDP);
	s.outer_tos = 0x02;
	s.inner_tos = 0xa1;
	check_parse("ECN outer ECT(0) inner ECT(1)", &s, 256);
	spec_combo(&s, 4, 4, NV_IPPROTO_TCP);
	s.flowid = 0;
	s.vsid = 0x1000;
	check_parse("VSID 0x1000 FlowID 0", &s, 256);
	s.flowid = 0xff;
	s.vsid = 0xfffffe;
	check_parse("VSID 0xfffffe FlowID 0xff", &s, 256);
	spec_combo(&s, 4, 4, NV_IPPROTO_TCP);
	s.payload = 1400;
	check_parse("1400-byte payload", &s, 512);
}

/* Trailing bytes: Ethernet padding after the outer packet, padding inside. */
static void test_parse_padding(void)
{
	struct nvgre_pkt got, want;
	struct frame f;
	int ret;

	spec_combo(&f.s, 4, 4, NV_IPPROTO_UDP);
	f.s.payload = 0;
	frame_build(&f);
	expect_pkt(&f.s, f.len, &want);
	memset(f.b + f.len, 0, 20);
	ret = parse_n(&got, f.b, f.len + 20, 256);
	tap_ok(ret == NV_PARSE_NVGRE && pkt_match("eth padding", &got, &want, 0),
	       "parse: Ethernet padding after the outer packet is ignored (outer_end %u)",
	       got.outer_end);

	/* Inner frame padded inside the GRE payload: outer length covers it. */
	nv_put16(f.b + 14 + 2, f.len + 20 - 14);
	fix_ip4_csum(f.b + 14);
	want.outer_end = f.len + 20;
	ret = parse_n(&got, f.b, f.len + 20, 256);
	tap_ok(ret == NV_PARSE_NVGRE && pkt_match("inner padding", &got, &want, 0),
	       "parse: padded inner frame, inner_end %u < outer_end %u",
	       got.inner_end, got.outer_end);
}

/* PARSE-3: every MaxHeaderSize from 0 to 600 on a few frames. */
static void test_parse_max_header(void)
{
	static const struct { int outer, inner, l4, ext; } cases[] = {
		{ 4, 4, NV_IPPROTO_TCP, 0 },
		{ 6, 6, NV_IPPROTO_UDP, 0 },
		{ 6, 4, NV_IPPROTO_ICMP, 0 },
		{ 4, 6, NV_IPPROTO_TCP, 2 },
	};
	size_t i;

	for (i = 0; i < NV_ARRAY_SIZE(cases); i++) {
		struct nvgre_pkt got, want;
		struct frame f;
		__u32 m;
		int bad = 0;

		spec_combo(&f.s, cases[i].outer, cases[i].inner, cases[i].l4);
		f.s.inner_ext = cases[i].ext;
		frame_build(&f);
		for (m = 0; m <= 600; m++) {
			char name[64];
			int ret = parse_n(&got, f.b, f.len, m);

			snprintf(name, sizeof(name), "max_header %u", m);
			expect_pkt(&f.s, f.len, &want);
			expect_limit(&want, m);
			if (ret != NV_PARSE_NVGRE || !pkt_match(name, &got, &want, bad >= MAX_DIAG))
				bad++;
		}
		tap_ok(!bad, "parse %d-in-%d %s (ext %d) with max_header 0..600 (%d bad)",
		       cases[i].inner, cases[i].outer, l4_name(f.s.l4), cases[i].ext, bad);
	}

	{
		struct nvgre_pkt got;
		struct frame f;
		int ret;

		spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
		frame_build(&f);
		ret = parse_n(&got, f.b, f.len, 60);
		tap_ok(ret == NV_PARSE_NVGRE && (got.flags & NV_PKT_HDR_LIMIT) &&
		       !got.inner_l3_off && !got.inner_l4_off && got.key == nvgre_key(f.s.vsid, f.s.flowid),
		       "parse max_header 60: NVGRE, NV_PKT_HDR_LIMIT, no inner offsets");
	}
}

/* ---- parser: verdicts -------------------------------------------------- */

static int check_verdict(const char *what, const __u8 *b, size_t len, __u32 max_header,
			 int verdict, int why)
{
	struct nvgre_pkt pkt;
	int ret = parse_n(&pkt, b, len, max_header);
	int got_why = ret == NV_PARSE_DROP ? pkt.reason : ret == NV_PARSE_PASS ? pkt.counter : 0;
	int other = ret == NV_PARSE_DROP ? pkt.counter : ret == NV_PARSE_PASS ? pkt.reason : 0;

	return tap_ok(ret == verdict && got_why == why && !other,
		      "%s: %s/%d (want %s/%d)", what, verdict_name(ret), got_why,
		      verdict_name(verdict), why);
}

/* W-8: every GRE header that is not exactly NVGRE goes to the host. */
static void test_gre_variants(void)
{
	static const struct {
		const char *name;
		__u16 flags, proto;
		int len;
	} v[] = {
		{ "C bit (checksum present)", 0xa000, 0, 12 },
		{ "R bit (routing present)", 0x6000, 0, 8 },
		{ "S bit (sequence number)", 0x3000, 0, 12 },
		{ "C and S bits", 0xb000, 0, 16 },
		{ "reserved bit 0x0800", 0x2800, 0, 8 },
		{ "reserved bit 0x0400", 0x2400, 0, 8 },
		{ "reserved bit 0x0200", 0x2200, 0, 8 },
		{ "reserved bit 0x0100", 0x2100, 0, 8 },
		{ "reserved bit 0x0080", 0x2080, 0, 8 },
		{ "reserved bit 0x0040", 0x2040, 0, 8 },
		{ "reserved bit 0x0020", 0x2020, 0, 8 },
		{ "reserved bit 0x0010", 0x2010, 0, 8 },
		{ "reserved bit 0x0008", 0x2008, 0, 8 },
		{ "version 1", 0x2001, 0, 8 },
		{ "version 2", 0x2002, 0, 8 },
		{ "version 4", 0x2004, 0, 8 },
		{ "PPTP enhanced GRE", 0x3081, 0x880b, 12 },
		{ "proto 0x0800", 0x2000, 0x0800, 8 },
		{ "proto 0x86dd", 0x2000, 0x86dd, 8 },
		{ "proto 0x88be (ERSPAN)", 0x1000, 0x88be, 8 },
		{ "proto 0x6559", 0x2000, 0x6559, 8 },
	};
	struct frame f;
	size_t i;
	int outer;

	for (i = 0; i < NV_ARRAY_SIZE(v); i++) {
		char what[96];

		spec_combo(&f.s, i & 1 ? 6 : 4, 4, NV_IPPROTO_TCP);
		f.s.gre_flags = v[i].flags;
		f.s.gre_proto = v[i].proto;
		f.s.gre_len = v[i].len;
		frame_build(&f);
		snprintf(what, sizeof(what), "W-8 GRE %s (0x%04x/0x%04x) is not NVGRE",
			 v[i].name, v[i].flags, v[i].proto ? v[i].proto : NV_ETH_P_TEB);
		check_verdict(what, f.b, f.len, 256, NV_PARSE_PASS, NVGRE_CNT_RX_NOT_NVGRE);
	}
	for (outer = 4; outer <= 6; outer += 2) {
		spec_combo(&f.s, outer, 4, NV_IPPROTO_TCP);
		frame_build(&f);
		nv_put16(f.b + f.inner_off - NVGRE_HLEN, 0x0000);	/* K=0, key bytes kept */
		check_verdict(outer == 4 ? "W-8 GRE flags 0 before a key, outer IPv4" :
			      "W-8 GRE flags 0 before a key, outer IPv6",
			      f.b, f.len, 256, NV_PARSE_PASS, NVGRE_CNT_RX_NOT_NVGRE);
		f.s.gre_nokey = 1;				/* 4-byte GRE header */
		frame_build(&f);
		check_verdict(outer == 4 ? "W-8 GRE without key (4 bytes), outer IPv4" :
			      "W-8 GRE without key (4 bytes), outer IPv6",
			      f.b, f.len, 256, NV_PARSE_PASS, NVGRE_CNT_RX_NOT_NVGRE);
	}
}

static void test_vsids(void)
{
	static const __u32 reserved[] = { 0, 1, 0x800, 0xfff, 0xffffff };
	struct frame f;
	size_t i;

	for (i = 0; i < NV_ARRAY_SIZE(reserved); i++) {
		char what[64];

		spec_combo(&f.s, i & 1 ? 6 : 4, 4, NV_IPPROTO_UDP);
		f.s.vsid = reserved[i];
		frame_build(&f);
		snprintf(what, sizeof(what), "W-4 reserved VSID 0x%x dropped", reserved[i]);
		check_verdict(what, f.b, f.len, 256, NV_PARSE_DROP, NVGRE_DROP_RESERVED_VSID);
	}
}

/* W-5: an inner 802.1Q or 802.1ad tag is dropped. */
static void test_inner_vlan(void)
{
	struct frame f;
	int outer;

	for (outer = 4; outer <= 6; outer += 2) {
		spec_combo(&f.s, outer, 6, NV_IPPROTO_TCP);
		f.s.inner_vlan = 1;
		frame_build(&f);
		check_verdict(outer == 4 ? "W-5 inner 802.1Q, outer IPv4" :
			      "W-5 inner 802.1Q, outer IPv6",
			      f.b, f.len, 256, NV_PARSE_DROP, NVGRE_DROP_INNER_VLAN);
		nv_put16(f.b + f.inner_off + 12, NV_ETH_P_8021AD);
		check_verdict(outer == 4 ? "W-5 inner 802.1ad, outer IPv4" :
			      "W-5 inner 802.1ad, outer IPv6",
			      f.b, f.len, 256, NV_PARSE_DROP, NVGRE_DROP_INNER_VLAN);
	}
}

/* Outer headers that make a frame the host's. */
static void test_outer_pass(void)
{
	struct frame f;

	spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
	f.s.outer_vlans = 3;
	frame_build(&f);
	check_verdict("3 outer VLAN tags: not parsed", f.b, f.len, 256,
		      NV_PARSE_PASS, NVGRE_CNT_RX_NOT_NVGRE);
	spec_combo(&f.s, 6, 6, NV_IPPROTO_UDP);
	f.s.outer_vlans = 3;
	frame_build(&f);
	check_verdict("3 outer VLAN tags, outer IPv6: not parsed", f.b, f.len, 256,
		      NV_PARSE_PASS, NVGRE_CNT_RX_NOT_NVGRE);

	spec_combo(&f.s, 4, 6, NV_IPPROTO_UDP);
	f.s.outer_vlans = 2;
	frame_build(&f);
	nv_put16(f.b + 12, NV_ETH_P_8021AD);	/* QinQ: 802.1ad outside 802.1Q */
	{
		struct nvgre_pkt got;
		int ret = parse_n(&got, f.b, f.len, 256);

		tap_ok(ret == NV_PARSE_NVGRE && got.l3_off == 22 && got.gre_off == 42,
		       "802.1ad + 802.1Q outer tags: NVGRE, l3 %u gre %u", got.l3_off, got.gre_off);
	}

	spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
	f.s.outer_frag = 1;
	frame_build(&f);
	check_verdict("W-8 outer IPv4 MF: host reassembles", f.b, f.len, 256,
		      NV_PARSE_PASS, NVGRE_CNT_RX_OUTER_FRAGMENT);
	f.s.outer_frag = 0;
	frame_build(&f);
	nv_put16(f.b + 14 + 6, 0x0001);		/* last fragment, offset 8 */
	fix_ip4_csum(f.b + 14);
	check_verdict("W-8 outer IPv4 last fragment (offset 8): host reassembles", f.b, f.len,
		      256, NV_PARSE_PASS, NVGRE_CNT_RX_OUTER_FRAGMENT);
	spec_combo(&f.s, 6, 4, NV_IPPROTO_TCP);
	f.s.outer_frag = 1;
	frame_build(&f);
	check_verdict("W-8 outer IPv6 fragment header: host reassembles", f.b, f.len, 256,
		      NV_PARSE_PASS, NVGRE_CNT_RX_OUTER_FRAGMENT);
	f.s.outer_ext = 2;
	frame_build(&f);
	check_verdict("W-8 outer IPv6 fragment header after 2 ext headers", f.b, f.len, 256,
		      NV_PARSE_PASS, NVGRE_CNT_RX_OUTER_FRAGMENT);

	spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
	frame_build(&f);
	f.b[14 + 9] = NV_IPPROTO_UDP;
	check_verdict("outer IPv4 protocol UDP", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);
	f.b[14 + 9] = NV_IPPROTO_GRE;
	f.b[14] = 0x65;
	check_verdict("outer EtherType IPv4 with version 6", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);
	f.b[14] = 0x44;
	check_verdict("outer IPv4 IHL 4", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);
	f.b[14] = 0x45;
	nv_put16(f.b + 16, 19);
	check_verdict("outer IPv4 total length < IHL", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);
	nv_put16(f.b + 16, f.len - 14);
	nv_put16(f.b + 12, NV_ETH_P_ARP);
	check_verdict("outer EtherType ARP", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);

	spec_combo(&f.s, 6, 6, NV_IPPROTO_TCP);
	frame_build(&f);
	f.b[14 + 6] = NV_IPPROTO_UDP;
	check_verdict("outer IPv6 next header UDP", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);
	f.b[14 + 6] = NV_IPPROTO_GRE;
	f.b[14] = 0x45;
	check_verdict("outer EtherType IPv6 with version 4", f.b, f.len, 256, NV_PARSE_PASS,
		      NVGRE_CNT_RX_NOT_NVGRE);
}

/* Inner headers that lie about themselves. */
static void test_inner_drop(void)
{
	struct frame f;
	__u8 *ip;

	spec_combo(&f.s, 4, 4, NV_IPPROTO_TCP);
	frame_build(&f);
	ip = f.b + f.inner_off + 14;
	ip[0] = 0x65;
	check_verdict("inner IPv4 EtherType with version 6", f.b, f.len, 256,
		      NV_PARSE_DROP, NVGRE_DROP_BAD_INNER_IP);
	ip[0] = 0x44;
	check_verdict("inner IPv4 IHL 4", f.b, f.len, 256, NV_PARSE_DROP,
		      NVGRE_DROP_BAD_INNER_IP);
	ip[0] = 0x45;
	nv_put16(ip + 2, 19);
	check_verdict("inner IPv4 total length < IHL", f.b, f.len, 256, NV_PARSE_DROP,
		      NVGRE_DROP_BAD_INNER_IP);
	nv_put16(ip + 2, f.b + f.len - ip + 1);
	check_verdict("inner IPv4 one byte longer than the outer packet", f.b, f.len, 256,
		      NV_PARSE_DROP, NVGRE_DROP_TRUNCATED);
	nv_put16(ip + 2, 20 + 10);
	check_verdict("inner IPv4 ends inside the TCP header", f.b, f.len, 256,
		      NV_PARSE_DROP, NVGRE_DROP_TRUNCATED);
	nv_put16(ip + 2, f.b + f.len - ip);
	ip[20 + 12] = 0x40;
	check_verdict("inner TCP data offset 4", f.b, f.len, 256, NV_PARSE_DROP,
		      NVGRE_DROP_BAD_INNER_IP);

	spec_combo(&f.s, 6, 4, NV_IPPROTO_UDP);
	frame_build(&f);
	ip = f.b + f.inner_off + 14;
	nv_put16(ip + 2, 20 + 4);
	check_verdict("inner IPv4 ends inside the UDP header", f.b, f.len, 256,
		      NV_PARSE_DROP, NVGRE_DROP_TRUNCATED);

	spec_combo(&f.s, 4, 6, NV_IPPROTO_UDP);
	frame_build(&f);
	ip = f.b + f.inner_off + 14;
	ip[0] = 0x40;
	check_verdict("inner IPv6 EtherType with version 4", f.b, f.len, 256,
		      NV_PARSE_DROP, NVGRE_DROP_BAD_INNER_IP);
	ip[0] = 0x60;
	nv_put16(ip + 4, nv_get16(ip + 4) + 1);
	check_verdict("inner IPv6 payload one byte longer than the outer packet", f.b, f.len,
		      256, NV_PARSE_DROP, NVGRE_DROP_TRUNCATED);

	spec_combo(&f.s, 6, 6, NV_IPPROTO_TCP);
	f.s.inner_ext = 1;
	frame_build(&f);
	ip = f.b + f.inner_off + 14;
	ip[40 + 1] = 20;	/* 168 bytes: longer than the packet, within 512 */
	check_verdict("inner IPv6 ext header longer than the packet", f.b, f.len, 512,
		      NV_PARSE_DROP, NVGRE_DROP_BAD_INNER_IP);
}

/*
 * Spec vs. code: limits of the extension-header walk and of header offsets
 * (see the report).  Where the spec is not definite only safety is asserted.
 */
static void test_parse_edges(void)
{
	struct nvgre_pkt got;
	struct frame f;
	int ret;

	/* 7 outer ext headers: more than the walk takes; never a drop. */
	spec_combo(&f.s, 6, 4, NV_IPPROTO_TCP);
	f.s.outer_ext = NV_MAX_EXTHDRS + 1;
	frame_build(&f);
	ret = parse_n(&got, f.b, f.len, 256);
	tap_ok(ret == NV_PARSE_PASS || (ret == NV_PARSE_NVGRE && got.gre_off == 14 + 40 + 56),
	       "7 outer IPv6 ext headers: host's or parsed right, never dropped (%s)",
	       verdict_name(ret));

	/* 7 inner ext headers (56 bytes, well within MaxHeaderSize): valid tenant packet. */
	spec_combo(&f.s, 4, 6, NV_IPPROTO_TCP);
	f.s.inner_ext = NV_MAX_EXTHDRS + 1;
	frame_build(&f);
	ret = parse_n(&got, f.b, f.len, 256);
	tap_ok_bugfix(ret == NV_PARSE_NVGRE,
		 "7 inner IPv6 ext headers: delivered (NVGRE), not dropped as bad-inner-ip",
		 "parse.h: nv_skip_exthdrs 'too many' is treated as a lying packet");

	/*
	 * GRE at offset 510 (one 456-byte outer hop-by-hop header): the inner
	 * headers all lie beyond MaxHeaderSize 512, so the frame must be
	 * NVGRE with NV_PKT_HDR_LIMIT (PARSE-3).
	 */
	spec_combo(&f.s, 6, 4, NV_IPPROTO_TCP);
	f.s.outer_ext = 1;
	frame_build(&f);
	memmove(f.b + 62 + 448, f.b + 62, f.len - 62);
	memset(f.b + 62, 0, 448);		/* Pad1 options */
	f.b[54 + 1] = 56;			/* (56 + 1) * 8 = 456 bytes */
	nv_put16(f.b + 18, nv_get16(f.b + 18) + 448);
	f.len += 448;
	ret = parse_n(&got, f.b, f.len, 512);
	tap_ok(ret == NV_PARSE_NVGRE && got.gre_off == 510 && !got.inner_l3_off &&
	       !got.inner_l4_off && got.key == nvgre_key(f.s.vsid, f.s.flowid),
	       "GRE at offset 510: NVGRE, no inner offsets (%s gre %u)",
	       verdict_name(ret), got.gre_off);
	tap_ok_bugfix(ret == NV_PARSE_NVGRE && (got.flags & NV_PKT_HDR_LIMIT),
		 "GRE at offset 510: inner headers beyond 512 flagged NV_PKT_HDR_LIMIT",
		 "parse.h: nv_parse_inner_l3 returns early without the flag when off > 512");

	/* Past NVGRE_MAX_HEADER_SUPPORTED the GRE header itself is not read. */
	memmove(f.b + 510 + 8, f.b + 510, f.len - 510);
	memset(f.b + 510, 0, 8);
	f.b[54 + 1] = 57;
	nv_put16(f.b + 18, nv_get16(f.b + 18) + 8);
	f.len += 8;
	check_verdict("GRE at offset 518 (> 512): host's, parse limit", f.b, f.len, 512,
		      NV_PARSE_PASS, NVGRE_CNT_RX_PARSE_LIMIT);
}

/* ---- parser: truncation ------------------------------------------------ */

/* Rewrite the outer IP length so that the outer packet ends at n. */
static void fix_outer_len(__u8 *b, size_t n, const struct nvgre_pkt *full)
{
	__u32 l3 = full->l3_off;

	if (full->outer_ipver == 4) {
		if (n >= l3 + 4)
			nv_put16(b + l3 + 2, n - l3);
		if (n >= l3 + full->outer_ihl)
			fix_ip4_csum(b + l3);
	} else if (n >= l3 + 40) {
		nv_put16(b + l3 + 4, n - l3 - 40);
	}
}

/*
 * The verdict for the first n bytes of a valid frame of len bytes.
 * Outer length untouched: the outer packet claims more than is there, so
 * it is not ours to judge (PASS).  Outer length rewritten: PASS until the
 * GRE header is complete (it may be anyone's GRE), then NVGRE with a cut
 * inner frame: DROP(TRUNCATED), until the frame is whole again.
 */
static int trunc_expect(size_t n, size_t len, size_t gre_end, int fixed, int *why)
{
	if (n == len) {
		*why = 0;
		return NV_PARSE_NVGRE;
	}
	if (!fixed || n < gre_end) {
		*why = NVGRE_CNT_RX_NOT_NVGRE;
		return NV_PARSE_PASS;
	}
	*why = NVGRE_DROP_TRUNCATED;
	return NV_PARSE_DROP;
}

enum trunc_mode {
	TRUNC_CUT,	/* buffer cut at n, lengths as built */
	TRUNC_FIXED,	/* buffer cut at n, outer length says n */
	TRUNC_PADDED,	/* outer length says n, the rest stays as padding */
};

static const char *const trunc_names[] = {
	[TRUNC_CUT] = "buffer cut, outer length as built: PASS",
	[TRUNC_FIXED] = "buffer cut, outer length rewritten: PASS before GRE end, then DROP truncated",
	[TRUNC_PADDED] = "outer length shortened, bytes left as padding: same as rewritten",
};

static void test_truncation(int outer, int inner, int l4)
{
	struct nvgre_pkt full, got;
	struct frame f;
	size_t gre_end, n, first;
	int mode;

	spec_combo(&f.s, outer, inner, l4);
	frame_build(&f);
	expect_pkt(&f.s, f.len, &full);
	gre_end = full.gre_off + NVGRE_HLEN;

	for (mode = TRUNC_CUT; mode <= TRUNC_PADDED; mode++) {
		int bad = 0;

		/* Padded: only lengths the outer length field can express. */
		first = mode != TRUNC_PADDED ? 0 : full.l3_off + (outer == 4 ? 4 : 40);
		for (n = first; n <= f.len; n++) {
			__u8 cut[PKT_MAX];
			size_t blen = mode == TRUNC_PADDED ? f.len : n;
			int why, ret, got_why;
			int want = trunc_expect(n, f.len, gre_end, mode != TRUNC_CUT, &why);

			memcpy(cut, f.b, blen);
			if (mode != TRUNC_CUT)
				fix_outer_len(cut, n, &full);
			ret = parse_n(&got, cut, blen, NVGRE_MAX_HEADER_DEFAULT);
			got_why = ret == NV_PARSE_DROP ? got.reason :
				  ret == NV_PARSE_PASS ? got.counter : 0;
			if (ret == want && got_why == why)
				continue;
			if (bad++ < MAX_DIAG)
				tap_diag("%d-in-%d %s mode %d at %zu: %s/%d, want %s/%d", inner, outer,
					 l4_name(f.s.l4), mode, n, verdict_name(ret), got_why,
					 verdict_name(want), why);
		}
		tap_ok(!bad, "%d-in-%d %s truncated at %zu..%zu, %s (%d bad)", inner, outer,
		       l4_name(f.s.l4), first, f.len, trunc_names[mode], bad);
	}
}

/* ---- main -------------------------------------------------------------- */

/* ---- ip_index (loader/ip_index.c) against a plain model ------------------- */

#define IPX_MACS	24
#define IPX_IPS		6	/* distinct IPs a MAC can hold in this test */

static void test_ip_index(void)
{
	struct ip_index x = {};
	__u8 model[IPX_MACS][IPX_IPS] = {};	/* model[mac][ip]: held */
	int step, bad = 0, first_bad = -1;

	for (step = 0; step < 20000; step++) {
		int m = rnd() % IPX_MACS, i = rnd() % IPX_IPS, add = rnd() % 3 != 0, n, k, j;
		__u32 vsid = 5000 + m % 3;	/* MACs of three VSIDs */
		__u8 mac[6] = {0x02, 0, 0, 0, 0, (__u8)m};
		union nvgre_ip ip = {}, got[IPX_IPS + 1];

		ip.b[15] = (__u8)(i + 1);
		ip.b[0] = (__u8)m;	/* each MAC's own addresses */
		if (add)
			ip_index_add(&x, vsid, mac, &ip);
		else
			ip_index_del(&x, vsid, mac, &ip);
		model[m][i] = add;
		n = ip_index_get(&x, vsid, mac, got, IPX_IPS + 1);
		unsigned int want = 0, seen = 0;

		for (j = 0; j < IPX_IPS; j++)
			want |= (unsigned int)model[m][j] << j;
		for (j = 0; j < n && j <= IPX_IPS; j++)
			seen |= got[j].b[0] == m && got[j].b[15] >= 1 && got[j].b[15] <= IPX_IPS ?
				1u << (got[j].b[15] - 1) : 1u << 31;
		k = __builtin_popcount(want);
		if (n != k || seen != want) {
			bad++;
			if (first_bad < 0)
				first_bad = step;
		}
	}
	tap_ok(!bad && !x.broken, "ip index: 20000 random adds and deletes (24 MACs, 3 VSIDs): "
	       "each MAC's IPs as a plain model says (%d wrong, first at step %d)", bad, first_bad);
	ip_index_free(&x);
	tap_ok(!x.root && !x.macs, "ip index: freed");
}

int main(void)
{
	const char *seed = getenv("NV_TEST_SEED");

	if (seed)
		rng_state = strtoull(seed, NULL, 0) | 1;
	tap_diag("random seed 0x%llx (NV_TEST_SEED)", (unsigned long long)rng_state);
	if (guard_init(GUARD_ROOM)) {
		perror("guard page");
		return 2;
	}
	nvgre_rss_build_table(&rss_table, default_key);

	test_wire();
	test_overhead();

	test_rss_vectors();
	test_rss_fallbacks();
	test_rss_outer();
	test_rss_random_key();

	test_csum_range();
	test_csum_split();
	test_csum_limits();
	test_l4_csum();
	test_ipv4_hdr();

	test_parse_combos();
	test_parse_variants();
	test_parse_padding();
	test_parse_max_header();
	test_gre_variants();
	test_vsids();
	test_inner_vlan();
	test_outer_pass();
	test_inner_drop();
	test_parse_edges();
	test_truncation(4, 4, NV_IPPROTO_TCP);
	test_truncation(6, 6, NV_IPPROTO_UDP);
	test_truncation(4, 6, NV_IPPROTO_ICMP);
	test_truncation(6, 4, NV_IPPROTO_TCP);

	test_ip_index();
	return tap_done();
}
