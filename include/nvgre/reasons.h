/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Why a frame was dropped (or passed to the host).  One list, expanded into
 * the enum for BPF and into the names that nvgrectl, tests and metrics print.
 * Append only: the numbers index per-CPU counter arrays in pinned maps.
 */
#ifndef NVGRE_REASONS_H
#define NVGRE_REASONS_H

#define NVGRE_DROP_REASONS(X)						\
	X(NONE,			"none")					\
	X(TRUNCATED,		"truncated")		/* header stack cut short */ \
	X(INNER_VLAN,		"inner-vlan")		/* W-5 */		\
	X(RESERVED_VSID,	"reserved-vsid")	/* W-4 */		\
	X(UNKNOWN_VSID,		"unknown-vsid")				\
	X(NO_VPORT,		"no-vport")		/* VMQ-1 */		\
	X(SOURCE_CHECK,		"source-check")		/* W-10 */		\
	X(ECN_CE_NOT_ECT,	"ecn-ce-not-ect")	/* W-11 */		\
	X(BAD_OUTER_IP_CSUM,	"bad-outer-ip-csum")	/* CSUM-RX-2 policy */	\
	X(BAD_INNER_IP_CSUM,	"bad-inner-ip-csum")			\
	X(BAD_L4_CSUM,		"bad-l4-csum")				\
	X(BAD_INNER_IP,		"bad-inner-ip")		/* lengths/version lie */ \
	X(XSK_NO_SOCKET,	"xsk-no-socket")	/* no consumer: no software channel */ \
	X(SW_CHANNEL,		"sw-channel-unavailable") /* VMQ-4: frame not copied */ \
	X(DECAP_FAILED,		"decap-failed")		/* kernel refused adjust */ \
	X(REDIRECT_FAILED,	"redirect-failed")			\
	X(NO_LOCAL_VPORT,	"no-local-vport")	/* bcast: nobody to copy to */ \
	X(NOT_VPORT,		"not-a-vport")		/* transmit on an unknown device */ \
	X(SPOOF_MAC,		"spoofed-mac")				\
	X(SPOOF_IP,		"spoofed-ip")				\
	X(SPOOF_ARP,		"spoofed-arp-nd")			\
	X(TAGGED,		"tagged-frame")		/* W-5 */		\
	X(UNKNOWN_DST,		"unknown-destination")			\
	X(NO_LOCAL_PA,		"no-local-pa")		/* no PA of the family */ \
	X(FIB_FAILED,		"fib-lookup-failed")			\
	X(GSO_UNSUPPORTED,	"gso-unsupported")	/* LSO-4 */		\
	X(TOO_BIG,		"too-big")		/* W-7 */		\
	X(ENCAP_FAILED,		"encap-failed")		/* kernel refused adjust */ \
	X(REPLICA_FAMILY,	"replica-other-family")	/* W-9 copy to a PA of the other family */ \
	X(SW_CHANNEL_FULL,	"sw-channel-full")	/* VMQ-4 ring buffer full */ \
	X(SW_CHANNEL_TOO_BIG,	"sw-channel-too-big")	/* > NVGRE_SW_MAX_FRAME */ \
	X(COPY_FAILED,		"copy-failed")		/* W-9: the kernel refused a clone */

#define NVGRE_REASON_ENUM(name, str) NVGRE_DROP_##name,
enum nvgre_drop_reason {
	NVGRE_DROP_REASONS(NVGRE_REASON_ENUM)
	NVGRE_DROP_MAX
};
#undef NVGRE_REASON_ENUM

/* Room for reasons later issues add without changing map layouts. */
#define NVGRE_DROP_SLOTS 32
_Static_assert(NVGRE_DROP_MAX <= NVGRE_DROP_SLOTS, "grow NVGRE_DROP_SLOTS and the map version");

#ifndef __bpf__
static const char *const nvgre_drop_reason_names[NVGRE_DROP_MAX] = {
#define NVGRE_REASON_NAME(name, str) [NVGRE_DROP_##name] = str,
	NVGRE_DROP_REASONS(NVGRE_REASON_NAME)
#undef NVGRE_REASON_NAME
};
#endif

#endif
