/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Capabilities (SPEC CAP-1), probed from this kernel and the underlay
 * device without changing either: what each offload can do, as the
 * INNER/OUTER_IPV4/IPV6 nibble, and what the data path may rely on.
 */
#ifndef NVGRED_CAPS_H
#define NVGRED_CAPS_H

struct nvgred_caps {
	int kernel_gre_gso;		/* gre_gso_segment available */
	int dev_tso, dev_uso;		/* tx-tcp-segmentation, tx-udp-segmentation on */
	int dev_gre_gso;		/* tx-gre-segmentation on */
	int dev_tx_csum;		/* any tx checksum offload on */
	int rx_queues;
	int xdp_native;			/* the driver runs XDP itself (xdp-features BASIC+REDIRECT) */
	int xsk_zerocopy;		/* AF_XDP zero-copy (xdp-features XSK_ZEROCOPY) */
	int xdp_features_known;		/* the netdev family answered */
	int tcx;			/* the kernel has TCX attach points */
	int adj_room_decap_l3;		/* BPF_F_ADJ_ROOM_DECAP_L3_IPV4/6 accepted */
	int gso_tcp, gso_udp;		/* GSO skbs with GRE can leave (LSO-4) */
	unsigned int nibble[6];		/* tx-csum rx-csum lso uso rss vmq */
	int max_header;			/* MaxHeaderSizeSupported */
};

extern const char *const caps_offload_names[6];

int caps_probe(const char *underlay, struct nvgred_caps *c);

#endif
