/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Big-endian (network order) fields at any alignment, byte by byte: for the
 * user-space code that builds or rewrites packet headers in place.
 */
#ifndef NVGRE_BYTES_H
#define NVGRE_BYTES_H

#include "compat.h"

NV_INLINE __u16 nv_get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

NV_INLINE __u32 nv_get32(const __u8 *p)
{
	return (__u32)nv_get16(p) << 16 | nv_get16(p + 2);
}

NV_INLINE void nv_put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

NV_INLINE void nv_put32(__u8 *p, __u32 v)
{
	nv_put16(p, v >> 16);
	nv_put16(p + 2, v & 0xffff);
}

#endif
