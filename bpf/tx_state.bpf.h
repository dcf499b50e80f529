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

static __always_inline int tx_drop(struct tx_state *st, __u32 reason)
{
	count_drop(NULL, reason);
	if (st->vstats && reason < NVGRE_DROP_SLOTS)
		st->vstats->tx_drops[reason] += 1;
	if (st->cfg)
		emit_drop(st->cfg->flags, NVGRE_EVENT_TX_DROP, reason, st->vp ? st->vp->vsid : 0,
			  st->vp ? st->vp->id : 0, NULL, NULL);
	return TC_ACT_SHOT;
}

#endif
