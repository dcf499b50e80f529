// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The receive tests' world (testenv.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <nvgre/rss.h>
#include "pktbuild.h"
#include "testenv.h"

const __u8 T_MAC_VPORT_A1[6] = {0x02, 0x00, 0x00, 0xaa, 0x00, 0x01};
const __u8 T_MAC_VPORT_A2[6] = {0x02, 0x00, 0x00, 0xaa, 0x00, 0x02};
const __u8 T_MAC_VPORT_B1[6] = {0x02, 0x00, 0x00, 0xbb, 0x00, 0x01};
const __u8 T_MAC_VPORT_C1[6] = {0x02, 0x00, 0x00, 0xcc, 0x00, 0x01};
const __u8 T_MAC_VPORT_D1[6] = {0x02, 0x00, 0x00, 0xdd, 0x00, 0x01};
const __u8 T_MAC_VPORT_A3[6] = {0x02, 0x00, 0x00, 0xaa, 0x00, 0x03};
const __u8 T_MAC_REMOTE4[6] = {0x02, 0x00, 0x00, 0x44, 0x00, 0x02};
const __u8 T_MAC_REMOTE6[6] = {0x02, 0x00, 0x00, 0x66, 0x00, 0x02};
const __u8 T_MAC_UNKNOWN[6] = {0x02, 0x00, 0x00, 0x99, 0x99, 0x99};

void t_spec_combo(struct pkt_spec *s, int outer, int inner)
{
	s->outer_ipver = outer;
	s->inner_ipver = inner;
	s->outer_src = outer == 4 ? T_PA_REMOTE4 : T_PA_REMOTE6;
	s->outer_dst = outer == 4 ? T_PA_LOCAL4 : T_PA_LOCAL6;
	memcpy(s->inner_smac, outer == 4 ? T_MAC_REMOTE4 : T_MAC_REMOTE6, 6);
	s->inner_src = inner == 6 ? "2001:db8:1::2" : "192.0.2.2";
	s->inner_dst = inner == 6 ? "2001:db8:1::1" : "192.0.2.1";
	if (s->l4 == 1 && inner == 6)
		s->l4 = 58;
	else if (s->l4 == 58 && inner == 4)
		s->l4 = 1;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "testenv: '%s' failed (%d)\n", cmd, rc);
	return rc ? -1 : 0;
}

int testenv_reset_config(struct testenv *env)
{
	struct nvgre_config cfg;

	nvgre_config_defaults(&cfg);
	cfg.underlay_ifindex = env->und0_ifindex;
	nvgre_ip_parse(T_PA_LOCAL4, &cfg.pa4);
	nvgre_ip_parse(T_PA_LOCAL6, &cfg.pa6);
	return nvgre_dp_set_config(&env->dp, &cfg);
}

/* A vport with up to two addresses (NULL: none). */
static int add_vport(struct testenv *env, __u32 vsid, const __u8 *mac, __u32 id, int kind,
		     __u32 ifindex, const char *ip4, const char *ip6)
{
	struct nvgre_vport vp = { .id = id, .kind = kind, .ifindex = ifindex, .queues = 1 };
	union nvgre_ip ips[2];
	int n = 0;

	if (ip4 && !nvgre_ip_parse(ip4, &ips[n]))
		n++;
	if (ip6 && !nvgre_ip_parse(ip6, &ips[n]))
		n++;
	return nvgre_dp_vport_add(&env->dp, vsid, mac, &vp, ips, n);
}

/* A lookup record with an IPv4 and an IPv6 customer address. */
static int add_route(struct testenv *env, __u32 vsid, const __u8 *mac, const char *pa,
		     const char *ip4, const char *ip6)
{
	union nvgre_ip p, i4, i6;

	if (nvgre_ip_parse(pa, &p) || nvgre_ip_parse(ip4, &i4) || nvgre_ip_parse(ip6, &i6))
		return -EINVAL;
	return nvgre_dp_route_add(&env->dp, vsid, mac, &i4, &p) ?:
	       nvgre_dp_route_add(&env->dp, vsid, mac, &i6, &p);
}

int testenv_init(struct testenv *env)
{
	const __u8 key[NVGRE_RSS_KEY_LEN] = NVGRE_RSS_DEFAULT_KEY;
	struct nvgre_dp *dp = &env->dp;
	int err;

	memset(env, 0, sizeof(*env));
	for (int id = 0; id <= T_ID_MAX; id++)
		env->sw_fd[id] = -1;
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -errno;
	}
	/* nvt0/nvt1: vport A1 and the AF_XDP socket; one veth per other vport. */
	if (sh("ip link set lo up") ||
	    sh("ip link add nvt0 type veth peer name nvt1") ||
	    sh("ip link add vpa2 type veth peer name vpa2p") ||
	    sh("ip link add vpc1 type veth peer name vpc1p") ||
	    sh("ip link add vpd1 type veth peer name vpd1p") ||
	    sh("ip link add vpb1 type veth peer name vpb1p") ||
	    sh("ip link add vpa3 type veth peer name vpa3p") ||
	    sh("ip link add und0 type veth peer name und1") ||
	    sh("for d in nvt0 nvt1 vpa2 vpa2p vpc1 vpc1p vpd1 vpd1p vpb1 vpb1p vpa3 vpa3p"
	       " und0 und1; do ip link set $d up; done") ||
	    /* the underlay: our PAs, the remote PAs' MAC known, 198.18.0.3 unresolved */
	    sh("ip link set und0 address " T_UNDERLAY_MAC_LOCAL) ||
	    sh("ip addr add " T_PA_LOCAL4 "/24 dev und0") ||
	    sh("ip addr add " T_PA_LOCAL6 "/64 dev und0 nodad") ||
	    sh("ip neigh add " T_PA_REMOTE4 " lladdr " T_UNDERLAY_MAC_REMOTE " dev und0 nud permanent") ||
	    sh("ip neigh add " T_PA_REMOTE6 " lladdr " T_UNDERLAY_MAC_REMOTE " dev und0 nud permanent"))
		return -1;
	env->und0_ifindex = if_nametoindex("und0");
	env->nvt0_ifindex = if_nametoindex("nvt0");
	env->nvt1_ifindex = if_nametoindex("nvt1");
	env->lo_ifindex = if_nametoindex("lo");
	env->a2_ifindex = if_nametoindex("vpa2");
	env->c1_ifindex = if_nametoindex("vpc1");
	env->d1_ifindex = if_nametoindex("vpd1");
	env->b1_ifindex = if_nametoindex("vpb1");
	env->a3_ifindex = if_nametoindex("vpa3");

	err = nvgre_dp_open(dp, NULL);
	if (err) {
		fprintf(stderr, "testenv: loading the data path failed: %s\n", strerror(-err));
		return err;
	}
	err = testenv_reset_config(env) ?: nvgre_dp_set_rss_key(dp, key) ?:
	      nvgre_dp_vsid_add(dp, T_VSID_A, 0) ?:
	      nvgre_dp_vsid_add(dp, T_VSID_B, 0) ?:
	      nvgre_dp_vsid_add(dp, T_VSID_C, NVGRE_VSID_F_ANY_PA) ?:
	      nvgre_dp_vsid_add(dp, T_VSID_D, 0) ?:
	      nvgre_dp_vsid_add(dp, T_VSID_E, 0) ?:
	      add_vport(env, T_VSID_A, T_MAC_VPORT_A1, T_ID_A1, NVGRE_VPORT_NETDEV, env->nvt0_ifindex,
			T_IP4_A1, T_IP6_A1) ?:
	      add_vport(env, T_VSID_A, T_MAC_VPORT_A2, T_ID_A2, NVGRE_VPORT_NETDEV, env->a2_ifindex,
			T_IP4_A2, T_IP6_A2) ?:
	      add_vport(env, T_VSID_B, T_MAC_VPORT_B1, T_ID_B1, NVGRE_VPORT_XSK, env->b1_ifindex,
			T_IP4_B1, T_IP6_B1) ?:
	      add_vport(env, T_VSID_C, T_MAC_VPORT_C1, T_ID_C1, NVGRE_VPORT_NETDEV, env->c1_ifindex,
			NULL, NULL) ?:
	      add_vport(env, T_VSID_D, T_MAC_VPORT_D1, T_ID_D1, NVGRE_VPORT_NETDEV, env->d1_ifindex,
			NULL, NULL) ?:
	      nvgre_dp_vsid_set_default_vport(dp, T_VSID_D, T_MAC_VPORT_D1) ?:
	      add_route(env, T_VSID_A, T_MAC_REMOTE4, T_PA_REMOTE4, T_IP4_REMOTE4, T_IP6_REMOTE4) ?:
	      add_route(env, T_VSID_A, T_MAC_REMOTE6, T_PA_REMOTE6, T_IP4_REMOTE6, T_IP6_REMOTE6) ?:
	      add_route(env, T_VSID_B, T_MAC_REMOTE4, T_PA_REMOTE4, T_IP4_REMOTE4, T_IP6_REMOTE4) ?:
	      add_route(env, T_VSID_B, T_MAC_REMOTE6, T_PA_REMOTE6, T_IP4_REMOTE6, T_IP6_REMOTE6) ?:
	      add_route(env, T_VSID_C, T_MAC_REMOTE4, T_PA_REMOTE4, T_IP4_REMOTE4, T_IP6_REMOTE4) ?:
	      add_route(env, T_VSID_C, T_MAC_REMOTE6, T_PA_REMOTE6, T_IP4_REMOTE6, T_IP6_REMOTE6) ?:
	      add_route(env, T_VSID_D, T_MAC_REMOTE4, T_PA_REMOTE4, T_IP4_REMOTE4, T_IP6_REMOTE4) ?:
	      add_route(env, T_VSID_E, T_MAC_REMOTE4, T_PA_REMOTE4, T_IP4_REMOTE4, T_IP6_REMOTE4);
	if (err)
		fprintf(stderr, "testenv: configuring the maps failed: %s\n", strerror(-err));
	return err;
}

int testenv_add_a3(struct testenv *env)
{
	return add_vport(env, T_VSID_A, T_MAC_VPORT_A3, T_ID_A3, NVGRE_VPORT_XSK, env->a3_ifindex,
			 T_IP4_A3, T_IP6_A3);
}

int testenv_del_a3(struct testenv *env)
{
	return nvgre_dp_vport_del(&env->dp, T_VSID_A, T_MAC_VPORT_A3);
}

int testenv_sw_open(struct testenv *env, __u32 id)
{
	int fd = nvgre_dp_sw_channel_create(), err;

	if (fd < 0)
		return fd;
	err = nvgre_dp_sw_channel_set(&env->dp, id, fd);
	if (err) {
		close(fd);
		return err;
	}
	env->sw_fd[id] = fd;
	return 0;
}

void testenv_sw_close(struct testenv *env, __u32 id)
{
	nvgre_dp_sw_channel_set(&env->dp, id, -1);
	if (env->sw_fd[id] >= 0)
		close(env->sw_fd[id]);
	env->sw_fd[id] = -1;
}

void testenv_sw_drain(struct testenv *env)
{
	for (int id = 1; id <= T_ID_MAX; id++)
		if (env->sw_fd[id] >= 0)
			testenv_sw_read(env->sw_fd[id], NULL, 0);
}

struct sw_read {
	struct t_sw_rec *recs;
	int max, n;
};

static int sw_read_one(void *ctx, void *data, size_t size)
{
	struct sw_read *r = ctx;
	struct t_sw_rec *rec = r->recs && r->n < r->max ? &r->recs[r->n] : NULL;

	r->n++;
	if (!rec)
		return 0;
	memset(&rec->hdr, 0, sizeof(rec->hdr));
	rec->size = size;
	memcpy(&rec->hdr, data, size < sizeof(rec->hdr) ? size : sizeof(rec->hdr));
	if (size > sizeof(rec->hdr)) {
		size -= sizeof(rec->hdr);
		memcpy(rec->frame, (__u8 *)data + sizeof(rec->hdr),
		       size < sizeof(rec->frame) ? size : sizeof(rec->frame));
	}
	return 0;
}

int testenv_sw_read(int fd, struct t_sw_rec *recs, int max)
{
	struct sw_read r = { .recs = recs, .max = max };
	struct ring_buffer *rb = ring_buffer__new(fd, sw_read_one, &r, NULL);
	int err;

	if (!rb)
		return -errno;
	err = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return err < 0 ? err : r.n;
}

int testenv_sw_wait(int fd, struct t_sw_rec *recs, int max, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = testenv_sw_read(fd, recs, max);

	/* the ring buffer fd polls readable once a record is committed */
	if (n == 0 && poll(&p, 1, timeout_ms) > 0)
		n = testenv_sw_read(fd, recs, max);
	return n;
}

int testenv_tc_attach(int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err = bpf_tc_hook_create(&hook);

	if (!err || err == -EEXIST)
		err = bpf_tc_attach(&hook, &opts);
	return err;
}

void testenv_tc_detach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	bpf_tc_hook_destroy(&hook);
}

void testenv_fini(struct testenv *env)
{
	nvgre_dp_close(&env->dp);
	/* The namespace, its veths and the maps go away with the process. */
}

int testenv_run_xdp(struct testenv *env, const void *in, size_t len, void *out,
		    size_t *out_len, __u32 *retval, __u32 *meta_len)
{
	struct xdp_md ctx_in = { .data_end = len, .ingress_ifindex = env->nvt1_ifindex };
	struct xdp_md ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = PKT_MAX,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(env->dp.xdp_rx_fd, &opts);

	if (err)
		return -errno;
	*out_len = opts.data_size_out;
	*retval = opts.retval;
	if (meta_len)
		*meta_len = ctx_out.data - ctx_out.data_meta;
	return 0;
}

static int run_tc(int prog_fd, int ifindex, const void *in, size_t len, void *out,
		  size_t *out_len, __u32 *retval, __u32 flags, __u16 gso_size)
{
	struct __sk_buff ctx = { .ifindex = ifindex, .gso_size = gso_size, .gso_segs = gso_size ?
				 (len + gso_size - 1) / gso_size : 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = PKT_MAX,
		    .ctx_in = ifindex ? &ctx : NULL, .ctx_size_in = ifindex ? sizeof(ctx) : 0,
		    .flags = flags, .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		return -errno;
	*out_len = opts.data_size_out;
	*retval = opts.retval;
	return 0;
}

int testenv_run_tc(struct testenv *env, const void *in, size_t len, void *out,
		   size_t *out_len, __u32 *retval)
{
	return run_tc(env->dp.tc_rx_fd, 0, in, len, out, out_len, retval,
		      env->rx_csum_complete ? BPF_F_TEST_SKB_CHECKSUM_COMPLETE : 0, 0);
}

int testenv_run_tx(struct testenv *env, int ifindex, const void *in, size_t len, void *out,
		   size_t *out_len, __u32 *retval)
{
	return run_tc(env->dp.tc_tx_fd, ifindex, in, len, out, out_len, retval, 0, env->tx_gso_size);
}

void testenv_snap(struct testenv *env, struct testenv_snap *sn, __u32 vsid)
{
	int i;

	memset(sn, 0, sizeof(*sn));
	for (i = 0; i < NVGRE_DROP_MAX; i++)
		sn->drops[i] = nvgre_dp_drops(&env->dp, i);
	for (i = 0; i < NVGRE_CNT_MAX; i++)
		sn->cnt[i] = nvgre_dp_counter(&env->dp, i);
	nvgre_dp_vsid_stats(&env->dp, vsid, &sn->vs);
	for (i = 1; i <= T_ID_MAX; i++)
		nvgre_dp_vport_stats(&env->dp, i, &sn->vp[i]);
}

int testenv_xsk_open(struct testenv_xsk *x, const char *ifname, unsigned int frames)
{
	struct xsk_umem_config ucfg = {
		.fill_size = frames, .comp_size = frames,
		.frame_size = TESTENV_XSK_FRAME, .frame_headroom = 0,
	};
	struct xsk_socket_config cfg = {
		.rx_size = frames, .tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	size_t sz = (size_t)frames * TESTENV_XSK_FRAME;
	__u32 idx, i;
	int err;

	memset(x, 0, sizeof(*x));
	x->frames = frames;
	if (posix_memalign(&x->area, 4096, sz))
		return -ENOMEM;
	err = xsk_umem__create(&x->umem, x->area, sz, &x->fill, &x->comp, &ucfg);
	if (!err)
		err = xsk_socket__create(&x->xsk, ifname, 0, x->umem, &x->rx, NULL, &cfg);
	if (!err && xsk_ring_prod__reserve(&x->fill, frames, &idx) != frames)
		err = -ENOSPC;
	if (err) {
		testenv_xsk_close(x);
		return err;
	}
	for (i = 0; i < frames; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = (__u64)i * TESTENV_XSK_FRAME;
	xsk_ring_prod__submit(&x->fill, frames);
	return 0;
}

void testenv_xsk_close(struct testenv_xsk *x)
{
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	free(x->area);
	memset(x, 0, sizeof(*x));
}
