// SPDX-License-Identifier: GPL-2.0
/*
 * The baselines of tests/bench/bench_prog.c: programs that do nothing, the
 * "no-op" every program-cost ratio is taken against.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int bench_tc_ok(struct __sk_buff *skb)
{
	return 0;	/* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "GPL";
