// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Throughput of the user-space LSO segmenter (include/nvgre/segment.h) on
 * one core, for the VMQ benchmark (tests/bench.sh):
 *
 *   lso_bench [SECONDS]        prints JSON; SECONDS (1.5) per method
 *
 * The frame is what a consumer hands to nvgre_vmq_send with an LSO request:
 * a 64 KB TCP/IPv4 frame (timestamps option, 45 x 1448 payload bytes), MSS
 * 1448, so 45 segments of 1514 bytes, each copied out of the segmenter's
 * buffer into its own 2 KiB buffer, as into UMEM frames.
 *
 * The baseline, run in the same process, alternating with it: a plain
 * memcpy of the same bytes into the same per-segment buffers (header, then
 * the payload slice), which is what any segmenter must at least do.  The
 * ratio says how far nvgre_segment (header fix-ups, checksums, a copy
 * through its stack buffer) is from that; Gbit/s count TCP payload.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>

#include "nvgre/segment.h"

#define MSS		1448
#define NSEG		45
#define HDR_LEN		(14 + 20 + 32)		/* Ethernet, IPv4, TCP with timestamps */
#define PAYLOAD		(NSEG * MSS)
#define FRAME_LEN	(HDR_LEN + PAYLOAD)
#define BUF_SIZE	2048			/* a UMEM frame */
#define TRIALS		5

static __u8 frame[FRAME_LEN];
static __u8 bufs[NSEG][BUF_SIZE];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void build_frame(void)
{
	__u8 *ip = frame + 14, *tcp = ip + 20;
	unsigned int i, ip_len = FRAME_LEN - 14;

	memcpy(frame, "\x02\x00\x00\x00\x50\x02\x02\x00\x00\x00\x50\x03\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = ip_len >> 8;
	ip[3] = ip_len;
	ip[4] = 0x12;
	ip[6] = 0x40;			/* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\xc0\x00\x02\x03\xc0\x00\x02\x02", 8);	/* 192.0.2.3 -> .2 */
	tcp[0] = 0x9c;			/* port 40000 -> 5201 */
	tcp[1] = 0x40;
	tcp[2] = 0x14;
	tcp[3] = 0x51;
	tcp[4] = 0x11;			/* seq */
	tcp[12] = (32 / 4) << 4;
	tcp[13] = 0x18;			/* ACK, PSH */
	tcp[14] = 0xff;			/* window */
	memcpy(tcp + 20, "\x01\x01\x08\x0a", 4);	/* NOP NOP TS */
	for (i = HDR_LEN; i < FRAME_LEN; i++)
		frame[i] = i * 7;
}

struct sink {
	unsigned int n;
	size_t bytes;
};

static int emit(const __u8 *seg, size_t len, void *ctx)
{
	struct sink *s = ctx;

	if (s->n >= NSEG || len > BUF_SIZE)
		return -ENOSPC;
	memcpy(bufs[s->n++], seg, len);
	s->bytes += len - HDR_LEN;
	return 0;
}

/* One 64 KB frame through nvgre_segment; payload bytes, or -1. */
static long one_segment(void)
{
	struct sink s = { 0 };

	if (nvgre_segment(frame, FRAME_LEN, MSS, emit, &s) != NSEG)
		return -1;
	return s.bytes;
}

/* The baseline: the same bytes into the same buffers, nothing else. */
static long one_copy(void)
{
	unsigned int i;

	for (i = 0; i < NSEG; i++) {
		memcpy(bufs[i], frame, HDR_LEN);
		memcpy(bufs[i] + HDR_LEN, frame + HDR_LEN + i * MSS, MSS);
	}
	/* the copies must happen: bufs are read by nobody else */
	__asm__ volatile("" : : "r"(bufs) : "memory");
	return PAYLOAD;
}

/* Payload bit/s of fn over secs. */
static double run(long (*fn)(void), double secs)
{
	double t0 = now(), t;
	unsigned long long bytes = 0;
	unsigned int i;
	long b;

	do {
		for (i = 0; i < 64; i++) {
			b = fn();
			if (b < 0)
				return -1;
			bytes += b;
		}
		t = now();
	} while (t - t0 < secs);
	return bytes * 8 / (t - t0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.5;
	double seg[TRIALS], cp[TRIALS], ms, mc;
	unsigned int i;

	if (argc > 2 || secs <= 0) {
		fprintf(stderr, "usage: lso_bench [SECONDS]\n");
		return 2;
	}
	build_frame();
	/* a sanity check, and caches and page tables warm for both */
	if (one_segment() != PAYLOAD ||
	    memcmp(bufs[NSEG - 1] + HDR_LEN, frame + HDR_LEN + (NSEG - 1) * MSS, MSS)) {
		fprintf(stderr, "lso_bench: nvgre_segment did not produce %d segments\n", NSEG);
		return 1;
	}
	one_copy();
	/* alternate, so a noisy neighbour hits both alike */
	for (i = 0; i < TRIALS; i++) {
		seg[i] = run(one_segment, secs / TRIALS);
		cp[i] = run(one_copy, secs / TRIALS);
		if (seg[i] < 0) {
			fprintf(stderr, "lso_bench: nvgre_segment failed\n");
			return 1;
		}
	}
	printf("{\"mss\": %d, \"segments\": %d, \"payload_bytes\": %d, \"frame_bytes\": %d, "
	       "\"seconds_per_method\": %.3f, \"segment_gbps\": [", MSS, NSEG, PAYLOAD, FRAME_LEN, secs);
	for (i = 0; i < TRIALS; i++)
		printf("%s%.4f", i ? ", " : "", seg[i] / 1e9);
	printf("], \"memcpy_gbps\": [");
	for (i = 0; i < TRIALS; i++)
		printf("%s%.4f", i ? ", " : "", cp[i] / 1e9);
	qsort(seg, TRIALS, sizeof(seg[0]), cmp);
	qsort(cp, TRIALS, sizeof(cp[0]), cmp);
	ms = seg[TRIALS / 2];
	mc = cp[TRIALS / 2];
	printf("], \"segment_gbps_median\": %.4f, \"memcpy_gbps_median\": %.4f}\n", ms / 1e9, mc / 1e9);
	return 0;
}
