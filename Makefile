# nvgre-offload: top-level build.  `make` builds everything; see README.md.
BUILD      ?= build
CLANG      ?= clang
CC         ?= gcc
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Werror -std=gnu11 -Iinclude -I$(BUILD)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -Iinclude -I$(BUILD)
LIBS       := $(shell pkg-config --libs libbpf libxdp 2>/dev/null || echo -lbpf -lxdp -lelf -lz)

BPF_PROGS  := nvgre_rx nvgre_xdp nvgre_tx nvgre_xdp_vport probe_adj_room
BPF_OBJS   := $(BPF_PROGS:%=$(BUILD)/%.bpf.o)
SKELS      := $(BPF_PROGS:%=$(BUILD)/%.skel.h)
BPF_HDRS   := $(wildcard bpf/*.h include/nvgre/*.h)

LIB_SRCS   := loader/datapath.c loader/ip_index.c loader/probe.c loader/segment.c
DAEMON_SRCS := loader/nvgred.c loader/config.c loader/commands.c loader/state.c \
              loader/control.c loader/attach.c loader/caps.c loader/ethtool.c \
              loader/vport_offload.c loader/xdp.c loader/rtnl.c \
              loader/vmq_dev.c loader/vmq_open.c loader/pa_neigh.c
DAEMON_OBJS := $(DAEMON_SRCS:loader/%.c=$(BUILD)/loader/%.o)
DAEMON_LIBS := $(shell pkg-config --libs inih json-c libsystemd 2>/dev/null || echo -linih -ljson-c -lsystemd)
BINS       := $(BUILD)/nvgred $(BUILD)/nvgrectl $(BUILD)/nvgre-vmq
LIB_OBJS   := $(LIB_SRCS:loader/%.c=$(BUILD)/loader/%.o)
LIB        := $(BUILD)/libnvgre.a
# libnvgre-vmq: the consumer library of xsk vports (include/nvgre/vmq.h),
# self-contained so an external VM backend links just this.
VMQ_LIB    := $(BUILD)/libnvgre-vmq.a
VMQ_LIB_OBJS := $(BUILD)/loader/vmq.o $(BUILD)/loader/segment.o
VMQ_LIBS   := $(shell pkg-config --libs libbpf json-c 2>/dev/null || echo -lbpf -lelf -lz -ljson-c)
VMQ_TOOL_OBJS := $(BUILD)/loader/nvgre_vmq.o $(BUILD)/loader/vmq_tap.o $(BUILD)/loader/vmq_pcap.o

TEST_BINS  := $(BUILD)/tests/test_rx $(BUILD)/tests/test_units $(BUILD)/tests/test_oracle \
              $(BUILD)/tests/test_tx $(BUILD)/tests/test_segment $(BUILD)/tests/test_vmq_tool
FUZZ_BIN   := $(BUILD)/tests/fuzz_parse

.PHONY: all deps check demo bench clean fuzz
# Keep objects make would otherwise delete as intermediates.
.SECONDARY:
all: $(SKELS) $(LIB) $(VMQ_LIB) $(BINS) $(TEST_BINS)

$(BUILD)/nvgred: $(DAEMON_OBJS) $(LIB)
	$(CC) $(CFLAGS) $^ $(LIBS) $(DAEMON_LIBS) -o $@

$(BUILD)/nvgrectl: $(BUILD)/loader/nvgrectl.o
	$(CC) $(CFLAGS) $^ $(DAEMON_LIBS) -o $@

$(VMQ_LIB): $(VMQ_LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/nvgre-vmq: $(VMQ_TOOL_OBJS) $(VMQ_LIB)
	$(CC) $(CFLAGS) $^ $(VMQ_LIBS) -o $@

deps:
	@./tests/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

$(BUILD)/loader/%.o: loader/%.c $(SKELS) $(wildcard loader/*.h include/nvgre/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iloader -c $< -o $@

$(LIB): $(LIB_OBJS)
	ar rcs $@ $^

TEST_COMMON := $(BUILD)/tests/testenv.o $(BUILD)/tests/pktbuild.o $(BUILD)/tests/guard.o

$(BUILD)/tests/%.o: tests/%.c $(SKELS) $(wildcard tests/*.h loader/*.h include/nvgre/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iloader -Itests -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_COMMON) $(LIB)
	$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# the tool's pure parts (virtio_net_hdr translation, pcap), without a kernel
$(BUILD)/tests/test_vmq_tool: $(BUILD)/tests/test_vmq_tool.o $(BUILD)/loader/vmq_tap.o \
		$(BUILD)/loader/vmq_pcap.o $(BUILD)/loader/segment.o
	$(CC) $(CFLAGS) $^ -o $@

# libFuzzer target on the user-space build of the parser (needs clang).
$(FUZZ_BIN): tests/fuzz_parse.c $(wildcard include/nvgre/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude $< -o $@

fuzz: $(FUZZ_BIN)

# ---- bench tools (VMQ) ----
# tests/bench.sh's VMQ section: a live-frames generator and the XDP_DROP and
# AF_PACKET receivers (one BPF object, its skeleton embedded in both), and
# the LSO segmenter throughput.  Built here, not by bench.sh, so their
# compile errors show up in make like any other.
BENCH_VMQ_BINS := $(BUILD)/tests/bench/vmq_gen $(BUILD)/tests/bench/vmq_rx \
                  $(BUILD)/tests/bench/lso_bench

$(BUILD)/tests/bench/vmq_bench.bpf.o: tests/bench/vmq_bench.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/bench/vmq_bench.skel.h: $(BUILD)/tests/bench/vmq_bench.bpf.o
	$(BPFTOOL) gen skeleton $< name vmq_bench > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/bench/vmq_gen.o $(BUILD)/tests/bench/vmq_rx.o: $(BUILD)/tests/bench/vmq_bench.skel.h

# (testenv.o for the MACs pktbuild.o's default spec names)
$(BUILD)/tests/bench/vmq_gen: $(BUILD)/tests/bench/vmq_gen.o $(BUILD)/tests/pktbuild.o \
		$(BUILD)/tests/testenv.o $(BUILD)/loader/vmq_pcap.o $(LIB)
	$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/bench/vmq_rx: $(BUILD)/tests/bench/vmq_rx.o
	$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/bench/lso_bench: $(BUILD)/tests/bench/lso_bench.o $(BUILD)/loader/segment.o
	$(CC) $(CFLAGS) $^ -o $@

bench: $(BENCH_VMQ_BINS)

check: deps
	$(MAKE) all $(FUZZ_BIN)
	./tests/run.sh

demo: deps
	$(MAKE) all
	./tests/demo.sh

bench: deps
	$(MAKE) all
	./tests/bench.sh

clean:
	rm -rf $(BUILD)

# ---- install / uninstall ------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=stage]: the binaries, the systemd
# unit (its ExecStart= follows SBINDIR), the man pages, and the example
# config unless one exists already.  The config directory is nvgred's
# built-in default, /etc/nvgre, whatever the prefix.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
INCDIR     ?= $(PREFIX)/include
LIBDIR     ?= $(PREFIX)/lib
# what an external VM backend needs to use libnvgre-vmq
VMQ_HDRS   := include/nvgre/vmq.h include/nvgre/meta.h include/nvgre/compat.h \
              include/nvgre/segment.h
UNITDIR    ?= $(PREFIX)/lib/systemd/system
CONFDIR    := /etc/nvgre
# nvgred's state file directory (for runs outside systemd, whose
# StateDirectory= makes it too); make uninstall leaves it and the state.
STATEDIR   := /var/lib/nvgre
INSTALL    ?= install
MAN8       := man/nvgred.8 man/nvgrectl.8 man/nvgre-vmq.8
MAN5       := man/nvgred.conf.5
# make uninstall first runs nvgred --teardown (DESIGN).  A staged uninstall
# (DESTDIR set) leaves the running system alone unless TEARDOWN says what to
# run; TEARDOWN= (empty) skips it.
TEARDOWN   ?= $(if $(DESTDIR),,$(SBINDIR)/nvgred --teardown)
# systemctl only for a real (not staged) install on a system run by systemd.
SYSTEMCTL  := [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null && systemctl

.PHONY: install uninstall
install: $(BINS) $(VMQ_LIB)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(CONFDIR)
	$(INSTALL) -d -m 0700 $(DESTDIR)$(STATEDIR)
	$(INSTALL) -m 0755 $(BUILD)/nvgred $(DESTDIR)$(SBINDIR)/nvgred
	$(INSTALL) -m 0755 $(BUILD)/nvgrectl $(DESTDIR)$(BINDIR)/nvgrectl
	$(INSTALL) -m 0755 $(BUILD)/nvgre-vmq $(DESTDIR)$(BINDIR)/nvgre-vmq
	$(INSTALL) -D -m 0644 $(VMQ_LIB) $(DESTDIR)$(LIBDIR)/libnvgre-vmq.a
	$(INSTALL) -d $(DESTDIR)$(INCDIR)/nvgre
	$(INSTALL) -m 0644 $(VMQ_HDRS) $(DESTDIR)$(INCDIR)/nvgre/
	sed 's|/usr/local/sbin/|$(SBINDIR)/|g' configs/nvgred.service >$(BUILD)/nvgred.service
	$(INSTALL) -m 0644 $(BUILD)/nvgred.service $(DESTDIR)$(UNITDIR)/nvgred.service
	$(INSTALL) -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -D -m 0644 configs/nvgrectl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/nvgrectl
	@if [ -e $(DESTDIR)$(CONFDIR)/nvgred.conf ]; then \
		echo "install: keeping the existing $(DESTDIR)$(CONFDIR)/nvgred.conf"; \
	else \
		echo "$(INSTALL) -m 0644 configs/nvgred.conf $(DESTDIR)$(CONFDIR)/nvgred.conf"; \
		$(INSTALL) -m 0644 configs/nvgred.conf $(DESTDIR)$(CONFDIR)/nvgred.conf; \
	fi
	@$(SYSTEMCTL) daemon-reload || true

# (The teardown messages are $(if) arguments: no commas in them.)
uninstall:
	@$(SYSTEMCTL) disable --now nvgred.service 2>/dev/null || true
	@$(if $(strip $(TEARDOWN)),echo "$(TEARDOWN)"; \
		$(TEARDOWN) || echo "uninstall: teardown failed (status $$?; nothing set up?): removing the files anyway" >&2, \
		echo "uninstall: not tearing down the running data path (DESTDIR set or TEARDOWN empty)")
	rm -f $(DESTDIR)$(LIBDIR)/libnvgre-vmq.a $(VMQ_HDRS:include/%=$(DESTDIR)$(INCDIR)/%)
	@rmdir $(DESTDIR)$(INCDIR)/nvgre 2>/dev/null || true
	rm -f $(DESTDIR)$(SBINDIR)/nvgred $(DESTDIR)$(BINDIR)/nvgrectl $(DESTDIR)$(BINDIR)/nvgre-vmq \
		$(DESTDIR)$(UNITDIR)/nvgred.service \
		$(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/nvgrectl
	@conf=$(DESTDIR)$(CONFDIR)/nvgred.conf; \
	if cmp -s configs/nvgred.conf $$conf; then \
		echo "rm -f $$conf"; rm -f $$conf; rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true; \
	elif [ -e $$conf ]; then \
		echo "uninstall: keeping $$conf (changed from the example)"; \
	fi
	@$(SYSTEMCTL) daemon-reload || true
