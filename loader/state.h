/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The state file: what nvgrectl created (VSIDs, lookup records, vports,
 * offload state), written atomically after every change and applied again
 * at start, so nothing is lost across restarts (DESIGN: lifecycle).
 */
#ifndef NVGRED_STATE_H
#define NVGRED_STATE_H

#include "daemon.h"

#define NVGRE_STATE_VERSION 1

int state_save(struct nvgred *d);
/* Apply the state file (if any) through cmd_run; errors are logged, not fatal. */
int state_restore(struct nvgred *d);

#endif
