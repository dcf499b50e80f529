// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "guard.h"

static __u8 *guard_end;		/* first byte of a PROT_NONE page */

static void guard_fault(int sig)
{
	static const char msg[] = "Bail out! read past the end of a buffer (guard page)\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

int guard_init(size_t max_len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t room = (max_len + pg - 1) / pg * pg;
	__u8 *m = mmap(NULL, room + pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + room, pg, PROT_NONE))
		return -1;
	guard_end = m + room;
	signal(SIGSEGV, guard_fault);
	return 0;
}

__u8 *guard_copy(const void *src, size_t n)
{
	__u8 *p = guard_end - n;

	if (n)
		memmove(p, src, n);	/* src may be an earlier copy, overlapping */
	return p;
}
