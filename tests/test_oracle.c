// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Oracle test: run the cases tests/oracle/gen_cases.py wrote (inputs and
 * expected results computed by scapy) through the receive programs.
 *
 * Usage: test_oracle CASEFILE [PCAP]
 *
 * A case line is name, hook (tc/xdp), expected retval, input hex, expected
 * output hex ('-': not checked) and tags, separated by tabs.  With PCAP, the
 * outputs of every TC case expected to be delivered are written there, in
 * case order, for tests/oracle/check_pcap.py.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "pktbuild.h"
#include "testenv.h"

enum { F_NAME, F_HOOK, F_RET, F_IN, F_OUT, F_TAGS, F_MAX };

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into buf; returns the byte count or -1. */
static long unhex(const char *s, __u8 *buf, size_t cap)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		buf[i] = hi << 4 | lo;
	}
	return n / 2;
}

/* Split line at tabs into f[F_MAX]; returns the number of fields. */
static int split(char *line, char *f[F_MAX])
{
	int n = 0;
	char *save = NULL, *tok;

	line[strcspn(line, "\r\n")] = 0;
	for (tok = strtok_r(line, "\t", &save); tok && n < F_MAX;
	     tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	return tok ? -1 : n;
}

/* Minimal pcap (libpcap 2.4, Ethernet, host byte order). */
struct pcap_hdr {
	__u32 magic;
	__u16 major, minor;
	__s32 thiszone;
	__u32 sigfigs, snaplen, linktype;
};

struct pcap_rec {
	__u32 ts_sec, ts_usec, incl_len, orig_len;
};

static FILE *pcap_open(const char *path)
{
	struct pcap_hdr h = {
		.magic = 0xa1b2c3d4, .major = 2, .minor = 4,
		.snaplen = 65535, .linktype = 1,
	};
	FILE *f = fopen(path, "wb");

	if (f && fwrite(&h, sizeof(h), 1, f) != 1) {
		fclose(f);
		return NULL;
	}
	return f;
}

static int pcap_write(FILE *f, const __u8 *p, size_t n, __u32 seq)
{
	struct pcap_rec r = { .ts_sec = seq, .incl_len = n, .orig_len = n };

	if (fwrite(&r, sizeof(r), 1, f) != 1 || (n && fwrite(p, n, 1, f) != 1))
		return -1;
	return 0;
}

static __u8 in[PKT_MAX], want[PKT_MAX], out[PKT_MAX];
static __u64 drops[NVGRE_DROP_MAX];

/* Snapshot the drop counters; with report, print which ones moved since. */
static void drop_reasons(struct testenv *env, int report)
{
	int r;

	for (r = 0; r < NVGRE_DROP_MAX; r++) {
		__u64 n = nvgre_dp_drops(&env->dp, r);

		if (report && n != drops[r])
			tap_diag("drop reason %s: +%llu", nvgre_drop_reason_names[r],
				 (unsigned long long)(n - drops[r]));
		drops[r] = n;
	}
}

/* Run one case; returns 1 if it matched.  Delivered TC outputs go to pcap. */
static int run_case(struct testenv *env, char *f[F_MAX], FILE *pcap, int *pcap_err,
		    __u32 *pcap_n)
{
	long in_len = unhex(f[F_IN], in, sizeof(in));
	long want_len = strcmp(f[F_OUT], "-") ? unhex(f[F_OUT], want, sizeof(want)) : -2;
	__u32 want_ret = strtoul(f[F_RET], NULL, 10), ret = ~0u, ml = 0;
	int tc = !strcmp(f[F_HOOK], "tc"), err, ok;
	size_t out_len = 0;

	if (in_len < 0 || want_len == -1 || (!tc && strcmp(f[F_HOOK], "xdp"))) {
		tap_ok(0, "%s %s: malformed case", f[F_NAME], f[F_HOOK]);
		return 0;
	}
	drop_reasons(env, 0);
	if (tc)
		err = testenv_run_tc(env, in, in_len, out, &out_len, &ret);
	else
		err = testenv_run_xdp(env, in, in_len, out, &out_len, &ret, &ml);
	if (err)
		out_len = 0;

	if (pcap && tc && want_ret == T_TC_REDIRECT &&
	    pcap_write(pcap, out, out_len, ++*pcap_n))
		*pcap_err = 1;

	ok = !err && ret == want_ret && !ml &&
	     (want_len < 0 || ((size_t)want_len == out_len && !memcmp(out, want, out_len)));
	tap_ok(ok, "%s %s: retval %u (want %u), output %zu bytes%s", f[F_NAME], f[F_HOOK],
	       ret, want_ret, out_len, want_len < 0 ? " (not checked)" : "");
	if (!ok) {
		if (err)
			tap_diag("test run failed: %s", strerror(-err));
		if (ml)
			tap_diag("unexpected XDP metadata: %u bytes", ml);
		drop_reasons(env, 1);
		pkt_hexdump("input", in, in_len);
		if (want_len >= 0)
			pkt_hexdump("expected", want, want_len);
		pkt_hexdump("got", out, out_len);
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct testenv env;
	char *line = NULL, *f[F_MAX];
	size_t cap = 0;
	int ncases = 0, nline = 0, pcap_err = 0;
	__u32 pcap_n = 0;
	FILE *cases, *pcap = NULL;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s CASEFILE [PCAP]\n", argv[0]);
		return 2;
	}
	cases = fopen(argv[1], "r");
	if (!cases) {
		perror(argv[1]);
		return 2;
	}
	if (argc == 3) {
		pcap = pcap_open(argv[2]);
		if (!pcap) {
			perror(argv[2]);
			return 2;
		}
	}
	if (testenv_init(&env))
		return 2;

	while (getline(&line, &cap, cases) > 0) {
		nline++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (split(line, f) != F_MAX) {
			tap_ok(0, "%s:%d: malformed line", argv[1], nline);
			continue;
		}
		ncases++;
		run_case(&env, f, pcap, &pcap_err, &pcap_n);
	}
	free(line);
	fclose(cases);

	tap_ok(ncases > 0, "%d cases read from %s", ncases, argv[1]);
	if (pcap) {
		if (fclose(pcap))
			pcap_err = 1;
		tap_ok(!pcap_err, "%u delivered TC outputs written to %s", pcap_n, argv[2]);
	}
	testenv_fini(&env);
	return tap_done();
}
