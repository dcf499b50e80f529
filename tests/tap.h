/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal TAP output for the C tests: one "ok N - name" / "not ok N - name"
 * line per check; tests/run.sh counts them into the final "N passed, M failed".
 */
#ifndef NVGRE_TAP_H
#define NVGRE_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline __attribute__((format(printf, 2, 3), unused))
int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* Diagnostics go to stdout prefixed with '#', as TAP wants. */
#define tap_diag(...) ((void)printf("# " __VA_ARGS__), (void)printf("\n"))

static inline __attribute__((unused)) int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
