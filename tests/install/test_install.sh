#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make install / make uninstall, the systemd unit, the example config and the
# man pages.  Prints TAP.  Installs only into temporary DESTDIRs (never into
# the running system) and never tears down a running data path.
#
# Needs make, systemd-analyze (package systemd), groff and man (groff-base,
# man-db), and a build (make).
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
PREFIX=/usr/local
tmp=$(mktemp -d /tmp/nvgre-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
diag() { sed 's/^/#   /'; }
# check DESCRIPTION COMMAND...: ok when the command succeeds; its output as diagnostics if not
check() {
	local d=$1; shift
	"$@" >"$tmp/out" 2>&1
	local rc=$?
	[ $rc -ne 0 ] && tail -n 20 "$tmp/out" | diag
	ok $rc "$d"
}
mk() { make -C "$SRC" --no-print-directory PREFIX="$PREFIX" "$@"; }

# What make install puts where, and with which mode (relative to DESTDIR).
declare -A MODE=(
	[$PREFIX/sbin/nvgred]=755
	[$PREFIX/bin/nvgrectl]=755
	[$PREFIX/bin/nvgre-vmq]=755
	[$PREFIX/lib/libnvgre-vmq.a]=644
	[$PREFIX/include/nvgre/vmq.h]=644
	[$PREFIX/include/nvgre/meta.h]=644
	[$PREFIX/include/nvgre/compat.h]=644
	[$PREFIX/include/nvgre/segment.h]=644
	[$PREFIX/lib/systemd/system/nvgred.service]=644
	[$PREFIX/share/man/man8/nvgred.8]=644
	[$PREFIX/share/man/man8/nvgrectl.8]=644
	[$PREFIX/share/man/man8/nvgre-vmq.8]=644
	[$PREFIX/share/man/man5/nvgred.conf.5]=644
	[$PREFIX/share/bash-completion/completions/nvgrectl]=644
	[/etc/nvgre/nvgred.conf]=644
)
UNIT=$PREFIX/lib/systemd/system/nvgred.service

# Every expected file, with its mode and owner, and nothing else.
files_ok() {
	local root=$1 f bad=0
	for f in "${!MODE[@]}"; do
		if [ ! -f "$root$f" ]; then
			echo "missing: $f"; bad=1
		elif [ "$(stat -c %a "$root$f")" != "${MODE[$f]}" ]; then
			echo "$f: mode $(stat -c %a "$root$f"), expected ${MODE[$f]}"; bad=1
		elif [ "$(stat -c %u "$root$f")" != "$(id -u)" ]; then
			echo "$f: owner $(stat -c %u "$root$f")"; bad=1
		fi
	done
	(cd "$root" && find . -type f | sed 's/^\.//' | sort) >"$tmp/found"
	printf '%s\n' "${!MODE[@]}" | sort >"$tmp/expected"
	if ! diff -u "$tmp/expected" "$tmp/found"; then bad=1; fi
	# no directory or file writable by group or others
	if [ -n "$(find "$root" -mindepth 1 -perm /022 -print -quit)" ]; then
		find "$root" -mindepth 1 -perm /022 | sed "s|^$root|writable by others: |"; bad=1
	fi
	return $bad
}

# ---- make install ------------------------------------------------------------
A=$tmp/a
check "make install DESTDIR=... succeeds" mk install DESTDIR="$A"
check "every file where expected, modes 755 (programs) / 644 (data), nothing else" files_ok "$A"
check "installed programs are the built ones" \
	sh -c "cmp build/nvgred '$A$PREFIX/sbin/nvgred' && cmp build/nvgrectl '$A$PREFIX/bin/nvgrectl'"
check "the installed config is the example" cmp configs/nvgred.conf "$A/etc/nvgre/nvgred.conf"
# a VM backend builds against the installed header and library alone
backend_ok() {
	cat >"$tmp/backend.c" <<'C'
#include <stdio.h>
#include <nvgre/vmq.h>
int main(void)
{
	struct nvgre_vmq *q;
	char err[256];

	/* no nvgred at this path: the library must say so, not crash */
	if (nvgre_vmq_open("/nonexistent/vmq.sock", "vm1", &q, err, sizeof(err)) >= 0)
		return 1;
	puts(err);
	return NVGRE_SW_GSO_TCP == 1 ? 0 : 1;
}
C
	cc -Wall -Werror -I"$A$PREFIX/include" "$tmp/backend.c" "$A$PREFIX/lib/libnvgre-vmq.a" \
		-lbpf -ljson-c -o "$tmp/backend" && "$tmp/backend" | grep -q "/nonexistent/vmq.sock"
}
check "a program builds against the installed vmq.h and libnvgre-vmq.a alone, and runs" backend_ok
check "the state directory /var/lib/nvgre is there, mode 700" \
	test "$(stat -c %a "$A/var/lib/nvgre" 2>&1)" = 700
check "the unit's ExecStart= is the installed nvgred" \
	grep -qx "ExecStart=$PREFIX/sbin/nvgred --config /etc/nvgre/nvgred.conf" "$A$UNIT"

# PREFIX moves the programs and the unit, and ExecStart= follows.
B=$tmp/b
prefix_ok() {
	make -C "$SRC" --no-print-directory PREFIX=/opt/nvgre install DESTDIR="$B" >/dev/null &&
	test -x "$B/opt/nvgre/sbin/nvgred" && test -x "$B/opt/nvgre/bin/nvgrectl" &&
	grep -qx "ExecStart=/opt/nvgre/sbin/nvgred --config /etc/nvgre/nvgred.conf" \
		"$B/opt/nvgre/lib/systemd/system/nvgred.service" &&
	! grep -v "^#" "$B/opt/nvgre/lib/systemd/system/nvgred.service" | grep -n "/usr/local"
}
check "PREFIX=/opt/nvgre: programs, unit and ExecStart= all under it" prefix_ok

# An operator's config is never overwritten.
keep_ok() {
	echo "; changed by the operator" >>"$B/etc/nvgre/nvgred.conf"
	cp "$B/etc/nvgre/nvgred.conf" "$tmp/operator.conf"
	make -C "$SRC" --no-print-directory PREFIX=/opt/nvgre install DESTDIR="$B" >/dev/null &&
	cmp "$tmp/operator.conf" "$B/etc/nvgre/nvgred.conf"
}
check "make install keeps an existing config" keep_ok

# ---- the systemd unit ----------------------------------------------------------
# systemd-analyze verify against the installed copy: --root makes it resolve
# ExecStart= and friends inside the staged tree.  The root also gets the
# system's units (the unit's dependencies), the other programs the unit runs,
# and the staged man pages on MANPATH for Documentation=.
V=$tmp/verify
verify_unit() {
	local exe
	mk install DESTDIR="$V" >/dev/null || return 1
	mkdir -p "$V/usr/lib/systemd"
	cp -a /lib/systemd/system "$V/usr/lib/systemd/" || return 1
	while read -r exe; do
		[ -e "$V$exe" ] && continue
		mkdir -p "$V$(dirname "$exe")" && cp "$(readlink -f "$exe")" "$V$exe" || return 1
	done < <(sed -n 's/^Exec[A-Za-z]*=[-+@!:|]*\(\/[^ ]*\).*/\1/p' "$V$UNIT" | sort -u)
	MANPATH=$V$PREFIX/share/man systemd-analyze verify --root="$V" "$V$UNIT" >"$tmp/verify.out" 2>&1
	local rc=$?
	cat "$tmp/verify.out"
	[ $rc -eq 0 ] && ! grep -q "nvgred" "$tmp/verify.out"
}
check "systemd-analyze verify: the installed unit passes, no warning about it" verify_unit

# Settings DESIGN and nvgred rely on (a drift from these would pass verify).
unit_ok() {
	local u=configs/nvgred.service k
	for k in "Type=notify" "ExecReload=/bin/kill -HUP \$MAINPID" "Restart=on-failure" \
		 "KillMode=mixed" "NoNewPrivileges=yes" "ProtectSystem=strict" \
		 "ProtectKernelTunables=yes" "RuntimeDirectory=nvgre" "StateDirectory=nvgre" \
		 "MemoryDenyWriteExecute=yes" "SystemCallArchitectures=native"; do
		grep -qxF "$k" "$u" || { echo "missing: $k"; return 1; }
	done
	grep -q '^WatchdogSec=' "$u" || { echo "missing: WatchdogSec="; return 1; }
	# pins must stay writable under ProtectKernelTunables (DESIGN)
	grep -q '^ReadWritePaths=.*/sys/fs/bpf/nvgre' "$u" || { echo "pins not writable"; return 1; }
	# AF_XDP needs CAP_NET_RAW besides CAP_BPF CAP_NET_ADMIN CAP_SYS_ADMIN (DESIGN)
	for k in CAP_BPF CAP_NET_ADMIN CAP_SYS_ADMIN CAP_NET_RAW; do
		grep -q "^CapabilityBoundingSet=.*\b$k\b" "$u" || { echo "bounding set lacks $k"; return 1; }
	done
}
check "the unit keeps notify, reload, watchdog, restart, pins and capabilities" unit_ok

# ---- the example config --------------------------------------------------------
check "build/nvgred --check-config configs/nvgred.conf" build/nvgred --check-config configs/nvgred.conf

# ---- man pages -----------------------------------------------------------------
for page in man/nvgred.8 man/nvgrectl.8 man/nvgre-vmq.8 man/nvgred.conf.5; do
	render() {
		groff -man -Tutf8 -ww "$page" >/dev/null 2>"$tmp/groff.err" || return 1
		[ ! -s "$tmp/groff.err" ] || { cat "$tmp/groff.err"; return 1; }
		man -l "$page" >/dev/null 2>"$tmp/man.err" || return 1
		[ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; return 1; }
	}
	check "$page renders without groff or man warnings" render
done

# The pages cover what the code has: every option, config key and command.
text() { groff -man -Tascii -P-cbou -rLL=1000n -rHY=0 "$1" 2>/dev/null; }
covers() {	# covers PAGE WORD...: each WORD appears in PAGE
	local page=$1 w bad=0; shift
	text "$page" >"$tmp/page.txt"
	for w in "$@"; do
		grep -qF -- "$w" "$tmp/page.txt" || { echo "$page: no '$w'"; bad=1; }
	done
	return $bad
}
long_opts() { sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument.*/--\1/p' "$1"; }
mapfile -t keys < <(grep -o 'strcmp(\(k\|section\), "[^"]*")' loader/config.c | sort -u |
	sed 's/strcmp(k, "\(.*\)")/\1/; s/strcmp(section, "\(.*\)")/[\1]/')
mapfile -t offs < <(sed -n '/offload_keys\[\] = {/,/^};/s/{ "\([a-z-]*\)",/\n\1\n/gp' loader/config.c | grep '^[a-z-]*$')
mapfile -t nvgred_opts < <(long_opts loader/nvgred.c)
mapfile -t ctl_opts < <(long_opts loader/nvgrectl.c)
mapfile -t vmq_opts < <(long_opts loader/nvgre_vmq.c)
mapfile -t cmds < <(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", \(NULL\|"\([a-z]*\)"\), [0-9].*/\1 \3/p' loader/commands.c | sed 's/ $//')
check "nvgred.8 documents every option of nvgred" covers man/nvgred.8 "${nvgred_opts[@]}"
check "nvgrectl.8 documents every option and command" covers man/nvgrectl.8 \
	"${ctl_opts[@]}" "${cmds[@]}" monitor --prometheus
check "nvgre-vmq.8 documents every option and command" covers man/nvgre-vmq.8 \
	"${vmq_opts[@]}" dump tap count
check "nvgred.conf.5 documents every section and key" covers man/nvgred.conf.5 \
	"${keys[@]}" "${offs[@]}"

# ---- make uninstall ------------------------------------------------------------
# A staged uninstall must not tear down this machine's data path: TEARDOWN
# says what to run instead.  First a teardown that fails: the files go anyway.
uninstall_failing() {
	mk uninstall DESTDIR="$A" TEARDOWN=false >"$tmp/un.out" 2>&1 || { cat "$tmp/un.out"; return 1; }
	grep -q "teardown failed" "$tmp/un.out" || { cat "$tmp/un.out"; return 1; }
	[ -z "$(find "$A" -type f)" ] || { find "$A" -type f; return 1; }
	[ ! -e "$A/etc/nvgre" ] || { echo "/etc/nvgre left behind"; return 1; }
	[ -d "$A/var/lib/nvgre" ] || { echo "the state directory was removed"; return 1; }
}
check "make uninstall removes every file but keeps the state dir, even when the teardown fails" \
	uninstall_failing

# The real nvgred --teardown with nothing set up (its own pin dir and state
# file, no config, so no interface is touched) succeeds and uninstall with it.
C=$tmp/c
uninstall_teardown() {
	mk install DESTDIR="$C" >/dev/null || return 1
	mk uninstall DESTDIR="$C" TEARDOWN="$C$PREFIX/sbin/nvgred --teardown --config $tmp/none.conf \
--pin-dir $tmp/pins --state $tmp/none.json" >"$tmp/un.out" 2>&1 || { cat "$tmp/un.out"; return 1; }
	grep -q "torn down" "$tmp/un.out" || { cat "$tmp/un.out"; return 1; }
	[ -z "$(find "$C" -type f)" ] || { find "$C" -type f; return 1; }
}
check "make uninstall runs nvgred --teardown (nothing set up) and removes the files" uninstall_teardown

# By default a staged uninstall skips the teardown; a changed config stays.
uninstall_keeps() {
	make -C "$SRC" --no-print-directory PREFIX=/opt/nvgre uninstall DESTDIR="$B" >"$tmp/un.out" 2>&1 || { cat "$tmp/un.out"; return 1; }
	grep -q "not tearing down" "$tmp/un.out" || { cat "$tmp/un.out"; return 1; }
	(cd "$B" && find . -type f) >"$tmp/left"
	[ "$(cat "$tmp/left")" = "./etc/nvgre/nvgred.conf" ] || { cat "$tmp/left"; return 1; }
	cmp "$tmp/operator.conf" "$B/etc/nvgre/nvgred.conf"
}
check "staged make uninstall: no teardown, the operator's changed config stays" uninstall_keeps

# bash completion: commands, subcommands, offload features, vport keywords
complete_words() {	# complete_words WORD... (the last one is being completed)
	bash -c '. /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_nvgrectl nvgrectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' "$SRC/configs/nvgrectl.bash-completion" "$@" | sort | tr '\n' ' '
}
completes() {	# completes "EXPECTED" WORD...
	local want=$1 got
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want " ] || { echo "# got '$got', want '$want'"; return 1; }
}
check "completion: nvgrectl o<TAB> -> offload" completes "offload" nvgrectl o
check "completion: offload set <TAB> -> the features" \
	completes "global lso nvgre rss rx-csum tx-csum uso vmq" nvgrectl offload set ""
check "completion: route <TAB> -> its subcommands" completes "add del export import list" nvgrectl route ""
check "completion: vport add NAME <TAB> -> its keywords" \
	completes "dev ip mac vsid xsk" nvgrectl vport add vm1 ""

echo "1..$n"
[ "$failed" -eq 0 ]
