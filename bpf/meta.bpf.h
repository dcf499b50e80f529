/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-frame metadata xsk vports get (PARSE-2, CSUM-RX-2, RSS-1), the
 * same whether a frame comes through the XSKMAP or the software channel.
 */
#ifndef NVGRE_META_BPF_H
#define NVGRE_META_BPF_H

#include <nvgre/meta.h>
#include <nvgre/parse.h>

/* Metadata of a frame parsed as pkt; offsets count from its inner Ethernet header. */
static __always_inline void fill_meta(struct nvgre_xdp_meta *m, const struct nvgre_pkt *pkt,
				      __u32 hash, __u8 hash_type, __u8 csum, __u16 queue)
{
	__u16 base = pkt->inner_l2_off;

	m->rss_hash = hash;
	m->vsid = nvgre_key_vsid(pkt->key);
	m->flowid = nvgre_key_flowid(pkt->key);
	m->rss_type = hash_type;
	m->inner_ipver = pkt->inner_ipver;
	m->l4_proto = pkt->inner_ipver ? pkt->l4_proto : 0;
	m->l3_off = pkt->inner_l3_off ? pkt->inner_l3_off - base : 0;
	m->l4_off = pkt->inner_l4_off ? pkt->inner_l4_off - base : 0;
	m->csum = csum;
	m->flags = (pkt->flags & NV_PKT_INNER_MCAST) ? NVGRE_META_F_MCAST : 0;
	m->queue = queue;
	m->reserved[0] = 0;
	m->reserved[1] = 0;
	m->magic = NVGRE_META_MAGIC;
	m->version = NVGRE_META_VERSION;
	m->size = sizeof(*m);
}

#endif
