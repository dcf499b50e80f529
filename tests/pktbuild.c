// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test packet builder (pktbuild.h).  Deliberately simple and byte-wise. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <nvgre/bytes.h>
#include "pktbuild.h"
#include "testenv.h"

void pkt_spec_default(struct pkt_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->outer_ipver = 4;
	s->inner_ipver = 4;
	s->l4 = 6;
	s->vsid = T_VSID_A;
	s->flowid = 0x5a;
	memcpy(s->outer_smac, (__u8[]){0x02, 0x00, 0x00, 0xee, 0x00, 0x02}, 6);
	memcpy(s->outer_dmac, (__u8[]){0x02, 0x00, 0x00, 0xee, 0x00, 0x01}, 6);
	memcpy(s->inner_smac, T_MAC_REMOTE4, 6);
	memcpy(s->inner_dmac, T_MAC_VPORT_A1, 6);
	s->outer_src = T_PA_REMOTE4;
	s->outer_dst = T_PA_LOCAL4;
	s->inner_src = "192.0.2.2";
	s->inner_dst = "192.0.2.1";
	s->sport = 40000;
	s->dport = 80;
	s->payload = 64;
}

__u16 pkt_csum(const __u8 *p, size_t n, __u32 seed)
{
	__u32 s = seed;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (__u32)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

static int addr_len(int ipver)
{
	return ipver == 6 ? 16 : 4;
}

static void put_addr(__u8 *p, int ipver, const char *s)
{
	if (inet_pton(ipver == 6 ? AF_INET6 : AF_INET, s, p) != 1) {
		fprintf(stderr, "pktbuild: bad address %s\n", s);
		memset(p, 0, addr_len(ipver));
	}
}

/* Pseudo-header sum (unfolded, host order) of an L4 segment. */
static __u32 pseudo(int ipver, const char *src, const char *dst, __u8 proto, __u32 len)
{
	__u8 a[32];
	__u32 s = 0;
	int i, n = addr_len(ipver);

	put_addr(a, ipver, src);
	put_addr(a + n, ipver, dst);
	for (i = 0; i < 2 * n; i += 2)
		s += (__u32)a[i] << 8 | a[i + 1];
	return s + proto + (len >> 16) + (len & 0xffff);
}

/* Dest-options headers of 8 bytes each; returns bytes written. */
static size_t put_exthdrs(__u8 *p, int n, __u8 last_nh)
{
	int i;

	for (i = 0; i < n; i++) {
		memset(p + i * 8, 0, 8);
		p[i * 8] = i == n - 1 ? last_nh : 60;
		p[i * 8 + 2] = 1;	/* PadN, 4 bytes */
		p[i * 8 + 3] = 4;
	}
	return n * 8;
}

/* The inner Ethernet frame; returns its length. */
static size_t build_inner(const struct pkt_spec *s, __u8 *b)
{
	size_t off = 0, l3, l4 = 0, l4len = 0, i;
	int v = s->inner_ipver;
	__u8 proto = s->l4;

	memcpy(b, s->inner_dmac, 6);
	memcpy(b + 6, s->inner_smac, 6);
	off = 12;
	if (s->inner_vlan) {
		nv_put16(b + off, 0x8100);
		nv_put16(b + off + 2, 100);
		off += 4;
	}
	nv_put16(b + off, v == 4 ? 0x0800 : v == 6 ? 0x86dd : 0x0806);
	off += 2;
	l3 = off;

	if (!v && s->inner_ethertype) {	/* some other protocol: just payload */
		nv_put16(b + off - 2, s->inner_ethertype);
		for (i = 0; i < (size_t)s->payload; i++)
			b[off + i] = (__u8)(i + 1);
		return off + s->payload;
	}
	if (!v) {			/* ARP request who-has inner_dst */
		const __u8 arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};

		memcpy(b + off, arp, 8);
		memcpy(b + off + 8, s->inner_smac, 6);
		put_addr(b + off + 14, 4, s->inner_src);
		memset(b + off + 18, 0, 6);
		put_addr(b + off + 24, 4, s->inner_dst);
		return off + 28;
	}

	if (v == 4) {
		off += 20;
	} else {
		off += 40;
		off += put_exthdrs(b + off, s->inner_ext, s->inner_frag ? 44 : proto);
		if (s->inner_frag) {
			memset(b + off, 0, 8);
			b[off] = proto;
			nv_put16(b + off + 2, 1);	/* offset 0, M=1 */
			off += 8;
		}
	}
	l4 = off;
	switch (proto) {
	case 6:
		l4len = 20 + s->tcp_opts;
		memset(b + l4, 0, l4len);
		nv_put16(b + l4, s->sport);
		nv_put16(b + l4 + 2, s->dport);
		nv_put32(b + l4 + 4, 1000);
		b[l4 + 12] = (l4len / 4) << 4;
		b[l4 + 13] = 0x18;	/* PSH ACK */
		nv_put16(b + l4 + 14, 512);
		for (i = 20; i < l4len; i++)
			b[l4 + i] = 1;	/* NOP options */
		break;
	case 17:
		l4len = 8;
		nv_put16(b + l4, s->sport);
		nv_put16(b + l4 + 2, s->dport);
		nv_put16(b + l4 + 4, 8 + s->payload);
		nv_put16(b + l4 + 6, 0);
		break;
	case 1:
	case 58:
		l4len = 8;
		memset(b + l4, 0, 8);
		b[l4] = proto == 1 ? 8 : 128;	/* echo request */
		nv_put16(b + l4 + 4, 0x77);
		nv_put16(b + l4 + 6, 1);
		break;
	default:
		break;
	}
	for (i = 0; i < (size_t)s->payload; i++)
		b[l4 + l4len + i] = (__u8)(i * 7 + 3);
	off = l4 + l4len + s->payload;

	/* L4 checksum */
	if (proto) {
		__u32 seg = off - l4, seed = proto == 1 ? 0 :
			pseudo(v, s->inner_src, s->inner_dst, proto, seg);
		size_t co = proto == 6 ? 16 : proto == 17 ? 6 : 2;
		__u16 c = pkt_csum(b + l4, seg, seed);

		if (proto == 17 && c == 0)
			c = 0xffff;
		if (proto == 17 && s->udp_zero_csum)
			c = 0;
		if (s->bad_l4_csum)
			c ^= 0x0101;
		nv_put16(b + l4 + co, c);
	}

	/* inner IP header */
	if (v == 4) {
		memset(b + l3, 0, 20);
		b[l3] = 0x45;
		b[l3 + 1] = s->inner_tos;
		nv_put16(b + l3 + 2, off - l3);
		nv_put16(b + l3 + 4, 0x1111);
		nv_put16(b + l3 + 6, s->inner_frag ? 0x2000 : 0x4000);
		b[l3 + 8] = 64;
		b[l3 + 9] = proto;
		put_addr(b + l3 + 12, 4, s->inner_src);
		put_addr(b + l3 + 16, 4, s->inner_dst);
		nv_put16(b + l3 + 10, pkt_csum(b + l3, 20, 0) ^ (s->bad_inner_csum ? 0x0101 : 0));
	} else {
		nv_put32(b + l3, 6u << 28 | (__u32)s->inner_tos << 20 | 0x12345);
		nv_put16(b + l3 + 4, off - l3 - 40);
		b[l3 + 6] = s->inner_ext ? 60 : s->inner_frag ? 44 : proto;
		b[l3 + 7] = 64;
		put_addr(b + l3 + 8, 6, s->inner_src);
		put_addr(b + l3 + 24, 6, s->inner_dst);
	}
	return off;
}

size_t pkt_build(const struct pkt_spec *s, __u8 *b, size_t cap, size_t *inner_off)
{
	__u8 inner[PKT_MAX];
	size_t ilen = build_inner(s, inner), off, l3, gre, i;
	int gre_len = s->gre_nokey ? 4 : s->gre_len ? s->gre_len : 8;

	memcpy(b, s->outer_dmac, 6);
	memcpy(b + 6, s->outer_smac, 6);
	off = 12;
	for (i = 0; i < (size_t)s->outer_vlans; i++) {
		nv_put16(b + off, 0x8100);
		nv_put16(b + off + 2, 10 + i);
		off += 4;
	}
	nv_put16(b + off, s->outer_ipver == 4 ? 0x0800 : 0x86dd);
	off += 2;
	l3 = off;
	if (s->outer_ipver == 4) {
		off += 20 + s->outer_ip_opts;
	} else {
		off += 40;
		off += put_exthdrs(b + off, s->outer_ext, s->outer_frag ? 44 : 47);
		if (s->outer_frag) {
			memset(b + off, 0, 8);
			b[off] = 47;
			nv_put16(b + off + 2, 1);
			off += 8;
		}
	}
	gre = off;
	memset(b + gre, 0, gre_len);
	nv_put16(b + gre, s->gre_nokey ? 0 : s->gre_flags ? s->gre_flags : 0x2000);
	nv_put16(b + gre + 2, s->gre_proto ? s->gre_proto : 0x6558);
	if (!s->gre_nokey)
		nv_put32(b + gre + 4, s->vsid << 8 | s->flowid);
	off += gre_len;
	if (off + ilen > cap)
		return 0;
	memcpy(b + off, inner, ilen);
	*inner_off = off;
	off += ilen;

	if (s->outer_ipver == 4) {
		size_t hl = 20 + s->outer_ip_opts;

		memset(b + l3, 0, hl);
		b[l3] = 0x40 | hl / 4;
		b[l3 + 1] = s->outer_tos;
		nv_put16(b + l3 + 2, off - l3);
		nv_put16(b + l3 + 4, 0x2222);
		nv_put16(b + l3 + 6, s->outer_frag ? 0x2000 : 0x4000);
		b[l3 + 8] = 64;
		b[l3 + 9] = 47;
		put_addr(b + l3 + 12, 4, s->outer_src);
		put_addr(b + l3 + 16, 4, s->outer_dst);
		for (i = 20; i < hl; i++)
			b[l3 + i] = 1;	/* NOP options */
		nv_put16(b + l3 + 10, pkt_csum(b + l3, hl, 0) ^ (s->bad_outer_csum ? 0x0101 : 0));
	} else {
		nv_put32(b + l3, 6u << 28 | (__u32)s->outer_tos << 20);
		nv_put16(b + l3 + 4, off - l3 - 40);
		b[l3 + 6] = s->outer_ext ? 60 : s->outer_frag ? 44 : 47;
		b[l3 + 7] = 64;
		put_addr(b + l3 + 8, 6, s->outer_src);
		put_addr(b + l3 + 24, 6, s->outer_dst);
	}
	return off;
}

void pkt_hexdump(const char *title, const __u8 *p, size_t n)
{
	size_t i;

	printf("# %s (%zu bytes)", title, n);
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 32 ? "" : "\n#   ", p[i]);
	printf("\n");
}
