// SPDX-License-Identifier: GPL-2.0
/*
 * NVGRE receive in XDP: frames for AF_XDP vports (VMQ) are checked,
 * decapsulated and redirected with their metadata into the vport's veth,
 * whose own XDP program steers them to its sockets; everything
 * else (also frames for an xsk vport with no socket in their slot) is
 * XDP_PASS, untouched, to the TC program of nvgre_rx.bpf.c.  A
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

/*
 * Is a well-formed frame plainly the TC path's?  Only unicast for an xsk
 * vport whose queue set is open is served here; TC judges everything else
 * in full anyway, so one vport lookup saves the rest of the classification
 * (VSID, source check, stats) for netdev vports, broadcast, vmq off and
 * generic mode.  A miss (unknown VSID or MAC, a default vport) goes the
 * full way, so XDP still drops what no vport can take.
 */
static __always_inline int xdp_plainly_tc(const struct nvgre_pkt *pkt,
					  const struct nvgre_config *cfg, const void *data,
					  const void *end, struct nvgre_vport **vpp)
{
	struct nvgre_mac_key key = { .vsid = nvgre_key_vsid(pkt->key) };
	const struct nv_ethhdr *ieth;
	struct nvgre_vport *vp;
	__u32 id;

	*vpp = NULL;
	if ((pkt->flags & NV_PKT_INNER_MCAST) || (cfg->flags & NVGRE_CFG_XDP_GENERIC) ||
	    !nvgre_offload_on(cfg->offload, NVGRE_OFF_VMQ))
		return 1;
	ieth = NV_HDR(struct nv_ethhdr, data, end, pkt->inner_l2_off & 0x3ff);
	if (!ieth)
		return 0;
	__builtin_memcpy(key.mac, ieth->dst, NV_ETH_ALEN);
	vp = bpf_map_lookup_elem(&nv_vports, &key);
	if (!vp)
		return 0;
	if (vp->kind != NVGRE_VPORT_XSK)
		return 1;
	id = vp->id;
	if (bpf_map_lookup_elem(&nv_vport_devs, &id)) {
		*vpp = vp;	/* the full way need not look it up again */
		return 0;
	}
	/* nobody has the queue set open: the software channel (VMQ-4) */
	count(NVGRE_CNT_RX_XSK_NOT_OPEN);
	return 1;
}

/* An NVGRE frame for the TC path: it counts it for the VSID, not we too. */
static __always_inline int xdp_leave_to_tc(struct rx_state *st, const void *data, const void *end)
{
	if (st->vstats) {
		st->vstats->rx_packets -= 1;
		st->vstats->rx_bytes -= end - data;
	}
	count(NVGRE_CNT_RX_XDP_PASSED);
	return XDP_PASS;
}

SEC("xdp")
int nvgre_xdp_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct nvgre_config *cfg = dp_config();
	struct nvgre_xdp_meta *meta;
	struct rx_state st = {};
	struct nvgre_vport *vp = NULL;
	__u32 q, id;
	int verdict, csum;

	if (!cfg)
		return XDP_PASS;
	count(NVGRE_CNT_RX_PACKETS);
	verdict = xdp_parse(ctx, &st.pkt, cfg->max_header);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (verdict == NV_PARSE_NVGRE && xdp_plainly_tc(&st.pkt, cfg, data, end, &vp)) {
		count(NVGRE_CNT_RX_XDP_PASSED);
		return XDP_PASS;
	}
	verdict = rx_lookup(&st, cfg, verdict, data, end, vp);
	if (verdict == RX_PASS)
		return XDP_PASS;
	if (verdict == RX_DROP)
		return XDP_DROP;

	/* Netdev vports and broadcast are served by the TC path (VMQ-4), and
	 * in generic mode everything (see NVGRE_CFG_XDP_GENERIC). */
	vp = st.vport;
	if (verdict != RX_UNICAST || !vp || vp->kind != NVGRE_VPORT_XSK ||
	    !nvgre_offload_on(st.offload, NVGRE_OFF_VMQ) || (cfg->flags & NVGRE_CFG_XDP_GENERIC))
		return xdp_leave_to_tc(&st, data, end);

	/*
	 * VMQ-2: the vport queue by RSS hash.  The queue set's sockets are on
	 * the vport's own veth (nvgre_xdp_vport.bpf.c picks the socket), so
	 * frames go there, whatever underlay queue they came on.  No veth in
	 * nv_vport_devs: nobody has the queue set open; untouched and not
	 * judged, the TC path serves it (the software channel, VMQ-4).
	 */
	rx_rss_offload(&st);
	q = rx_vport_queue(&st, vp);
	id = vp->id;
	if (!bpf_map_lookup_elem(&nv_vport_devs, &id)) {	/* a default vport's */
		count(NVGRE_CNT_RX_XSK_NOT_OPEN);
		return xdp_leave_to_tc(&st, data, end);
	}

	csum = nvgre_offload_on(st.offload, NVGRE_OFF_RX_CSUM) ? xdp_csum(ctx, &st.pkt) : 0;
	verdict = rx_csum_offload(&st, verdict, RX_L4_COMPUTE, csum);
	if (verdict == RX_DROP)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;

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
	rx_fill_meta(meta, &st, q);

	count(NVGRE_CNT_RX_XDP_STEERED);
	count_vport_rx(vp->id, (void *)(long)ctx->data_end - data);
	if (st.vstats)
		st.vstats->rx_delivered += 1;
	return bpf_redirect_map(&nv_vport_devs, id, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
