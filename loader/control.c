// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Control socket server (control.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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

/* The daemon whose monitor count client_drop keeps (one control socket per process). */
static struct nvgred *the_daemon;

int control_open(struct control *c, struct nvgred *d, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *g;
	int i;

	memset(c, 0, sizeof(*c));
	c->d = d;
	the_daemon = d;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return -errno;
	/* a stale socket of an earlier run may go; a live one, or any other
	 * file, may not: that is another nvgred, or not ours */
	{
		struct stat st;
		int probe;

		if (!lstat(path, &st)) {
			if (!S_ISSOCK(st.st_mode)) {
				close(c->listen_fd);
				return -EEXIST;
			}
			probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
				close(probe);
				close(c->listen_fd);
				return -EADDRINUSE;	/* a daemon answers there */
			}
			if (probe >= 0)
				close(probe);
			unlink(path);
		}
	}
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(c->listen_fd, 16)) {
		int err = -errno;

		close(c->listen_fd);
		return err;
	}
	/* root, and the nvgre group where it exists */
	chmod(path, 0660);
	g = getgrnam("nvgre");
	if (g && chown(path, 0, g->gr_gid))
		daemon_warn("control: cannot give %s to group nvgre: %s", path, strerror(errno));
	return 0;
}

static void client_drop(struct client *cl)
{
	if (cl->monitor && the_daemon && --the_daemon->monitors == 0)
		daemon_push_config(the_daemon);	/* nobody listens: no more events */
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

void control_close(struct control *c, const char *path)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			client_drop(&c->clients[i]);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	unlink(path);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Queue a line for the client; a client that lets output pile up is dropped. */
static int client_send(struct client *cl, const char *s)
{
	size_t len = strlen(s) + 1;

	if (cl->out_len - cl->out_off + len > CONTROL_MAX_OUT)
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

static void reply_error(struct client *cl, int status, const char *msg)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "version", json_object_new_int(NVGRE_CTL_VERSION));
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "status", json_object_new_int(status));
	json_object_object_add(r, "error", json_object_new_string(msg));
	client_send(cl, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	json_object_put(r);
}

static void handle_request(struct control *c, struct client *cl, const char *line)
{
	json_object *req = json_tokener_parse(line), *v, *argv_j, *records = NULL, *res, *r;
	const char *argv[72];
	char err[512], *text = NULL;
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

	if (n == 1 && !strcmp(argv[0], "monitor")) {
		if (!cl->monitor && c->d->monitors++ == 0)
			daemon_push_config(c->d);	/* start emitting drop events */
		cl->monitor = 1;
		res = json_object_new_object();
		text = strdup("monitoring: offload changes and drops follow\n");
		status = 0;
	} else {
		status = cmd_run(c->d, n, argv, records, &res, &text, err, sizeof(err));
		if (status) {
			reply_error(cl, status, err);
			goto out;
		}
		if (cmd_mutates(n, argv) && state_save(c->d)) {
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
		while (!cl->dead && (nl = memchr(cl->in, '\n', cl->in_len))) {
			*nl = 0;
			handle_request(c, cl, cl->in);
			cl->in_len -= nl + 1 - cl->in;
			memmove(cl->in, nl + 1, cl->in_len);
			cl->in[cl->in_len] = 0;
		}
	}
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
}

int control_pollfds(struct control *c, struct pollfd *fds, int max)
{
	int i, n = 0;

	fds[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
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

void control_handle(struct control *c, const struct pollfd *fds, int n)
{
	int i;

	if (n > 0 && (fds[0].revents & POLLIN)) {
		int fd;

		while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			struct client *cl = by_fd(c, -1);

			if (!cl) {
				/* full: the longest-idle client (not a monitor) makes room */
				struct client *old = NULL;
				int j;

				for (j = 0; j < CONTROL_MAX_CLIENTS; j++) {
					struct client *o = &c->clients[j];

					if (!o->monitor && (!old || o->last < old->last))
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
			cl->last = now_ms();
		}
	}
	for (i = 1; i < n; i++) {
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
