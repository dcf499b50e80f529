/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The XDP program on the underlay, through libxdp's dispatcher so other
 * XDP programs on the device keep working.  Attached only when something
 * needs it (xsk vports, or "xdp = always"): on veth an XDP program costs
 * the peer its TSO (DESIGN).
 */
#ifndef NVGRED_XDP_H
#define NVGRED_XDP_H

#include "daemon.h"

/* Does anything need XDP on the underlay now? */
int xdp_needed(const struct nvgred *d);
/* Attach (or replace, without a gap, an earlier daemon's) our program. */
int xdp_underlay_attach(struct nvgred *d);
/* Remove our program from the underlay (others stay). */
int xdp_underlay_detach(struct nvgred *d);
/* Our program's id on the underlay and its mode ("native", "generic"); 0 if none. */
unsigned int xdp_underlay_query(struct nvgred *d, const char **mode);
/* Attach or detach as xdp_needed() says. */
void xdp_update(struct nvgred *d);

#endif
