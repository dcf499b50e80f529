// SPDX-License-Identifier: GPL-2.0
/*
 * NVGRE receive in XDP: frames for AF_XDP vports (VMQ) are checked,
 * decapsulated and steered into the XSKMAP with their metadata; everything
 * else is XDP_PASS, untouched, to the TC program of nvgre_rx.bpf.c.  A
 * separate object so libxdp can load it behind its dispatcher, next to
 * other XDP programs; its maps are the other objects' (libnvgre shares them).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "rx_classify.bpf.h"

/* libxdp: run after programs of lower priority; XDP_PASS lets the next one run. */
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(nvgre_xdp_rx);

/* Global functions: the verifier checks each once. */
__noinline int xdp_parse(struct xdp_md *ctx, struct nvgre_pkt *pkt, __u32 max_header)
{
	if (!pkt)
		return NV_PARSE_PASS;
	return rx_parse_ours(pkt, (void *)(long)ctx->data, (void *)(long)ctx->data_end,
			     ctx->data_end - ctx->data, max_header);
}

__noinline int xdp_csum(struct xdp_md *ctx, const struct nvgre_pkt *pkt)
{
	if (!pkt)
		return 0;
	return rx_csum_compute(pkt, (void *)(long)ctx->data, (void *)(long)ctx->data_end,
			       RX_L4_COMPUTE, 1);
}

/* ---- XDP ------------------------------------------------------------- */

static __always_inline void fill_meta(struct nvgre_xdp_meta *m, const struct rx_state *st,
				      __u16 queue)
{
	const struct nvgre_pkt *pkt = &st->pkt;
	__u16 base = pkt->inner_l2_off;

	m->rss_hash = st->hash;
	m->vsid = nvgre_key_vsid(pkt->key);
	m->flowid = nvgre_key_flowid(pkt->key);
	m->rss_type = st->hash_type;
	m->inner_ipver = pkt->inner_ipver;
	m->l4_proto = pkt->inner_ipver ? pkt->l4_proto : 0;
	m->l3_off = pkt->inner_l3_off ? pkt->inner_l3_off - base : 0;
	m->l4_off = pkt->inner_l4_off ? pkt->inner_l4_off - base : 0;
	m->csum = st->csum;
	m->flags = (pkt->flags & NV_PKT_INNER_MCAST) ? NVGRE_META_F_MCAST : 0;
	m->queue = queue;
	m->reserved[0] = 0;
	m->reserved[1] = 0;
	m->magic = NVGRE_META_MAGIC;
	m->version = NVGRE_META_VERSION;
	m->size = sizeof(*m);
}

SEC("xdp")
int nvgre_xdp_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct nvgre_config *cfg = dp_config();
	struct nvgre_xdp_meta *meta;
	struct rx_state st = {};
	struct nvgre_vport *vp;
	__u32 q = 0, idx, rxq, nq;
	int verdict, csum;

	if (!cfg)
		return XDP_PASS;
	count(NVGRE_CNT_RX_PACKETS);
	verdict = xdp_parse(ctx, &st.pkt, cfg->max_header);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	verdict = rx_lookup(&st, cfg, verdict, data, end);
	if (verdict == RX_PASS)
		return XDP_PASS;
	if (verdict == RX_DROP)
		return XDP_DROP;

	/* Netdev vports and broadcast are served by the TC path (VMQ-4). */
	vp = st.vport;
	if (verdict != RX_UNICAST || !vp || vp->kind != NVGRE_VPORT_XSK ||
	    !nvgre_offload_on(st.offload, NVGRE_OFF_VMQ)) {
		count(NVGRE_CNT_RX_XDP_PASSED);
		return XDP_PASS;
	}

	csum = nvgre_offload_on(st.offload, NVGRE_OFF_RX_CSUM) ? xdp_csum(ctx, &st.pkt) : 0;
	verdict = rx_offloads(&st, verdict, RX_L4_COMPUTE, csum);
	if (verdict == RX_DROP)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;

	/* VMQ-2/VMQ-3: queue by RSS hash, socket by (slot, queue, rx queue). */
	nq = vp->queues ? vp->queues : 1;
	if (st.hash_type != NVGRE_RSS_NONE)
		q = st.hash % nq;
	rxq = ctx->rx_queue_index;
	/* a queue beyond the R nvgred knows (channels added since): no slot of ours */
	if (rxq >= (cfg->rx_queues ? cfg->rx_queues : 1))
		return rx_drop(&st, NVGRE_DROP_XSK_NO_SOCKET), XDP_DROP;
	idx = ((vp->xsk_slot * nq + q) * (cfg->rx_queues ? cfg->rx_queues : 1)) + rxq;
	if (!bpf_map_lookup_elem(&nv_xsks, &idx))
		return rx_drop(&st, NVGRE_DROP_XSK_NO_SOCKET), XDP_DROP;

	if (st.new_ecn)
		rx_set_ecn(&st.pkt, data, end, st.new_ecn, NULL);	/* no skb->csum yet */

	/* Decapsulate: drop outer padding, then everything before the inner frame. */
	if (st.pkt.outer_end < end - data &&
	    bpf_xdp_adjust_tail(ctx, -(int)((end - data) - st.pkt.outer_end)))
		return rx_drop(&st, NVGRE_DROP_DECAP_FAILED), XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, st.pkt.inner_l2_off) ||
	    bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return rx_drop(&st, NVGRE_DROP_DECAP_FAILED), XDP_DROP;

	data = (void *)(long)ctx->data;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > data)
		return rx_drop(&st, NVGRE_DROP_DECAP_FAILED), XDP_DROP;
	fill_meta(meta, &st, q);

	count(NVGRE_CNT_RX_XDP_STEERED);
	count_vport_rx(vp, (void *)(long)ctx->data_end - data);
	if (st.vstats)
		st.vstats->rx_delivered += 1;
	return bpf_redirect_map(&nv_xsks, idx, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
