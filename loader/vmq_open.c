// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Opening an xsk vport's queue set for a consumer (vmq_open.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>

#include <nvgre/vmq.h>
#include "attach.h"
#include "vmq_dev.h"
#include "vmq_open.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static int set_ring(int fd, int opt, int n)
{
	return setsockopt(fd, SOL_XDP, opt, &n, sizeof(n)) ? -errno : 0;
}

static int xsk_bind(int fd, int ifindex, int qid, __u16 flags, int shared_fd)
{
	struct sockaddr_xdp sa = {
		.sxdp_family = AF_XDP, .sxdp_ifindex = ifindex, .sxdp_queue_id = qid,
		.sxdp_flags = shared_fd >= 0 ? XDP_SHARED_UMEM : flags,
		.sxdp_shared_umem_fd = shared_fd >= 0 ? shared_fd : 0,
	};

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

/*
 * One socket.  umem: register it here (the first socket); own_pool: a
 * socket on another (device, queue) than shared_fd's gets its own fill and
 * completion rings, one on the same shares them (the kernel's rule).
 */
static int xsk_new(void *umem, __u64 umem_len, int own_pool, int rx, int tx,
		   int ifindex, int qid, __u16 bind_flags, int shared_fd)
{
	struct xdp_umem_reg reg = { .addr = (__u64)(unsigned long)umem, .len = umem_len,
				    .chunk_size = VMQ_FRAME_SIZE };
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (umem && setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)))
		err = -errno;
	if (!err && own_pool)
		err = set_ring(fd, XDP_UMEM_FILL_RING, VMQ_RING) ?:
		      set_ring(fd, XDP_UMEM_COMPLETION_RING, VMQ_RING);
	if (!err && rx)
		err = set_ring(fd, XDP_RX_RING, VMQ_RING);
	if (!err && tx)
		err = set_ring(fd, XDP_TX_RING, VMQ_RING);
	if (!err)
		err = xsk_bind(fd, ifindex, qid, bind_flags, shared_fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static __u32 xsk_index(const struct vport_rec *v, int q)
{
	return v->id * NVGRE_VMQ_MAX_QUEUES + q;	/* as nvgre_xdp_vport.bpf.c computes it */
}

/* The UMEM: a sealed memfd, so the consumer can map it but never resize it. */
static int umem_create(const char *name, __u64 len)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static json_object *describe(struct nvgred *d, const struct vport_rec *v, __u64 frames,
			     int zc, json_object *fd_names)
{
	json_object *o = json_object_new_object();
	struct vmq_dev dev;
	char mac[18];

	vmq_dev_names(v->id, &dev);
	nvgre_mac_str(v->mac, mac);
	json_object_object_add(o, "vport", json_object_new_string(v->name));
	json_object_object_add(o, "id", json_object_new_int(v->id));
	json_object_object_add(o, "vsid", json_object_new_int64(v->vsid));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	json_object_object_add(o, "queues", json_object_new_int(v->xsk_queues));
	json_object_object_add(o, "mtu", json_object_new_int(vmq_dev_mtu(daemon_tenant_mtu(d))));
	json_object_object_add(o, "zerocopy", json_object_new_boolean(zc));
	json_object_object_add(o, "tx_ifname", json_object_new_string(dev.consumer));
	json_object_object_add(o, "frame_size", json_object_new_int(VMQ_FRAME_SIZE));
	json_object_object_add(o, "frames", json_object_new_int64(frames));
	json_object_object_add(o, "ring_size", json_object_new_int(VMQ_RING));
	json_object_object_add(o, "fds", fd_names);
	return o;
}

int vmq_open(struct nvgred *d, struct vport_rec *v, const struct ucred *cr,
	     json_object **reply, int *fds, int *nfds, char *err, size_t errlen)
{
	int nq = v->xsk_queues, n = 0, q, ret;
	__u64 frames = 4 * VMQ_RING, len = frames * VMQ_FRAME_SIZE;
	json_object *names = NULL;
	struct vmq_dev dev;
	void *umem = MAP_FAILED;
	char name[64];
	__u32 idx;

	*nfds = 0;
	*err = 0;
	if (!v->xsk_queues) {
		snprintf(err, errlen, "vport %s is a netdev vport, not an xsk one", v->name);
		return -EINVAL;
	}
	if (cr->uid != 0 && !(v->has_owner && cr->uid == v->owner)) {
		snprintf(err, errlen, "vport %s: uid %u may not open it (root%s may)", v->name,
			 cr->uid, v->has_owner ? " and its owner" : "");
		return -EACCES;
	}
	if (v->leased) {
		snprintf(err, errlen, "vport %s: already open (by pid %d)", v->name, v->lease_pid);
		return -EBUSY;
	}
	vmq_dev_names(v->id, &dev);
	dev.consumer_ifindex = if_nametoindex(dev.consumer);
	dev.host_ifindex = if_nametoindex(dev.host);
	if (!dev.consumer_ifindex || !dev.host_ifindex) {
		snprintf(err, errlen, "vport %s: its veth pair %s/%s is gone", v->name, dev.host,
			 dev.consumer);
		return -ENODEV;
	}
	snprintf(name, sizeof(name), "nvgre-vmq-%s", v->name);
	ret = umem_create(name, len);
	if (ret < 0)
		goto fail;
	fds[n++] = ret;
	umem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (umem == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	ret = nvgre_dp_sw_channel_create();
	if (ret < 0)
		goto fail;
	fds[n++] = ret;
	fds[n++] = -1;	/* the transmit socket, once the UMEM is registered */
	names = json_object_new_array();
	json_object_array_add(names, json_object_new_string("umem"));
	json_object_array_add(names, json_object_new_string("sw"));
	json_object_array_add(names, json_object_new_string("tx"));

	/*
	 * Every socket of the vport is bound to queue 0 of its own veth's
	 * consumer end, where nvgre_xdp_vport steers by vport queue: the
	 * kernel gives a (device, queue) one buffer pool, so vports (each with
	 * a UMEM of its own, for isolation) cannot share the underlay's queues.
	 * The first socket registers the UMEM and owns the fill and completion
	 * rings; the others share its pool.
	 */
	for (q = 0; q < nq; q++) {
		/* copy mode: a veth has no zero-copy, and frames were redirected
		 * into it (zero-copy to a consumer would need a NIC queue of its
		 * own, with inner-MAC steering) */
		ret = xsk_new(q ? NULL : umem, len, !q, 1, 0, dev.consumer_ifindex, 0,
			      XDP_USE_NEED_WAKEUP | XDP_COPY, q ? fds[3] : -1);
		if (ret < 0)
			goto fail_sock;
		fds[n++] = ret;
		snprintf(name, sizeof(name), "rx %d", q);
		json_object_array_add(names, json_object_new_string(name));
	}
	/* the transmit socket: its frames enter the veth's host end, and the TC policy */
	ret = xsk_new(NULL, len, 0, 0, 1, dev.consumer_ifindex, 0, 0, fds[3]);
	if (ret < 0)
		goto fail_sock;
	fds[2] = ret;

	for (q = 0; q < nq; q++) {
		idx = xsk_index(v, q);
		if (bpf_map_update_elem(d->dp.xsks_fd, &idx, &fds[3 + q], BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "vport %s: XSKMAP slot %u: %s", v->name, idx,
				 strerror(errno));
			goto fail_map;
		}
	}
	ret = nvgre_dp_sw_channel_set(&d->dp, v->id, fds[1]);
	if (!ret)	/* last: from now on the underlay program redirects to it */
		ret = nvgre_dp_vport_dev_set(&d->dp, v->id, dev.host_ifindex);
	if (ret) {
		snprintf(err, errlen, "vport %s: %s", v->name, strerror(-ret));
		goto fail_map;
	}
	munmap(umem, len);	/* the sockets hold the pages now */
	/* copies of the receive sockets, for their statistics; closed when
	 * the lease ends, which also unbinds them (renew_dev) */
	v->lease_rx_fds = calloc(nq, sizeof(int));
	for (q = 0; v->lease_rx_fds && q < nq; q++)
		v->lease_rx_fds[q] = fcntl(fds[3 + q], F_DUPFD_CLOEXEC, 3);
	v->leased = 1;
	v->lease_pid = cr->pid;
	*nfds = n;
	*reply = describe(d, v, frames, 0, names);
	daemon_log("vport %s: queue set opened by pid %d uid %u (%d receive sockets)",
		   v->name, cr->pid, cr->uid, nq);
	return 0;

fail_map:
	vmq_release(d, v);
	goto fail;
fail_sock:
	snprintf(err, errlen, "vport %s: AF_XDP socket: %s", v->name, strerror(-ret));
fail:
	if (!*err)
		snprintf(err, errlen, "vport %s: %s", v->name, strerror(-ret));
	if (umem != MAP_FAILED)
		munmap(umem, len);
	while (n-- > 0)
		if (fds[n] >= 0)
			close(fds[n]);
	json_object_put(names);
	return ret;
}

void vmq_release(struct nvgred *d, struct vport_rec *v)
{
	__u32 idx;
	int q;

	nvgre_dp_vport_dev_set(&d->dp, v->id, 0);	/* first: no more redirects to it */
	for (q = 0; q < v->xsk_queues; q++) {
		idx = xsk_index(v, q);
		bpf_map_delete_elem(d->dp.xsks_fd, &idx);
	}
	nvgre_dp_sw_channel_set(&d->dp, v->id, -1);
	for (q = 0; v->lease_rx_fds && q < v->xsk_queues; q++)
		if (v->lease_rx_fds[q] >= 0)
			close(v->lease_rx_fds[q]);
	free(v->lease_rx_fds);
	v->lease_rx_fds = NULL;
	if (v->leased)
		daemon_log("vport %s: queue set closed (pid %d)", v->name, v->lease_pid);
	v->leased = 0;
	v->lease_pid = 0;
}

int vmq_queue_socket_stats(const struct vport_rec *v, int q, struct xdp_statistics *st)
{
	socklen_t len = sizeof(*st);

	if (!v->leased || !v->lease_rx_fds || q < 0 || q >= v->xsk_queues ||
	    v->lease_rx_fds[q] < 0)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	return getsockopt(v->lease_rx_fds[q], SOL_XDP, XDP_STATISTICS, st, &len) ? -errno : 0;
}

void vmq_release_all(struct nvgred *d)
{
	__u32 i;

	for (i = 0; i < NVGRE_MAX_VPORTS; i++) {
		nvgre_dp_vport_dev_set(&d->dp, i, 0);
		nvgre_dp_sw_channel_set(&d->dp, i, -1);
	}
	for (i = 0; i < NVGRE_MAX_XSK_ENTRIES; i++)
		bpf_map_delete_elem(d->dp.xsks_fd, &i);
}

int vmq_lease_begin(struct nvgred *d, const char *name, const struct ucred *cr, int conn_fd,
		    json_object **reply, int *fds, int *nfds, char *err, size_t errlen)
{
	struct vport_rec *v = NULL;
	int i, ret;

	for (i = 1; i < NVGRE_MAX_VPORTS && !v; i++)
		if (d->vports[i].used && !strcmp(d->vports[i].name, name))
			v = &d->vports[i];
	/* only root learns which vports exist and what kind they are */
	if (cr->uid != 0 && (!v || !v->xsk_queues || !v->has_owner || cr->uid != v->owner)) {
		snprintf(err, errlen, "vport %s: uid %u may not open it", name, cr->uid);
		return -EACCES;
	}
	if (!v) {
		snprintf(err, errlen, "vport %s: no such vport", name);
		return -ENOENT;
	}
	ret = vmq_open(d, v, cr, reply, fds, nfds, err, errlen);
	if (ret)
		return ret;
	v->lease_fd = conn_fd;
	return v->id;
}

/*
 * A new veth pair for v: the kernel unbinds every socket of the old one, so
 * fds a consumer kept (or passed on) after its lease ended can neither
 * receive nor send, and the next open finds no old buffer pool in the way.
 */
static int renew_dev(struct nvgred *d, struct vport_rec *v)
{
	struct vmq_dev dev;
	int err;

	vmq_dev_names(v->id, &dev);
	nvgre_dp_xsk_dev_set(&d->dp, if_nametoindex(dev.consumer), 0);
	err = vmq_dev_create(v->id, vmq_dev_mtu(daemon_tenant_mtu(d)), &dev) ?:
	      vmq_dev_attach(&dev, d->dp.xdp_vport_fd) ?:
	      nvgre_dp_xsk_dev_set(&d->dp, dev.consumer_ifindex, v->id) ?:
	      nvgre_dp_vport_move(&d->dp, v->vsid, v->mac, dev.host_ifindex) ?:
	      tc_attach_ingress(dev.host_ifindex, d->dp.tc_tx_fd);
	if (err)
		daemon_err("vport %s: renewing its veth pair: %s (vport del and add it again)",
			   v->name, strerror(-err));
	else
		v->ifindex = dev.host_ifindex;
	return err;
}

void vmq_lease_end(struct nvgred *d, int id, int conn_fd)
{
	struct vport_rec *v = &d->vports[id];

	if (id > 0 && id < NVGRE_MAX_VPORTS && v->used && v->leased && v->lease_fd == conn_fd) {
		vmq_release(d, v);
		renew_dev(d, v);
	}
}
