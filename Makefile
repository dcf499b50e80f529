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

BPF_PROGS  := nvgre_rx nvgre_tx probe_adj_room
BPF_OBJS   := $(BPF_PROGS:%=$(BUILD)/%.bpf.o)
SKELS      := $(BPF_PROGS:%=$(BUILD)/%.skel.h)
BPF_HDRS   := $(wildcard bpf/*.h include/nvgre/*.h)

LIB_SRCS   := loader/datapath.c loader/probe.c
DAEMON_SRCS := loader/nvgred.c loader/config.c loader/commands.c loader/state.c \
              loader/control.c loader/attach.c loader/caps.c loader/ethtool.c \
              loader/vport_offload.c
DAEMON_OBJS := $(DAEMON_SRCS:loader/%.c=$(BUILD)/loader/%.o)
DAEMON_LIBS := $(shell pkg-config --libs inih json-c libsystemd 2>/dev/null || echo -linih -ljson-c -lsystemd)
BINS       := $(BUILD)/nvgred $(BUILD)/nvgrectl
LIB_OBJS   := $(LIB_SRCS:loader/%.c=$(BUILD)/loader/%.o)
LIB        := $(BUILD)/libnvgre.a

TEST_BINS  := $(BUILD)/tests/test_rx $(BUILD)/tests/test_units $(BUILD)/tests/test_oracle \
              $(BUILD)/tests/test_tx
FUZZ_BIN   := $(BUILD)/tests/fuzz_parse

.PHONY: all deps check demo bench clean fuzz
# Keep objects make would otherwise delete as intermediates.
.SECONDARY:
all: $(SKELS) $(LIB) $(BINS) $(TEST_BINS)

$(BUILD)/nvgred: $(DAEMON_OBJS) $(LIB)
	$(CC) $(CFLAGS) $^ $(LIBS) $(DAEMON_LIBS) -o $@

$(BUILD)/nvgrectl: $(BUILD)/loader/nvgrectl.o
	$(CC) $(CFLAGS) $^ $(DAEMON_LIBS) -o $@

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

TEST_COMMON := $(BUILD)/tests/testenv.o $(BUILD)/tests/pktbuild.o

$(BUILD)/tests/%.o: tests/%.c $(SKELS) $(wildcard tests/*.h loader/*.h include/nvgre/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iloader -Itests -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_COMMON) $(LIB)
	$(CC) $(CFLAGS) $^ $(LIBS) -o $@

# libFuzzer target on the user-space build of the parser (needs clang).
$(FUZZ_BIN): tests/fuzz_parse.c $(wildcard include/nvgre/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude $< -o $@

fuzz: $(FUZZ_BIN)

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
