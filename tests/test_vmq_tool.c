// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the pure parts of nvgre-vmq: the virtio_net_hdr
 * translation both ways and the frame I/O of loader/vmq_tap.c (over a
 * SOCK_SEQPACKET socket pair, which keeps message boundaries as a tap fd
 * does, so no tap device or kernel support is needed), and the pcap writer
 * of loader/vmq_pcap.c, byte for byte and, when tshark is installed, as
 * tshark reads it.
 *
 * Expected values come from the virtio spec (little-endian fields, flag
 * and GSO numbers written out here, not taken from the code under test),
 * the pcap format, and checksums computed here independently.
 *
 * Build: cc ... -Iinclude -Ibuild -Iloader -Itests tests/test_vmq_tool.c
 *        loader/vmq_tap.c loader/vmq_pcap.c loader/segment.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <nvgre/bytes.h>
#include <nvgre/maps.h>
#include <nvgre/segment.h>
#include "tap.h"
#include "vmq_pcap.h"
#include "vmq_tap.h"

/* virtio 1.x spec, 5.1.6: written out so a wrong constant in a header shows */
#define F_NEEDS_CSUM	1
#define F_DATA_VALID	2
#define GSO_TCPV4	1
#define GSO_UDP		3
#define GSO_TCPV6	4
#define GSO_UDP_L4	5
#define GSO_ECN		0x80

_Static_assert(VMQ_TAP_HDR_LEN == 12, "struct virtio_net_hdr_v1 is 12 bytes");

/* ---- frames ---------------------------------------------------------------- */

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0x50, 0x01 };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0x50, 0x02 };

/* RFC 1071 sum of big-endian words, folded, not complemented. */
static __u32 sum16(const __u8 *p, size_t n, __u32 s)
{
	for (; n > 1; p += 2, n -= 2)
		s += nv_get16(p);
	if (n)
		s += p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* IPv4 TCP frame (20-byte headers) with pay bytes of payload; returns its length. */
static size_t tcp4_frame(__u8 *f, size_t pay, __u32 seq, __u8 tcp_flags)
{
	__u8 *ip = f + 14, *th = ip + 20;
	size_t i;

	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	nv_put16(f + 12, 0x0800);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	nv_put16(ip + 2, 40 + pay);
	nv_put16(ip + 4, 0x1234);
	nv_put16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, (const __u8[]){ 192, 0, 2, 2 }, 4);
	memcpy(ip + 16, (const __u8[]){ 192, 0, 2, 1 }, 4);
	nv_put16(ip + 10, ~sum16(ip, 20, 0) & 0xffff);
	nv_put16(th, 40000);
	nv_put16(th + 2, 5201);
	nv_put32(th + 4, seq);
	th[12] = 5 << 4;
	th[13] = tcp_flags;
	nv_put16(th + 14, 512);
	for (i = 0; i < pay; i++)
		th[20 + i] = (__u8)(i * 7 + 3);
	return 14 + 40 + pay;
}

/* IPv6 frame (next header 17) of pay bytes after the fixed header. */
static size_t ip6_frame(__u8 *f, size_t pay)
{
	memset(f, 0, 14 + 40 + pay);
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	nv_put16(f + 12, 0x86dd);
	f[14] = 0x60;
	nv_put16(f + 14 + 4, pay);
	f[14 + 6] = 17;
	f[14 + 7] = 64;
	return 14 + 40 + pay;
}

static int ip4_tcp_csums_ok(const __u8 *f, size_t len)
{
	const __u8 *ip = f + 14;
	size_t ip_len = nv_get16(ip + 2), l4_len = ip_len - 20;
	__u32 s;

	if (len < 14 + ip_len || sum16(ip, 20, 0) != 0xffff)
		return 0;
	s = sum16(ip + 12, 8, 0);
	s = sum16((const __u8[]){ 0, 6, l4_len >> 8, l4_len & 0xff }, 4, s);
	return sum16(ip + 20, l4_len, s) == 0xffff;
}

static struct nvgre_vmq_frame xsk_frame(const __u8 *data, size_t len, __u8 csum)
{
	struct nvgre_vmq_frame f;

	memset(&f, 0, sizeof(f));
	f.data = data;
	f.len = len;
	f.meta.csum = csum;
	return f;
}

/* A software channel TCP/IPv4 GSO frame (1000-byte segments), L4 sum to complete. */
static struct nvgre_vmq_frame sw_gso_tcp4(const __u8 *data, size_t len)
{
	struct nvgre_vmq_frame f = xsk_frame(data, len, 0);

	f.meta.flags = NVGRE_META_F_SW_PATH;
	f.gso_size = 1000;
	f.gso_type = NVGRE_SW_GSO_TCP;
	f.csum_partial = 1;
	f.csum_start = 34;
	f.csum_offset = 16;
	return f;
}

/* A header as the kernel puts it on a tap read: little-endian fields. */
static struct virtio_net_hdr_v1 vhdr(__u8 flags, __u8 gso_type, __u16 gso_size, __u16 start,
				     __u16 off)
{
	struct virtio_net_hdr_v1 h;
	__u8 *b = (__u8 *)&h;

	memset(&h, 0, sizeof(h));
	b[0] = flags;
	b[1] = gso_type;
	b[4] = gso_size & 0xff;
	b[5] = gso_size >> 8;
	b[6] = start & 0xff;
	b[7] = start >> 8;
	b[8] = off & 0xff;
	b[9] = off >> 8;
	return h;
}

static int hdr_is(const struct virtio_net_hdr_v1 *h, __u8 flags, __u16 start, __u16 off)
{
	const __u8 *b = (const __u8 *)h;
	__u8 want[12] = { flags, 0, 0, 0, 0, 0, start & 0xff, start >> 8, off & 0xff, off >> 8 };

	return !memcmp(b, want, sizeof(want));
}

/* ---- queue -> tap: vmq_tap_rx_hdr ------------------------------------------ */

static void test_rx_hdr(void)
{
	static __u8 buf[2048];
	size_t len = tcp4_frame(buf, 100, 1, 0x18);
	struct nvgre_vmq_frame f;
	struct virtio_net_hdr_v1 h;
	const char *why;
	int ip, l4, bad = 0, r;

	for (ip = 0; ip < 4; ip++) {
		for (l4 = 0; l4 < 4; l4++) {
			int want = l4 == 1 && ip != 2;	/* NVGRE_CSUM_OK = 1, BAD = 2 */

			f = xsk_frame(buf, len, (__u8)(ip | l4 << 2));
			memset(&h, 0xaa, sizeof(h));
			why = NULL;
			r = vmq_tap_rx_hdr(&f, &h, &why);
			if (r != VMQ_TAP_RX_WRITE || !hdr_is(&h, want ? F_DATA_VALID : 0, 0, 0) ||
			    ((__u8 *)&h)[10] || ((__u8 *)&h)[11]) {
				if (bad++ < 4)
					tap_diag("ip %d l4 %d: ret %d flags %#x", ip, l4, r, h.flags);
			}
		}
	}
	tap_ok(!bad, "rx hdr: DATA_VALID exactly when L4 ok and IP not bad (16 results), "
	       "rest zero");

	f = xsk_frame(buf, len, NVGRE_CSUM_MAKE(NVGRE_CSUM_OK, NVGRE_CSUM_OK));
	f.meta.flags = NVGRE_META_F_SW_PATH;
	f.csum_partial = 1;
	f.csum_start = 34;
	f.csum_offset = 16;
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == VMQ_TAP_RX_WRITE && hdr_is(&h, F_NEEDS_CSUM, 34, 16),
	       "rx hdr: csum_partial -> NEEDS_CSUM only, csum_start 34 / csum_offset 16 "
	       "little-endian");

	f.csum_start = 0x0122;
	f.csum_offset = 6;
	f.len = 0x0122 + 8;
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == VMQ_TAP_RX_WRITE && hdr_is(&h, F_NEEDS_CSUM, 0x0122, 6),
	       "rx hdr: csum_start above 255 keeps both bytes (0x0122)");

	f.csum_start = 34;
	f.csum_offset = 16;
	f.len = 34 + 17;	/* the field's second byte is past the end */
	why = NULL;
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == -EINVAL && why, "rx hdr: checksum field past the frame end refused (%s)",
	       why ? why : "no reason");

	f.csum_start = 10;
	f.len = len;
	why = NULL;
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == -EINVAL && why, "rx hdr: csum_start inside the Ethernet header refused");

	f = sw_gso_tcp4(buf, len);
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == VMQ_TAP_RX_SEGMENT && hdr_is(&h, F_DATA_VALID, 0, 0),
	       "rx hdr: sw GSO TCP frame -> segment, each segment DATA_VALID");
	f.gso_type = NVGRE_SW_GSO_UDP;
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == VMQ_TAP_RX_SEGMENT && hdr_is(&h, F_DATA_VALID, 0, 0),
	       "rx hdr: sw GSO UDP frame -> segment");
	f.gso_type = 7;
	why = NULL;
	r = vmq_tap_rx_hdr(&f, &h, &why);
	tap_ok(r == -EINVAL && why, "rx hdr: unknown sw gso_type refused");
}

/* ---- tap -> queue: vmq_tap_tx_req ------------------------------------------ */

struct tx_case {
	const char *name;
	int ipver;		/* the frame: 4, 6, or 0 for ARP */
	__u8 flags, gso_type;
	__u16 gso_size, start, off;
	int ok;
	__u32 want_flags;
	__u16 want_mss;
};

static const struct tx_case tx_cases[] = {
	{ "no flags, no GSO: as is", 4, 0, 0, 0, 0, 0, 1, 0, 0 },
	{ "DATA_VALID alone: as is", 4, F_DATA_VALID, 0, 0, 0, 0, 1, 0, 0 },
	{ "gso_size without a GSO type: ignored", 4, 0, 0, 1448, 0, 0, 1, 0, 0 },
	{ "NEEDS_CSUM TCP/IPv4 -> CSUM", 4, F_NEEDS_CSUM, 0, 0, 34, 16, 1, NVGRE_VMQ_TX_CSUM, 0 },
	{ "NEEDS_CSUM UDP/IPv6 -> CSUM", 6, F_NEEDS_CSUM, 0, 0, 54, 6, 1, NVGRE_VMQ_TX_CSUM, 0 },
	{ "GSO_TCPV4 on IPv4 -> SEGMENT|CSUM mss 1448", 4, F_NEEDS_CSUM, GSO_TCPV4, 1448, 34, 16, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 1448 },
	{ "GSO_TCPV4|ECN -> SEGMENT|CSUM", 4, F_NEEDS_CSUM, GSO_TCPV4 | GSO_ECN, 1000, 34, 16, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 1000 },
	{ "GSO_TCPV6 on IPv6 -> SEGMENT|CSUM mss 1428", 6, F_NEEDS_CSUM, GSO_TCPV6, 1428, 54, 16, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 1428 },
	{ "GSO_UDP_L4 on IPv4 -> SEGMENT|CSUM", 4, F_NEEDS_CSUM, GSO_UDP_L4, 1200, 34, 6, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 1200 },
	{ "GSO_UDP_L4 on IPv6 -> SEGMENT|CSUM", 6, F_NEEDS_CSUM, GSO_UDP_L4, 1200, 54, 6, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 1200 },
	{ "GSO without NEEDS_CSUM -> SEGMENT|CSUM all the same", 4, 0, GSO_TCPV4, 536, 0, 0, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 536 },
	{ "gso_size 0x0102 read little-endian", 4, F_NEEDS_CSUM, GSO_TCPV4, 0x0102, 34, 16, 1,
	  NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, 0x0102 },
	{ "gso_size NVGRE_SEG_MSS_MAX accepted", 4, F_NEEDS_CSUM, GSO_TCPV4, NVGRE_SEG_MSS_MAX, 34,
	  16, 1, NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM, NVGRE_SEG_MSS_MAX },
	{ "GSO_TCPV4 on an IPv6 frame refused", 6, F_NEEDS_CSUM, GSO_TCPV4, 1448, 54, 16, 0, 0, 0 },
	{ "GSO_TCPV6 on an IPv4 frame refused", 4, F_NEEDS_CSUM, GSO_TCPV6, 1448, 34, 16, 0, 0, 0 },
	{ "GSO_UDP_L4 on an ARP frame refused", 0, 0, GSO_UDP_L4, 1448, 0, 0, 0, 0, 0 },
	{ "GSO_UDP (UFO) refused", 4, F_NEEDS_CSUM, GSO_UDP, 1448, 34, 6, 0, 0, 0 },
	{ "unknown gso_type 2 refused", 4, F_NEEDS_CSUM, 2, 1448, 34, 16, 0, 0, 0 },
	{ "unknown gso_type 6 refused", 4, F_NEEDS_CSUM, 6, 1448, 34, 16, 0, 0, 0 },
	{ "unknown gso_type 0x7f refused", 4, F_NEEDS_CSUM, 0x7f, 1448, 34, 16, 0, 0, 0 },
	{ "ECN bit alone (no type) refused", 4, F_NEEDS_CSUM, GSO_ECN, 1448, 34, 16, 0, 0, 0 },
	{ "GSO with gso_size 0 refused", 4, F_NEEDS_CSUM, GSO_TCPV4, 0, 34, 16, 0, 0, 0 },
	{ "GSO with gso_size above NVGRE_SEG_MSS_MAX refused", 4, F_NEEDS_CSUM, GSO_TCPV4,
	  NVGRE_SEG_MSS_MAX + 1, 34, 16, 0, 0, 0 },
	{ "NEEDS_CSUM field past the frame end refused", 4, F_NEEDS_CSUM, 0, 0, 34, 120, 0, 0, 0 },
	{ "NEEDS_CSUM start inside the Ethernet header refused", 4, F_NEEDS_CSUM, 0, 0, 12, 0, 0,
	  0, 0 },
};

static void test_tx_req(void)
{
	static __u8 buf[2048];
	struct virtio_net_hdr_v1 h;
	struct nvgre_vmq_tx tx;
	const char *why;
	size_t i, len;
	int r;

	for (i = 0; i < NV_ARRAY_SIZE(tx_cases); i++) {
		const struct tx_case *c = &tx_cases[i];

		if (c->ipver == 4) {
			len = tcp4_frame(buf, 100, 1, 0x18);	/* 154 bytes */
		} else if (c->ipver == 6) {
			len = ip6_frame(buf, 100);
		} else {
			len = ip6_frame(buf, 28);
			nv_put16(buf + 12, 0x0806);
		}
		h = vhdr(c->flags, c->gso_type, c->gso_size, c->start, c->off);
		memset(&tx, 0xaa, sizeof(tx));
		why = NULL;
		r = vmq_tap_tx_req(&h, buf, len, &tx, &why);
		if (c->ok)
			tap_ok(r == 0 && tx.flags == c->want_flags && tx.mss == c->want_mss,
			       "tx req: %s (ret %d flags %#x mss %u)", c->name, r, tx.flags, tx.mss);
		else
			tap_ok(r == -EINVAL && why && tx.flags == 0 && tx.mss == 0 &&
			       (c->gso_type != GSO_UDP || strstr(why, "UFO")),
			       "tx req: %s (%s)", c->name, why ? why : "no reason given");
	}
	h = vhdr(0, 0, 0, 0, 0);
	why = NULL;
	r = vmq_tap_tx_req(&h, buf, 13, &tx, &why);
	tap_ok(r == -EINVAL && why, "tx req: a 13-byte frame refused");
}

/* ---- frame I/O over a socket pair ------------------------------------------ */

static int seqpacket_pair(int sv[2])
{
	int sz = 4 << 20;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	return 0;
}

static void test_put(void)
{
	static __u8 in[4096], msg[4096];
	const struct virtio_net_hdr_v1 *mh = (const void *)msg;
	struct nvgre_vmq_frame f;
	const char *why;
	int sv[2], r, n, i, bad = 0;
	size_t len;

	if (seqpacket_pair(sv)) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	len = tcp4_frame(in, 200, 1, 0x18);
	f = xsk_frame(in, len, NVGRE_CSUM_MAKE(NVGRE_CSUM_OK, NVGRE_CSUM_OK));
	r = vmq_tap_put(sv[0], &f, &why);
	n = read(sv[1], msg, sizeof(msg));
	tap_ok(r == 1 && n == (int)len + 12 && hdr_is(mh, F_DATA_VALID, 0, 0) &&
	       !memcmp(msg + 12, in, len),
	       "put: plain frame: one message, DATA_VALID header, the frame unchanged");

	f.meta.flags = NVGRE_META_F_SW_PATH;
	f.csum_partial = 1;
	f.csum_start = 34;
	f.csum_offset = 16;
	r = vmq_tap_put(sv[0], &f, &why);
	n = read(sv[1], msg, sizeof(msg));
	tap_ok(r == 1 && n == (int)len + 12 && hdr_is(mh, F_NEEDS_CSUM, 34, 16) &&
	       !memcmp(msg + 12, in, len),
	       "put: csum_partial frame: NEEDS_CSUM header, the frame unchanged");

	/* 3000 bytes in 1000-byte segments, PSH|ACK, seq 1000000 */
	len = tcp4_frame(in, 3000, 1000000, 0x18);
	f = sw_gso_tcp4(in, len);
	r = vmq_tap_put(sv[0], &f, &why);
	for (i = 0; i < 4; i++) {
		n = read(sv[1], msg, sizeof(msg));
		if (i == 3) {
			if (n >= 0)
				bad++, tap_diag("a fourth message of %d bytes", n);
			break;
		}
		if (n != 12 + 14 + 40 + 1000 || msg[0] != F_DATA_VALID ||
		    nv_get32(msg + 12 + 34 + 4) != 1000000u + i * 1000 ||
		    !ip4_tcp_csums_ok(msg + 12, n - 12) ||
		    memcmp(msg + 12 + 54, in + 54 + i * 1000, 1000) ||
		    (msg[12 + 34 + 13] & 0x08) != (i == 2 ? 0x08 : 0)) {
			bad++;
			tap_diag("segment %d: %d bytes, flags %#x, seq %u", i, n, msg[0],
				 n > 60 ? nv_get32(msg + 12 + 34 + 4) : 0);
		}
	}
	tap_ok(r == 3 && !bad,
	       "put: sw GSO frame of 3000 bytes, mss 1000: 3 DATA_VALID segments, seq +1000, "
	       "checksums right, PSH on the last only (ret %d)", r);

	f.gso_type = 9;
	why = NULL;
	r = vmq_tap_put(sv[0], &f, &why);
	n = read(sv[1], msg, sizeof(msg));
	tap_ok(r == -EINVAL && why && n < 0, "put: bad metadata: nothing written, a reason given");

	/* a SYN with more than mss of data: the segmenter refuses it */
	len = tcp4_frame(in, 3000, 1, 0x02);
	f = xsk_frame(in, len, 0);
	f.gso_size = 1000;
	f.gso_type = NVGRE_SW_GSO_TCP;
	why = NULL;
	r = vmq_tap_put(sv[0], &f, &why);
	n = read(sv[1], msg, sizeof(msg));
	tap_ok(r == -EINVAL && why && n < 0, "put: segmenter refusal: nothing written, a reason given");

	close(sv[1]);
	f = xsk_frame(in, 60, 0);
	why = "unset";
	r = vmq_tap_put(sv[0], &f, &why);
	tap_ok(r == -EPIPE && !why, "put: a failed write returns its errno with no reason (%d)", r);
	close(sv[0]);
}

static void test_get(void)
{
	static __u8 frame[4096], out[VMQ_TAP_BUF_LEN];
	struct virtio_net_hdr_v1 h;
	struct nvgre_vmq_tx tx;
	const __u8 *fp;
	const char *why;
	size_t len, got;
	int sv[2], r;

	if (seqpacket_pair(sv)) {
		tap_ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	r = vmq_tap_get(sv[1], out, sizeof(out), &fp, &got, &tx, &why);
	tap_ok(r == VMQ_TAP_NONE, "get: nothing waiting -> VMQ_TAP_NONE (%d)", r);

	h = vhdr(F_NEEDS_CSUM, GSO_TCPV4, 1000, 34, 16);
	len = tcp4_frame(frame + 12, 3000, 1, 0x10);
	memcpy(frame, &h, 12);
	r = write(sv[0], frame, 12 + len) == (ssize_t)(12 + len) ?
	    vmq_tap_get(sv[1], out, sizeof(out), &fp, &got, &tx, &why) : -99;
	tap_ok(r == VMQ_TAP_FRAME && fp == out + 12 && got == len && !memcmp(fp, frame + 12, len) &&
	       tx.flags == (NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM) && tx.mss == 1000,
	       "get: a GSO_TCPV4 frame: the frame after the 12-byte header, SEGMENT|CSUM mss 1000");

	h = vhdr(0, GSO_UDP, 1000, 0, 0);
	memcpy(frame, &h, 12);
	why = NULL;
	r = write(sv[0], frame, 12 + len) == (ssize_t)(12 + len) ?
	    vmq_tap_get(sv[1], out, sizeof(out), &fp, &got, &tx, &why) : -99;
	tap_ok(r == VMQ_TAP_REFUSED && why, "get: a UFO frame -> VMQ_TAP_REFUSED with a reason");

	/* zeros: a header read past the 11 bytes would look valid */
	memset(frame, 0, 12);
	why = NULL;
	r = write(sv[0], frame, 11) == 11 ?
	    vmq_tap_get(sv[1], out, sizeof(out), &fp, &got, &tx, &why) : -99;
	tap_ok(r == VMQ_TAP_REFUSED && why, "get: an 11-byte read (no full header) refused");

	h = vhdr(0, 0, 0, 0, 0);
	memcpy(frame, &h, 12);
	why = NULL;
	r = write(sv[0], frame, 12 + 200) == 12 + 200 ?
	    vmq_tap_get(sv[1], out, 12 + 200, &fp, &got, &tx, &why) : -99;
	tap_ok(r == VMQ_TAP_REFUSED && why, "get: a read filling the whole buffer (maybe cut) refused");
	close(sv[0]);
	close(sv[1]);
}

/* ---- pcap ---------------------------------------------------------------- */

#define BIG_FRAME	(VMQ_PCAP_SNAPLEN + 1000)

static void put_le32(__u8 *p, __u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void test_pcap(void)
{
	static const __u8 want_hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x04, 0x00,		/* snaplen 262144 */
		1, 0, 0, 0,			/* LINKTYPE_ETHERNET */
	};
	static const struct timespec ts[3] = {
		{ 1700000000, 123456789 }, { 1700000001, 999999999 }, { 1700000002, 0 },
	};
	char path[] = "/tmp/test_vmq_tool.XXXXXX";
	size_t lens[3], caps[3], off, i, want_size = 24;
	__u8 *frames[3], *file = NULL, rec[16];
	struct vmq_pcap *p = NULL;
	int fd, r, w = 0, recs_ok = 1;
	struct stat st;
	FILE *f;

	lens[0] = tcp4_frame(frames[0] = calloc(1, 2048), 6, 1, 0x18);	/* 60 bytes */
	lens[1] = ip6_frame(frames[1] = calloc(1, 2048), 1460);	/* 1514 */
	frames[2] = calloc(1, BIG_FRAME);
	lens[2] = BIG_FRAME;
	memcpy(frames[2], mac_b, 6);		/* reversed: tshark must see the swap */
	memcpy(frames[2] + 6, mac_a, 6);
	nv_put16(frames[2] + 12, 0x88b5);	/* local experimental EtherType */
	for (i = 14; i < BIG_FRAME; i++)
		frames[2][i] = (__u8)i;
	fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	r = fd < 0 ? -errno : vmq_pcap_open(path, &p);
	for (i = 0; !r && i < 3; i++)
		w |= vmq_pcap_write(p, frames[i], lens[i], &ts[i]);
	tap_ok(!r && !w && !vmq_pcap_close(p), "pcap: open, 3 writes and close succeed");

	for (i = 0; i < 3; i++) {
		caps[i] = lens[i] < VMQ_PCAP_SNAPLEN ? lens[i] : VMQ_PCAP_SNAPLEN;
		want_size += 16 + caps[i];
	}
	if (!stat(path, &st) && (size_t)st.st_size == want_size) {
		file = malloc(want_size);
		f = fopen(path, "rb");
		if (!f || fread(file, want_size, 1, f) != 1) {
			free(file);
			file = NULL;
		}
		if (f)
			fclose(f);
	}
	tap_ok(file != NULL, "pcap: file of 24 + 3 records = %zu bytes", want_size);
	tap_ok(file && !memcmp(file, want_hdr, 24),
	       "pcap: header d4c3b2a1, version 2.4, zone 0, sigfigs 0, snaplen 262144, linktype 1");
	for (i = 0, off = 24; file && i < 3; i++) {
		put_le32(rec, (__u32)ts[i].tv_sec);
		put_le32(rec + 4, (__u32)(ts[i].tv_nsec / 1000));
		put_le32(rec + 8, caps[i]);
		put_le32(rec + 12, lens[i]);
		if (memcmp(file + off, rec, 16) || memcmp(file + off + 16, frames[i], caps[i])) {
			recs_ok = 0;
			tap_diag("record %zu differs", i);
		}
		off += 16 + caps[i];
	}
	tap_ok(file && recs_ok,
	       "pcap: records: seconds, microseconds (nanoseconds / 1000), caplen, len, the bytes; "
	       "the %d-byte frame cut at the snaplen", BIG_FRAME);
	free(file);

	p = NULL;
	r = vmq_pcap_open("/nonexistent-dir/x.pcap", &p);
	tap_ok(r == -ENOENT && !p, "pcap: a file in a missing directory: -ENOENT (%d)", r);

	if (access("/usr/bin/tshark", X_OK)) {
		tap_ok(1, "pcap: tshark reads the file # SKIP no /usr/bin/tshark");
	} else {
		static const char *const want[3] = {
			"02:00:00:00:50:02\t02:00:00:00:50:01",
			"02:00:00:00:50:02\t02:00:00:00:50:01",
			"02:00:00:00:50:01\t02:00:00:00:50:02",
		};
		char cmd[256], line[256];
		int n = 0, ok = 1;

		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/tshark -r %s -T fields -e eth.src -e eth.dst 2>/dev/null", path);
		f = popen(cmd, "r");
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (n >= 3 || strcmp(line, want[n])) {
				ok = 0;
				tap_diag("tshark line %d: '%s'", n + 1, line);
			}
			n++;
		}
		r = f ? pclose(f) : -1;
		tap_ok(ok && n == 3 && r == 0,
		       "pcap: tshark reads 3 frames with their eth.src and eth.dst (%d lines, status %d)",
		       n, r);
	}
	unlink(path);
	for (i = 0; i < 3; i++)
		free(frames[i]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* the failed-write check writes to a closed peer */
	test_rx_hdr();
	test_tx_req();
	test_put();
	test_get();
	test_pcap();
	return tap_done();
}
