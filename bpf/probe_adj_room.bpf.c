// SPDX-License-Identifier: GPL-2.0
/*
 * Capability probe: does this kernel accept a bpf_skb_adjust_room flag?
 * The ADJ_ROOM flags are an anonymous enum CO-RE cannot relocate, so the
 * loader test-runs this with the flag in .rodata and reads the result
 * (-EINVAL: the kernel does not know the flag).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u64 probe_flags = 0;
const volatile __s32 probe_len_diff = 0;

SEC("tc")
int probe_adj_room(struct __sk_buff *skb)
{
	return bpf_skb_adjust_room(skb, probe_len_diff, BPF_ADJ_ROOM_MAC, probe_flags);
}

char LICENSE[] SEC("license") = "GPL";
