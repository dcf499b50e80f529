/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Offload state (SPEC ST-1, ST-2) and capability nibbles (CAP-1). */
#ifndef NVGRE_OFFLOAD_H
#define NVGRE_OFFLOAD_H

#include "compat.h"

/* Bits of nvgre_config.offload, read by the data path for every packet. */
#define NVGRE_OFF_GLOBAL	(1u << 0) /* *EncapsulatedPacketTaskOffload */
#define NVGRE_OFF_NVGRE		(1u << 1) /* *EncapsulatedPacketTaskOffloadNvgre */
#define NVGRE_OFF_TX_CSUM	(1u << 2)
#define NVGRE_OFF_RX_CSUM	(1u << 3)
#define NVGRE_OFF_LSO		(1u << 4)
#define NVGRE_OFF_USO		(1u << 5)
#define NVGRE_OFF_RSS		(1u << 6)
#define NVGRE_OFF_VMQ		(1u << 7)

#define NVGRE_OFF_MASTER	(NVGRE_OFF_GLOBAL | NVGRE_OFF_NVGRE)
#define NVGRE_OFF_DEFAULT	0xffu

/* ST-2: an offload is in effect only when both master switches are on too. */
static inline __attribute__((unused)) int nvgre_offload_on(__u32 state, __u32 bit)
{
	return (state & NVGRE_OFF_MASTER) == NVGRE_OFF_MASTER && (state & bit);
}

/* CAP-1 encapsulation capability nibble. */
#define NVGRE_CAP_INNER_IPV4	1
#define NVGRE_CAP_OUTER_IPV4	2
#define NVGRE_CAP_INNER_IPV6	4
#define NVGRE_CAP_OUTER_IPV6	8

#endif
