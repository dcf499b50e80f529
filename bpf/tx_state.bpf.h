/* SPDX-License-Identifier: GPL-2.0 */
/* State of one frame on the transmit path, and its drop accounting. */
#ifndef NVGRE_TX_STATE_BPF_H
#define NVGRE_TX_STATE_BPF_H

#include <nvgre/parse.h>
#include <nvgre/csum.h>
#include <nvgre/offload.h>
#include "common.bpf.h"

struct tx_state {
	struct nvgre_config *cfg;
	struct nvgre_vport_tx *vp;		/* the sending vport */
	struct nvgre_vsid *vsid;
	struct nvgre_vsid_stats *vstats;
	__u16 proto;				/* inner EtherType, host order */
	__u8  tos;				/* inner DSCP+ECN (IP only) */
	__u8  l4;				/* inner IP protocol (IP only) */
	__u16 l4_off;				/* where it starts in the frame (IP only) */
	__u32 hash;				/* inner flow hash (FlowID, flow label) */
};

/* A frame vport sent in vsid (or one copy of it) dropped: counted, and an event. */
static __always_inline void tx_count_drop(const struct nvgre_config *cfg,
					  struct nvgre_vsid_stats *vs, __u32 vsid, __u32 vport,
					  __u32 reason)
{
	count_drop(NULL, reason);
	if (vs && reason < NVGRE_DROP_SLOTS)
		vs->tx_drops[reason] += 1;
	if (cfg)
		emit_drop(cfg->flags, NVGRE_EVENT_TX_DROP, reason, vsid, vport, NULL, NULL);
}

static __always_inline int tx_drop(struct tx_state *st, __u32 reason)
{
	tx_count_drop(st->cfg, st->vstats, st->vp ? st->vp->vsid : 0, st->vp ? st->vp->id : 0,
		      reason);
	return TC_ACT_SHOT;
}

#endif
