// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User-space LSO / USO and checksum completion for AF_XDP senders
 * (include/nvgre/segment.h; SPEC LSO-1..3, USO-1, CSUM-TX-1).
 *
 * Plain byte-wise code with no dependency beyond libc: the frame is first
 * parsed into a layout with every offset checked against its length, and
 * only then touched.  Multi-byte fields are read and written big-endian
 * byte by byte, so alignment and host byte order never matter.
 */
#include <errno.h>
#include <string.h>

#include <nvgre/bytes.h>
#include <nvgre/segment.h>
#include <nvgre/wire.h>

#define IP4_HLEN	20
#define IP6_HLEN	40
#define IP4_MF_OFF	0x3fff		/* MF flag and fragment offset */

#define TCP_HLEN	20
#define UDP_HLEN	8

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_URG		0x20
#define TCP_CWR		0x80

/* Where the headers of a parsed frame lie; offsets from the frame start. */
struct seg_layout {
	size_t l4;		/* L4 header */
	size_t l4_len;		/* bytes the L4 checksum covers */
	size_t pay;		/* L4 payload (after the TCP/UDP header) */
	size_t end;		/* end of the IP packet */
	size_t csum_off;	/* L4 checksum field */
	int ipver;
	__u8 proto;
	__u8 ihl;		/* IPv4 header length */
	int udp_nocsum;		/* IPv4 UDP sent without checksum */
};

/* ---- byte access ----------------------------------------------------- */

/* ---- Internet checksum (RFC 1071) ------------------------------------- */

/* Adds n bytes as big-endian 16-bit words (odd tail padded with zero). */
static __u64 csum_add(__u64 sum, const __u8 *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += nv_get16(p);
	if (n)
		sum += (__u32)p[0] << 8;
	return sum;
}

static __u16 csum_fold(__u64 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Pseudo-header sum of an L4 message of l4_len bytes (none for ICMPv4). */
static __u64 csum_pseudo(const __u8 *f, const struct seg_layout *lo)
{
	const __u8 *ip = f + NV_ETH_HLEN;
	__u64 sum = 0;

	if (lo->proto == NV_IPPROTO_ICMP)
		return 0;
	if (lo->ipver == 4)
		sum = csum_add(sum, ip + 12, 8);
	else
		sum = csum_add(sum, ip + 8, 32);
	return sum + lo->proto + (lo->l4_len >> 16) + (lo->l4_len & 0xffff);
}

static void csum_ip4(__u8 *f, const struct seg_layout *lo)
{
	__u8 *ip = f + NV_ETH_HLEN;

	nv_put16(ip + 10, 0);
	nv_put16(ip + 10, csum_fold(csum_add(0, ip, lo->ihl)));
}

/* The L4 checksum of the message at lo->l4, lo->l4_len bytes long. */
static void csum_l4(__u8 *f, const struct seg_layout *lo)
{
	__u16 c;

	if (lo->udp_nocsum) {
		nv_put16(f + lo->csum_off, 0);
		return;
	}
	nv_put16(f + lo->csum_off, 0);
	c = csum_fold(csum_add(csum_pseudo(f, lo), f + lo->l4, lo->l4_len));
	if (lo->proto == NV_IPPROTO_UDP && c == 0)
		c = 0xffff;
	nv_put16(f + lo->csum_off, c);
}

/* ---- parsing ----------------------------------------------------------- */

/* IPv4 header after the Ethernet header: sets ipver, ihl, proto, l4, end. */
static int parse_ip4(const __u8 *f, size_t len, struct seg_layout *lo)
{
	const __u8 *ip = f + NV_ETH_HLEN;
	size_t tot;

	if (len < NV_ETH_HLEN + IP4_HLEN || ip[0] >> 4 != 4)
		return -EINVAL;
	lo->ihl = (ip[0] & 0xf) * 4;
	tot = nv_get16(ip + 2);
	if (lo->ihl < IP4_HLEN || tot < lo->ihl || NV_ETH_HLEN + tot > len)
		return -EINVAL;
	if (nv_get16(ip + 6) & IP4_MF_OFF)
		return -EINVAL;		/* a fragment: no whole L4 message */
	lo->ipver = 4;
	lo->proto = ip[9];
	lo->l4 = NV_ETH_HLEN + lo->ihl;
	lo->end = NV_ETH_HLEN + tot;
	return 0;
}

/*
 * IPv6 extension headers from *off with next header *nh, up to end.  Only
 * hop-by-hop (first only), destination options and routing headers with
 * Segments Left 0 are passed over; see segment.h.
 */
static int skip_ext6(const __u8 *f, size_t end, size_t *off, __u8 *nh)
{
	int first = 1;

	for (;;) {
		size_t hl;

		switch (*nh) {
		case NV_IPPROTO_HOPOPTS:
			if (!first)
				return -EINVAL;
			break;
		case NV_IPPROTO_DSTOPTS:
			break;
		case NV_IPPROTO_ROUTING:
			if (*off + 4 > end || f[*off + 3] != 0)
				return -EINVAL;	/* Segments Left > 0 */
			break;
		default:
			return 0;
		}
		if (*off + 2 > end)
			return -EINVAL;
		hl = (f[*off + 1] + 1) * 8;
		if (*off + hl > end)
			return -EINVAL;
		*nh = f[*off];
		*off += hl;
		first = 0;
	}
}

/* IPv6 header after the Ethernet header: sets ipver, proto, l4, end. */
static int parse_ip6(const __u8 *f, size_t len, struct seg_layout *lo)
{
	const __u8 *ip = f + NV_ETH_HLEN;
	size_t plen, off = NV_ETH_HLEN + IP6_HLEN;
	__u8 nh;

	if (len < NV_ETH_HLEN + IP6_HLEN || ip[0] >> 4 != 6)
		return -EINVAL;
	plen = nv_get16(ip + 4);
	if (!plen || NV_ETH_HLEN + IP6_HLEN + plen > len)
		return -EINVAL;		/* jumbogram or truncated */
	lo->ipver = 6;
	lo->end = NV_ETH_HLEN + IP6_HLEN + plen;
	nh = ip[6];
	if (skip_ext6(f, lo->end, &off, &nh))
		return -EINVAL;
	lo->proto = nh;
	lo->l4 = off;
	return 0;
}

/* The L4 header at lo->l4: sets l4_len, pay, csum_off, udp_nocsum. */
static int parse_l4(const __u8 *f, struct seg_layout *lo)
{
	size_t room = lo->end - lo->l4, hl;

	lo->udp_nocsum = 0;
	lo->l4_len = room;
	switch (lo->proto) {
	case NV_IPPROTO_TCP:
		if (room < TCP_HLEN)
			return -EINVAL;
		hl = (f[lo->l4 + 12] >> 4) * 4;
		if (hl < TCP_HLEN || hl > room)
			return -EINVAL;
		lo->pay = lo->l4 + hl;
		lo->csum_off = lo->l4 + 16;
		return 0;
	case NV_IPPROTO_UDP:
		if (room < UDP_HLEN)
			return -EINVAL;
		lo->l4_len = nv_get16(f + lo->l4 + 4);
		if (lo->l4_len < UDP_HLEN || lo->l4_len > room)
			return -EINVAL;
		lo->pay = lo->l4 + UDP_HLEN;
		lo->csum_off = lo->l4 + 6;
		lo->udp_nocsum = lo->ipver == 4 && nv_get16(f + lo->csum_off) == 0;
		return 0;
	case NV_IPPROTO_ICMP:
	case NV_IPPROTO_ICMPV6:
		if ((lo->proto == NV_IPPROTO_ICMP) != (lo->ipver == 4) || room < 4)
			return -EINVAL;
		lo->pay = lo->l4 + 4;
		lo->csum_off = lo->l4 + 2;
		return 0;
	default:
		return -EINVAL;
	}
}

static int parse_frame(const __u8 *f, size_t len, struct seg_layout *lo)
{
	int err;

	if (!f || len < NV_ETH_HLEN)
		return -EINVAL;
	switch (nv_get16(f + 12)) {
	case NV_ETH_P_IP:
		err = parse_ip4(f, len, lo);
		break;
	case NV_ETH_P_IPV6:
		err = parse_ip6(f, len, lo);
		break;
	default:
		return -EINVAL;		/* not IP, or a VLAN tag */
	}
	return err ? err : parse_l4(f, lo);
}

/* ---- checksum completion ----------------------------------------------- */

int nvgre_csum_complete(__u8 *frame, size_t len)
{
	struct seg_layout lo;
	int err = parse_frame(frame, len, &lo);

	if (err)
		return err;
	if (lo.ipver == 4)
		csum_ip4(frame, &lo);
	csum_l4(frame, &lo);
	return 0;
}

/* ---- segmentation ------------------------------------------------------ */

/* Per-segment values taken from the original frame. */
struct seg_orig {
	__u16 ip_id;
	__u32 seq;
	__u8 tcp_flags;
};

static void seg_fix_ip(__u8 *s, const struct seg_layout *lo,
		       const struct seg_orig *o, size_t seg_end, unsigned int i)
{
	__u8 *ip = s + NV_ETH_HLEN;

	if (lo->ipver == 6) {
		nv_put16(ip + 4, seg_end - NV_ETH_HLEN - IP6_HLEN);
		return;
	}
	nv_put16(ip + 2, seg_end - NV_ETH_HLEN);
	nv_put16(ip + 4, (__u16)(o->ip_id + i));
	csum_ip4(s, lo);
}

static void seg_fix_tcp(__u8 *s, const struct seg_orig *o, size_t l4,
			__u32 done, int first, int last)
{
	__u8 flags = o->tcp_flags;

	if (!last)
		flags &= ~(TCP_FIN | TCP_PSH);
	if (!first)
		flags &= ~TCP_CWR;
	nv_put32(s + l4 + 4, o->seq + done);
	s[l4 + 13] = flags;
}

static int seg_check(const struct seg_layout *lo, const __u8 *f,
		     size_t payload, unsigned int mss)
{
	if (lo->proto != NV_IPPROTO_TCP && lo->proto != NV_IPPROTO_UDP)
		return -EINVAL;
	if (lo->pay > NVGRE_SEG_HDR_MAX || !mss || mss > NVGRE_SEG_MSS_MAX)
		return -EINVAL;
	if (lo->proto == NV_IPPROTO_UDP && lo->l4 + lo->l4_len != lo->end)
		return -EINVAL;		/* UDP length != IP payload */
	if (lo->proto == NV_IPPROTO_TCP && payload > mss &&
	    (f[lo->l4 + 13] & (TCP_SYN | TCP_RST | TCP_URG)))
		return -EINVAL;
	return 0;
}

int nvgre_segment(const __u8 *frame, size_t len, unsigned int mss,
		  int (*emit)(const __u8 *seg, size_t seg_len, void *ctx),
		  void *ctx)
{
	__u8 seg[NVGRE_SEG_MAX];
	struct seg_layout lo;
	struct seg_orig o;
	size_t payload, done = 0;
	unsigned int i, nseg;
	int err;

	if (!emit)
		return -EINVAL;
	err = parse_frame(frame, len, &lo);
	if (err)
		return err;
	payload = lo.end - lo.pay;
	err = seg_check(&lo, frame, payload, mss);
	if (err)
		return err;

	o.ip_id = lo.ipver == 4 ? nv_get16(frame + NV_ETH_HLEN + 4) : 0;
	o.seq = lo.proto == NV_IPPROTO_TCP ? nv_get32(frame + lo.l4 + 4) : 0;
	o.tcp_flags = lo.proto == NV_IPPROTO_TCP ? frame[lo.l4 + 13] : 0;
	nseg = payload ? (payload + mss - 1) / mss : 1;
	memcpy(seg, frame, lo.pay);

	for (i = 0; i < nseg; i++) {
		size_t n = payload - done < mss ? payload - done : mss;
		size_t seg_end = lo.pay + n;

		memcpy(seg + lo.pay, frame + lo.pay + done, n);
		lo.l4_len = seg_end - lo.l4;
		seg_fix_ip(seg, &lo, &o, seg_end, i);
		if (lo.proto == NV_IPPROTO_TCP)
			seg_fix_tcp(seg, &o, lo.l4, done, i == 0, i == nseg - 1);
		else
			nv_put16(seg + lo.l4 + 4, lo.l4_len);
		csum_l4(seg, &lo);
		err = emit(seg, seg_end, ctx);
		if (err)
			return err;
		done += n;
	}
	return nseg;
}
