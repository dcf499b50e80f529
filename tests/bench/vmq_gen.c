// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The traffic generator of the VMQ benchmark (tests/bench.sh): one NVGRE
 * frame, built by tests/pktbuild.c, sent out of a device as fast as the
 * machine allows, for a given time.
 *
 *   vmq_gen [OPTIONS] IFNAME               send for --seconds or until SIGTERM
 *                                          or SIGINT, then print JSON
 *   vmq_gen [OPTIONS] --pcap FILE          write the frame to FILE and exit
 *
 * Options: --seconds S (3), --smac/--dmac MAC (outer, IFNAME's and its
 * peer's), --inner-smac/--inner-dmac MAC, --vsid N (5000), --payload N
 * (18 UDP bytes: a 60-byte inner frame; at most 172), --method live|packet.
 *
 * How: BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on a program that
 * returns XDP_TX (tests/bench/vmq_bench.bpf.c), as xdp-trafficgen does.
 * The kernel turns every XDP_TX into a transmission out of
 * ctx.ingress_ifindex, in batches of 64 with one flush each, without an skb
 * or a system call per frame: the sender costs far less than any receiver,
 * so what a receiver gets is what it can take.  On veth, the frames go
 * through ndo_xdp_xmit into the peer's NAPI ring (and that NAPI runs in
 * this process's softirq, on its CPU); the peer must have NAPI (an XDP
 * program, or GRO on) or they are dropped at the sender.  The program
 * rewrites the whole frame each time: live-mode pages are recycled with
 * what the receiver's XDP program wrote into them.  "packet" (sendmmsg on
 * an AF_PACKET socket, 256 frames per call) is the fallback where live
 * frames are refused; here it offers about 1.4 Mpps, a tenth of live frames.
 *
 * It reports what it offered (frames handed to the device and the time);
 * what arrived is for the receivers to say.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktbuild.h"
#include "vmq_pcap.h"
#include "tests/bench/vmq_bench.skel.h"

/*
 * Frames per test_run call.  Each call also sets up and tears down a
 * page_pool, some 30 ms here during which nothing is sent, so a call should
 * last CALL_S (5% idle): the repeat count follows the previous call's rate.
 */
#define CALL_S		0.5
#define REPEAT_MIN	(1 << 16)
#define REPEAT_MAX	(1 << 26)
#define PACKET_BATCH	256

/*
 * SIGINT/SIGTERM end the run after the current call: they stay blocked, so
 * they do not interrupt a test_run call (whose frames would then go
 * uncounted), and are polled between calls.
 */
static int stopped(void)
{
	sigset_t p;

	return !sigpending(&p) && (sigismember(&p, SIGINT) || sigismember(&p, SIGTERM));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct gen {
	int ifindex;
	double seconds;
	__u8 frame[PKT_MAX];
	size_t len;
	unsigned long long frames;	/* offered */
	double elapsed;
};

/* Returns 0, -EOPNOTSUPP/-EINVAL if the kernel refuses live frames, or -errno. */
static int run_live(struct gen *g)
{
	/* the kernel wants data_end = the frame's length (no metadata) */
	struct xdp_md ctx = { .data_end = g->len, .ingress_ifindex = g->ifindex };
	unsigned int repeat = REPEAT_MIN;
	struct vmq_bench *skel;
	double t0, t, end;
	int err = 0;

	if (g->len > sizeof(skel->rodata->tmpl))
		return -EMSGSIZE;
	skel = vmq_bench__open();
	if (!skel)
		return -errno;
	/* the program rewrites every frame from this template (see its header) */
	skel->rodata->tmpl_len = g->len;
	memcpy((void *)skel->rodata->tmpl, g->frame, g->len);
	err = vmq_bench__load(skel);
	if (err)
		goto out;
	t0 = t = now();
	end = t0 + g->seconds;
	while (!stopped() && t < end) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			    .data_in = g->frame, .data_size_in = g->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .repeat = repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
		double t1, r;

		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vmq_gen_tx), &opts);
		if (err) {
			err = -errno;
			break;
		}
		g->frames += repeat;
		t1 = now();
		/* the next call: CALL_S at this call's rate, not past the end */
		r = repeat / (t1 - t) * (CALL_S < end - t1 ? CALL_S : end - t1);
		repeat = r < REPEAT_MIN ? REPEAT_MIN : r > REPEAT_MAX ? REPEAT_MAX : r;
		t = t1;
	}
	g->elapsed = now() - t0;
out:
	vmq_bench__destroy(skel);
	return err;
}

static int run_packet(struct gen *g)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = g->ifindex,
				   .sll_protocol = htons(ETH_P_IP) };
	static struct mmsghdr msgs[PACKET_BATCH];
	struct iovec iov = { .iov_base = g->frame, .iov_len = g->len };
	int fd, i, n, one = 1, err = 0;
	double t0, end;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: never receives */
	if (fd < 0)
		return -errno;
	/* straight to the driver, as a generator wants (no qdisc) */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	for (i = 0; i < PACKET_BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof(sll);
	}
	t0 = now();
	end = t0 + g->seconds;
	while (!stopped() && now() < end) {
		n = sendmmsg(fd, msgs, PACKET_BATCH, 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		g->frames += n;
	}
	g->elapsed = now() - t0;
	close(fd);
	return err;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	struct ether_addr *a = ether_aton(s);

	if (!a)
		return -1;
	memcpy(mac, a->ether_addr_octet, 6);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: vmq_gen [--seconds S] [--smac MAC] [--dmac MAC] [--inner-smac MAC]\n"
		"               [--inner-dmac MAC] [--vsid N] [--payload N] [--method live|packet]\n"
		"               IFNAME | --pcap FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", 1, NULL, 's' }, { "smac", 1, NULL, 'S' }, { "dmac", 1, NULL, 'D' },
		{ "inner-smac", 1, NULL, 'a' }, { "inner-dmac", 1, NULL, 'b' },
		{ "vsid", 1, NULL, 'v' }, { "payload", 1, NULL, 'p' }, { "method", 1, NULL, 'm' },
		{ "pcap", 1, NULL, 'w' }, { 0 }
	};
	static struct gen g = { .seconds = 3 };
	const char *pcap = NULL, *method = "live";
	struct pkt_spec s;
	size_t inner_off;
	sigset_t sigs;
	int c, err = 0;

	/* The bench's frame (tests/bench.sh): host B's VM b1 to xsk vport x1 on
	 * host A, VSID 5000, over the IPv4 underlay; UDP, so no connection. */
	pkt_spec_default(&s);
	s.l4 = 17;
	s.vsid = 5000;
	s.inner_src = "192.0.2.2";
	s.inner_dst = "192.0.2.3";
	s.outer_src = "198.18.0.2";
	s.outer_dst = "198.18.0.1";
	s.sport = 40000;
	s.dport = 9;
	s.payload = 18;
	parse_mac("02:00:00:00:50:02", s.inner_smac);
	parse_mac("02:00:00:00:50:03", s.inner_dmac);

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			g.seconds = atof(optarg);
			break;
		case 'S': case 'D': case 'a': case 'b':
			if (parse_mac(optarg, c == 'S' ? s.outer_smac : c == 'D' ? s.outer_dmac :
				      c == 'a' ? s.inner_smac : s.inner_dmac))
				return usage();
			break;
		case 'v':
			s.vsid = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			s.payload = atoi(optarg);
			break;
		case 'm':
			method = optarg;
			break;
		case 'w':
			pcap = optarg;
			break;
		default:
			return usage();
		}
	}
	if (g.seconds <= 0 || s.payload < 0 || s.payload > 172 ||	/* frames up to 256 bytes */
	    (strcmp(method, "live") && strcmp(method, "packet")))
		return usage();
	g.len = pkt_build(&s, g.frame, sizeof(g.frame), &inner_off);

	if (pcap) {
		struct vmq_pcap *p;

		if (optind != argc)
			return usage();
		err = vmq_pcap_open(pcap, &p);
		if (!err) {
			err = vmq_pcap_write(p, g.frame, g.len, NULL);
			err = vmq_pcap_close(p) ?: err;
		}
		if (err)
			fprintf(stderr, "vmq_gen: %s: %s\n", pcap, strerror(-err));
		return err ? 1 : 0;
	}
	if (optind != argc - 1)
		return usage();
	g.ifindex = if_nametoindex(argv[optind]);
	if (!g.ifindex) {
		fprintf(stderr, "vmq_gen: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	if (!strcmp(method, "live")) {
		err = run_live(&g);
		if ((err == -EOPNOTSUPP || err == -EINVAL) && !g.frames) {
			fprintf(stderr, "vmq_gen: live frames refused (%s): AF_PACKET instead\n",
				strerror(-err));
			method = "packet";
		}
	}
	if (!strcmp(method, "packet"))
		err = run_packet(&g);
	if (err) {
		fprintf(stderr, "vmq_gen: %s: sending (%s): %s\n", argv[optind], method, strerror(-err));
		return 1;
	}
	printf("{\"method\": \"%s\", \"frame_len\": %zu, \"inner_len\": %zu, \"frames\": %llu, "
	       "\"seconds\": %.6f, \"pps\": %.1f}\n", method, g.len, g.len - inner_off, g.frames,
	       g.elapsed, g.elapsed > 0 ? g.frames / g.elapsed : 0.0);
	return 0;
}
