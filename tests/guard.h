/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A guard page for user-space tests of code that reads packets: a buffer
 * placed to end right at a PROT_NONE page, so one byte read past its end
 * faults.  The fault ends the TAP stream with "Bail out!" (status 3).
 */
#ifndef NVGRE_TESTS_GUARD_H
#define NVGRE_TESTS_GUARD_H

#include <stddef.h>
#include <linux/types.h>

/* Room for buffers of up to max_len bytes; 0 or -1 (mmap failed). */
int guard_init(size_t max_len);
/* n bytes of src (which may itself be a guard_copy) ending at the guard page. */
__u8 *guard_copy(const void *src, size_t n);

#endif
