// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Kernel feature probes that cannot be answered from BTF (see datapath.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <nvgre/wire.h>
#include "datapath.h"
#include "probe_adj_room.skel.h"

/* Shrink a 100-byte IPv4 frame by 20 bytes with 'flags'; 0 means accepted. */
static int adj_room_accepts(__u64 flags)
{
	__u8 frame[100] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = sizeof(frame));
	struct probe_adj_room *skel;
	int ret;

	frame[12] = NV_ETH_P_IP >> 8;
	frame[13] = NV_ETH_P_IP & 0xff;
	frame[14] = 0x45;
	frame[16] = 0;
	frame[17] = sizeof(frame) - NV_ETH_HLEN;
	frame[22] = 64;
	frame[23] = NV_IPPROTO_GRE;

	skel = probe_adj_room__open();
	if (!skel)
		return -errno;
	skel->rodata->probe_flags = flags;
	skel->rodata->probe_len_diff = -20;
	ret = probe_adj_room__load(skel);
	if (!ret)
		ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.probe_adj_room), &run);
	if (!ret)
		ret = (int)run.retval;
	probe_adj_room__destroy(skel);
	return ret;
}

int nvgre_probe_kernel(struct nvgre_probe *p)
{
	int base;

	memset(p, 0, sizeof(*p));
	/* The plain shrink must work, or the probe itself is broken. */
	base = adj_room_accepts(BPF_F_ADJ_ROOM_FIXED_GSO);
	if (base)
		return base < 0 ? base : -EINVAL;
	p->adj_room_decap_l3_ipv4 = adj_room_accepts(BPF_F_ADJ_ROOM_FIXED_GSO |
						     NVGRE_ADJ_ROOM_DECAP_L3_IPV4) == 0;
	p->adj_room_decap_l3_ipv6 = adj_room_accepts(BPF_F_ADJ_ROOM_FIXED_GSO |
						     NVGRE_ADJ_ROOM_DECAP_L3_IPV6) == 0;
	return 0;
}
