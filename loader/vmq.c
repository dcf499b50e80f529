// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libnvgre-vmq (include/nvgre/vmq.h): the consumer side of an xsk vport.
 *
 * nvgred hands over, in this order: the UMEM memfd, the software channel
 * (a BPF ring buffer), the transmit socket, then one receive socket per
 * vport queue.  All sockets are bound already, to the vport's own veth,
 * and share one buffer pool: we map their rings and keep its fill ring full.  UMEM frames are 4 KiB; a
 * stack of free frame addresses feeds the fill rings and the transmit ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/if_xdp.h>
#include <json-c/json.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include <nvgre/ctl.h>
#include <nvgre/maps.h>
#include <nvgre/segment.h>
#include <nvgre/vmq.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define VMQ_MAX_FDS	253
#define SW_FRAME_FLAG	(1ULL << 63)	/* priv: a malloc'd software channel frame */

struct rx_sock {
	int fd;
	int queue;			/* vport queue q */
	struct xsk_ring_cons rx;
	void *map;
	size_t map_len;
};

/* A fill ring and the socket (and mapping) it belongs to: one per rx queue. */
struct fill {
	struct xsk_ring_prod fq;
	void *map;
	size_t map_len;
	int fd;
};

struct sw_frame {
	struct sw_frame *next;
	struct nvgre_sw_hdr hdr;
	__u8 data[];
};

struct nvgre_vmq {
	struct nvgre_vmq_info info;
	int conn;			/* the lease */
	int epfd;
	int lease_lost;
	__u8 *umem;
	size_t umem_len;
	__u32 frame_size, ring_size;
	__u64 *free_frames;		/* stack of free UMEM frame addresses */
	__u32 n_free, n_frames;

	int n_rx;
	struct rx_sock rx[VMQ_MAX_FDS];
	int n_fill;
	struct fill fill[VMQ_MAX_FDS];
	int next_rx;			/* round robin over the receive rings */

	int tx_fd;
	struct xsk_ring_prod tx;
	struct xsk_ring_cons comp;
	void *tx_map, *comp_map;
	size_t tx_map_len, comp_map_len;
	__u32 tx_outstanding;

	int sw_fd;
	struct ring_buffer *sw;
	struct sw_frame *sw_head, **sw_tail;

	struct nvgre_vmq_stats stats;
};

/* ---- talking to nvgred ------------------------------------------------- */

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Read the reply line and the fds that came with it. */
static int recv_reply(int fd, char *line, size_t cap, int *fds, int *nfds)
{
	union {
		char buf[CMSG_SPACE(VMQ_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	size_t got = 0;

	*nfds = 0;
	while (got < cap - 1) {
		struct iovec iov = { .iov_base = line + got, .iov_len = cap - 1 - got };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				if (*nfds + k > VMQ_MAX_FDS)
					k = VMQ_MAX_FDS - *nfds;
				memcpy(fds + *nfds, CMSG_DATA(cm), k * sizeof(int));
				*nfds += k;
			}
		}
		got += n;
		line[got] = 0;
		if (memchr(line, '\n', got))
			return 0;
	}
	return -E2BIG;
}

static int json_int(json_object *o, const char *key, int *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -EPROTO;
	*out = json_object_get_int(v);
	return 0;
}

/* ---- rings ------------------------------------------------------------- */

static void *map_ring(int fd, off_t pgoff, __u32 desc_off, __u32 n, size_t entry, size_t *len)
{
	void *p;

	*len = desc_off + (size_t)n * entry;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff);
	return p == MAP_FAILED ? NULL : p;
}

#define RING_INIT(r, map, off, n) do {					\
	(r)->mask = (n) - 1;						\
	(r)->size = (n);						\
	(r)->producer = (void *)((char *)(map) + (off).producer);	\
	(r)->consumer = (void *)((char *)(map) + (off).consumer);	\
	(r)->flags = (void *)((char *)(map) + (off).flags);		\
	(r)->ring = (char *)(map) + (off).desc;				\
	(r)->cached_prod = *(r)->producer;				\
	(r)->cached_cons = *(r)->consumer;				\
} while (0)

/* Where the socket fd's rings sit in their mappings. */
static int ring_offsets(int fd, struct xdp_mmap_offsets *off)
{
	socklen_t ol = sizeof(*off);

	return getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, &ol) ? -errno : 0;
}

static int map_fill(struct nvgre_vmq *q, int fd)
{
	struct xdp_mmap_offsets off;
	struct fill *f = &q->fill[q->n_fill];

	if (ring_offsets(fd, &off))
		return -errno;
	f->map = map_ring(fd, XDP_UMEM_PGOFF_FILL_RING, off.fr.desc, q->ring_size,
			  sizeof(__u64), &f->map_len);
	if (!f->map)
		return -errno;
	RING_INIT(&f->fq, f->map, off.fr, q->ring_size);
	f->fq.cached_cons += q->ring_size;	/* a producer ring counts free slots */
	f->fd = fd;
	q->n_fill++;
	return 0;
}

static int map_rx(struct nvgre_vmq *q, int fd, int queue)
{
	struct xdp_mmap_offsets off;
	struct rx_sock *s = &q->rx[q->n_rx];

	if (ring_offsets(fd, &off))
		return -errno;
	s->map = map_ring(fd, XDP_PGOFF_RX_RING, off.rx.desc, q->ring_size,
			  sizeof(struct xdp_desc), &s->map_len);
	if (!s->map)
		return -errno;
	RING_INIT(&s->rx, s->map, off.rx, q->ring_size);
	s->fd = fd;
	s->queue = queue;
	q->n_rx++;
	return 0;
}

static int map_tx(struct nvgre_vmq *q)
{
	struct xdp_mmap_offsets off;

	if (ring_offsets(q->tx_fd, &off))
		return -errno;
	q->tx_map = map_ring(q->tx_fd, XDP_PGOFF_TX_RING, off.tx.desc, q->ring_size,
			     sizeof(struct xdp_desc), &q->tx_map_len);
	q->comp_map = map_ring(q->tx_fd, XDP_UMEM_PGOFF_COMPLETION_RING, off.cr.desc,
			       q->ring_size, sizeof(__u64), &q->comp_map_len);
	if (!q->tx_map || !q->comp_map)
		return -errno;
	RING_INIT(&q->tx, q->tx_map, off.tx, q->ring_size);
	q->tx.cached_cons += q->ring_size;
	RING_INIT(&q->comp, q->comp_map, off.cr, q->ring_size);
	return 0;
}

/* Give the kernel every free frame its fill rings have room for. */
static void refill(struct nvgre_vmq *q)
{
	int i;

	for (i = 0; i < q->n_fill && q->n_free; i++) {
		struct fill *f = &q->fill[i];
		__u32 idx, n = xsk_prod_nb_free(&f->fq, 1), k;

		/* keep half the free frames for the others and for transmit */
		if (n > q->n_free / 2 + 1)
			n = q->n_free / 2 + 1;
		if (!n || xsk_ring_prod__reserve(&f->fq, n, &idx) != n)
			continue;
		for (k = 0; k < n; k++)
			*xsk_ring_prod__fill_addr(&f->fq, idx + k) = q->free_frames[--q->n_free];
		xsk_ring_prod__submit(&f->fq, n);
		if (xsk_ring_prod__needs_wakeup(&f->fq))
			recvfrom(f->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	}
}

/* ---- open / close ------------------------------------------------------ */

static int sw_record(void *ctx, void *data, size_t len)
{
	struct nvgre_vmq *q = ctx;
	const struct nvgre_sw_hdr *h = data;
	struct sw_frame *f;

	if (len < sizeof(*h) || h->len > len - sizeof(*h))
		return 0;	/* not a record we understand: skip it */
	f = malloc(sizeof(*f) + h->len);
	if (!f)
		return -ENOMEM;
	f->next = NULL;
	f->hdr = *h;
	memcpy(f->data, h + 1, h->len);
	*q->sw_tail = f;
	q->sw_tail = &f->next;
	return 0;
}

static int parse_reply(struct nvgre_vmq *q, json_object *res, const int *fds, int nfds)
{
	json_object *names, *v;
	int i, queue, frames, err;

	if (json_int(res, "queues", &q->info.queues) || json_int(res, "mtu", &q->info.mtu) || json_int(res, "frame_size", &i) ||
	    json_int(res, "frames", &frames) || json_int(res, "ring_size", &queue) ||
	    !json_object_object_get_ex(res, "fds", &names) ||
	    (int)json_object_array_length(names) != nfds || nfds < 4)
		return -EPROTO;
	q->frame_size = i;
	q->ring_size = queue;
	q->n_frames = frames;
	if (q->frame_size != 4096 || !q->ring_size || (q->ring_size & (q->ring_size - 1)) ||
	    q->info.queues < 1 || q->info.queues > NVGRE_VMQ_MAX_QUEUES)
		return -EPROTO;
	if (json_object_object_get_ex(res, "vsid", &v))
		q->info.vsid = json_object_get_int64(v);
	if (json_object_object_get_ex(res, "zerocopy", &v))
		q->info.zerocopy = json_object_get_boolean(v);
	if (json_object_object_get_ex(res, "tx_ifname", &v))
		snprintf(q->info.tx_ifname, sizeof(q->info.tx_ifname), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(res, "mac", &v))
		sscanf(json_object_get_string(v), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &q->info.mac[0],
		       &q->info.mac[1], &q->info.mac[2], &q->info.mac[3], &q->info.mac[4],
		       &q->info.mac[5]);

	q->umem_len = (size_t)q->n_frames * q->frame_size;
	q->umem = mmap(NULL, q->umem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (q->umem == MAP_FAILED) {
		q->umem = NULL;
		return -errno;
	}
	q->sw_fd = fds[1];
	q->tx_fd = fds[2];
	err = map_tx(q);
	for (i = 3; i < nfds && !err; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, i));

		if (sscanf(name, "rx %d", &queue) != 1)
			return -EPROTO;
		err = map_rx(q, fds[i], queue);
		if (!err && queue == 0)		/* the first socket's pool: the fill ring */
			err = map_fill(q, fds[i]);
	}
	if (err)
		return err;
	q->sw = ring_buffer__new(q->sw_fd, sw_record, q, NULL);
	if (!q->sw)
		return -errno;

	q->free_frames = calloc(q->n_frames, sizeof(*q->free_frames));
	if (!q->free_frames)
		return -ENOMEM;
	for (i = q->n_frames - 1; i >= 0; i--)
		q->free_frames[q->n_free++] = (__u64)i * q->frame_size;
	refill(q);
	return 0;
}

static int epoll_add(int epfd, int fd, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int nvgre_vmq_open(const char *socket_path, const char *vport, struct nvgre_vmq **out,
		   char *err, size_t errlen)
{
	struct nvgre_vmq *q = calloc(1, sizeof(*q));
	json_object *req, *reply = NULL, *ok, *res, *e;
	int fds[VMQ_MAX_FDS], nfds = 0, ret, i;
	char line[65536];

	*out = NULL;
	if (!q)
		return -ENOMEM;
	q->conn = q->epfd = q->tx_fd = q->sw_fd = -1;
	q->sw_tail = &q->sw_head;
	snprintf(q->info.vport, sizeof(q->info.vport), "%s", vport);
	if (!socket_path)
		socket_path = NVGRE_DEFAULT_VMQ_SOCKET;
	ret = connect_unix(socket_path);
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(-ret));
		goto fail;
	}
	q->conn = ret;
	req = json_object_new_object();
	json_object_object_add(req, "version", json_object_new_int(NVGRE_CTL_VERSION));
	e = json_object_new_array();
	json_object_array_add(e, json_object_new_string("vport"));
	json_object_array_add(e, json_object_new_string("open"));
	json_object_array_add(e, json_object_new_string(vport));
	json_object_object_add(req, "argv", e);
	snprintf(line, sizeof(line), "%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	if (write(q->conn, line, strlen(line)) != (ssize_t)strlen(line)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		goto fail;
	}
	ret = recv_reply(q->conn, line, sizeof(line), fds, &nfds);
	if (ret) {
		snprintf(err, errlen, "%s: no reply: %s", socket_path, strerror(-ret));
		goto fail;
	}
	reply = json_tokener_parse(line);
	if (!reply || !json_object_object_get_ex(reply, "ok", &ok)) {
		ret = -EPROTO;
		snprintf(err, errlen, "%s: a reply that is not nvgred's", socket_path);
		goto fail;
	}
	if (!json_object_get_boolean(ok)) {
		const char *why = json_object_object_get_ex(reply, "error", &e) ?
				  json_object_get_string(e) : "refused";

		snprintf(err, errlen, "%s", why);
		ret = json_object_object_get_ex(reply, "errno", &e) && json_object_get_int(e) > 0 ?
		      -json_object_get_int(e) : -EINVAL;
		goto fail;
	}
	if (!json_object_object_get_ex(reply, "result", &res) ||
	    (ret = parse_reply(q, res, fds, nfds))) {
		ret = ret ? ret : -EPROTO;
		snprintf(err, errlen, "vport %s: setting up the queue set: %s", vport, strerror(-ret));
		goto fail;
	}
	q->epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = q->epfd < 0 ? -errno : 0;
	for (i = 0; i < q->n_rx && !ret; i++)
		ret = epoll_add(q->epfd, q->rx[i].fd, EPOLLIN);
	if (!ret)
		ret = epoll_add(q->epfd, ring_buffer__epoll_fd(q->sw), EPOLLIN);
	if (!ret)
		ret = epoll_add(q->epfd, q->conn, EPOLLIN | EPOLLRDHUP);
	if (ret) {
		snprintf(err, errlen, "vport %s: epoll: %s", vport, strerror(-ret));
		goto fail;
	}
	json_object_put(reply);
	*out = q;
	return 0;
fail:
	json_object_put(reply);
	/* fds parse_reply did not take into q */
	for (i = 0; i < nfds; i++) {
		int owned = fds[i] == q->sw_fd || fds[i] == q->tx_fd, k;

		for (k = 0; k < q->n_rx && !owned; k++)
			owned = fds[i] == q->rx[k].fd;
		if (!owned)
			close(fds[i]);
	}
	nvgre_vmq_close(q);
	return ret < 0 ? ret : -EIO;
}

void nvgre_vmq_close(struct nvgre_vmq *q)
{
	struct sw_frame *f;
	int i;

	if (!q)
		return;
	ring_buffer__free(q->sw);
	while ((f = q->sw_head)) {
		q->sw_head = f->next;
		free(f);
	}
	for (i = 0; i < q->n_fill; i++)
		munmap(q->fill[i].map, q->fill[i].map_len);
	for (i = 0; i < q->n_rx; i++) {
		munmap(q->rx[i].map, q->rx[i].map_len);
		close(q->rx[i].fd);
	}
	if (q->tx_map)
		munmap(q->tx_map, q->tx_map_len);
	if (q->comp_map)
		munmap(q->comp_map, q->comp_map_len);
	if (q->umem)
		munmap(q->umem, q->umem_len);
	if (q->tx_fd >= 0)
		close(q->tx_fd);
	if (q->sw_fd >= 0)
		close(q->sw_fd);
	if (q->epfd >= 0)
		close(q->epfd);
	if (q->conn >= 0)
		close(q->conn);		/* ends the lease */
	free(q->free_frames);
	free(q);
}

const struct nvgre_vmq_info *nvgre_vmq_info(const struct nvgre_vmq *q)
{
	return &q->info;
}

int nvgre_vmq_fd(const struct nvgre_vmq *q)
{
	return q->epfd;
}

/* ---- receive ----------------------------------------------------------- */

/* The lease ends when nvgred closes our connection. */
static int lease_check(struct nvgre_vmq *q)
{
	struct pollfd p = { .fd = q->conn, .events = POLLIN | POLLRDHUP };
	char c;

	if (!q->lease_lost && poll(&p, 1, 0) > 0 &&
	    (p.revents & (POLLHUP | POLLRDHUP | POLLERR) ||
	     recv(q->conn, &c, 1, MSG_DONTWAIT | MSG_PEEK) == 0))
		q->lease_lost = 1;
	return q->lease_lost ? -ENOTCONN : 0;
}

static int take_sw(struct nvgre_vmq *q, struct nvgre_vmq_frame *fr, int max)
{
	int n = 0;

	while (n < max && q->sw_head) {
		struct sw_frame *f = q->sw_head;
		struct nvgre_vmq_frame *o = &fr[n++];

		q->sw_head = f->next;
		if (!q->sw_head)
			q->sw_tail = &q->sw_head;
		memset(o, 0, sizeof(*o));
		o->data = f->data;
		o->len = f->hdr.len;
		o->meta = f->hdr.meta;
		o->gso_size = f->hdr.gso_size;
		o->gso_type = f->hdr.gso_type;
		o->csum_partial = f->hdr.csum_partial;
		o->csum_start = f->hdr.csum_start;
		o->csum_offset = f->hdr.csum_offset;
		o->priv = SW_FRAME_FLAG | (__u64)(unsigned long)f;
		q->stats.rx_sw_frames++;
	}
	return n;
}

static int take_xsk(struct nvgre_vmq *q, struct nvgre_vmq_frame *fr, int max)
{
	int n = 0, tried;

	for (tried = 0; tried < q->n_rx && n < max; tried++) {
		struct rx_sock *s = &q->rx[q->next_rx];
		__u32 idx, got, k;

		q->next_rx = (q->next_rx + 1) % q->n_rx;
		got = xsk_ring_cons__peek(&s->rx, max - n, &idx);
		for (k = 0; k < got; k++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + k);
			struct nvgre_vmq_frame *o = &fr[n++];
			__u8 *data = q->umem + d->addr;

			memset(o, 0, sizeof(*o));
			o->data = data;
			o->len = d->len;
			/* the metadata sits right before the frame (meta.h) */
			if (d->addr % q->frame_size >= sizeof(o->meta))
				memcpy(&o->meta, data - sizeof(o->meta), sizeof(o->meta));
			if (o->meta.magic != NVGRE_META_MAGIC)
				memset(&o->meta, 0, sizeof(o->meta));
			o->priv = d->addr;
		}
		if (got)
			xsk_ring_cons__release(&s->rx, got);
	}
	return n;
}

/* What waits in the sockets' rings, then in the software channel. */
static int take_all(struct nvgre_vmq *q, struct nvgre_vmq_frame *frames, int max)
{
	int n = take_xsk(q, frames, max);

	if (n < max) {
		if (!q->sw_head)
			ring_buffer__consume(q->sw);
		n += take_sw(q, frames + n, max - n);
	}
	return n;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int nvgre_vmq_recv(struct nvgre_vmq *q, struct nvgre_vmq_frame *frames, int max, int timeout_ms)
{
	struct epoll_event ev[8];
	int n = take_all(q, frames, max), i;

	if (!n && timeout_ms) {
		/* frames come in NAPI batches: look again for a while before
		 * sleeping, as each wake-up costs the sending CPU more than a batch */
		__u64 end = mono_ns() + NVGRE_VMQ_SPIN_US * 1000ull;

		while (!n && mono_ns() < end)
			n = take_all(q, frames, max);
		if (!n) {
			if (lease_check(q))
				return -ENOTCONN;
			if (epoll_wait(q->epfd, ev, 8, timeout_ms) < 0 && errno != EINTR)
				return -errno;
			n = take_all(q, frames, max);
		}
	}
	for (i = 0; i < n; i++) {
		q->stats.rx_frames++;
		q->stats.rx_bytes += frames[i].len;
		if (frames[i].meta.queue < NVGRE_VMQ_MAX_QUEUES)
			q->stats.rx_queue_frames[frames[i].meta.queue]++;
	}
	if (!n && lease_check(q))
		return -ENOTCONN;
	return n;
}

void nvgre_vmq_release(struct nvgre_vmq *q, const struct nvgre_vmq_frame *frames, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (frames[i].priv & SW_FRAME_FLAG)
			free((void *)(unsigned long)(frames[i].priv & ~SW_FRAME_FLAG));
		else if (q->n_free < q->n_frames)
			q->free_frames[q->n_free++] = frames[i].priv - frames[i].priv % q->frame_size;
	}
	refill(q);
}

/* ---- transmit ---------------------------------------------------------- */

static void reap_completions(struct nvgre_vmq *q)
{
	__u32 idx, got = xsk_ring_cons__peek(&q->comp, q->ring_size, &idx), k;

	for (k = 0; k < got && q->n_free < q->n_frames; k++)
		q->free_frames[q->n_free++] = *xsk_ring_cons__comp_addr(&q->comp, idx + k);
	if (got)
		xsk_ring_cons__release(&q->comp, got);
	q->tx_outstanding -= got;
}

int nvgre_vmq_flush(struct nvgre_vmq *q)
{
	int tries;

	/* copy mode sends a bounded batch per call: go on while it has more */
	for (tries = 0; tries < 64 && *q->tx.consumer != *q->tx.producer; tries++) {
		if (sendto(q->tx_fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS)
			return -errno;
	}
	reap_completions(q);
	refill(q);
	return 0;
}

/* Put one frame on the transmit ring (after making room if needed). */
static int tx_one(const __u8 *frame, size_t len, void *ctx)
{
	struct nvgre_vmq *q = ctx;
	struct xdp_desc *d;
	__u32 idx;

	if (len > q->frame_size)
		return -EMSGSIZE;
	if (!q->n_free || xsk_prod_nb_free(&q->tx, 1) < 1)
		nvgre_vmq_flush(q);
	if (!q->n_free || xsk_ring_prod__reserve(&q->tx, 1, &idx) != 1)
		return -EAGAIN;
	d = xsk_ring_prod__tx_desc(&q->tx, idx);
	d->addr = q->free_frames[--q->n_free];
	d->len = len;
	d->options = 0;
	memcpy(q->umem + d->addr, frame, len);
	xsk_ring_prod__submit(&q->tx, 1);
	q->tx_outstanding++;
	q->stats.tx_frames++;
	q->stats.tx_bytes += len;
	return 0;
}

int nvgre_vmq_send(struct nvgre_vmq *q, const void *frame, size_t len,
		   const struct nvgre_vmq_tx *req)
{
	size_t max = (size_t)q->info.mtu + 14;
	__u32 flags = req ? req->flags : 0;
	__u8 buf[16384];
	int ret;

	if (flags & NVGRE_VMQ_TX_SEGMENT && len > max) {
		/* room for every segment first: a frame leaves whole or not at all */
		size_t need = req->mss ? len / req->mss + 2 : 1;

		if (xsk_prod_nb_free(&q->tx, need) < need || q->n_free < need)
			nvgre_vmq_flush(q);
		/* more segments than the ring holds (a tiny MSS): tx_one
		 * flushes as it goes, and the frame may leave in part */
		if (need <= q->ring_size / 2 &&
		    (xsk_prod_nb_free(&q->tx, need) < need || q->n_free < need))
			return -EAGAIN;
		ret = nvgre_segment(frame, len, req->mss, tx_one, q);
		if (ret < 0)
			q->stats.tx_refused++;
		else if (ret > 1)
			q->stats.tx_segmented++;
		return ret;
	}
	if (len > max || len > sizeof(buf)) {
		q->stats.tx_refused++;
		return -EMSGSIZE;
	}
	if (flags & (NVGRE_VMQ_TX_CSUM | NVGRE_VMQ_TX_SEGMENT)) {
		memcpy(buf, frame, len);
		if (nvgre_csum_complete(buf, len)) {
			q->stats.tx_refused++;
			return -EINVAL;
		}
		frame = buf;
	}
	ret = tx_one(frame, len, q);
	return ret ? ret : 1;
}

void nvgre_vmq_get_stats(struct nvgre_vmq *q, struct nvgre_vmq_stats *s)
{
	int i;

	q->stats.rx_kernel_dropped = 0;
	for (i = 0; i < q->n_rx; i++) {
		struct xdp_statistics st;
		socklen_t l = sizeof(st);

		if (!getsockopt(q->rx[i].fd, SOL_XDP, XDP_STATISTICS, &st, &l))
			q->stats.rx_kernel_dropped += st.rx_dropped + st.rx_ring_full;
	}
	*s = q->stats;
}
