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
/* Apply the state file (if any) through cmd_run; errors are logged, not fatal.
 * What fails to apply is kept in d->unrestored, and so in the state file. */
int state_restore(struct nvgred *d);
/* Apply d->unrestored again (SIGHUP); returns how many now applied. */
int state_retry(struct nvgred *d);
/* vport del NAME of a vport never restored: forget its entry; 1 if found. */
int state_forget_vport(struct nvgred *d, const char *name);

#endif
