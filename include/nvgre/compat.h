/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Lets the shared headers compile both for BPF (after vmlinux.h) and for
 * user space (tests, fuzzer, daemon) without #ifdefs in every file.
 */
#ifndef NVGRE_COMPAT_H
#define NVGRE_COMPAT_H

#ifdef __bpf__
/* vmlinux.h and bpf_helpers.h are included by the BPF program first. */
#include <bpf/bpf_endian.h>
#define nv_htons(x) bpf_htons(x)
#define nv_ntohs(x) bpf_ntohs(x)
#define nv_htonl(x) bpf_htonl(x)
#define nv_ntohl(x) bpf_ntohl(x)
#define NV_INLINE static __always_inline
#define NV_UNROLL _Pragma("unroll")
#else
#include <linux/types.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#define nv_htons(x) htons(x)
#define nv_ntohs(x) ntohs(x)
#define nv_htonl(x) htonl(x)
#define nv_ntohl(x) ntohl(x)
#define NV_INLINE static inline __attribute__((unused))
#define NV_UNROLL
#endif

#define NV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
