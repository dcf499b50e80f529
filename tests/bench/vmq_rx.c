// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The baseline receivers of the VMQ benchmark (tests/bench.sh), each
 * counting what arrives on IFNAME for SECONDS after a warm-up, and printing
 * JSON {frames, seconds, pps, ...} like `nvgre-vmq count --json`:
 *
 *   vmq_rx drop IFNAME SECONDS     XDP_DROP (native mode), frames counted by
 *                                  the program in a per-CPU array: the most
 *                                  any XDP consumer of the device could get
 *   vmq_rx packet IFNAME SECONDS   an AF_PACKET socket (TPACKET_V3 ring,
 *                                  ETH_P_ALL): what a user-space consumer
 *                                  got before AF_XDP
 *
 * The warm-up (WARMUP_S) lets the rate settle after the attach or bind
 * (NAPI enabled, ring pages faulted in) before the window opens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/bench/vmq_bench.skel.h"

#define WARMUP_S	0.5
/* TPACKET_V3 ring: 64 blocks of 256 KiB (some 1,600 of the bench's frames
 * each), retired after at most 1 ms, so the reader sees frames within a
 * millisecond and one wake-up serves a block.  That is far more slack than
 * an xsk vport's 1024-entry ring: what a simple AF_PACKET consumer does. */
#define BLOCK_SIZE	(1 << 18)
#define BLOCK_NR	64
#define FRAME_SIZE	2048
#define BLOCK_TOV_MS	1

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until t or a signal. */
static void sleep_until(double t)
{
	double d;

	while (!stop && (d = t - now()) > 0) {
		struct timespec ts = { .tv_sec = (time_t)d, .tv_nsec = (d - (time_t)d) * 1e9 };

		nanosleep(&ts, NULL);
	}
}

static void print_result(const char *method, unsigned long long frames, double secs,
			 const char *extra)
{
	printf("{\"method\": \"%s\", \"frames\": %llu, \"seconds\": %.6f, \"pps\": %.1f%s}\n",
	       method, frames, secs, secs > 0 ? frames / secs : 0.0, extra);
}

/* Frames dropped so far, summed over the CPUs; 0 or -errno. */
static int drop_count(struct vmq_bench *skel, unsigned long long *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u64 v[ncpu > 0 ? ncpu : 1];
	__u32 k = 0;

	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	if (bpf_map__lookup_elem(skel->maps.drops, &k, sizeof(k), v, sizeof(v), 0))
		return -errno;
	for (*sum = 0, i = 0; i < ncpu; i++)
		*sum += v[i];
	return 0;
}

static int rx_drop(int ifindex, double secs)
{
	__u32 flags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
	LIBBPF_OPTS(bpf_xdp_attach_opts, dopts);
	unsigned long long a, b;
	struct vmq_bench *skel;
	double t0, t1;
	int err;

	skel = vmq_bench__open_and_load();
	if (!skel)
		return -errno;
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.vmq_rx_drop), flags, NULL);
	if (err)
		goto out;
	sleep_until(now() + WARMUP_S);
	err = drop_count(skel, &a);
	t0 = now();
	sleep_until(t0 + secs);
	err = err ?: drop_count(skel, &b);
	t1 = now();
	/* detach what we attached, not whatever may be there by now */
	dopts.old_prog_fd = bpf_program__fd(skel->progs.vmq_rx_drop);
	err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &dopts) ?: err;
	if (!err && !stop)
		print_result("xdp-drop", b - a, t1 - t0, "");
out:
	vmq_bench__destroy(skel);
	return err;
}

/* Frames in the retired blocks from *next on, handed back to the kernel. */
static unsigned long long packet_drain(__u8 *ring, unsigned int *next)
{
	unsigned long long n = 0;
	struct tpacket_block_desc *bd;

	for (;;) {
		bd = (struct tpacket_block_desc *)(ring + (size_t)*next * BLOCK_SIZE);
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return n;
		n += bd->hdr.bh1.num_pkts;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		*next = (*next + 1) % BLOCK_NR;
	}
}

static int rx_packet(int ifindex, double secs)
{
	struct tpacket_req3 req = { .tp_block_size = BLOCK_SIZE, .tp_block_nr = BLOCK_NR,
				    .tp_frame_size = FRAME_SIZE,
				    .tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_NR,
				    .tp_retire_blk_tov = BLOCK_TOV_MS };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int fd, ver = TPACKET_V3, err = 0;
	struct tpacket_stats_v3 st;
	socklen_t sl = sizeof(st);
	unsigned long long n = 0;
	unsigned int next = 0;
	double t0 = 0, t1, end;
	char extra[128];
	__u8 *ring;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		err = -errno;
		goto out;
	}
	ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_LOCKED | MAP_POPULATE, fd, 0);
	if (ring == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		goto unmap;
	}
	/* warm-up, then the window: a block retired after t0 counts, one
	 * retired before does not (it is at most BLOCK_TOV_MS old) */
	end = now() + WARMUP_S;
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLERR };
		unsigned long long got;

		t1 = now();
		if (t1 >= end) {
			if (t0)
				break;
			t0 = t1;
			end = t0 + secs;
			n = 0;
			getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl); /* resets them */
		}
		got = packet_drain(ring, &next);
		if (t0)
			n += got;
		if (!got)
			poll(&pfd, 1, 10);
	}
	t1 = now();
	n += packet_drain(ring, &next);
	sl = sizeof(st);
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		memset(&st, 0, sizeof(st));
	/* tp_packets counts what the socket took, tp_drops what the full ring refused */
	snprintf(extra, sizeof(extra), ", \"kernel_packets\": %u, \"kernel_dropped\": %u",
		 st.tp_packets, st.tp_drops);
	if (!stop)
		print_result("af-packet-tpacket-v3", n, t1 - t0, extra);
unmap:
	munmap(ring, (size_t)BLOCK_SIZE * BLOCK_NR);
out:
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	int ifindex, err;
	double secs;

	if (argc != 4 || (strcmp(argv[1], "drop") && strcmp(argv[1], "packet")) ||
	    (secs = atof(argv[3])) <= 0) {
		fprintf(stderr, "usage: vmq_rx drop|packet IFNAME SECONDS\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "vmq_rx: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* a signal ends the window early: detach, print nothing, fail */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = !strcmp(argv[1], "drop") ? rx_drop(ifindex, secs) : rx_packet(ifindex, secs);
	if (err)
		fprintf(stderr, "vmq_rx %s: %s: %s\n", argv[1], argv[2], strerror(-err));
	return err || stop ? 1 : 0;
}
