#!/bin/sh
# Install the Debian/Ubuntu packages nvgre-offload needs to build, test and
# demo.  Idempotent, and quiet when nothing is missing (make deps).
set -eu

PKGS="make gcc clang llvm pkg-config libbpf-dev libxdp-dev bpftool xdp-tools
libelf-dev zlib1g-dev iproute2 ethtool iperf3 tshark python3 python3-scapy
libjson-c-dev libinih-dev libsystemd-dev libcmocka-dev iputils-ping tcpdump bash-completion
systemd groff-base man-db"

# libFuzzer's runtime ships with the clang version in use.
if command -v clang >/dev/null 2>&1; then
	ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
	[ -n "$ver" ] && PKGS="$PKGS libclang-rt-$ver-dev"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root: sudo make deps)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
# A fresh clang may have brought a new version: its fuzzer runtime too.
if [ -z "${NVGRE_DEPS_AGAIN:-}" ]; then
	NVGRE_DEPS_AGAIN=1 exec "$0"
fi
