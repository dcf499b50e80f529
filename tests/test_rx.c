// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "tap.h"
#include "pktbuild.h"
#include "testenv.h"

int main(void)
{
	struct testenv env;
	struct pkt_spec s;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len, inner, olen;
	__u32 ret, ml;

	if (testenv_init(&env))
		return 2;
	pkt_spec_default(&s);
	len = pkt_build(&s, in, sizeof(in), &inner);
	tap_ok(!testenv_run_tc(&env, in, len, out, &olen, &ret), "tc run");
	tap_ok(ret == T_TC_REDIRECT, "tc redirect (%u)", ret);
	tap_ok(olen == len - inner && !memcmp(out, in + inner, olen), "tc inner frame %zu", olen);
	tap_ok(!testenv_run_xdp(&env, in, len, out, &olen, &ret, &ml), "xdp run");
	tap_ok(ret == T_XDP_PASS, "xdp pass (%u) meta %u", ret, ml);
	testenv_fini(&env);
	return tap_done();
}
