/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Toeplitz RSS hash (SPEC RSS-1..3).  nvgred turns the 40-byte key into a
 * per-byte lookup table once; the data path then XORs one table word per
 * input byte instead of walking 8 bits per byte.
 */
#ifndef NVGRE_RSS_H
#define NVGRE_RSS_H

#include "compat.h"
#include "maps.h"
#include "meta.h"
#include "parse.h"

/* The standard Microsoft RSS key (rss-verification.md). */
#define NVGRE_RSS_DEFAULT_KEY {						\
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,	\
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,	\
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,	\
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa }

#ifndef __bpf__
/* The 32 key bits starting at bit position 'bit' (MSB of key[0] is bit 0). */
static inline __u32 nvgre_rss_window(const __u8 key[NVGRE_RSS_KEY_LEN], unsigned int bit)
{
	__u64 w = 0;
	unsigned int byte = bit / 8, i;

	for (i = 0; i < 5; i++)
		w = w << 8 | (byte + i < NVGRE_RSS_KEY_LEN ? key[byte + i] : 0);
	return (__u32)(w >> (8 - bit % 8));
}

static inline void nvgre_rss_build_table(struct nvgre_rss_table *t,
					 const __u8 key[NVGRE_RSS_KEY_LEN])
{
	unsigned int i, v, b;

	for (i = 0; i < NVGRE_RSS_INPUT_MAX; i++)
		for (v = 0; v < 256; v++) {
			__u32 h = 0;

			for (b = 0; b < 8; b++)
				if (v & (0x80 >> b))
					h ^= nvgre_rss_window(key, i * 8 + b);
			t->t[i][v] = h;
		}
}
#endif

/* XOR of table words for 'n' input bytes starting at input position 'pos'. */
NV_INLINE __u32 nv_rss_bytes(const struct nvgre_rss_table *t, const __u8 *in, int pos, int n)
{
	__u32 h = 0;
	int i;

	NV_UNROLL
	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		h ^= t->t[pos + i][in[i]];	/* constant index once unrolled */
	}
	return h;
}

/*
 * Hash of a parsed frame.  Inner 4-tuple when TCP/UDP follows the inner IP
 * header directly, inner 2-tuple otherwise (RSS-2), outer 2-tuple when the
 * inner IP header was not parsed.  Sets *type to NVGRE_RSS_*.
 */
NV_INLINE __u32 nvgre_rss_hash(const struct nvgre_rss_table *t, const struct nvgre_pkt *pkt,
			       int inner_ok, __u8 *type)
{
	const union nvgre_ip *src = &pkt->inner_src, *dst = &pkt->inner_dst;
	int ipver = pkt->inner_ipver, ports;
	__u32 h;

	if (!inner_ok || !ipver || !pkt->inner_l3_off) {
		src = &pkt->outer_src;
		dst = &pkt->outer_dst;
		ipver = pkt->outer_ipver;
		*type = NVGRE_RSS_OUTER_2TUPLE;
		ports = 0;
	} else {
		ports = pkt->inner_l4_off &&
			!(pkt->flags & (NV_PKT_INNER_FRAG | NV_PKT_INNER_EXTHDR)) &&
			(pkt->l4_proto == NV_IPPROTO_TCP || pkt->l4_proto == NV_IPPROTO_UDP);
		*type = ports ? NVGRE_RSS_INNER_4TUPLE : NVGRE_RSS_INNER_2TUPLE;
	}

	if (ipver == 4) {
		h = nv_rss_bytes(t, &src->b[12], 0, 4);
		h ^= nv_rss_bytes(t, &dst->b[12], 4, 4);
		if (ports) {
			h ^= nv_rss_bytes(t, (const __u8 *)&pkt->sport, 8, 2);
			h ^= nv_rss_bytes(t, (const __u8 *)&pkt->dport, 10, 2);
		}
	} else {
		h = nv_rss_bytes(t, src->b, 0, 16);
		h ^= nv_rss_bytes(t, dst->b, 16, 16);
		if (ports) {
			h ^= nv_rss_bytes(t, (const __u8 *)&pkt->sport, 32, 2);
			h ^= nv_rss_bytes(t, (const __u8 *)&pkt->dport, 34, 2);
		}
	}
	return h;
}

#endif
