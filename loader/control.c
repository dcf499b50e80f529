// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Control socket server (control.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <nvgre/ctl.h>
#include "control.h"
#include "state.h"
#include "vmq_open.h"

/* The daemon whose monitor count client_drop keeps (one control socket per process). */
static struct nvgred *the_daemon;

/*
 * Listen on path.  A stale socket of an earlier run may go; a live one, or
 * any other file, may not: that is another nvgred, or not ours.
 */
static int listen_unix(const char *path, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, probe, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return -EEXIST;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
			close(probe);
			close(fd);
			return -EADDRINUSE;	/* a daemon answers there */
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		err = -errno;
		close(fd);
		return err;
	}
	chmod(path, mode);
	return fd;
}

int control_open(struct control *c, struct nvgred *d, const char *path, const char *vmq_path)
{
	struct group *g;
	int i;

	memset(c, 0, sizeof(*c));
	c->d = d;
	c->path = path;
	c->vmq_path = vmq_path;
	c->vmq_fd = -1;
	the_daemon = d;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	/* root, and the nvgre group where it exists */
	c->failed_path = path;
	c->listen_fd = listen_unix(path, 0660);
	if (c->listen_fd < 0)
		return c->listen_fd;
	g = getgrnam("nvgre");
	if (g && chown(path, 0, g->gr_gid))
		daemon_warn("control: cannot give %s to group nvgre: %s", path, strerror(errno));
	/* anyone may ask for a queue set: whether they get it is the vport's owner's
	 * call, checked with SO_PEERCRED */
	c->failed_path = vmq_path;
	c->vmq_fd = listen_unix(vmq_path, 0666);
	if (c->vmq_fd < 0) {
		i = c->vmq_fd;
		close(c->listen_fd);
		c->listen_fd = -1;
		unlink(path);
		return i;
	}
	c->failed_path = NULL;
	return 0;
}

static void client_drop(struct client *cl)
{
	if (cl->monitor && the_daemon && --the_daemon->monitors == 0)
		daemon_push_config(the_daemon);	/* nobody listens: no more events */
	if (cl->lease && the_daemon)
		vmq_lease_end(the_daemon, cl->lease, cl->fd);
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	if (cl->in_cap > CONTROL_BUF_KEEP || cl->out_cap > CONTROL_BUF_KEEP)
		malloc_trim(0);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

void control_close(struct control *c)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			client_drop(&c->clients[i]);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	if (c->vmq_fd >= 0) {
		close(c->vmq_fd);
		unlink(c->vmq_path);
	}
	c->listen_fd = c->vmq_fd = -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The output a client may leave unread: a reply (route list of a million
 * records), or for a monitor the events it has not read yet
 * (NVGRED_MONITOR_MAX for tests).
 */
static size_t client_out_max(const struct client *cl)
{
	static long monitor_max = -1;

	if (!cl->monitor)
		return CONTROL_MAX_OUT;
	if (monitor_max < 0) {
		const char *e = getenv("NVGRED_MONITOR_MAX");

		monitor_max = e && atol(e) > 0 ? atol(e) : CONTROL_MAX_MONITOR_OUT;
		if (e && atol(e) <= 0)
			daemon_warn("NVGRED_MONITOR_MAX=%s: not a positive number; %ld used", e,
				    monitor_max);
	}
	return (size_t)monitor_max;
}

/* Queue a line for the client; a client that lets output pile up is dropped. */
static int client_send(struct client *cl, const char *s)
{
	size_t len = strlen(s) + 1;

	if (cl->out_len - cl->out_off + len > client_out_max(cl))
		return -ENOBUFS;
	if (cl->out_len + len > cl->out_cap) {
		size_t cap = (cl->out_len + len) * 2;
		char *p = realloc(cl->out, cap);

		if (!p)
			return -ENOMEM;
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, s, len - 1);
	cl->out[cl->out_len + len - 1] = '\n';
	cl->out_len += len;
	return 0;
}

/* An error reply; err_no > 0 adds "errno" (for the consumer library). */
static void reply_error_errno(struct client *cl, int status, const char *msg, int err_no)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "version", json_object_new_int(NVGRE_CTL_VERSION));
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "status", json_object_new_int(status));
	json_object_object_add(r, "error", json_object_new_string(msg));
	if (err_no > 0)
		json_object_object_add(r, "errno", json_object_new_int(err_no));
	client_send(cl, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	json_object_put(r);
}

static void reply_error(struct client *cl, int status, const char *msg)
{
	reply_error_errno(cl, status, msg, 0);
}

/* Send a reply line with fds attached (SCM_RIGHTS) to its first byte. */
static int client_send_fds(struct client *cl, const char *s, const int *fds, int nfds)
{
	size_t len = strlen(s);
	char *line = malloc(len + 1);
	union {
		char buf[CMSG_SPACE(VMQ_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = CMSG_SPACE(nfds * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	if (!line)
		return -ENOMEM;
	memcpy(line, s, len);
	line[len] = '\n';
	iov = (struct iovec){ .iov_base = line, .iov_len = len + 1 };
	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	n = sendmsg(cl->fd, &msg, MSG_NOSIGNAL);
	if (n > 0 && (size_t)n < len + 1) {	/* the rest goes out as usual */
		line[len] = 0;
		n = client_send(cl, line + n) ? -1 : n;
	}
	free(line);
	return n > 0 ? 0 : -EIO;
}

/*
 * The consumer socket serves one request: "vport open NAME".  The reply
 * carries the queue set's fds, and the connection is then the lease.
 */
static void handle_vmq_request(struct control *c, struct client *cl, int n, const char **argv)
{
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	json_object *res = NULL, *r;
	int fds[VMQ_MAX_FDS], nfds = 0, id, i;
	char err[512];

	if (n != 3 || strcmp(argv[0], "vport") || strcmp(argv[1], "open")) {
		reply_error(cl, NVGRE_EXIT_USAGE, "the consumer socket serves only: vport open NAME");
		return;
	}
	if (cl->lease || cl->out_len > cl->out_off) {
		reply_error(cl, NVGRE_EXIT_USAGE, "vport open: one per connection, as its first request");
		return;
	}
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen)) {
		reply_error(cl, NVGRE_EXIT_FAILED, "vport open: cannot tell who is asking (SO_PEERCRED)");
		return;
	}
	id = vmq_lease_begin(c->d, argv[2], &cr, cl->fd, &res, fds, &nfds, err, sizeof(err));
	if (id < 0) {
		reply_error_errno(cl, id == -ENOENT || id == -EINVAL ? NVGRE_EXIT_USAGE :
				  NVGRE_EXIT_FAILED, err, -id);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "version", json_object_new_int(NVGRE_CTL_VERSION));
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "result", res);
	if (client_send_fds(cl, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
			    fds, nfds)) {
		vmq_lease_end(c->d, id, cl->fd);
		cl->dead = 1;
	} else {
		cl->lease = id;
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);	/* the consumer holds them now (or nobody does) */
	json_object_put(r);
}

static void handle_request(struct control *c, struct client *cl, const char *line)
{
	json_object *req = json_tokener_parse(line), *v, *argv_j, *records = NULL, *res, *r;
	const char *argv[72];
	char err[512], *text = NULL;
	struct cmd_request rq;
	size_t i, n;
	int status;

	if (!req || !json_object_is_type(req, json_type_object)) {
		reply_error(cl, NVGRE_EXIT_USAGE, "request is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(req, "version", &v) ||
	    json_object_get_int(v) != NVGRE_CTL_VERSION) {
		snprintf(err, sizeof(err), "protocol version %s not supported: nvgred speaks %d",
			 v ? json_object_get_string(v) : "(none)", NVGRE_CTL_VERSION);
		reply_error(cl, NVGRE_EXIT_USAGE, err);
		goto out;
	}
	if (!json_object_object_get_ex(req, "argv", &argv_j) ||
	    !json_object_is_type(argv_j, json_type_array) ||
	    (n = json_object_array_length(argv_j)) > NV_ARRAY_SIZE(argv)) {
		reply_error(cl, NVGRE_EXIT_USAGE, "request has no valid argv");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(argv_j, i);

		if (!json_object_is_type(a, json_type_string)) {
			reply_error(cl, NVGRE_EXIT_USAGE, "argv must hold strings");
			goto out;
		}
		argv[i] = json_object_get_string(a);
	}
	json_object_object_get_ex(req, "records", &records);
	rq.records = records;
	rq.output = CMD_OUT_TEXT | CMD_OUT_JSON;	/* a client that does not say */
	if (json_object_object_get_ex(req, "output", &v)) {
		const char *o = json_object_get_string(v);

		if (o && !strcmp(o, "text")) {
			rq.output = CMD_OUT_TEXT;
		} else if (o && !strcmp(o, "json")) {
			rq.output = CMD_OUT_JSON;
		} else {
			reply_error(cl, NVGRE_EXIT_USAGE, "output must be \"text\" or \"json\"");
			goto out;
		}
	}

	if (cl->consumer) {
		handle_vmq_request(c, cl, n, argv);
		goto out;
	}
	if (n == 1 && !strcmp(argv[0], "monitor")) {
		if (!cl->monitor && c->d->monitors++ == 0)
			daemon_push_config(c->d);	/* start emitting drop events */
		cl->monitor = 1;
		res = json_object_new_object();
		text = strdup("monitoring: offload changes and drops follow\n");
		status = 0;
	} else {
		status = cmd_run(c->d, n, argv, &rq, &res, &text, err, sizeof(err));
		if (status) {
			reply_error(cl, status, err);
			goto out;
		}
		if (cmd_mutates(n, argv))
			pa_neigh_changed(&c->d->pa_neigh);	/* records may name new PAs */
		if (cmd_mutates(n, argv) && state_record(c->d, n, argv, records != NULL)) {
			/* applied, but a restart would lose it: say so */
			json_object_put(res);
			reply_error(cl, NVGRE_EXIT_FAILED, "applied, but the state file could not be "
				    "written (see the log): not persisted");
			goto out;
		}
	}
	r = json_object_new_object();
	json_object_object_add(r, "version", json_object_new_int(NVGRE_CTL_VERSION));
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "result", res);
	json_object_object_add(r, "text", json_object_new_string(text ? text : ""));
	if (client_send(cl, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN)))
		reply_error(cl, NVGRE_EXIT_FAILED, "reply too large");
	json_object_put(r);
out:
	free(text);
	json_object_put(req);
}

/*
 * An idle buffer grown by a large request or reply (a route import, a route
 * list of a million records) is freed, and the memory given back: a client
 * that stays (a monitor) does not hold it for good.
 */
static void client_shrink(struct client *cl)
{
	int trim = 0;

	if (!cl->in_len && cl->in_cap > CONTROL_BUF_KEEP) {
		free(cl->in);
		cl->in = NULL;
		cl->in_cap = 0;
		trim = 1;
	}
	if (cl->out_off == cl->out_len && cl->out_cap > CONTROL_BUF_KEEP) {
		free(cl->out);
		cl->out = NULL;
		cl->out_cap = cl->out_len = cl->out_off = 0;
		trim = 1;
	}
	if (trim)
		malloc_trim(0);
}

static void client_read(struct control *c, struct client *cl)
{
	char *nl;
	ssize_t got;

	for (;;) {
		if (cl->in_cap - cl->in_len < 65536) {
			size_t cap = cl->in_cap ? cl->in_cap * 2 : 131072;
			char *p;

			if (cap > CONTROL_MAX_LINE + 65536) {
				reply_error(cl, NVGRE_EXIT_USAGE, "request too long");
				cl->in_len = 0;
				return;
			}
			p = realloc(cl->in, cap);
			if (!p)
				return;
			cl->in = p;
			cl->in_cap = cap;
		}
		got = read(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len - 1);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (got < 0) {
			client_drop(cl);
			return;
		}
		if (!got) {		/* half-closed: its replies still go out */
			cl->eof = 1;
			break;
		}
		cl->last = now_ms();
		cl->in_len += got;
		cl->in[cl->in_len] = 0;
		/* a consumer says one short thing ("vport open NAME"), then nothing */
		if (cl->consumer && (cl->lease || cl->in_len > CONTROL_MAX_CONSUMER_LINE)) {
			client_drop(cl);
			return;
		}
		while (!cl->dead && (nl = memchr(cl->in, '\n', cl->in_len))) {
			*nl = 0;
			handle_request(c, cl, cl->in);
			cl->in_len -= nl + 1 - cl->in;
			memmove(cl->in, nl + 1, cl->in_len);
			cl->in[cl->in_len] = 0;
		}
	}
	if (!cl->dead)
		client_shrink(cl);
}

static void client_write(struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = write(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_drop(cl);
			return;
		}
		cl->out_off += n;
	}
	cl->out_off = cl->out_len = 0;
	if (cl->eof)
		client_drop(cl);
	else
		client_shrink(cl);
}

int control_pollfds(struct control *c, struct pollfd *fds, int max)
{
	int i, n = 0;

	fds[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = c->vmq_fd, .events = POLLIN };
	for (i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd < 0)
			continue;
		fds[n++] = (struct pollfd){ .fd = cl->fd,
			.events = (cl->eof ? 0 : POLLIN) | (cl->out_len > cl->out_off ? POLLOUT : 0) };
	}
	return n;
}

static struct client *by_fd(struct control *c, int fd)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd == fd)
			return &c->clients[i];
	return NULL;
}

/* Accept what waits on listen_fd; consumer: from the consumer socket. */
static void accept_clients(struct control *c, int listen_fd, int consumer)
{
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct client *cl = by_fd(c, -1);
		int j, consumers = 0;

		/* anyone may connect to the consumer socket: they get a bounded
		 * share of the slots and never push a control client out */
		for (j = 0; consumer && j < CONTROL_MAX_CLIENTS; j++)
			consumers += c->clients[j].fd >= 0 && c->clients[j].consumer;
		if (consumer && (consumers >= CONTROL_MAX_CONSUMERS || !cl)) {
			close(fd);
			continue;
		}
		if (!cl) {
			/* full: the longest-idle control client (not a monitor)
			 * makes room */
			struct client *old = NULL;

			for (j = 0; j < CONTROL_MAX_CLIENTS; j++) {
				struct client *o = &c->clients[j];

				if (!o->monitor && !o->consumer && (!old || o->last < old->last))
					old = o;
			}
			if (!old) {
				close(fd);
				continue;
			}
			daemon_log("control: %d clients, closing the longest idle one",
				   CONTROL_MAX_CLIENTS);
			client_drop(old);
			cl = old;
		}
		cl->fd = fd;
		cl->consumer = consumer;
		cl->last = now_ms();
	}
}

void control_handle(struct control *c, const struct pollfd *fds, int n)
{
	int i;

	if (n > 0 && (fds[0].revents & POLLIN))
		accept_clients(c, c->listen_fd, 0);
	if (n > 1 && (fds[1].revents & POLLIN))
		accept_clients(c, c->vmq_fd, 1);
	for (i = 2; i < n; i++) {
		struct client *cl = by_fd(c, fds[i].fd);

		if (!cl || !fds[i].revents)
			continue;
		if (!cl->eof && !cl->dead && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			client_read(c, cl);
		if (cl->fd >= 0 && cl->out_len > cl->out_off)
			client_write(cl);
		else if (cl->fd >= 0 && cl->eof)
			client_drop(cl);	/* closed and nothing left to say */
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0 && c->clients[i].dead)
			client_drop(&c->clients[i]);
}

void control_event(struct control *c, json_object *event)
{
	const char *s = json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN);
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		/* a monitor that does not read: closed by control_handle, never
		 * here (the event may come from this very client's request) */
		if (cl->fd >= 0 && cl->monitor && !cl->dead && client_send(cl, s))
			cl->dead = 1;
	}
}
