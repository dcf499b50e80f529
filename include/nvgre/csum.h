/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internet checksum validation over packet bytes (SPEC CSUM-RX-1), shared by
 * the BPF programs (bpf_csum_diff) and user space (a plain C sum), so the
 * fuzzer and unit tests run the same arithmetic the data path does.
 *
 * Sums are 32-bit one's complement partial sums of the bytes as they lie in
 * memory; only the folded 16-bit result is compared, which makes the byte
 * order of the machine irrelevant.
 */
#ifndef NVGRE_CSUM_H
#define NVGRE_CSUM_H

#include "compat.h"
#include "parse.h"
#include "meta.h"

#define NV_CSUM_CHUNK		512	/* largest block bpf_csum_diff takes */
#define NV_CSUM_MAX_CHUNKS	18	/* 9216 bytes: jumbo frames; longer: not checked */
/*
 * Offsets are masked so the verifier can bound them: it only trusts a
 * packet range check when the variable offset plus the access size stays
 * under 64 KiB.  Every offset we sum lies below 16 KiB (see the chunk limit).
 */
#define NV_CSUM_OFF_MASK	0x3fff

NV_INLINE __u32 nv_csum_add(__u32 a, __u32 b)
{
	__u32 r = a + b;

	return r + (r < b);
}

NV_INLINE __u16 nv_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

#ifdef __bpf__
#define nv_csum_block(p, n, seed) ((__u32)bpf_csum_diff(0, 0, (void *)(p), (n), (seed)))
#else
static inline __u32 nv_csum_block(const void *p, __u32 n, __u32 seed)
{
	const __u8 *b = p;
	__u64 s = seed;
	__u32 i, w;

	for (i = 0; i + 4 <= n; i += 4) {
		memcpy(&w, b + i, 4);
		s += w;
	}
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (__u32)s;
}
#endif

/*
 * Add bytes [off, off + len) of the frame to *sum.  Returns 0, or -1 when the
 * range leaves the frame or is longer than we sum (the caller then reports
 * "not checked", CSUM-RX-3).  Every block is a multiple of 4 long so all
 * blocks stay in 16-bit phase; the last 1-3 bytes are padded with zeros.
 */
#define NV_CSUM_TAIL(n)							\
	if (len & (n)) {						\
		p = (const __u8 *)data + (off & NV_CSUM_OFF_MASK);		\
		if (p + (n) > (const __u8 *)end)			\
			return -1;					\
		s = nv_csum_block(p, (n), s);				\
		off += (n);						\
	}

NV_INLINE int nv_csum_range(const void *data, const void *end, __u32 off, __u32 len, __u32 *sum)
{
	const __u8 *p;
	__u32 s = *sum;
	int i;

	/* Offsets are masked below for the verifier: never let them wrap. */
	if (off + len > NV_CSUM_OFF_MASK + 1 || len > NV_CSUM_CHUNK * (NV_CSUM_MAX_CHUNKS + 1))
		return -1;
	for (i = 0; i < NV_CSUM_MAX_CHUNKS; i++) {
		if (len < NV_CSUM_CHUNK)
			break;
		p = (const __u8 *)data + (off & NV_CSUM_OFF_MASK);
		if (p + NV_CSUM_CHUNK > (const __u8 *)end)
			return -1;
		s = nv_csum_block(p, NV_CSUM_CHUNK, s);
		off += NV_CSUM_CHUNK;
		len -= NV_CSUM_CHUNK;
	}
	if (len >= NV_CSUM_CHUNK)
		return -1;
	NV_CSUM_TAIL(256)
	NV_CSUM_TAIL(128)
	NV_CSUM_TAIL(64)
	NV_CSUM_TAIL(32)
	NV_CSUM_TAIL(16)
	NV_CSUM_TAIL(8)
	NV_CSUM_TAIL(4)
	if (len & 3) {
		__u8 last[4] = {};
		__u32 w;

		p = (const __u8 *)data + (off & NV_CSUM_OFF_MASK);
		if (p + 1 > (const __u8 *)end)
			return -1;
		last[0] = p[0];
		if ((len & 3) >= 2) {
			if (p + 2 > (const __u8 *)end)
				return -1;
			last[1] = p[1];
		}
		if ((len & 3) == 3) {
			if (p + 3 > (const __u8 *)end)
				return -1;
			last[2] = p[2];
		}
		__builtin_memcpy(&w, last, 4);
		s = nv_csum_add(s, w);
	}
	*sum = s;
	return 0;
}

/*
 * An IPv4 header checksum, valid?  The fixed 20 bytes are summed inline
 * (five words: cheaper than helper calls on every packet); options, when
 * there are any, through nv_csum_range.
 */
NV_INLINE int nv_ipv4_hdr_ok(const void *data, const void *end, __u32 off, __u32 ihl)
{
	const __u8 *p = (const __u8 *)data + (off & NV_HDR_OFF_MASK);
	const __u32 *w = (const __u32 *)p;	/* read in place: no stack copy */
	__u32 s = 0;
	int i;

	if (ihl < 20 || p + 20 > (const __u8 *)end)
		return 0;
	NV_UNROLL
	for (i = 0; i < 5; i++)
		s = nv_csum_add(s, w[i]);
	if (ihl > 20 && nv_csum_range(data, end, (off & NV_HDR_OFF_MASK) + 20, ihl - 20, &s) < 0)
		return 0;
	return nv_csum_fold(s) == 0xffff;
}

/* Pseudo-header sum of the inner IP packet for protocol proto, L4 length len. */
NV_INLINE __u32 nv_pseudo_sum(const struct nvgre_pkt *pkt, __u8 proto, __u32 len)
{
	__u32 s = 0;
	int i;

	if (pkt->inner_ipver == 4) {
		s = nv_csum_add(s, pkt->inner_src.w[3]);
		s = nv_csum_add(s, pkt->inner_dst.w[3]);
		return nv_csum_add(s, nv_htonl((__u32)proto << 16 | len));
	}
	NV_UNROLL
	for (i = 0; i < 4; i++) {
		s = nv_csum_add(s, pkt->inner_src.w[i]);
		s = nv_csum_add(s, pkt->inner_dst.w[i]);
	}
	s = nv_csum_add(s, nv_htonl(len));
	return nv_csum_add(s, nv_htonl(proto));
}

/* Does the L4 checksum field hold exactly the folded pseudo-header sum? */
NV_INLINE int nv_partial_sig(const struct nvgre_pkt *pkt, const void *data, const void *end,
			     __u8 proto, __u32 len)
{
	__u32 off = (pkt->inner_l4_off & NV_HDR_OFF_MASK) +
		    (proto == NV_IPPROTO_TCP ? 16 : proto == NV_IPPROTO_UDP ? 6 : 2);
	const __u8 *p = (const __u8 *)data + off;
	__u16 field;

	if (p + 2 > (const __u8 *)end)
		return 0;
	__builtin_memcpy(&field, p, 2);
	return field == nv_csum_fold(nv_pseudo_sum(pkt, proto, len));
}

/*
 * Validate the inner L4 checksum.  Returns NVGRE_CSUM_OK/BAD, or
 * NOT_CHECKED when there is no L4 header we know, it is a fragment, or it is
 * longer than we sum.  An IPv4 UDP checksum of 0 means "none": not checked.
 */
NV_INLINE __u8 nv_l4_csum_ex(const struct nvgre_pkt *pkt, const void *data, const void *end,
			     int partial_aware)
{
	__u32 off = pkt->inner_l4_off & NV_HDR_OFF_MASK, len, s;
	__u8 proto = pkt->l4_proto;

	if (!off || off >= pkt->inner_end)
		return NVGRE_CSUM_NOT_CHECKED;
	len = pkt->inner_end - off;

	switch (proto) {
	case NV_IPPROTO_UDP: {
		const struct { __be16 s, d, len; __sum16 check; } *uh =
			(const void *)NV_HDR(struct nv_ports, data, end, off);
		const __u8 *b = (const __u8 *)data + off;

		if (!uh || b + 8 > (const __u8 *)end)
			return NVGRE_CSUM_NOT_CHECKED;
		if (uh->check == 0)
			return pkt->inner_ipver == 4 ? NVGRE_CSUM_NOT_CHECKED : NVGRE_CSUM_BAD;
		/* a UDP length short of the IP payload is legal: the rest is padding */
		if (nv_ntohs(uh->len) > len || nv_ntohs(uh->len) < 8)
			return NVGRE_CSUM_BAD;
		len = nv_ntohs(uh->len);
		s = nv_pseudo_sum(pkt, proto, len);
		break;
	}
	case NV_IPPROTO_TCP:
		s = nv_pseudo_sum(pkt, proto, len);
		break;
	case NV_IPPROTO_ICMPV6:
		if (pkt->inner_ipver != 6)
			return NVGRE_CSUM_NOT_CHECKED;
		s = nv_pseudo_sum(pkt, proto, len);
		break;
	case NV_IPPROTO_ICMP:
		if (pkt->inner_ipver != 4)
			return NVGRE_CSUM_NOT_CHECKED;
		s = 0;
		break;
	default:
		return NVGRE_CSUM_NOT_CHECKED;
	}
	if (nv_csum_range(data, end, off, len, &s) < 0)
		return NVGRE_CSUM_NOT_CHECKED;
	if (nv_csum_fold(s) == 0xffff)
		return NVGRE_CSUM_OK;
	/*
	 * CSUM-RX-5: a local sender's CHECKSUM_PARTIAL frame (over veth) holds
	 * only the folded pseudo-header sum, for someone to finish: not bad,
	 * just not checked (XDP cannot see ip_summed).
	 */
	if (partial_aware && proto != NV_IPPROTO_ICMP && nv_partial_sig(pkt, data, end, proto, len))
		return NVGRE_CSUM_NOT_CHECKED;
	return NVGRE_CSUM_BAD;
}

/* Where ip_summed is known (skb), a partial sum is not taken for one. */
NV_INLINE __u8 nv_l4_csum(const struct nvgre_pkt *pkt, const void *data, const void *end)
{
	return nv_l4_csum_ex(pkt, data, end, 0);
}

#endif
