// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nvgre-vmq: an operator's consumer of an xsk vport's queue set, built on
 * libnvgre-vmq (include/nvgre/vmq.h).
 *
 *   dump   one line per received frame (metadata and inner headers), and
 *          optionally the frames to a pcap file (loader/vmq_pcap.c);
 *   tap    bridges the queue set and a tap device both ways, translating
 *          the offload metadata to and from virtio_net_hdr (loader/vmq_tap.c);
 *   count  frame and bit rates, per queue and path (make bench).
 *
 * SIGINT and SIGTERM stay blocked except inside ppoll, so a signal always
 * ends the wait it interrupts and the loops stop cleanly (pcap flushed,
 * lease closed); nothing else here blocks.
 */
#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include <nvgre/bytes.h>
#include <nvgre/ctl.h>
#include <nvgre/maps.h>
#include <nvgre/vmq.h>
#include <nvgre/wire.h>
#include "vmq_pcap.h"
#include "vmq_tap.h"

#define BATCH		64	/* frames per nvgre_vmq_recv, and tap reads per wake-up */
#define MAX_NOTES	10	/* refused frames reported one by one, then only counted */

static volatile sig_atomic_t stop_sig;
static sigset_t wait_mask;	/* the mask inside ppoll: SIGINT, SIGTERM let through */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nvgre-vmq [--socket PATH] NAME COMMAND\n"
		"  dump [--pcap FILE] [--count N]\n"
		"  tap IFNAME [--set-mac]\n"
		"  count [--interval SECONDS] [--duration SECONDS] [--json]\n"
		"NAME: an xsk vport (nvgrectl vport add NAME ... xsk QUEUES).\n"
		"Default socket: %s\n", NVGRE_DEFAULT_VMQ_SOCKET);
}

static int __attribute__((format(printf, 1, 2))) usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("nvgre-vmq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return NVGRE_EXIT_USAGE;
}

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	sigset_t block;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error, not a death */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait until fd is readable or secs pass (< 0: forever); 0 on a signal. */
static int wait_readable(int fd, double secs)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts, *tp = NULL;
	int n;

	if (secs >= 0) {
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
		tp = &ts;
	}
	n = ppoll(&pfd, 1, tp, &wait_mask);
	if (n < 0 && errno != EINTR)
		return -errno;
	return n > 0;
}

/* nvgre_vmq_recv failed: the lease ended, or something worse. */
static int recv_failed(const char *vport, int err)
{
	if (err == -ENOTCONN)
		fprintf(stderr, "nvgre-vmq: %s: nvgred ended the lease "
			"(vport deleted or nvgred stopped)\n", vport);
	else
		fprintf(stderr, "nvgre-vmq: %s: receive: %s\n", vport, strerror(-err));
	return NVGRE_EXIT_FAILED;
}

/*
 * Wait up to secs (< 0: forever) for frames and take a batch; < 0: said why,
 * stop.  As nvgre_vmq_recv does, look again for a while before sleeping in
 * ppoll (which, unlike the library's wait, lets SIGINT and SIGTERM in).
 */
#define SPIN_S	(NVGRE_VMQ_SPIN_US * 1e-6)

static int recv_batch(struct nvgre_vmq *q, const char *vport, double secs,
		      struct nvgre_vmq_frame *frames, int max)
{
	double spin_end = now_mono() + (secs >= 0 && secs < SPIN_S ? secs : SPIN_S);
	int n;

	do {
		n = nvgre_vmq_recv(q, frames, max, 0);
		if (n) {
			if (n < 0)
				recv_failed(vport, n);
			return n < 0 ? -1 : n;
		}
	} while (!stop_sig && now_mono() < spin_end);
	n = wait_readable(nvgre_vmq_fd(q), secs);
	if (n < 0) {
		fprintf(stderr, "nvgre-vmq: %s: poll: %s\n", vport, strerror(-n));
		return -1;
	}
	if (!n)
		return 0;
	n = nvgre_vmq_recv(q, frames, max, 0);
	if (n < 0) {
		recv_failed(vport, n);
		return -1;
	}
	return n;
}

/* ---- numbers and names ------------------------------------------------- */

static int parse_count(const char *opt, const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *v == 0 || s[0] == '-')
		return usage_err("%s %s: not a whole number from 1", opt, s);
	return 0;
}

static int parse_secs(const char *opt, const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (!*s || *end || !(*v >= 0.01) || *v > 31536000)
		return usage_err("%s %s: seconds, from 0.01 to 31536000", opt, s);
	return 0;
}

static int valid_vport_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 31)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static void fmt_mac(char *b, const __u8 *m)
{
	sprintf(b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ---- dump ---------------------------------------------------------------- */

struct line {
	char b[512];
	size_t o;
};

static void __attribute__((format(printf, 2, 3))) put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->o >= sizeof(l->b))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->b + l->o, sizeof(l->b) - l->o, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->o += n;
}

static const char *csum_name(unsigned int v)
{
	static const char *const names[] = { "not-checked", "ok", "bad", "invalid" };

	return names[v & 3];
}

static const char *rss_name(unsigned int t)
{
	switch (t) {
	case NVGRE_RSS_NONE:		return "none";
	case NVGRE_RSS_INNER_4TUPLE:	return "inner-4tuple";
	case NVGRE_RSS_INNER_2TUPLE:	return "inner-2tuple";
	case NVGRE_RSS_OUTER_2TUPLE:	return "outer-2tuple";
	}
	return "unknown";
}

static void put_proto(struct line *l, __u8 proto)
{
	switch (proto) {
	case NV_IPPROTO_TCP:	put(l, " tcp"); break;
	case NV_IPPROTO_UDP:	put(l, " udp"); break;
	case NV_IPPROTO_ICMP:	put(l, " icmp"); break;
	case NV_IPPROTO_ICMPV6:	put(l, " icmpv6"); break;
	default:		put(l, " proto=%u", proto);
	}
}

/*
 * "SRC > DST PROTO" of an IP packet at ip (len bytes to the frame end),
 * with ports for TCP and UDP when the L4 header is there: parsed from the
 * frame itself, so what is shown does not depend on the metadata.
 */
static void put_ip(struct line *l, const __u8 *ip, size_t len, int ver)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	size_t l4 = 0, hl = ver == 4 ? 20 : 40;
	int frag = 0, ports, i;
	__u8 nh;

	if (len < hl) {
		put(l, " ipv%d truncated", ver);
		return;
	}
	if ((ip[0] >> 4) != ver || (ver == 4 && (ip[0] & 0xf) < 5)) {
		put(l, " ipv%d malformed", ver);
		return;
	}
	if (ver == 4) {
		inet_ntop(AF_INET, ip + 12, src, sizeof(src));
		inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
		nh = ip[9];
		frag = nv_get16(ip + 6) & 0x3fff;
		if (!(nv_get16(ip + 6) & 0x1fff))	/* ports in the first fragment only */
			l4 = (ip[0] & 0xf) * 4;
	} else {
		inet_ntop(AF_INET6, ip + 8, src, sizeof(src));
		inet_ntop(AF_INET6, ip + 24, dst, sizeof(dst));
		nh = ip[6];
		l4 = 40;
		for (i = 0; i < 8 && l4 + 8 <= len; i++) {
			if (nh == NV_IPPROTO_HOPOPTS || nh == NV_IPPROTO_ROUTING ||
			    nh == NV_IPPROTO_DSTOPTS) {
				nh = ip[l4];
				l4 += (ip[l4 + 1] + 1) * 8;
			} else if (nh == NV_IPPROTO_FRAGMENT) {
				frag = 1;
				nh = ip[l4];
				if (nv_get16(ip + l4 + 2) & 0xfff8) {	/* not the first */
					l4 = 0;
					break;
				}
				l4 += 8;
			} else {
				break;
			}
		}
	}
	ports = (nh == NV_IPPROTO_TCP || nh == NV_IPPROTO_UDP) && l4 && l4 + 4 <= len;
	if (ports && ver == 6)
		put(l, " ipv6 [%s]:%u > [%s]:%u", src, nv_get16(ip + l4), dst,
		    nv_get16(ip + l4 + 2));
	else if (ports)
		put(l, " ipv4 %s:%u > %s:%u", src, nv_get16(ip + l4), dst, nv_get16(ip + l4 + 2));
	else
		put(l, " ipv%d %s > %s", ver, src, dst);
	put_proto(l, nh);
	if (frag)
		put(l, " frag");
}

static void describe(struct line *l, const struct nvgre_vmq_frame *f)
{
	const struct nvgre_xdp_meta *m = &f->meta;
	char smac[18], dmac[18];
	__u16 type;

	l->o = 0;
	put(l, "queue=%u vsid=%u flowid=0x%02x path=%s ip-csum=%s l4-csum=%s rss=0x%08x/%s",
	    m->queue, m->vsid, m->flowid, m->flags & NVGRE_META_F_SW_PATH ? "sw" : "xsk",
	    csum_name(NVGRE_CSUM_IP(m->csum)), csum_name(NVGRE_CSUM_L4(m->csum)),
	    m->rss_hash, rss_name(m->rss_type));
	if (f->len < NV_ETH_HLEN) {
		put(l, " runt");
	} else {
		fmt_mac(smac, f->data + 6);
		fmt_mac(dmac, f->data);
		put(l, " %s > %s", smac, dmac);
		type = nv_get16(f->data + 12);
		if (type == NV_ETH_P_IP)
			put_ip(l, f->data + NV_ETH_HLEN, f->len - NV_ETH_HLEN, 4);
		else if (type == NV_ETH_P_IPV6)
			put_ip(l, f->data + NV_ETH_HLEN, f->len - NV_ETH_HLEN, 6);
		else if (type == NV_ETH_P_ARP)
			put(l, " arp");
		else
			put(l, " ethertype=0x%04x", type);
	}
	if (m->flags & NVGRE_META_F_MCAST)
		put(l, " mcast");
	put(l, " len=%u", f->len);
	if (f->gso_size)
		put(l, " gso=%s/%u", f->gso_type == NVGRE_SW_GSO_UDP ? "udp" : "tcp", f->gso_size);
	if (f->csum_partial)
		put(l, " csum-partial=%u+%u", f->csum_start, f->csum_offset);
}

static int cmd_dump(struct nvgre_vmq *q, const char *vport, struct vmq_pcap *pcap,
		    const char *pcap_path, unsigned long long max)
{
	struct nvgre_vmq_frame frames[BATCH];
	/* with the pcap on standard output, the lines go to standard error */
	FILE *out = pcap_path && !strcmp(pcap_path, "-") ? stderr : stdout;
	unsigned long long seen = 0;
	struct timespec ts;
	struct line l;
	int n, i, err;

	if (out == stdout)	/* line by line into pipes too, for tail -f and grep */
		setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop_sig && (!max || seen < max)) {
		n = recv_batch(q, vport, -1, frames, BATCH);
		if (n < 0)
			return NVGRE_EXIT_FAILED;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < n && (!max || seen < max); i++, seen++) {
			describe(&l, &frames[i]);
			fprintf(out, "%s\n", l.b);
			if (pcap)
				vmq_pcap_write(pcap, frames[i].data, frames[i].len, &ts);
		}
		nvgre_vmq_release(q, frames, n);
		err = pcap ? vmq_pcap_flush(pcap) : 0;
		if (err) {
			fprintf(stderr, "nvgre-vmq: --pcap %s: %s\n", pcap_path, strerror(-err));
			return NVGRE_EXIT_FAILED;
		}
	}
	fprintf(stderr, "nvgre-vmq: %s: %llu frames\n", vport, seen);
	return 0;
}

/* ---- count --------------------------------------------------------------- */

struct tally {
	unsigned long long frames, bytes, sw;
	unsigned long long queue[NVGRE_VMQ_MAX_QUEUES];
};

static void tally_frames(struct tally *t, const struct nvgre_vmq_frame *f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		t->frames++;
		t->bytes += f[i].len;
		if (f[i].meta.flags & NVGRE_META_F_SW_PATH)
			t->sw++;
		if (f[i].meta.queue < NVGRE_VMQ_MAX_QUEUES)
			t->queue[f[i].meta.queue]++;
	}
}

static void print_rates(const struct tally *a, const struct tally *b, double t, double secs,
			int queues)
{
	int i;

	printf("%8.1fs %12.0f pps %12.3f Mbit/s  sw %.0f pps", t, (b->frames - a->frames) / secs,
	       (b->bytes - a->bytes) * 8 / secs / 1e6, (b->sw - a->sw) / secs);
	for (i = 0; i < queues; i++)
		printf("  q%d %.0f", i, (b->queue[i] - a->queue[i]) / secs);
	printf("\n");
	fflush(stdout);
}

static void print_totals(struct nvgre_vmq *q, const char *vport, const struct tally *t,
			 double secs, int json)
{
	const struct nvgre_vmq_info *info = nvgre_vmq_info(q);
	int i, queues = info->queues < NVGRE_VMQ_MAX_QUEUES ? info->queues : NVGRE_VMQ_MAX_QUEUES;
	struct nvgre_vmq_stats st;
	json_object *o, *a;

	nvgre_vmq_get_stats(q, &st);
	if (secs <= 0)
		secs = 1e-9;
	if (!json) {
		printf("frames %llu bytes %llu seconds %.3f pps %.1f bit/s %.1f xsk %llu sw %llu "
		       "kernel-dropped %llu\n", t->frames, t->bytes, secs, t->frames / secs,
		       t->bytes * 8 / secs,
		       t->frames - t->sw, t->sw, (unsigned long long)st.rx_kernel_dropped);
		for (i = 0; i < queues; i++)
			printf("queue %d frames %llu\n", i, t->queue[i]);
		return;
	}
	o = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < queues; i++)
		json_object_array_add(a, json_object_new_int64(t->queue[i]));
	json_object_object_add(o, "vport", json_object_new_string(vport));
	json_object_object_add(o, "seconds", json_object_new_double(secs));
	json_object_object_add(o, "frames", json_object_new_int64(t->frames));
	json_object_object_add(o, "bytes", json_object_new_int64(t->bytes));
	json_object_object_add(o, "pps", json_object_new_double(t->frames / secs));
	json_object_object_add(o, "bps", json_object_new_double(t->bytes * 8 / secs));
	json_object_object_add(o, "xsk_frames", json_object_new_int64(t->frames - t->sw));
	json_object_object_add(o, "sw_frames", json_object_new_int64(t->sw));
	json_object_object_add(o, "queue_frames", a);
	json_object_object_add(o, "kernel_dropped", json_object_new_int64(st.rx_kernel_dropped));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static int cmd_count(struct nvgre_vmq *q, const char *vport, double interval, double duration,
		     int json)
{
	const struct nvgre_vmq_info *info = nvgre_vmq_info(q);
	int queues = info->queues < NVGRE_VMQ_MAX_QUEUES ? info->queues : NVGRE_VMQ_MAX_QUEUES;
	struct nvgre_vmq_frame frames[BATCH];
	struct tally now = { 0 }, last = { 0 };
	double start = now_mono(), next = start + interval, end = start + duration;
	double last_t = start, t, until;
	int n;

	while (!stop_sig) {
		t = now_mono();
		/* the tick first: with --duration a multiple of --interval, the
		 * last interval ends with the run and gets its line too */
		if (t >= next) {
			if (!json)
				print_rates(&last, &now, t - start, t - last_t, queues);
			last = now;
			last_t = t;
			while (next <= t)	/* skip ticks missed while stopped */
				next += interval;
		}
		if (duration && t >= end)
			break;
		until = duration && end < next ? end : next;
		n = recv_batch(q, vport, until > t ? until - t : 0, frames, BATCH);
		if (n < 0)
			return NVGRE_EXIT_FAILED;
		tally_frames(&now, frames, n);
		nvgre_vmq_release(q, frames, n);
	}
	print_totals(q, vport, &now, now_mono() - start, json);
	return 0;
}

/* ---- tap ----------------------------------------------------------------- */

struct tap_counters {
	unsigned long long rx, rx_written, rx_segmented, rx_dropped;
	unsigned long long tap, tx_sent, tx_lso, tx_bad_hdr, tx_too_big, tx_invalid;
	unsigned long long tx_ring_full, tx_other;
	int notes;
};

static void __attribute__((format(printf, 2, 3))) note(struct tap_counters *c, const char *fmt, ...)
{
	va_list ap;

	if (c->notes >= MAX_NOTES)
		return;
	fputs("nvgre-vmq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (++c->notes == MAX_NOTES)
		fputs(" (further refusals are only counted)", stderr);
	fputc('\n', stderr);
}

/* Queue -> tap: one received frame. */
static void to_tap(int fd, const char *ifname, const struct nvgre_vmq_frame *f,
		   struct tap_counters *c)
{
	const char *why;
	int n;

	c->rx++;
	n = vmq_tap_put(fd, f, &why);
	if (n > 0) {
		c->rx_written += n;
		c->rx_segmented += !!f->gso_size;
		return;
	}
	c->rx_dropped++;
	/* EIO: the tap device is down, every frame fails alike; not news */
	if (n != -EIO)
		note(c, "to tap %s: dropped a %u-byte frame: %s", ifname, f->len,
		     why ? why : strerror(-n));
}

/* Tap -> queue: up to BATCH frames, then one flush.  < 0: the tap failed. */
static int from_tap(struct nvgre_vmq *q, int fd, const char *ifname, __u8 *buf,
		    struct tap_counters *c)
{
	struct nvgre_vmq_tx tx;
	const __u8 *frame;
	const char *why;
	size_t len;
	int i, r, sent = 0;

	for (i = 0; i < BATCH; i++) {
		r = vmq_tap_get(fd, buf, VMQ_TAP_BUF_LEN, &frame, &len, &tx, &why);
		if (r == VMQ_TAP_NONE)
			break;
		if (r < 0)
			return r;
		c->tap++;
		if (r == VMQ_TAP_REFUSED) {
			c->tx_bad_hdr++;
			note(c, "from tap %s: refused a frame: %s", ifname, why);
			continue;
		}
		r = nvgre_vmq_send(q, frame, len, tx.flags ? &tx : NULL);
		if (r == -EAGAIN) {	/* ring full: let it drain once, then give up */
			nvgre_vmq_flush(q);
			r = nvgre_vmq_send(q, frame, len, tx.flags ? &tx : NULL);
		}
		if (r >= 0) {
			sent = 1;
			c->tx_sent += r;
			c->tx_lso += !!(tx.flags & NVGRE_VMQ_TX_SEGMENT);
			continue;
		}
		switch (r) {
		case -EMSGSIZE: c->tx_too_big++; break;
		case -EINVAL: c->tx_invalid++; break;
		case -EAGAIN: c->tx_ring_full++; break;
		default: c->tx_other++;
		}
		if (r != -EAGAIN)
			note(c, "from tap %s: the library refused a %zu-byte frame%s: %s",
			     ifname, len, tx.flags & NVGRE_VMQ_TX_SEGMENT ? " (LSO/USO)" : "",
			     strerror(-r));
	}
	if (sent)
		nvgre_vmq_flush(q);
	return 0;
}

static void tap_summary(const char *ifname, const struct tap_counters *c)
{
	fprintf(stderr,
		"nvgre-vmq: tap %s: queue -> tap: %llu frames received, %llu written "
		"(%llu GSO frames segmented), %llu dropped; tap -> queue: %llu frames read, "
		"%llu sent (%llu with LSO/USO), refused: %llu bad header, %llu too big, "
		"%llu invalid, %llu ring full, %llu other\n",
		ifname, c->rx, c->rx_written, c->rx_segmented, c->rx_dropped, c->tap, c->tx_sent,
		c->tx_lso, c->tx_bad_hdr, c->tx_too_big, c->tx_invalid, c->tx_ring_full,
		c->tx_other);
}

static int cmd_tap(struct nvgre_vmq *q, const char *vport, const char *ifname, int set_mac)
{
	const struct nvgre_vmq_info *info = nvgre_vmq_info(q);
	struct nvgre_vmq_frame frames[BATCH];
	struct tap_counters c = { 0 };
	struct vmq_tap_dev tap;
	struct pollfd pfd[2];
	int ret = NVGRE_EXIT_FAILED, n, i, busy = 0;
	char err[256], mac[18];
	__u8 *buf;

	buf = malloc(VMQ_TAP_BUF_LEN);
	if (!buf) {
		fprintf(stderr, "nvgre-vmq: out of memory\n");
		return NVGRE_EXIT_FAILED;
	}
	if (vmq_tap_open(ifname, info->mtu, set_mac ? info->mac : NULL, &tap, err, sizeof(err))) {
		fprintf(stderr, "nvgre-vmq: %s\n", err);
		free(buf);
		return NVGRE_EXIT_FAILED;
	}
	fmt_mac(mac, info->mac);
	/*
	 * The tap device is the tenant's adapter: frames written to the fd
	 * arrive on it, and the vport only takes frames from its own MAC.
	 */
	printf("nvgre-vmq: vport %s (VSID %u, %d queue%s, MTU %d) <-> tap %s "
	       "(offloads csum tso%s); the tenant behind %s must use MAC %s%s\n",
	       vport, info->vsid, info->queues, info->queues == 1 ? "" : "s", info->mtu,
	       tap.ifname, tap.offloads & TUN_F_USO4 ? " uso" : "", tap.ifname, mac,
	       set_mac ? " (set on it)" : "");
	fflush(stdout);
	pfd[0] = (struct pollfd){ .fd = tap.fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = nvgre_vmq_fd(q), .events = POLLIN };
	while (!stop_sig) {
		/* queue -> tap first; after a batch, look at the queue a while
		 * before sleeping, as recv_batch does */
		double spin_end = busy ? now_mono() + SPIN_S : 0;
		struct timespec zero = { 0 };
		int got;

		do {
			got = nvgre_vmq_recv(q, frames, BATCH, 0);
		} while (!got && now_mono() < spin_end);
		if (got < 0) {
			ret = recv_failed(vport, got);
			goto out;
		}
		for (i = 0; i < got; i++)
			to_tap(tap.fd, tap.ifname, &frames[i], &c);
		nvgre_vmq_release(q, frames, got);
		busy = got > 0;
		/* then the tap: with frames just taken, only a look, no sleep */
		n = ppoll(pfd, 2, busy ? &zero : NULL, &wait_mask);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "nvgre-vmq: poll: %s\n", strerror(errno));
			goto out;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "nvgre-vmq: tap %s: the device went away\n", tap.ifname);
			goto out;
		}
		if (pfd[0].revents & POLLIN) {
			n = from_tap(q, tap.fd, tap.ifname, buf, &c);
			if (n < 0) {
				fprintf(stderr, "nvgre-vmq: tap %s: read: %s\n", tap.ifname,
					strerror(-n));
				goto out;
			}
		}
	}
	ret = 0;
out:
	tap_summary(tap.ifname, &c);
	close(tap.fd);
	free(buf);
	return ret;
}

/* ---- main ------------------------------------------------------------------ */

struct args {
	enum { CMD_DUMP, CMD_TAP, CMD_COUNT } cmd;
	const char *pcap, *ifname;
	unsigned long long count;
	double interval, duration;
	int json, set_mac;
};

/* The words after COMMAND; 0 or NVGRE_EXIT_USAGE with the reason printed. */
static int parse_args(const char *cmd, int argc, char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->interval = 1;
	if (!strcmp(cmd, "dump"))
		a->cmd = CMD_DUMP;
	else if (!strcmp(cmd, "tap"))
		a->cmd = CMD_TAP;
	else if (!strcmp(cmd, "count"))
		a->cmd = CMD_COUNT;
	else
		return usage_err("unknown command '%s' (dump, tap or count)", cmd);
	for (i = 0; i < argc; i++) {
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = !strcmp(w, "--pcap") || !strcmp(w, "--count") ||
			    !strcmp(w, "--interval") || !strcmp(w, "--duration");

		if (takes && !v)
			return usage_err("%s %s: needs a value", cmd, w);
		if (a->cmd == CMD_DUMP && !strcmp(w, "--pcap")) {
			a->pcap = v;
		} else if (a->cmd == CMD_DUMP && !strcmp(w, "--count")) {
			if (parse_count(w, v, &a->count))
				return NVGRE_EXIT_USAGE;
		} else if (a->cmd == CMD_COUNT && !strcmp(w, "--interval")) {
			if (parse_secs(w, v, &a->interval))
				return NVGRE_EXIT_USAGE;
		} else if (a->cmd == CMD_COUNT && !strcmp(w, "--duration")) {
			if (parse_secs(w, v, &a->duration))
				return NVGRE_EXIT_USAGE;
		} else if (a->cmd == CMD_COUNT && !strcmp(w, "--json")) {
			a->json = 1;
			continue;
		} else if (a->cmd == CMD_TAP && !strcmp(w, "--set-mac")) {
			a->set_mac = 1;
			continue;
		} else if (a->cmd == CMD_TAP && w[0] != '-' && !a->ifname) {
			if (strlen(w) >= IFNAMSIZ)
				return usage_err("tap %s: interface names have at most %d characters",
						 w, IFNAMSIZ - 1);
			a->ifname = w;
			continue;
		} else if (w[0] == '-') {
			return usage_err("%s: unknown option '%s'", cmd, w);
		} else {
			return usage_err("%s: unexpected argument '%s'", cmd, w);
		}
		i++;	/* the option's value */
	}
	if (a->cmd == CMD_TAP && !a->ifname)
		return usage_err("tap: missing IFNAME");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *sock = NULL, *vport;
	struct vmq_pcap *pcap = NULL;
	struct nvgre_vmq *q = NULL;
	char err[256] = "";
	struct args a;
	int o, ret;

	while ((o = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return NVGRE_EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		if (argc - optind == 1)
			return usage_err("%s: missing COMMAND (dump, tap or count)", argv[optind]);
		usage(stderr);
		return NVGRE_EXIT_USAGE;
	}
	vport = argv[optind];
	if (!valid_vport_name(vport))
		return usage_err("'%s': not a vport name (1 to 31 of A-Z a-z 0-9 . _ -)", vport);
	ret = parse_args(argv[optind + 1], argc - optind - 2, argv + optind + 2, &a);
	if (ret)
		return ret;
	/* the pcap file first: no lease taken for a file we cannot write */
	if (a.pcap) {
		ret = vmq_pcap_open(a.pcap, &pcap);
		if (ret) {
			fprintf(stderr, "nvgre-vmq: --pcap %s: %s\n", a.pcap, strerror(-ret));
			return NVGRE_EXIT_FAILED;
		}
	}
	ret = nvgre_vmq_open(sock, vport, &q, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "nvgre-vmq: %s: %s\n", vport, err[0] ? err : strerror(-ret));
		vmq_pcap_close(pcap);
		return NVGRE_EXIT_FAILED;
	}
	setup_signals();
	switch (a.cmd) {
	case CMD_DUMP:
		ret = cmd_dump(q, vport, pcap, a.pcap, a.count);
		break;
	case CMD_TAP:
		ret = cmd_tap(q, vport, a.ifname, a.set_mac);
		break;
	case CMD_COUNT:
		ret = cmd_count(q, vport, a.interval, a.duration, a.json);
		break;
	}
	nvgre_vmq_close(q);
	if (pcap) {
		o = vmq_pcap_close(pcap);
		if (o) {
			fprintf(stderr, "nvgre-vmq: --pcap %s: %s\n", a.pcap, strerror(-o));
			ret = NVGRE_EXIT_FAILED;
		}
	}
	return ret;
}
