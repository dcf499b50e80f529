// SPDX-License-Identifier: GPL-2.0
/*
 * NVGRE transmit: TC ingress on the host side of each vport (a netdev
 * vport's veth/tap, the veth an xsk vport's consumer transmits into),
 * i.e. every frame a tenant sends.  Anti-spoofing, then ARP/ND proxy, local
 * delivery, head-end replication or encapsulation towards the provider
 * address of the lookup record (SPEC W-*, CSUM-TX-*, LSO-4).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tx_proxy.bpf.h"
#include "tx_encap.bpf.h"
#include "tx_icmp.bpf.h"

#define NV_TX_PULL	128	/* Ethernet + IPv6 + ND fits */

/* Encapsulate towards pa and send (last copy) or clone (replication). */
static __always_inline int tx_send_encap(struct __sk_buff *skb, struct tx_state *st,
					 const union nvgre_ip *pa)
{
	int v4 = nvgre_ip_is_v4(pa);
	const union nvgre_ip *src = tx_local_pa(st, v4);
	struct tx_route rt = {};
	__u32 mtu = 0;
	int err, gso = skb->gso_size != 0;

	if (!src)
		return tx_drop(st, NVGRE_DROP_NO_LOCAL_PA);
	err = tx_size_ok(skb, st, tx_overhead(pa), &mtu);
	/* ICMP for GSO skbs too: their segments are what the tenant's PMTU must shrink */
	if (err == NVGRE_DROP_TOO_BIG)
		return tx_too_big(skb, st, mtu - tx_overhead(pa));	/* W-7: the tenant MTU */
	if (err)
		return tx_drop(st, err);
	err = tx_fib(skb, st, src, pa, v4, &rt);
	/* redirect_neigh needs an IP skb: others need MACs, known or learned */
	if (!err && st->proto != NV_ETH_P_IP && st->proto != NV_ETH_P_IPV6 && !tx_route_direct(&rt))
		err = NVGRE_DROP_FIB_FAILED;
	if (!err)
		err = tx_encap(skb, st, pa, &rt);
	if (err)
		return tx_drop(st, err);

	count(NVGRE_CNT_TX_ENCAP);
	if (gso)
		count(NVGRE_CNT_TX_GSO);
	if (st->vstats)
		st->vstats->tx_encapsulated += 1;
	if (rt.mode == TX_ROUTE_NEIGH)
		return bpf_redirect_neigh(rt.ifindex, &rt.nh, sizeof(rt.nh), 0);
	if (rt.mode == TX_ROUTE_KERNEL)
		return bpf_redirect_neigh(rt.ifindex, NULL, 0, 0);
	return bpf_redirect(rt.ifindex, 0);
}

/*
 * Second replication pass: the original frame, cloned back into the
 * vport's ingress, for the remote PAs of the other address family.
 */
#define NV_MARK_REPLICA_V4	0x4e560004
#define NV_MARK_REPLICA_V6	0x4e560006

/*
 * W-9: a copy to every other local vport of the VSID, then one
 * NVGRE copy per remote PA.  One pass serves one outer family: it
 * encapsulates once, clones, and retargets the outer destination (and
 * MACs) in place for each further PA.  PAs of the other family (W-6:
 * mixed underlays) get the original frame in a second pass, cloned back
 * into the vport's ingress with a mark.
 */
static __always_inline int tx_replicate(struct __sk_buff *skb, struct tx_state *st)
{
	struct nvgre_vsid *vs = st->vsid;
	__u32 mark = skb->mark, self, n, i;
	const union nvgre_ip *list;
	int v4, ret;

	if (mark == NV_MARK_REPLICA_V4 || mark == NV_MARK_REPLICA_V6) {
		skb->mark = 0;
		v4 = mark == NV_MARK_REPLICA_V4;
	} else {
		self = tx_local_self(skb, st);
		for (i = 0; i < NVGRE_MAX_LOCAL_VPORTS; i++) {
			if (i >= vs->n_local)
				break;
			if (vs->local_ifindex[i] == self)
				continue;
			if (tx_copy_local(skb, st, vs->local_ifindex[i])) {
				count(NVGRE_CNT_TX_REPLICA);
				if (st->vstats)
					st->vstats->tx_replicated += 1;
			}
		}
		v4 = vs->n_remote4 > 0;
		/* both families: the IPv6 PAs in a second pass */
		if (vs->n_remote4 && vs->n_remote6) {
			skb->mark = NV_MARK_REPLICA_V6;
			if (bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS))
				tx_drop(st, NVGRE_DROP_REPLICA_FAMILY);	/* could not requeue */
			skb->mark = mark;
		}
	}
	n = v4 ? vs->n_remote4 : vs->n_remote6;
	list = v4 ? vs->remote4 : vs->remote6;
	if (!n)
		return TC_ACT_SHOT;	/* all copies were local (or there were none) */
	if (n > NVGRE_MAX_REMOTE_PAS)
		n = NVGRE_MAX_REMOTE_PAS;
	if (n == 1)
		return tx_send_encap(skb, st, &list[0]);

	/* Encapsulate once towards the first PA, clone, then retarget. */
	{
		const union nvgre_ip *src = tx_local_pa(st, v4);
		struct tx_route rt = {};
		__u32 mtu;
		int err;

		if (!src)
			return tx_drop(st, NVGRE_DROP_NO_LOCAL_PA);
		err = tx_size_ok(skb, st, tx_overhead(&list[0]), &mtu);
		if (!err)
			err = tx_fib(skb, st, src, &list[0], v4, &rt);
		if (!err)
			err = tx_encap(skb, st, &list[0], &rt);
		if (err)
			return tx_drop(st, err);
	}
	ret = TC_ACT_SHOT;
	for (i = 0; i < NVGRE_MAX_REMOTE_PAS; i++) {
		const union nvgre_ip *pa = &list[i & (NVGRE_MAX_REMOTE_PAS - 1)];
		const union nvgre_ip *src = tx_local_pa(st, v4);
		struct tx_route rt = {};
		__u32 daddr_off;

		if (i >= n)
			break;
		if (!src || tx_fib(skb, st, src, pa, v4, &rt) || !tx_route_direct(&rt)) {
			tx_drop(st, NVGRE_DROP_FIB_FAILED);
			continue;
		}
		/* outer MACs and destination address */
		bpf_skb_store_bytes(skb, 0, rt.dmac, 6, 0);
		bpf_skb_store_bytes(skb, 6, rt.smac, 6, 0);
		if (v4) {
			__be32 old = 0;

			daddr_off = NV_ETH_HLEN + offsetof(struct nv_iphdr, daddr);
			bpf_skb_load_bytes(skb, daddr_off, &old, 4);
			bpf_skb_store_bytes(skb, daddr_off, &pa->w[3], 4, 0);
			bpf_l3_csum_replace(skb, NV_ETH_HLEN + offsetof(struct nv_iphdr, check),
					    old, pa->w[3], 4);
		} else {
			daddr_off = NV_ETH_HLEN + offsetof(struct nv_ipv6hdr, daddr);
			bpf_skb_store_bytes(skb, daddr_off, pa->b, 16, 0);
		}
		if (bpf_clone_redirect(skb, rt.ifindex, 0)) {
			tx_drop(st, NVGRE_DROP_COPY_FAILED);
			continue;
		}
		count(NVGRE_CNT_TX_REPLICA);
		count(NVGRE_CNT_TX_ENCAP);
		if (st->vstats) {
			st->vstats->tx_replicated += 1;
			st->vstats->tx_encapsulated += 1;
		}
	}
	return ret;
}

SEC("tc")
int nvgre_tc_tx(struct __sk_buff *skb)
{
	struct tx_state st = {};
	struct nvgre_mac_key dkey = {};
	struct nvgre_vport *local;
	struct nvgre_route *route;
	const struct nv_ethhdr *eth;
	void *data, *end;
	__u32 ifindex = skb->ifindex, vsid;

	st.cfg = dp_config();
	if (!st.cfg)
		return TC_ACT_SHOT;	/* a vport device with no data path: nothing leaves */
	st.vp = bpf_map_lookup_elem(&nv_vport_if, &ifindex);
	if (!st.vp)
		return tx_drop(&st, NVGRE_DROP_NOT_VPORT);
	vsid = st.vp->vsid;
	st.vstats = bpf_map_lookup_elem(&nv_vsid_stats, &vsid);
	/* a second replication pass is the same frame: counted once */
	if (skb->mark == NV_MARK_REPLICA_V4 || skb->mark == NV_MARK_REPLICA_V6)
		goto counted;
	count(NVGRE_CNT_TX_PACKETS);
	if (st.vstats) {
		st.vstats->tx_packets += 1;
		st.vstats->tx_bytes += skb->len;
	}
	{
		__u32 id = st.vp->id;
		struct nvgre_vport_stats *vps = bpf_map_lookup_elem(&nv_vport_stats, &id);

		if (vps) {
			vps->tx_packets += 1;
			vps->tx_bytes += skb->len;
		}
	}
counted:
	st.vsid = bpf_map_lookup_elem(&nv_vsids, &vsid);
	if (!st.vsid)
		return tx_drop(&st, NVGRE_DROP_UNKNOWN_VSID);
	if (skb->vlan_present)
		return tx_drop(&st, NVGRE_DROP_TAGGED);

	bpf_skb_pull_data(skb, skb->len < NV_TX_PULL ? skb->len : NV_TX_PULL);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = NV_HDR(struct nv_ethhdr, data, end, 0);
	if (!eth)
		return tx_drop(&st, NVGRE_DROP_TRUNCATED);
	st.proto = nv_ntohs(eth->proto);
	if (st.proto == NV_ETH_P_8021Q || st.proto == NV_ETH_P_8021AD)
		return tx_drop(&st, NVGRE_DROP_TAGGED);
	if (!mac_equal(eth->src, st.vp->mac))
		return tx_drop(&st, NVGRE_DROP_SPOOF_MAC);
	dkey.vsid = vsid;
	__builtin_memcpy(dkey.mac, eth->dst, 6);

	if (st.proto == NV_ETH_P_IP) {
		const struct nv_iphdr *ip = NV_HDR(struct nv_iphdr, data, end, NV_ETH_HLEN);
		union nvgre_ip src;

		if (!ip)
			return tx_drop(&st, NVGRE_DROP_TRUNCATED);
		nvgre_ip_set_v4(&src, ip->saddr);
		/* 0.0.0.0: a DHCP client before it has an address */
		if (ip->saddr && !vport_owns_ip(st.vp, &src))
			return tx_drop(&st, NVGRE_DROP_SPOOF_IP);
		st.tos = ip->tos;
		st.l4 = ip->protocol;
		st.l4_off = NV_ETH_HLEN + (ip->ver_ihl & 0xf) * 4;
	} else if (st.proto == NV_ETH_P_IPV6) {
		const struct nv_ipv6hdr *ip6 = NV_HDR(struct nv_ipv6hdr, data, end, NV_ETH_HLEN);
		const struct nv_icmp6_nd_hdr *nd;
		union nvgre_ip src, target;

		if (!ip6)
			return tx_drop(&st, NVGRE_DROP_TRUNCATED);
		nv_copy_ip6(&src, ip6->saddr);
		if (!ipv6_src_always_ok(&src) && !vport_owns_ip(st.vp, &src))
			return tx_drop(&st, NVGRE_DROP_SPOOF_IP);
		st.tos = nv_ipv6_tclass(ip6);
		st.l4 = ip6->nexthdr;	/* GSO behind extension headers is refused */
		st.l4_off = NV_ETH_HLEN + sizeof(*ip6);
		/* NS and NA up to the target: the link-layer option is optional.
		 * Behind extension headers too: receivers accept those NAs. */
		{
			__u32 off = NV_ETH_HLEN + sizeof(*ip6);
			__u8 nh = ip6->nexthdr;
			int seen = 0;

			if (nv_skip_exthdrs(data, end, &off, &nh, &seen) < 0)
				return tx_drop(&st, NVGRE_DROP_TRUNCATED);
			nd = nh == NV_IPPROTO_ICMPV6 ?
			     NV_HDR(struct nv_icmp6_nd_hdr, data, end, off & NV_HDR_OFF_MASK) : NULL;
			if (nd && seen && nd->type == NV_ND_NS)
				nd = NULL;	/* not ours to answer: replicated as it is */
			if (seen && nd && nd->type == NV_ND_NA) {
				nv_copy_ip6(&target, nd->target);
				if (!ipv6_src_always_ok(&target) && !vport_owns_ip(st.vp, &target))
					return tx_drop(&st, NVGRE_DROP_SPOOF_ARP);
				nd = NULL;
			}
			if (seen)
				nd = NULL;
		}
		if (st.l4 == NV_IPPROTO_ICMPV6 && nd) {
			nv_copy_ip6(&target, nd->target);
			/* a vport advertises its own addresses, and its link-local ones */
			if (nd->type == NV_ND_NA && !ipv6_src_always_ok(&target) &&
			    !vport_owns_ip(st.vp, &target))
				return tx_drop(&st, NVGRE_DROP_SPOOF_ARP);
			if (nd->type == NV_ND_NS && !ipv6_unspecified(&src)) {
				/* not DAD (source ::): answer if we know the target */
				struct nvgre_ip_mac *m = proxy_lookup(vsid, &target);
				__u8 smac[6];

				if (m && !mac_equal(m->mac, st.vp->mac)) {
					__builtin_memcpy(smac, eth->src, 6);
					return proxy_nd_reply(skb, &st, smac, &src, &target, m->mac);
				}
			}
		}
	} else if (st.proto == NV_ETH_P_ARP) {
		const struct nv_arphdr *arp = NV_HDR(struct nv_arphdr, data, end, NV_ETH_HLEN);
		union nvgre_ip spa, tpa;
		struct nv_arphdr req;

		if (!arp)
			return tx_drop(&st, NVGRE_DROP_TRUNCATED);
		__builtin_memcpy(&req, arp, sizeof(req));
		nvgre_ip_set_v4(&spa, *(__be32 *)req.spa);
		nvgre_ip_set_v4(&tpa, *(__be32 *)req.tpa);
		if (!mac_equal(req.sha, st.vp->mac) ||
		    (spa.w[3] && !vport_owns_ip(st.vp, &spa)))
			return tx_drop(&st, NVGRE_DROP_SPOOF_ARP);
		if (req.op == nv_htons(NV_ARPOP_REQUEST) && spa.w[3] != tpa.w[3]) {
			struct nvgre_ip_mac *m = proxy_lookup(vsid, &tpa);

			/* never tell a prober (RFC 5227) that its own address is taken */
			if (m && !mac_equal(m->mac, st.vp->mac))
				return proxy_arp_reply(skb, &st, &req, m->mac);
		}
	}

	st.hash = bpf_get_hash_recalc(skb);
	if (dkey.mac[0] & 1)
		return tx_replicate(skb, &st);

	/* Same host, same VSID: straight to the vport, no encapsulation. */
	local = bpf_map_lookup_elem(&nv_vports, &dkey);
	if (local)
		return tx_deliver_local(skb, &st, local);
	route = route_lookup(&dkey);
	if (!route)
		return tx_drop(&st, NVGRE_DROP_UNKNOWN_DST);
	return tx_send_encap(skb, &st, &route->pa);
}

char LICENSE[] SEC("license") = "GPL";
