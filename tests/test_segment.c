// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the user-space segmenter and checksum completion
 * (loader/segment.c; SPEC LSO-1..3, USO-1, CSUM-TX-1).
 *
 * Frames are built here byte by byte (IPv4 options, IPv6 extension headers,
 * TCP options, payloads up to 65000 bytes, which tests/pktbuild.c cannot
 * hold) or taken from tests/pktbuild.c (its inner frame).  What every
 * segment must hold is worked out from the original frame and the spec;
 * checksums are checked with pkt_csum, which shares no code with the
 * segmenter.  Input frames end right at an inaccessible page, so a read past
 * the given length faults.
 *
 * Usage: test_segment [out.pcap] -- every emitted segment (and every frame
 * completed by nvgre_csum_complete) is written there for
 * tests/segment/check_segments.sh to check with tshark.  Each case has its
 * own TCP/UDP source port, so each is its own stream for tshark.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <nvgre/bytes.h>
#include <nvgre/segment.h>
#include "guard.h"
#include "tap.h"
#include "pktbuild.h"

#define FRAME_MAX	(14 + 40 + 65535 + 64)
#define MAX_SEGS	70000
#define COLLECT_BYTES	(8u << 20)
#define MAX_DIAG	4	/* mismatches printed per check */
#define DPORT		47001	/* no tshark dissector on it */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10
#define F_URG	0x20
#define F_ECE	0x40
#define F_CWR	0x80

static __u16 next_port = 20000;	/* a fresh source port per case */

/* ---- small helpers ----------------------------------------------------- */

static __u32 rng = 0x2545f491;

static __u8 rnd8(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 16;
}

/* ---- guarded memory ---------------------------------------------------- */

/* ---- pcap output ------------------------------------------------------- */

static FILE *pcap;
static __u32 pcap_usec, pcap_frames;

static int pcap_open(const char *path)
{
	struct {
		__u32 magic;
		__u16 major, minor;
		__s32 zone;
		__u32 sigfigs, snaplen, linktype;
	} h = { 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1 };

	pcap = fopen(path, "wb");
	return pcap && fwrite(&h, sizeof(h), 1, pcap) == 1 ? 0 : -1;
}

static void pcap_write(const __u8 *p, size_t n)
{
	__u32 rec[4];

	if (!pcap)
		return;
	pcap_usec += 10;
	pcap_frames++;
	rec[0] = 1700000000u + pcap_usec / 1000000;
	rec[1] = pcap_usec % 1000000;
	rec[2] = rec[3] = n;
	if (fwrite(rec, sizeof(rec), 1, pcap) != 1 || fwrite(p, n, 1, pcap) != 1) {
		tap_diag("pcap write failed");
		fclose(pcap);
		pcap = NULL;
	}
}

/* ---- frames ------------------------------------------------------------ */

struct fspec {
	int ipver;		/* 4 or 6 */
	int l4;			/* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
	int ip_opts;		/* IPv4 option bytes, multiple of 4 */
	int ext;		/* IPv6 extension headers (16 bytes each) */
	int tcp_opts;		/* TCP option bytes, multiple of 4 */
	int payload;
	int pad;		/* Ethernet padding after the IP packet */
	__u8 flags;		/* TCP flags */
	__u16 ip_id, urg;
	__u32 seq;
	int udp_zero;		/* UDP checksum field 0 */
	__u16 sport;
};

/* Offsets of a frame built from a spec (or from pktbuild). */
struct flayout {
	int ipver, proto;
	size_t l4, pay, end;	/* L4 header, payload, end of IP packet */
};

static void fspec_init(struct fspec *s, int ipver, int l4)
{
	memset(s, 0, sizeof(*s));
	s->ipver = ipver;
	s->l4 = l4;
	s->flags = F_ACK | F_PSH;
	s->ip_id = 0x1234;
	s->seq = 0x10000000;
	s->sport = next_port++;
}

static void put_ip4_opts(__u8 *p, int n)
{
	int i;

	if (!n)
		return;
	memcpy(p, (__u8[]){0x94, 0x04, 0x00, 0x00}, 4);	/* router alert */
	for (i = 4; i < n; i++)
		p[i] = 0x01;				/* NOP */
	if (n > 4)
		p[n - 1] = 0x00;			/* end of list */
}

/* Extension header i of n: hop-by-hop first (of two or more), else dest opts;
 * an experimental option (0x1e) with distinct bytes. */
static __u8 ext_type(int i, int n)
{
	return i == 0 && n >= 2 ? 0 : 60;
}

static void put_ext(__u8 *p, __u8 nh, int i)
{
	int k;

	p[0] = nh;
	p[1] = 1;
	p[2] = 0x1e;
	p[3] = 12;
	for (k = 4; k < 16; k++)
		p[k] = (__u8)(0xa0 + i * 16 + k);
}

static void put_tcp_opts(__u8 *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = 0x01;
	if (n >= 12) {
		memcpy(p + 2, (__u8[]){0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,
				       0x55, 0x66, 0x77, 0x88}, 10);
	}
}

/* An Ethernet frame from the spec into b; returns its length.  The IPv4 and
 * L4 checksum fields are garbage (but for udp_zero): the code under test
 * fills them. */
static size_t build_frame(const struct fspec *s, __u8 *b, struct flayout *lo)
{
	static const __u8 src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};
	static const __u8 dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
	size_t off, l3 = 14, l4, hl, i;
	int k;

	memcpy(b, (__u8[]){0x02, 0, 0, 0, 0xa1, 0x01, 0x02, 0, 0, 0, 0x0e, 0x02}, 12);
	nv_put16(b + 12, s->ipver == 4 ? 0x0800 : 0x86dd);
	if (s->ipver == 4) {
		off = l3 + 20 + s->ip_opts;
		put_ip4_opts(b + l3 + 20, s->ip_opts);
	} else {
		off = l3 + 40;
		for (k = 0; k < s->ext; k++) {
			put_ext(b + off, k == s->ext - 1 ? s->l4 : ext_type(k + 1, s->ext), k);
			off += 16;
		}
	}
	l4 = off;
	hl = s->l4 == 6 ? 20u + s->tcp_opts : 8;
	memset(b + l4, 0, hl);
	nv_put16(b + l4 + 0, s->sport);
	nv_put16(b + l4 + 2, DPORT);
	if (s->l4 == 6) {
		nv_put32(b + l4 + 4, s->seq);
		nv_put32(b + l4 + 8, 0xa0b0c0d0);
		b[l4 + 12] = (hl / 4) << 4;
		b[l4 + 13] = s->flags;
		nv_put16(b + l4 + 14, 0xfaf0);
		nv_put16(b + l4 + 16, 0xdead);
		nv_put16(b + l4 + 18, s->urg);
		put_tcp_opts(b + l4 + 20, s->tcp_opts);
	} else if (s->l4 == 17) {
		nv_put16(b + l4 + 4, 8 + s->payload);
		nv_put16(b + l4 + 6, s->udp_zero ? 0 : 0xbeef);
	} else {
		b[l4] = s->l4 == 1 ? 8 : 128;	/* echo request */
		nv_put16(b + l4 + 2, 0xdead);
		nv_put16(b + l4 + 4, s->sport);
		nv_put16(b + l4 + 6, 1);
	}
	for (i = 0; i < (size_t)s->payload; i++)
		b[l4 + hl + i] = rnd8();
	off = l4 + hl + s->payload;

	if (s->ipver == 4) {
		b[l3] = 0x40 | (20 + s->ip_opts) / 4;
		b[l3 + 1] = 0x02;			/* ECT(0) */
		nv_put16(b + l3 + 2, off - l3);
		nv_put16(b + l3 + 4, s->ip_id);
		nv_put16(b + l3 + 6, 0x4000);		/* DF */
		b[l3 + 8] = 64;
		b[l3 + 9] = s->l4;
		nv_put16(b + l3 + 10, 0x5555);
		memcpy(b + l3 + 12, (__u8[]){192, 0, 2, 2, 192, 0, 2, 1}, 8);
	} else {
		nv_put32(b + l3, 6u << 28 | 0x02u << 20 | 0x54321);
		nv_put16(b + l3 + 4, off - l3 - 40);
		b[l3 + 6] = s->ext ? ext_type(0, s->ext) : s->l4;
		b[l3 + 7] = 64;
		memcpy(b + l3 + 8, src6, 16);
		memcpy(b + l3 + 24, dst6, 16);
	}
	memset(b + off, 0, s->pad);
	lo->ipver = s->ipver;
	lo->proto = s->l4;
	lo->l4 = l4;
	lo->pay = l4 + hl;
	lo->end = off;
	return off + s->pad;
}

/* ---- independent checks ------------------------------------------------ */

/* Pseudo-header sum (unfolded) for l4_len bytes of protocol proto. */
static __u32 pseudo_sum(const __u8 *f, int ipver, int proto, size_t l4_len)
{
	const __u8 *a = f + 14 + (ipver == 4 ? 12 : 8);
	int i, n = ipver == 4 ? 8 : 32;
	__u32 s = 0;

	for (i = 0; i < n; i += 2)
		s += nv_get16(a + i);
	return s + proto + (__u32)(l4_len >> 16) + (__u32)(l4_len & 0xffff);
}

static int ip4_csum_ok(const __u8 *f)
{
	return pkt_csum(f + 14, (f[14] & 0xf) * 4, 0) == 0;
}

/* The L4 checksum of f (layout lo) verifies; UDP 0 counts as "no checksum"
 * only when zero_ok. */
static int l4_csum_ok(const __u8 *f, const struct flayout *lo, int zero_ok)
{
	size_t n = lo->end - lo->l4;
	__u32 seed = lo->proto == 1 ? 0 : pseudo_sum(f, lo->ipver, lo->proto, n);

	if (lo->proto == 17 && nv_get16(f + lo->l4 + 6) == 0)
		return zero_ok;
	return pkt_csum(f + lo->l4, n, seed) == 0;
}

/* ---- segment collection ------------------------------------------------ */

struct collect {
	__u8 *buf;
	size_t used;
	size_t off[MAX_SEGS], len[MAX_SEGS];
	int n;
	int stop_at;		/* return stop_rc on this call (1-based), 0: never */
	int stop_rc;
	int no_pcap;
};

static struct collect col;

static void collect_reset(void)
{
	col.used = 0;
	col.n = 0;
	col.stop_at = 0;
	col.no_pcap = 0;
}

static int emit_cb(const __u8 *seg, size_t len, void *ctx)
{
	struct collect *c = ctx;

	if (c->n >= MAX_SEGS || c->used + len > COLLECT_BYTES)
		return -ENOBUFS;
	memcpy(c->buf + c->used, seg, len);
	c->off[c->n] = c->used;
	c->len[c->n] = len;
	c->used += len;
	c->n++;
	if (!c->no_pcap)
		pcap_write(seg, len);
	if (c->stop_at && c->n == c->stop_at)
		return c->stop_rc;
	return 0;
}

static const __u8 *seg_at(int i)
{
	return col.buf + col.off[i];
}

/* ---- verification of one segmented frame ------------------------------- */

/* Header bytes a segment may change, zeroed in a copy for comparison. */
static void mask_mutable(__u8 *h, const struct flayout *lo)
{
	size_t l3 = 14, l4 = lo->l4;

	if (lo->ipver == 4) {
		memset(h + l3 + 2, 0, 4);	/* total length, ID */
		memset(h + l3 + 10, 0, 2);	/* checksum */
	} else {
		memset(h + l3 + 4, 0, 2);	/* payload length */
	}
	if (lo->proto == 6) {
		memset(h + l4 + 4, 0, 4);	/* sequence number */
		h[l4 + 13] = 0;			/* flags */
		memset(h + l4 + 16, 0, 2);	/* checksum */
	} else {
		memset(h + l4 + 4, 0, 4);	/* length, checksum */
	}
}

static int expect_nseg(size_t payload, unsigned int mss)
{
	return payload ? (int)((payload + mss - 1) / mss) : 1;
}

static __u8 expect_flags(__u8 orig, int i, int n)
{
	if (i != n - 1)
		orig &= ~(F_FIN | F_PSH);
	if (i != 0)
		orig &= ~F_CWR;
	return orig;
}

/*
 * Checks every collected segment of frame f (layout lo) cut at mss; name
 * for the TAP lines.  Returns the number of failed checks.
 */
static int verify_segments(const char *name, const __u8 *f, const struct flayout *lo,
			   unsigned int mss, int rc)
{
	size_t hdr = lo->pay, payload = lo->end - lo->pay, done = 0;
	int n = expect_nseg(payload, mss), i, bad_len = 0, bad_csum = 0;
	int bad_seq = 0, bad_hdr = 0, bad_pay = 0, failed = 0;
	int udp_zero = lo->ipver == 4 && lo->proto == 17 && nv_get16(f + lo->l4 + 6) == 0;
	__u8 mo[NVGRE_SEG_HDR_MAX], ms[NVGRE_SEG_HDR_MAX];

	failed += !tap_ok(rc == n && col.n == n, "%s: %d segments (returned %d, emitted %d)",
			  name, n, rc, col.n);
	if (col.n != n)
		return failed;
	memcpy(mo, f, hdr);
	mask_mutable(mo, lo);

	for (i = 0; i < n; i++) {
		const __u8 *s = seg_at(i);
		size_t len = col.len[i], chunk = payload - done < mss ? payload - done : mss;
		struct flayout sl = *lo;
		__u16 want_ip = lo->ipver == 4 ? (__u16)(nv_get16(f + 18) + i) : 0;

		sl.end = hdr + chunk;
		/* lengths: frame, IP, UDP */
		if (len != hdr + chunk || len > hdr + mss ||
		    (lo->ipver == 4 && nv_get16(s + 16) != len - 14) ||
		    (lo->ipver == 6 && nv_get16(s + 18) != len - 54) ||
		    (lo->proto == 17 && nv_get16(s + lo->l4 + 4) != len - lo->l4)) {
			if (bad_len++ < MAX_DIAG)
				tap_diag("segment %d: length %zu, want %zu (IP/UDP length fields)",
					 i, len, hdr + chunk);
			done += chunk;
			continue;
		}
		/* checksums */
		if ((lo->ipver == 4 && !ip4_csum_ok(s)) || !l4_csum_ok(s, &sl, udp_zero) ||
		    (udp_zero && nv_get16(s + lo->l4 + 6) != 0)) {
			if (bad_csum++ < MAX_DIAG)
				tap_diag("segment %d: bad checksum (IP %04x, L4 %04x)", i,
					 lo->ipver == 4 ? nv_get16(s + 24) : 0,
					 nv_get16(s + lo->l4 + (lo->proto == 6 ? 16 : 6)));
		}
		/* sequence numbers, flags, IPv4 IDs */
		if ((lo->ipver == 4 && nv_get16(s + 18) != want_ip) ||
		    (lo->proto == 6 && (nv_get32(s + lo->l4 + 4) != nv_get32(f + lo->l4 + 4) + (__u32)done ||
					s[lo->l4 + 13] != expect_flags(f[lo->l4 + 13], i, n)))) {
			if (bad_seq++ < MAX_DIAG)
				tap_diag("segment %d: ID %04x (want %04x) seq %08x flags %02x", i,
					 lo->ipver == 4 ? nv_get16(s + 18) : 0, want_ip,
					 lo->proto == 6 ? nv_get32(s + lo->l4 + 4) : 0,
					 lo->proto == 6 ? s[lo->l4 + 13] : 0);
		}
		/* everything else in the headers (options, ext headers) unchanged */
		memcpy(ms, s, hdr);
		mask_mutable(ms, lo);
		if (memcmp(ms, mo, hdr)) {
			if (bad_hdr++ < MAX_DIAG)
				pkt_hexdump("segment headers differ", s, hdr);
		}
		if (memcmp(s + hdr, f + hdr + done, chunk))
			bad_pay++;
		done += chunk;
	}
	failed += !tap_ok(!bad_len, "%s: frame, IP%s lengths, each <= headers + mss", name,
			  lo->proto == 17 ? ", UDP" : "");
	failed += !tap_ok(!bad_csum, "%s: %sL4 checksums verify%s", name,
			  lo->ipver == 4 ? "IPv4 header and " : "",
			  udp_zero ? " (UDP checksum 0 kept)" : "");
	failed += !tap_ok(!bad_seq, "%s: %s", name, lo->proto == 6 ?
			  (lo->ipver == 4 ? "IDs increment, seqs contiguous, FIN/PSH last, CWR first" :
			   "seqs contiguous, FIN/PSH last, CWR first") :
			  (lo->ipver == 4 ? "IDs increment" : "no per-segment fields beyond lengths"));
	failed += !tap_ok(!bad_hdr, "%s: headers and options copied byte for byte", name);
	failed += !tap_ok(!bad_pay && done == payload,
			  "%s: concatenated payload equals the original (%zu bytes)", name, payload);
	return failed;
}

/* Segments f (placed at the guard page) and verifies; the input must stay unchanged. */
static int run_case(const char *name, const __u8 *frame, size_t len,
		    const struct flayout *lo, unsigned int mss)
{
	static __u8 copy[FRAME_MAX];
	const __u8 *g;
	int rc, failed;

	memcpy(copy, frame, len);
	g = guard_copy(frame, len);
	collect_reset();
	rc = nvgre_segment(g, len, mss, emit_cb, &col);
	failed = verify_segments(name, copy, lo, mss, rc);
	if (memcmp(g, copy, len)) {
		tap_ok(0, "%s: input frame modified", name);
		failed++;
	}
	return failed;
}

/* ---- the size sweep ---------------------------------------------------- */

struct variant {
	const char *name;
	int ipver, l4, ip_opts, ext, tcp_opts;
	__u8 flags;
	__u16 ip_id;
	__u32 seq;
	int udp_zero;
	unsigned int mss;
};

static const struct variant variants[] = {
	{ "v4/tcp opts", 4, 6, 8, 0, 12, F_ACK | F_PSH | F_FIN | F_CWR | F_ECE, 0x1234,
	  0x10000000, 0, 1000 },
	{ "v4/tcp plain", 4, 6, 0, 0, 0, F_ACK, 0xfff0, 0xfffff000, 0, 1460 },
	{ "v4/tcp maxopts", 4, 6, 40, 0, 40, F_ACK | F_PSH, 0x0001, 7, 0, 536 },
	{ "v6/tcp ext", 6, 6, 0, 2, 20, F_ACK | F_PSH | F_CWR, 0, 0x7ffffff0, 0, 1220 },
	{ "v6/tcp plain", 6, 6, 0, 0, 12, F_ACK | F_PSH | F_FIN, 0, 1, 0, 1440 },
	{ "v4/udp opts", 4, 17, 4, 0, 0, 0, 0xfff0, 0, 0, 1472 },
	{ "v4/udp csum0", 4, 17, 0, 0, 0, 0, 0x4321, 0, 1, 1000 },
	{ "v6/udp ext", 6, 17, 0, 1, 0, 0, 0, 0, 0, 1232 },
	{ "v6/udp jumbo mss", 6, 17, 0, 0, 0, 0, 0, 0, 0, NVGRE_SEG_MSS_MAX },
};

static void test_sweep(void)
{
	static __u8 f[FRAME_MAX];
	size_t v;
	int k;

	for (v = 0; v < ARRAY_SIZE(variants); v++) {
		const struct variant *va = &variants[v];
		unsigned int m = va->mss;
		const int sizes[] = { 0, 1, m - 1, m, m + 1, 2 * m - 1, 2 * m, 2 * m + 1,
				      10 * m + 7, 65000 };

		for (k = 0; k < (int)ARRAY_SIZE(sizes); k++) {
			struct fspec s;
			struct flayout lo;
			char name[96];
			size_t len;

			if (sizes[k] > 65000)
				continue;	/* 10 * jumbo mss: beyond 64 KiB */
			fspec_init(&s, va->ipver, va->l4);
			s.ip_opts = va->ip_opts;
			s.ext = va->ext;
			s.tcp_opts = va->tcp_opts;
			s.flags = va->flags;
			s.ip_id = va->ip_id;
			s.seq = va->seq;
			s.udp_zero = va->udp_zero;
			s.payload = sizes[k];
			len = build_frame(&s, f, &lo);
			snprintf(name, sizeof(name), "%s payload %d mss %u", va->name,
				 s.payload, m);
			run_case(name, f, len, &lo, m);
		}
	}
}

/* ---- specific cases ---------------------------------------------------- */

static void test_id_wrap(void)
{
	static __u8 f[FRAME_MAX];
	const __u16 want[5] = { 0xfffe, 0xffff, 0x0000, 0x0001, 0x0002 };
	struct fspec s;
	struct flayout lo;
	size_t len;
	int i, proto, ok;

	for (proto = 6; proto <= 17; proto += 11) {
		fspec_init(&s, 4, proto);
		s.ip_id = 0xfffe;
		s.payload = 4 * 700 + 1;
		len = build_frame(&s, f, &lo);
		run_case(proto == 6 ? "ID wrap tcp" : "ID wrap udp", f, len, &lo, 700);
		ok = col.n == 5;
		for (i = 0; ok && i < 5; i++)
			ok = nv_get16(seg_at(i) + 18) == want[i];
		tap_ok(ok, "ID wrap %s: IDs fffe ffff 0000 0001 0002", proto == 6 ? "tcp" : "udp");
	}
}

static void test_flags(void)
{
	static __u8 f[FRAME_MAX];
	const __u8 want[3] = { F_CWR | F_ECE | F_ACK, F_ECE | F_ACK,
			       F_ECE | F_ACK | F_FIN | F_PSH };
	struct fspec s;
	struct flayout lo;
	size_t len;
	int i, ok;

	fspec_init(&s, 4, 6);
	s.flags = F_FIN | F_PSH | F_CWR | F_ECE | F_ACK;
	s.payload = 3 * 500;
	len = build_frame(&s, f, &lo);
	run_case("flags FIN+PSH+CWR+ECE", f, len, &lo, 500);
	ok = col.n == 3;
	for (i = 0; ok && i < 3; i++)
		ok = seg_at(i)[lo.l4 + 13] == want[i];
	tap_ok(ok, "flags: CWR only on the first, FIN+PSH only on the last, ECE+ACK on all");

	/* a single segment keeps them all */
	fspec_init(&s, 6, 6);
	s.flags = F_FIN | F_PSH | F_CWR | F_ECE | F_ACK;
	s.payload = 500;
	len = build_frame(&s, f, &lo);
	run_case("flags single segment", f, len, &lo, 500);
	tap_ok(col.n == 1 && seg_at(0)[lo.l4 + 13] == s.flags,
	       "flags: one segment keeps FIN, PSH, CWR");
}

/* Refused with -EINVAL and nothing emitted; the same flags on one segment pass. */
static void test_refused_flags(void)
{
	static __u8 f[FRAME_MAX];
	const struct { __u8 flags; const char *name; } c[] = {
		{ F_SYN, "SYN" }, { F_SYN | F_ACK, "SYN+ACK" }, { F_RST | F_ACK, "RST" },
		{ F_URG | F_ACK | F_PSH, "URG" },
	};
	struct fspec s;
	struct flayout lo;
	size_t len, k;
	int rc;

	for (k = 0; k < ARRAY_SIZE(c); k++) {
		fspec_init(&s, 4, 6);
		s.flags = c[k].flags;
		s.urg = c[k].flags & F_URG ? 10 : 0;
		s.tcp_opts = 8;
		s.payload = 801;
		len = build_frame(&s, f, &lo);
		collect_reset();
		rc = nvgre_segment(guard_copy(f, len), len, 800, emit_cb, &col);
		tap_ok(rc == -EINVAL && col.n == 0, "%s with payload > mss: -EINVAL (%d), nothing emitted",
		       c[k].name, rc);

		fspec_init(&s, 4, 6);
		s.flags = c[k].flags;
		s.urg = c[k].flags & F_URG ? 10 : 0;
		s.tcp_opts = 8;
		s.payload = 800;
		len = build_frame(&s, f, &lo);
		collect_reset();
		rc = nvgre_segment(guard_copy(f, len), len, 800, emit_cb, &col);
		tap_ok(rc == 1 && col.n == 1 && seg_at(0)[lo.l4 + 13] == c[k].flags &&
		       nv_get16(seg_at(0) + lo.l4 + 18) == s.urg && l4_csum_ok(seg_at(0), &lo, 0),
		       "%s with payload == mss: one segment, flags and urgent pointer unchanged",
		       c[k].name);
	}
}

static void test_udp_zero(void)
{
	static __u8 f[FRAME_MAX];
	struct fspec s;
	struct flayout lo;
	size_t len;
	int i, ok;

	fspec_init(&s, 4, 17);
	s.udp_zero = 1;
	s.payload = 5 * 1000 + 3;
	len = build_frame(&s, f, &lo);
	run_case("udp csum0 v4", f, len, &lo, 1000);
	ok = col.n == 6;
	for (i = 0; ok && i < col.n; i++)
		ok = nv_get16(seg_at(i) + lo.l4 + 6) == 0;
	tap_ok(ok, "UDP checksum 0 over IPv4 stays 0 in all %d segments", col.n);

	/* over IPv6 a checksum is mandatory: a 0 input is computed */
	fspec_init(&s, 6, 17);
	s.udp_zero = 1;
	s.payload = 3 * 1000;
	len = build_frame(&s, f, &lo);
	run_case("udp csum0 v6", f, len, &lo, 1000);
	ok = col.n == 3;
	for (i = 0; ok && i < col.n; i++) {
		struct flayout sl = lo;

		sl.end = col.len[i];
		ok = nv_get16(seg_at(i) + lo.l4 + 6) != 0 && l4_csum_ok(seg_at(i), &sl, 0);
	}
	tap_ok(ok, "UDP over IPv6 with checksum 0 on input: computed in every segment");
}

static void test_emit_stop(void)
{
	static __u8 f[FRAME_MAX];
	struct fspec s;
	struct flayout lo;
	size_t len;
	int rc;

	fspec_init(&s, 4, 6);
	s.payload = 10 * 100;
	len = build_frame(&s, f, &lo);
	collect_reset();
	col.stop_at = 3;
	col.stop_rc = -ENOSPC;
	col.no_pcap = 1;	/* a cut-off stream would show as a gap */
	rc = nvgre_segment(guard_copy(f, len), len, 100, emit_cb, &col);
	tap_ok(rc == -ENOSPC && col.n == 3, "emit returning -ENOSPC on segment 3 stops: %d after %d",
	       rc, col.n);
}

static void test_padding(void)
{
	static __u8 f[FRAME_MAX];
	struct fspec s;
	struct flayout lo;
	size_t len;

	fspec_init(&s, 4, 6);
	s.payload = 1;
	s.pad = 5;		/* 55-byte IP frame padded to 60 */
	len = build_frame(&s, f, &lo);
	run_case("padded single", f, len, &lo, 1000);
	tap_ok(col.n == 1 && col.len[0] == 55, "Ethernet padding not emitted (one segment, %zu bytes)",
	       col.n ? col.len[0] : 0);

	fspec_init(&s, 6, 17);
	s.payload = 2500;
	s.pad = 17;
	len = build_frame(&s, f, &lo);
	run_case("padded udp", f, len, &lo, 1000);
}

/* Frames both functions must refuse with -EINVAL, frame unchanged, nothing emitted. */
static void check_refused(const char *what, const __u8 *f, size_t len, unsigned int mss,
			  int csum_too)
{
	static __u8 copy[FRAME_MAX];
	__u8 *g;
	int rc1, rc2 = -EINVAL;

	memcpy(copy, f, len);
	g = guard_copy(f, len);
	collect_reset();
	rc1 = nvgre_segment(g, len, mss, emit_cb, &col);
	if (csum_too)
		rc2 = nvgre_csum_complete(g, len);
	tap_ok(rc1 == -EINVAL && col.n == 0 && rc2 == -EINVAL && !memcmp(g, copy, len),
	       "%s: -EINVAL (segment %d%s), nothing emitted or changed", what, rc1,
	       csum_too ? ", csum_complete too" : "");
}

static void test_invalid(void)
{
	static __u8 f[FRAME_MAX], t[FRAME_MAX];
	struct fspec s;
	struct flayout lo;
	size_t len, cut;
	int ok, rc, bad;

	fspec_init(&s, 4, 6);
	s.payload = 3000;
	len = build_frame(&s, f, &lo);
	check_refused("mss 0", f, len, 0, 0);
	check_refused("mss above NVGRE_SEG_MSS_MAX", f, len, NVGRE_SEG_MSS_MAX + 1, 0);
	collect_reset();
	tap_ok(nvgre_segment(f, len, 1000, NULL, NULL) == -EINVAL, "no emit callback: -EINVAL");
	tap_ok(nvgre_csum_complete(NULL, 0) == -EINVAL && nvgre_segment(NULL, 0, 1000, emit_cb, &col) == -EINVAL,
	       "NULL frame: -EINVAL");

	/* IPv4 fragments: MF, and a non-zero offset */
	memcpy(t, f, len);
	nv_put16(t + 20, 0x2000);
	check_refused("IPv4 MF", t, len, 1000, 1);
	nv_put16(t + 20, 0x0010);
	check_refused("IPv4 fragment offset", t, len, 1000, 1);

	/* a VLAN tag, ARP */
	memcpy(t, f, 12);
	nv_put16(t + 12, 0x8100);
	nv_put16(t + 14, 100);
	memcpy(t + 16, f + 12, len - 12);
	check_refused("802.1Q tagged", t, len + 4, 1000, 1);
	memcpy(t, f, len);
	nv_put16(t + 12, 0x0806);
	check_refused("ARP EtherType", t, len, 1000, 1);

	/* bad IP version, IHL < 5, total length beyond the frame, doff < 5 */
	memcpy(t, f, len);
	t[14] = 0x65;
	check_refused("IP version 6 under EtherType IPv4", t, len, 1000, 1);
	memcpy(t, f, len);
	t[14] = 0x44;
	check_refused("IHL 4", t, len, 1000, 1);
	memcpy(t, f, len);
	nv_put16(t + 16, len - 14 + 1);
	check_refused("IPv4 total length beyond the frame", t, len, 1000, 1);
	memcpy(t, f, len);
	t[lo.l4 + 12] = 0x40;
	check_refused("TCP data offset 4", t, len, 1000, 1);
	memcpy(t, f, len);
	t[lo.l4 + 12] = 0xf0;
	nv_put16(t + 16, 20 + 40);
	check_refused("TCP header beyond the IP packet", t, 14 + 60, 1000, 1);
	memcpy(t, f, len);
	t[lo.l4 + 12] = 0x80;
	nv_put16(t + 16, 20 + 31);
	check_refused("TCP header 1 byte beyond the IP packet", t, len, 1000, 1);

	/* every truncation of the frame (IPv4 and IPv6 with extension headers) */
	for (int v = 4; v <= 6; v += 2) {
		fspec_init(&s, v, 6);
		s.ext = v == 6 ? 2 : 0;
		s.ip_opts = v == 4 ? 8 : 0;
		s.tcp_opts = 12;
		s.payload = 40;
		len = build_frame(&s, f, &lo);
		bad = 0;
		for (cut = 0; cut < len; cut++) {
			__u8 *g = guard_copy(f, cut);

			collect_reset();
			rc = nvgre_segment(g, cut, 1000, emit_cb, &col);
			if (rc != -EINVAL || col.n || nvgre_csum_complete(g, cut) != -EINVAL ||
			    memcmp(g, f, cut))
				bad++;
		}
		tap_ok(!bad, "IPv%d frame cut at each of 0..%zu bytes: -EINVAL, no read past the end",
		       v, len - 1);
	}

	/* UDP length not the IP payload */
	fspec_init(&s, 4, 17);
	s.payload = 2000;
	len = build_frame(&s, f, &lo);
	nv_put16(f + lo.l4 + 4, 8 + 1999);
	collect_reset();
	rc = nvgre_segment(guard_copy(f, len), len, 1000, emit_cb, &col);
	tap_ok(rc == -EINVAL && !col.n, "UDP length shorter than the IP payload: segment -EINVAL");
	nv_put16(f + lo.l4 + 4, 8 + 2001);
	check_refused("UDP length beyond the IP payload", f, len, 1000, 1);
	nv_put16(f + lo.l4 + 4, 7);
	check_refused("UDP length 7", f, len, 1000, 1);

	/* ICMP: checksum completion only */
	fspec_init(&s, 4, 1);
	s.payload = 3000;
	len = build_frame(&s, f, &lo);
	collect_reset();
	rc = nvgre_segment(guard_copy(f, len), len, 1000, emit_cb, &col);
	tap_ok(rc == -EINVAL && !col.n, "ICMP frame to nvgre_segment: -EINVAL");

	/* IPv6: fragment header, routing header with segments left, AH, jumbogram */
	fspec_init(&s, 6, 6);
	s.ext = 1;
	s.payload = 3000;
	len = build_frame(&s, f, &lo);
	memcpy(t, f, len);
	t[20] = 44;		/* the extension header is now a fragment header */
	check_refused("IPv6 fragment header", t, len, 1000, 1);
	memcpy(t, f, len);
	t[20] = 51;
	check_refused("IPv6 AH", t, len, 1000, 1);
	memcpy(t, f, len);
	t[20] = 43;		/* routing header, type 0x1e, segments left 12 */
	check_refused("IPv6 routing header, segments left 12", t, len, 1000, 1);
	t[57] = 0;		/* segments left 0: fine */
	collect_reset();
	col.no_pcap = 1;
	rc = nvgre_segment(guard_copy(t, len), len, 1000, emit_cb, &col);
	ok = rc == 3 && col.n == 3;
	for (int i = 0; ok && i < 3; i++) {
		struct flayout sl = lo;

		sl.end = col.len[i];
		ok = l4_csum_ok(seg_at(i), &sl, 0) && !memcmp(seg_at(i) + 54, t + 54, 16);
	}
	tap_ok(ok, "IPv6 routing header with segments left 0: segmented, copied (%d)", rc);
	memcpy(t, f, len);
	t[54] = 0;		/* hop-by-hop after a dest-opts header */
	check_refused("IPv6 hop-by-hop not first", t, len, 1000, 1);
	memcpy(t, f, len);
	nv_put16(t + 18, 0);
	check_refused("IPv6 payload length 0 (jumbogram)", t, len, 1000, 1);
	memcpy(t, f, len);
	t[lo.l4 - 16] = 59;	/* no next header */
	check_refused("IPv6 no next header", t, len, 1000, 1);

	/* headers longer than NVGRE_SEG_HDR_MAX: a 520-byte dest-opts header */
	fspec_init(&s, 6, 6);
	s.payload = 1000;
	len = build_frame(&s, f, &lo);
	memmove(t + 54 + 520, f + 54, len - 54);
	memcpy(t, f, 54);
	memset(t + 54, 0, 520);
	t[54] = 6;
	t[55] = 520 / 8 - 1;
	t[56] = 1;		/* PadN 255, PadN 255, PadN 2 */
	t[57] = 255;
	t[56 + 257] = 1;
	t[57 + 257] = 255;
	t[56 + 514] = 1;
	t[57 + 514] = 2;
	t[20] = 60;
	nv_put16(t + 18, len - 54 + 520);
	collect_reset();
	rc = nvgre_segment(guard_copy(t, len + 520), len + 520, 500, emit_cb, &col);
	tap_ok(rc == -EINVAL && !col.n, "headers above NVGRE_SEG_HDR_MAX: segment -EINVAL (%d)", rc);
	tap_ok(nvgre_csum_complete(guard_copy(t, len + 520), len + 520) == 0,
	       "the same frame: csum_complete handles it");
}

/* ---- nvgre_csum_complete against pktbuild ------------------------------ */

static size_t inner_of(const struct pkt_spec *ps, __u8 *out)
{
	__u8 b[PKT_MAX];
	size_t off, n = pkt_build(ps, b, sizeof(b), &off);

	memcpy(out, b + off, n - off);
	return n - off;
}

/* Checksum field offsets in an inner frame from pktbuild. */
static void pb_layout(const struct pkt_spec *ps, size_t len, struct flayout *lo)
{
	lo->ipver = ps->inner_ipver;
	lo->proto = ps->l4;
	lo->l4 = 14 + (ps->inner_ipver == 4 ? 20 : 40 + 8 * ps->inner_ext);
	lo->pay = lo->l4 + (ps->l4 == 6 ? 20 + ps->tcp_opts : 8);
	lo->end = len;
}

static size_t csum_field(const struct flayout *lo)
{
	return lo->l4 + (lo->proto == 6 ? 16 : lo->proto == 17 ? 6 : 2);
}

static void test_csum_complete(void)
{
	const int l4s[] = { 6, 17, 1, 58 };
	__u8 want[PKT_MAX], f[PKT_MAX], *g;
	int v, k, ext, payload;

	for (v = 4; v <= 6; v += 2) {
		for (k = 0; k < 4; k++) {
			for (ext = 0; ext <= (v == 6 ? 2 : 0); ext += 2) {
				for (payload = 0; payload <= 1001; payload += 1001) {
					struct pkt_spec ps;
					struct flayout lo;
					size_t len;
					int rc;

					if ((l4s[k] == 1 && v == 6) || (l4s[k] == 58 && v == 4))
						continue;
					pkt_spec_default(&ps);
					ps.inner_ipver = v;
					ps.l4 = l4s[k];
					ps.inner_ext = ext;
					ps.tcp_opts = l4s[k] == 6 ? 8 : 0;
					ps.payload = payload;
					ps.sport = next_port++;
					ps.dport = DPORT;
					if (v == 6) {
						ps.inner_src = "2001:db8:1::2";
						ps.inner_dst = "2001:db8:1::1";
					}
					len = inner_of(&ps, want);
					pb_layout(&ps, len, &lo);
					memcpy(f, want, len);
					nv_put16(f + csum_field(&lo), 0x1357);
					if (v == 4)
						nv_put16(f + 24, 0x2468);
					g = guard_copy(f, len);
					rc = nvgre_csum_complete(g, len);
					memcpy(f, g, len);
					tap_ok(rc == 0 && !memcmp(f, want, len),
					       "csum_complete IPv%d %s ext %d payload %d: equals pktbuild's frame",
					       v, l4s[k] == 6 ? "TCP" : l4s[k] == 17 ? "UDP" :
					       l4s[k] == 1 ? "ICMP" : "ICMPv6", ext, payload);
					if (rc)
						pkt_hexdump("frame", f, len);
					pcap_write(f, len);
				}
			}
		}
	}
}

/* A UDP checksum that computes to 0 is sent as 0xffff; 0 over IPv4 stays 0. */
static void test_csum_udp_zero_result(void)
{
	static __u8 f[FRAME_MAX];
	struct fspec s;
	struct flayout lo;
	size_t len;
	int v;

	for (v = 4; v <= 6; v += 2) {
		__u16 c;

		fspec_init(&s, v, 17);
		s.payload = 64;
		len = build_frame(&s, f, &lo);
		/* make the last payload word cancel the sum: checksum 0 */
		nv_put16(f + lo.end - 2, 0);
		nv_put16(f + lo.l4 + 6, 0);
		c = pkt_csum(f + lo.l4, lo.end - lo.l4,
			     pseudo_sum(f, v, 17, lo.end - lo.l4));
		nv_put16(f + lo.end - 2, c);
		nv_put16(f + lo.l4 + 6, 0x1111);
		tap_ok(nvgre_csum_complete(f, len) == 0 && nv_get16(f + lo.l4 + 6) == 0xffff &&
		       l4_csum_ok(f, &lo, 0),
		       "IPv%d UDP checksum computing to 0 is sent as 0xffff", v);
		pcap_write(f, len);
	}

	fspec_init(&s, 4, 17);
	s.udp_zero = 1;
	s.payload = 100;
	len = build_frame(&s, f, &lo);
	tap_ok(nvgre_csum_complete(f, len) == 0 && nv_get16(f + lo.l4 + 6) == 0 && ip4_csum_ok(f),
	       "IPv4 UDP with checksum field 0: stays 0, IP header checksum filled");
	pcap_write(f, len);
	fspec_init(&s, 6, 17);
	s.udp_zero = 1;
	s.payload = 100;
	len = build_frame(&s, f, &lo);
	tap_ok(nvgre_csum_complete(f, len) == 0 && nv_get16(f + lo.l4 + 6) != 0 && l4_csum_ok(f, &lo, 0),
	       "IPv6 UDP with checksum field 0: computed");
	pcap_write(f, len);

	/* UDP length shorter than the IP payload: the checksum covers the UDP length */
	fspec_init(&s, 4, 17);
	s.payload = 100;
	len = build_frame(&s, f, &lo);
	nv_put16(f + lo.l4 + 4, 8 + 90);
	lo.end = lo.l4 + 8 + 90;
	tap_ok(nvgre_csum_complete(f, len) == 0 && ip4_csum_ok(f) && l4_csum_ok(f, &lo, 0),
	       "IPv4 UDP length 98 in a 108-byte IP payload: checksum over the UDP length");
}

/* Segmenting pktbuild's inner frames (NOP TCP options, dest-opts headers). */
static void test_pktbuild_frames(void)
{
	const int payloads[] = { 0, 999, 1000, 1001, 4321, 9000 };
	__u8 f[PKT_MAX];
	int v, l4, k;

	for (v = 4; v <= 6; v += 2) {
		for (l4 = 6; l4 <= 17; l4 += 11) {
			for (k = 0; k < (int)ARRAY_SIZE(payloads); k++) {
				struct pkt_spec ps;
				struct flayout lo;
				char name[80];
				size_t len;

				pkt_spec_default(&ps);
				ps.inner_ipver = v;
				ps.l4 = l4;
				ps.inner_ext = v == 6 ? 2 : 0;
				ps.tcp_opts = l4 == 6 ? 12 : 0;
				ps.payload = payloads[k];
				ps.sport = next_port++;
				ps.dport = DPORT;
				if (v == 6) {
					ps.inner_src = "2001:db8:1::2";
					ps.inner_dst = "2001:db8:1::1";
				}
				len = inner_of(&ps, f);
				pb_layout(&ps, len, &lo);
				snprintf(name, sizeof(name), "pktbuild IPv%d %s payload %d mss 1000",
					 v, l4 == 6 ? "TCP" : "UDP", payloads[k]);
				run_case(name, f, len, &lo, 1000);
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (guard_init(FRAME_MAX)) {
		perror("guard page");
		return 2;
	}
	col.buf = malloc(COLLECT_BYTES);
	if (!col.buf) {
		perror("malloc");
		return 2;
	}
	if (argc > 1 && pcap_open(argv[1])) {
		perror(argv[1]);
		return 2;
	}

	test_sweep();
	test_id_wrap();
	test_flags();
	test_refused_flags();
	test_udp_zero();
	test_emit_stop();
	test_padding();
	test_invalid();
	test_csum_complete();
	test_csum_udp_zero_result();
	test_pktbuild_frames();

	if (pcap)
		tap_diag("pcap: %u frames", pcap_frames);
	if (pcap && fclose(pcap)) {
		perror("pcap");
		return 2;
	}
	free(col.buf);
	return tap_done();
}
