/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small writer of classic libpcap files (LINKTYPE_ETHERNET, microsecond
 * timestamps) for nvgre-vmq dump --pcap, so the tool needs no libpcap.
 * The file is written little-endian whatever the host (magic d4 c3 b2 a1 on
 * disk): readers take either byte order, and the bytes are the same
 * everywhere, which the tests compare.
 */
#ifndef NVGRE_VMQ_PCAP_H
#define NVGRE_VMQ_PCAP_H

#include <stddef.h>
#include <time.h>

#define VMQ_PCAP_MAGIC		0xa1b2c3d4u	/* microsecond timestamps */
#define VMQ_PCAP_VERSION_MAJOR	2
#define VMQ_PCAP_VERSION_MINOR	4
#define VMQ_PCAP_LINKTYPE_ETHERNET 1
/* Frames longer than this are cut (orig_len keeps the length); as tcpdump. */
#define VMQ_PCAP_SNAPLEN	262144
#define VMQ_PCAP_HDR_LEN	24
#define VMQ_PCAP_REC_LEN	16

struct vmq_pcap;

/* Create (truncate) path, "-" for standard output, and write the file header. */
int vmq_pcap_open(const char *path, struct vmq_pcap **out);
/* One frame; ts NULL: now (CLOCK_REALTIME).  0 or -errno (also for an
 * earlier buffered write that failed). */
int vmq_pcap_write(struct vmq_pcap *p, const void *frame, size_t len, const struct timespec *ts);
int vmq_pcap_flush(struct vmq_pcap *p);
/* Flush and close; 0 or the first error of the file's life as -errno. */
int vmq_pcap_close(struct vmq_pcap *p);

#endif
