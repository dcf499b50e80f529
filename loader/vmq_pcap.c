// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Classic pcap writer (loader/vmq_pcap.h): a 24-byte file header, then per
 * frame a 16-byte record header (seconds, microseconds, captured length,
 * original length) and the frame, all through one buffered FILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "vmq_pcap.h"

struct vmq_pcap {
	FILE *f;
	int err;		/* first error, -errno */
	int is_stdout;
};

static void put_le32(__u8 *p, __u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put_le16(__u8 *p, __u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static int pcap_put(struct vmq_pcap *p, const void *buf, size_t len)
{
	if (p->err)
		return p->err;
	errno = 0;
	if (len && fwrite(buf, len, 1, p->f) != 1)
		p->err = errno ? -errno : -EIO;
	return p->err;
}

int vmq_pcap_open(const char *path, struct vmq_pcap **out)
{
	struct vmq_pcap *p = calloc(1, sizeof(*p));
	__u8 h[VMQ_PCAP_HDR_LEN] = { 0 };
	int err;

	if (!p)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		p->f = stdout;
		p->is_stdout = 1;
	} else {
		p->f = fopen(path, "wbe");
	}
	if (!p->f) {
		err = -errno;
		free(p);
		return err;
	}
	put_le32(h, VMQ_PCAP_MAGIC);
	put_le16(h + 4, VMQ_PCAP_VERSION_MAJOR);
	put_le16(h + 6, VMQ_PCAP_VERSION_MINOR);
	/* thiszone and sigfigs stay 0 */
	put_le32(h + 16, VMQ_PCAP_SNAPLEN);
	put_le32(h + 20, VMQ_PCAP_LINKTYPE_ETHERNET);
	err = pcap_put(p, h, sizeof(h));
	if (err) {
		vmq_pcap_close(p);
		return err;
	}
	*out = p;
	return 0;
}

int vmq_pcap_write(struct vmq_pcap *p, const void *frame, size_t len, const struct timespec *ts)
{
	size_t cap = len < VMQ_PCAP_SNAPLEN ? len : VMQ_PCAP_SNAPLEN;
	struct timespec now;
	__u8 r[VMQ_PCAP_REC_LEN];

	if (!ts) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	put_le32(r, (__u32)ts->tv_sec);
	put_le32(r + 4, (__u32)(ts->tv_nsec / 1000));
	put_le32(r + 8, (__u32)cap);
	put_le32(r + 12, len > 0xffffffffu ? 0xffffffffu : (__u32)len);
	pcap_put(p, r, sizeof(r));
	return pcap_put(p, frame, cap);
}

int vmq_pcap_flush(struct vmq_pcap *p)
{
	if (!p->err && fflush(p->f))
		p->err = -errno;
	return p->err;
}

int vmq_pcap_close(struct vmq_pcap *p)
{
	int err;

	if (!p)
		return 0;
	vmq_pcap_flush(p);
	/* fclose reports a failing final write too (NFS, full disk) */
	if (!p->is_stdout && fclose(p->f) && !p->err)
		p->err = -errno;
	err = p->err;
	free(p);
	return err;
}
