/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The state file: what nvgrectl created (VSIDs, lookup records, vports,
 * offload state), applied again at start, so nothing is lost across
 * restarts (DESIGN: lifecycle).  It is written whole (atomically: a
 * temporary file renamed over it) at start, on reload and exit, and after
 * a bulk import; each other change is appended to its journal
 * (STATE.journal, one command per line, synced before the reply), which a
 * start replays after the state file.  A change then costs one line, not a
 * rewrite of every lookup record.  Each whole write starts a new journal
 * generation: a journal whose generation is not the state file's (the
 * write happened, the journal's reset did not) is in the state file already.
 */
#ifndef NVGRED_STATE_H
#define NVGRED_STATE_H

#include "daemon.h"

/* 2: "vsids" and "vports" as commands, "routes" as "VSID MAC [IP] PA" strings;
 * 1 (read too): one "commands" list of everything */
#define NVGRE_STATE_VERSION 2

#define STATE_JOURNAL_MAX	4096	/* entries; then the state file is written whole */

int state_save(struct nvgred *d);
/*
 * The change argv (a mutating command) was applied: journal it, or write the
 * state file whole (bulk: a route import; or the journal is full or
 * unusable).  0, or -errno when it could not be made durable.
 */
int state_record(struct nvgred *d, int argc, const char *const *argv, int bulk);
/* Every command in the journal, whatever its generation (--teardown's devices). */
json_object *state_journal_commands(const struct nvgred *d);
/* Apply the state file (if any) through cmd_run; errors are logged, not fatal.
 * What fails to apply is kept in d->unrestored, and so in the state file. */
int state_restore(struct nvgred *d);
/* Apply d->unrestored again (SIGHUP); returns how many now applied. */
int state_retry(struct nvgred *d);
/* Is NAME a vport not restored at start (kept for a retry)? */
int state_unrestored_vport(const struct nvgred *d, const char *name);
/* vport del NAME of a vport never restored: forget its entry; 1 if found. */
int state_forget_vport(struct nvgred *d, const char *name);

#endif
