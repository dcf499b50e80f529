// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nvgrectl: the CLI of nvgred.  It sends the command words to the daemon,
 * which validates and runs them (one parser for CLI, config and state), and
 * prints the reply: text for humans, or the result object with --json.
 * route import reads its file here, since nvgred may live in another mount
 * namespace, and maps the daemon's record numbers back to file lines.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>

#include <nvgre/ctl.h>

/* --json: every command's output is JSON, its errors too */
static int json_out;

/* An error: one line on stderr (DESIGN), and with --json an object on stdout too. */
static void __attribute__((format(printf, 1, 2))) ctl_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", msg);
	if (json_out) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ok", json_object_new_boolean(0));
		json_object_object_add(o, "error", json_object_new_string(msg));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		fflush(stdout);
		json_object_put(o);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nvgrectl [--socket PATH] [--json] COMMAND\n"
		"  status | caps | monitor\n"
		"  offload show | offload set FEATURE on|off   (nvgre tx-csum rx-csum lso uso rss vmq)\n"
		"  vsid add VSID [any-pa] | vsid del VSID | vsid list\n"
		"  route add VSID MAC [IP] PA | route del VSID MAC | route list [VSID]\n"
		"  route import FILE [--replace] | route export\n"
		"  vport add NAME vsid VSID mac MAC [ip ADDR]... dev IFNAME|xsk QUEUES\n"
		"  vport del NAME | vport list\n"
		"  stats [VSID] [--prometheus | --watch [SECONDS]]\n");
}

/* Per-VSID counters of a stats result, for --watch. */
struct vsid_rate {
	int vsid;
	long long rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
};

static int vsid_rates(json_object *res, struct vsid_rate *out, int max)
{
	json_object *vsids, *v;
	int i, n = 0;

	if (!json_object_object_get_ex(res, "vsids", &vsids))
		return 0;
	for (i = 0; i < (int)json_object_array_length(vsids) && n < max; i++) {
		json_object *o = json_object_array_get_idx(vsids, i), *d;
		struct vsid_rate *r = &out[n++];

		memset(r, 0, sizeof(*r));
#define GET(f) if (json_object_object_get_ex(o, #f, &v)) r->f = json_object_get_int64(v)
		GET(vsid); GET(rx_packets); GET(rx_bytes); GET(tx_packets); GET(tx_bytes);
#undef GET
		if (json_object_object_get_ex(o, "vsid", &v))
			r->vsid = json_object_get_int(v);
		if (json_object_object_get_ex(o, "rx_drops", &d)) {
			json_object_object_foreach(d, k, dv) {
				(void)k;
				r->drops += json_object_get_int64(dv);
			}
		}
		if (json_object_object_get_ex(o, "tx_drops", &d)) {
			json_object_object_foreach(d, k2, dv2) {
				(void)k2;
				r->drops += json_object_get_int64(dv2);
			}
		}
	}
	return n;
}

/* stats --watch: the rates between two polls, per VSID, aligned. */
static void print_rates(const struct vsid_rate *a, int na, const struct vsid_rate *b, int nb,
			double secs)
{
	int i, j;

	printf("%-10s %12s %14s %12s %14s %10s\n", "VSID", "rx pkt/s", "rx bit/s", "tx pkt/s",
	       "tx bit/s", "drops/s");
	for (i = 0; i < nb; i++) {
		const struct vsid_rate *p = NULL;

		for (j = 0; j < na; j++)
			if (a[j].vsid == b[i].vsid)
				p = &a[j];
		if (!p)
			continue;
		printf("%-10d %12.0f %14.0f %12.0f %14.0f %10.0f\n", b[i].vsid,
		       (b[i].rx_packets - p->rx_packets) / secs,
		       (b[i].rx_bytes - p->rx_bytes) * 8 / secs,
		       (b[i].tx_packets - p->tx_packets) / secs,
		       (b[i].tx_bytes - p->tx_bytes) * 8 / secs,
		       (b[i].drops - p->drops) / secs);
	}
	fflush(stdout);
}

/* The xsk vports' per-queue counters of the stats result (Prometheus). */
static void print_prometheus_queues(json_object *vports)
{
	size_t i, j;

	printf("# HELP nvgre_vport_queue_total Per xsk vport queue counters.\n"
	       "# TYPE nvgre_vport_queue_total counter\n");
	for (i = 0; i < json_object_array_length(vports); i++) {
		json_object *o = json_object_array_get_idx(vports, i), *name, *queues;
		const char *vp = json_object_object_get_ex(o, "name", &name) ?
				 json_object_get_string(name) : "";

		if (!json_object_object_get_ex(o, "queues", &queues))
			continue;
		for (j = 0; j < json_object_array_length(queues); j++) {
			json_object *q = json_object_array_get_idx(queues, j), *qn;
			int queue = json_object_object_get_ex(q, "queue", &qn) ?
				    json_object_get_int(qn) : 0;

			json_object_object_foreach(q, k, v) {
				if (strcmp(k, "queue"))
					printf("nvgre_vport_queue_total{vport=\"%s\",queue=\"%d\","
					       "counter=\"%s\"} %lld\n", vp, queue, k,
					       (long long)json_object_get_int64(v));
			}
		}
	}
}

/* The stats result in the Prometheus text exposition format. */
static void print_prometheus(json_object *res)
{
	json_object *cnt, *drops, *vsids, *vports, *dirs[2];
	static const char *const dir_names[2] = { "rx_drops", "tx_drops" };
	size_t i;
	int d;

	printf("# HELP nvgre_packets_total Data path counters by event.\n"
	       "# TYPE nvgre_packets_total counter\n");
	if (json_object_object_get_ex(res, "counters", &cnt)) {
		json_object_object_foreach(cnt, k, v)
			printf("nvgre_packets_total{counter=\"%s\"} %lld\n", k,
			       (long long)json_object_get_int64(v));
	}
	printf("# HELP nvgre_drops_total Frames dropped, by reason.\n"
	       "# TYPE nvgre_drops_total counter\n");
	if (json_object_object_get_ex(res, "drops", &drops)) {
		json_object_object_foreach(drops, k, v)
			printf("nvgre_drops_total{reason=\"%s\"} %lld\n", k,
			       (long long)json_object_get_int64(v));
	}
	if (json_object_object_get_ex(res, "vports", &vports)) {
		printf("# HELP nvgre_vport_total Per-vport counters.\n"
		       "# TYPE nvgre_vport_total counter\n");
		for (i = 0; i < json_object_array_length(vports); i++) {
			json_object *o = json_object_array_get_idx(vports, i), *name;
			const char *vp = json_object_object_get_ex(o, "name", &name) ?
					 json_object_get_string(name) : "";

			json_object_object_foreach(o, k, v) {
				if (json_object_is_type(v, json_type_int) && strcmp(k, "vsid"))
					printf("nvgre_vport_total{vport=\"%s\",counter=\"%s\"} %lld\n",
					       vp, k, (long long)json_object_get_int64(v));
			}
		}
		print_prometheus_queues(vports);
	}
	if (!json_object_object_get_ex(res, "vsids", &vsids))
		return;
	printf("# HELP nvgre_vsid_total Per-VSID counters.\n"
	       "# TYPE nvgre_vsid_total counter\n");
	for (i = 0; i < json_object_array_length(vsids); i++) {
		json_object *o = json_object_array_get_idx(vsids, i), *vs;
		int vsid = json_object_object_get_ex(o, "vsid", &vs) ? json_object_get_int(vs) : 0;

		json_object_object_foreach(o, k, v) {
			if (json_object_is_type(v, json_type_int) && strcmp(k, "vsid"))
				printf("nvgre_vsid_total{vsid=\"%d\",counter=\"%s\"} %lld\n", vsid, k,
				       (long long)json_object_get_int64(v));
		}
		for (d = 0; d < 2; d++) {
			if (!json_object_object_get_ex(o, dir_names[d], &dirs[d]))
				continue;
			json_object_object_foreach(dirs[d], k, v)
				printf("nvgre_vsid_drops_total{vsid=\"%d\",dir=\"%s\",reason=\"%s\"} %lld\n",
				       vsid, d ? "tx" : "rx", k, (long long)json_object_get_int64(v));
		}
	}
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		ctl_err("nvgrectl: --socket %s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ctl_err("nvgrectl: cannot connect to %s: %s (is nvgred running?)", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

/* One line from fd into a growing buffer; NULL at EOF. */
static char *read_line(int fd, char **buf, size_t *len, size_t *cap)
{
	char *nl;

	for (;;) {
		ssize_t n;

		nl = *buf ? memchr(*buf, '\n', *len) : NULL;
		if (nl) {
			*nl = 0;
			return *buf;
		}
		if (*cap - *len < 4096) {
			*cap = *cap ? *cap * 2 : 65536;
			*buf = realloc(*buf, *cap);
			if (!*buf)
				return NULL;
		}
		n = read(fd, *buf + *len, *cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		*len += n;
	}
}

static void consume_line(char *buf, size_t *len)
{
	char *nl = memchr(buf, 0, *len);
	size_t used = nl - buf + 1;

	memmove(buf, buf + used, *len - used);
	*len -= used;
}

/*
 * route import: each non-empty, non-comment line is "VSID MAC [IP] PA",
 * sent as one string of its words (a million records: a million small
 * strings, not arrays of them).
 */
static json_object *read_records(const char *path, int **lines)
{
	json_object *recs = json_object_new_array();
	FILE *f = fopen(path, "r");
	char line[1024], words[1024];
	int lineno = 0, n = 0, cap = 0;

	if (!f) {
		ctl_err("nvgrectl: route import %s: %s", path, strerror(errno));
		json_object_put(recs);
		return NULL;
	}
	*lines = NULL;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save, *hash = strchr(line, '#');
		size_t used = 0;

		lineno++;
		if (hash)
			*hash = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save))
			used += snprintf(words + used, sizeof(words) - used, "%s%s", used ? " " : "", tok);
		if (!used)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			*lines = realloc(*lines, cap * sizeof(int));
		}
		(*lines)[n++] = lineno;
		json_object_array_add(recs, json_object_new_string(words));
	}
	fclose(f);
	return recs;
}

/* One request, its reply's result (or NULL with the error printed). */
static json_object *ask(const char *sock, json_object *req, int *status)
{
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *buf = NULL, *line;
	size_t len = 0, cap = 0;
	json_object *reply = NULL, *v, *res = NULL;
	int fd = connect_to(sock);

	*status = NVGRE_EXIT_FAILED;
	if (fd < 0)
		return NULL;
	if (!send_all(fd, s, strlen(s)) && !send_all(fd, "\n", 1) &&
	    (line = read_line(fd, &buf, &len, &cap)))
		reply = json_tokener_parse(line);
	close(fd);
	free(buf);
	if (!reply) {
		ctl_err("nvgrectl: no valid reply from %s", sock);
		return NULL;
	}
	if (json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v) &&
	    json_object_object_get_ex(reply, "result", &v)) {
		res = json_object_get(v);
		*status = 0;
	} else {
		ctl_err("nvgrectl: %s", json_object_object_get_ex(reply, "error", &v) ?
			json_object_get_string(v) : "failed");
		if (json_object_object_get_ex(reply, "status", &v))
			*status = json_object_get_int(v);
	}
	json_object_put(reply);
	return res;
}

/* stats --watch SECS: per-VSID rates every SECS seconds until interrupted. */
static int watch_stats(const char *sock, json_object *req, double secs)
{
	struct vsid_rate prev[4096], cur[4096];
	int np = 0, nc, status;
	json_object *res = ask(sock, req, &status);

	if (!res)
		return status;
	np = vsid_rates(res, prev, 4096);
	json_object_put(res);
	for (;;) {
		usleep((useconds_t)(secs * 1e6));
		res = ask(sock, req, &status);
		if (!res)
			return status;
		nc = vsid_rates(res, cur, 4096);
		json_object_put(res);
		print_rates(prev, np, cur, nc, secs);
		memcpy(prev, cur, sizeof(cur[0]) * nc);
		np = nc;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *sock = NVGRE_DEFAULT_SOCKET, *import_file = NULL;
	json_object *req, *args, *reply = NULL, *v, *records = NULL;
	char *buf = NULL, *line;
	size_t len = 0, cap = 0;
	int o, prometheus = 0, fd, i, status, monitor, *lines = NULL;
	double watch = 0;

	signal(SIGPIPE, SIG_IGN);	/* a closed socket is an error message, not a death */
	while ((o = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'j': json_out = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return NVGRE_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return NVGRE_EXIT_USAGE;
	}
	req = json_object_new_object();
	args = json_object_new_array();
	json_object_object_add(req, "version", json_object_new_int(NVGRE_CTL_VERSION));
	for (i = optind; i < argc; i++) {
		/* route import FILE: the file's lines travel, not its name */
		if (i == optind + 2 && !strcmp(argv[optind], "route") &&
		    !strcmp(argv[optind + 1], "import")) {
			import_file = argv[i];
			continue;
		}
		/* stats --prometheus / --watch: client-side views of the stats result */
		if (!strcmp(argv[i], "--prometheus") && !strcmp(argv[optind], "stats")) {
			prometheus = 1;
			continue;
		}
		if (!strcmp(argv[i], "--watch") && !strcmp(argv[optind], "stats")) {
			char *end;

			watch = 1;
			if (i + 1 < argc && argv[i + 1][0] != '-' &&
			    (watch = strtod(argv[i + 1], &end), *end == 0)) {
				if (watch <= 0 || watch > 3600) {
					ctl_err("nvgrectl: --watch %s: seconds, 0 < s <= 3600",
						argv[i + 1]);
					return NVGRE_EXIT_USAGE;
				}
				i++;
			} else {
				watch = 1;
			}
			continue;
		}
		json_object_array_add(args, json_object_new_string(argv[i]));
	}
	if (argc - optind >= 2 && !strcmp(argv[optind], "route") && !strcmp(argv[optind + 1], "import")) {
		if (!import_file) {
			ctl_err("nvgrectl: route import: missing FILE");
			return NVGRE_EXIT_USAGE;
		}
		records = read_records(import_file, &lines);
		if (!records)
			return NVGRE_EXIT_USAGE;
		json_object_object_add(req, "records", records);
	}
	json_object_object_add(req, "argv", args);
	/* what is shown: nvgred builds only that (route list of a million records) */
	json_object_object_add(req, "output",
			       json_object_new_string(json_out || prometheus || watch ? "json" : "text"));
	monitor = argc - optind == 1 && !strcmp(argv[optind], "monitor");
	if (watch)
		return watch_stats(sock, req, watch);

	fd = connect_to(sock);
	if (fd < 0)
		return NVGRE_EXIT_FAILED;
	{
		const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);

		if (send_all(fd, s, strlen(s)) || send_all(fd, "\n", 1)) {
			ctl_err("nvgrectl: sending to %s: %s", sock, strerror(errno));
			return NVGRE_EXIT_FAILED;
		}
	}
	line = read_line(fd, &buf, &len, &cap);
	if (line)
		reply = json_tokener_parse(line);
	if (!reply) {
		ctl_err("nvgrectl: no valid reply from %s (connection closed)", sock);
		return NVGRE_EXIT_FAILED;
	}
	if (!json_object_object_get_ex(reply, "version", &v) ||
	    json_object_get_int(v) != NVGRE_CTL_VERSION) {
		ctl_err("nvgrectl: nvgred speaks protocol %s, this nvgrectl %d: upgrade both",
			v ? json_object_get_string(v) : "(none)", NVGRE_CTL_VERSION);
		return NVGRE_EXIT_FAILED;
	}
	if (!json_object_object_get_ex(reply, "ok", &v) || !json_object_get_boolean(v)) {
		const char *err = json_object_object_get_ex(reply, "error", &v) ?
				  json_object_get_string(v) : "failed";
		int rec;

		status = json_object_object_get_ex(reply, "status", &v) ? json_object_get_int(v) : 1;
		/* "record N: ..." of an import: name the file and line instead */
		if (import_file && sscanf(err, "record %d:", &rec) == 1 && rec >= 1 &&
		    rec <= (int)json_object_array_length(records))
			ctl_err("%s:%d:%s", import_file, lines[rec - 1], strchr(err, ':') + 1);
		else
			ctl_err("nvgrectl: %s", err);
		return status ? status : NVGRE_EXIT_FAILED;
	}
	if (prometheus) {
		json_object_object_get_ex(reply, "result", &v);
		print_prometheus(v);
	} else if (json_out) {
		json_object_object_get_ex(reply, "result", &v);
		printf("%s\n", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY));
	} else if (json_object_object_get_ex(reply, "text", &v)) {
		fputs(json_object_get_string(v), stdout);
	}
	fflush(stdout);
	if (monitor) {
		consume_line(buf, &len);
		while ((line = read_line(fd, &buf, &len, &cap))) {
			printf("%s\n", line);
			fflush(stdout);
			consume_line(buf, &len);
		}
	}
	close(fd);
	return 0;
}
