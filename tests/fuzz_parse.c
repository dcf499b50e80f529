// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the receive-side code shared with the BPF programs:
 * nvgre_parse(), then nv_l4_csum(), nv_ipv4_hdr_ok() and nvgre_rss_hash()
 * on what it accepts.  Built with ASan/UBSan (Makefile: fuzz_parse).
 *
 * Input: byte 0 selects MaxHeaderSize, the rest is the frame.  The frame is
 * copied into a heap block of exactly its size so ASan reports any read
 * past data_end.  Invariants that must hold for every input are checked
 * with __builtin_trap().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The shared headers read packet headers through struct pointers at any
 * alignment, as the kernel does (BPF and x86 allow it).  Behind a 14-byte
 * Ethernet header either the outer or the inner IP header is misaligned
 * whatever the buffer address, so UBSan's alignment check would stop every
 * run at the first frame.  It is switched off for those headers only (a
 * known, reported issue); -DFUZZ_CHECK_ALIGNMENT turns it back on.
 */
#ifndef FUZZ_CHECK_ALIGNMENT
#pragma clang attribute push(__attribute__((no_sanitize("alignment"))), apply_to = function)
#endif
#include <nvgre/parse.h>
#include <nvgre/csum.h>
#include <nvgre/rss.h>
#ifndef FUZZ_CHECK_ALIGNMENT
#pragma clang attribute pop
#endif

#define CHECK(cond)				\
	do {					\
		if (!(cond))			\
			__builtin_trap();	\
	} while (0)

static const __u32 max_headers[] = { 64, 128, 256, 512 };
static const __u8 rss_key[NVGRE_RSS_KEY_LEN] = NVGRE_RSS_DEFAULT_KEY;
static struct nvgre_rss_table rss_table;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	nvgre_rss_build_table(&rss_table, rss_key);
	return 0;
}

/* Bit-by-bit Toeplitz: an independent check of the table-driven hash. */
static __u32 ref_toeplitz(const __u8 *in, unsigned int n)
{
	__u32 h = 0, win = (__u32)rss_key[0] << 24 | rss_key[1] << 16 |
			   rss_key[2] << 8 | rss_key[3];
	unsigned int i;
	int b;

	for (i = 0; i < n; i++) {
		for (b = 7; b >= 0; b--) {
			if (in[i] >> b & 1)
				h ^= win;
			win = win << 1 | (rss_key[i + 4] >> b & 1);
		}
	}
	return h;
}

/* The hash nvgre_rss_hash must give, from the parsed tuple. */
static __u32 ref_hash(const struct nvgre_pkt *pkt, __u8 type)
{
	const union nvgre_ip *src = &pkt->inner_src, *dst = &pkt->inner_dst;
	int v4 = pkt->inner_ipver == 4;
	__u8 in[36];
	unsigned int n, alen;

	if (type == NVGRE_RSS_OUTER_2TUPLE) {
		src = &pkt->outer_src;
		dst = &pkt->outer_dst;
		v4 = pkt->outer_ipver == 4;
	}
	alen = v4 ? 4 : 16;
	memcpy(in, v4 ? &src->b[12] : src->b, alen);
	memcpy(in + alen, v4 ? &dst->b[12] : dst->b, alen);
	n = 2 * alen;
	if (type == NVGRE_RSS_INNER_4TUPLE) {
		memcpy(in + n, &pkt->sport, 2);
		memcpy(in + n + 2, &pkt->dport, 2);
		n += 4;
	}
	return ref_toeplitz(in, n);
}

static void check_pass_drop(int ret, const struct nvgre_pkt *pkt)
{
	if (ret == NV_PARSE_PASS) {
		CHECK(pkt->reason == NVGRE_DROP_NONE);
		CHECK(pkt->counter == NVGRE_CNT_RX_NOT_NVGRE ||
		      pkt->counter == NVGRE_CNT_RX_OUTER_FRAGMENT ||
		      pkt->counter == NVGRE_CNT_RX_PARSE_LIMIT);
	} else {
		CHECK(ret == NV_PARSE_DROP);
		CHECK(pkt->counter == 0);
		CHECK(pkt->reason == NVGRE_DROP_TRUNCATED ||
		      pkt->reason == NVGRE_DROP_INNER_VLAN ||
		      pkt->reason == NVGRE_DROP_RESERVED_VSID ||
		      pkt->reason == NVGRE_DROP_BAD_INNER_IP);
	}
}

/* Offsets of an accepted frame: ordered and inside the buffer. */
static void check_offsets(const struct nvgre_pkt *p, size_t len, __u32 max_header)
{
	CHECK(p->reason == 0 && p->counter == 0);
	CHECK(p->outer_ipver == 4 || p->outer_ipver == 6);
	CHECK(p->l3_off == 14 || p->l3_off == 18 || p->l3_off == 22);
	CHECK(p->l3_off < p->gre_off && p->gre_off <= NVGRE_MAX_HEADER_SUPPORTED);
	CHECK(p->outer_ipver != 4 || p->gre_off == p->l3_off + p->outer_ihl);
	CHECK(p->inner_l2_off == p->gre_off + NVGRE_HLEN);
	CHECK(p->inner_l2_off + (__u32)NV_ETH_HLEN <= p->outer_end && p->outer_end <= len);
	CHECK(nvgre_vsid_valid(nvgre_key_vsid(p->key)));
	CHECK(p->inner_proto != NV_ETH_P_8021Q && p->inner_proto != NV_ETH_P_8021AD);
	CHECK(!(p->flags & ~0x0fu));
	CHECK(p->inner_ipver == 0 || p->inner_ipver == 4 || p->inner_ipver == 6);
	if (p->inner_ipver)
		CHECK(p->inner_end <= p->outer_end);

	if (p->inner_l3_off) {
		CHECK(p->inner_l3_off == p->inner_l2_off + NV_ETH_HLEN);
		CHECK(p->inner_ipver);
		CHECK(p->inner_l3_off + (p->inner_ipver == 4 ? p->inner_ihl : 40u) <= max_header);
		CHECK(p->inner_l3_off < p->inner_end);
	}
	if (p->inner_l4_off) {
		CHECK(p->inner_l3_off && p->inner_l3_off < p->inner_l4_off);
		CHECK(p->inner_l4_off < p->inner_l4_end && p->inner_l4_end <= p->inner_end);
		CHECK(p->inner_end <= p->outer_end && p->outer_end <= len);
		CHECK(p->inner_l4_end <= max_header);
		CHECK(!(p->flags & (NV_PKT_INNER_FRAG | NV_PKT_HDR_LIMIT)));
		CHECK(p->l4_proto == NV_IPPROTO_TCP || p->l4_proto == NV_IPPROTO_UDP ||
		      p->l4_proto == NV_IPPROTO_ICMP || p->l4_proto == NV_IPPROTO_ICMPV6);
	} else {
		CHECK(p->inner_l4_end == 0 && p->sport == 0 && p->dport == 0);
	}
	if (p->flags & NV_PKT_INNER_FRAG)
		CHECK(p->inner_l3_off);
}

static void check_offloads(const struct nvgre_pkt *p, const __u8 *data, const __u8 *end)
{
	__u8 l4 = nv_l4_csum(p, data, end), type;
	int inner_ok;

	CHECK(l4 == NVGRE_CSUM_NOT_CHECKED || l4 == NVGRE_CSUM_OK || l4 == NVGRE_CSUM_BAD);
	if (!p->inner_l4_off)
		CHECK(l4 == NVGRE_CSUM_NOT_CHECKED);
	if (p->outer_ipver == 4)
		CHECK(nv_ipv4_hdr_ok(data, end, p->l3_off, p->outer_ihl) <= 1);
	if (p->inner_ipver == 4 && p->inner_l3_off)
		CHECK(nv_ipv4_hdr_ok(data, end, p->inner_l3_off, p->inner_ihl) <= 1);

	for (inner_ok = 0; inner_ok <= 1; inner_ok++) {
		__u32 h;

		type = NVGRE_RSS_NONE;
		h = nvgre_rss_hash(&rss_table, p, inner_ok, &type);
		if (!inner_ok || !p->inner_l3_off)
			CHECK(type == NVGRE_RSS_OUTER_2TUPLE);
		else if (p->inner_l4_off && !(p->flags & NV_PKT_INNER_EXTHDR) &&
			 (p->l4_proto == NV_IPPROTO_TCP || p->l4_proto == NV_IPPROTO_UDP))
			CHECK(type == NVGRE_RSS_INNER_4TUPLE);
		else
			CHECK(type == NVGRE_RSS_INNER_2TUPLE);
		CHECK(h == ref_hash(p, type));
	}
}

/* A byte-wise Internet checksum of [off, len) against nv_csum_range. */
static void check_csum_range(const __u8 *data, size_t len, __u32 off)
{
	__u32 s = 0, ref = 0, i;
	int rc;

	if (off > len)
		off = len;
	rc = nv_csum_range(data, data + len, off, len - off, &s);
	if (len - off > NV_CSUM_MAX_CHUNKS * NV_CSUM_CHUNK + NV_CSUM_CHUNK - 1) {
		CHECK(rc == -1);
		return;
	}
	CHECK(rc == 0);
	for (i = off; i + 1 < len; i += 2)
		ref += (__u32)data[i] << 8 | data[i + 1];
	if ((len - off) & 1)
		ref += (__u32)data[len - 1] << 8;
	while (ref >> 16)
		ref = (ref & 0xffff) + (ref >> 16);
	CHECK(ntohs(nv_csum_fold(s)) == ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct nvgre_pkt pkt, again;
	__u32 max_header;
	__u8 *data;
	size_t len;
	int ret;

	if (size < 1)
		return 0;
	max_header = max_headers[in[0] & 3];
	len = size - 1;
	data = malloc(len ? len : 1);
	if (!data)
		return 0;
	memcpy(data, in + 1, len);

	ret = nvgre_parse(&pkt, data, data + len, max_header);
	CHECK(ret == NV_PARSE_NVGRE || ret == NV_PARSE_PASS || ret == NV_PARSE_DROP);

	/* Deterministic, and nothing of a previous result survives. */
	memset(&again, 0xa5, sizeof(again));
	CHECK(nvgre_parse(&again, data, data + len, max_header) == ret);
	CHECK(!memcmp(&pkt, &again, sizeof(pkt)));

	if (ret == NV_PARSE_NVGRE) {
		check_offsets(&pkt, len, max_header);
		check_offloads(&pkt, data, data + len);
	} else {
		check_pass_drop(ret, &pkt);
	}
	check_csum_range(data, len, in[0] >> 2);

	free(data);
	return 0;
}
