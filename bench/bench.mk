# SPDX-License-Identifier: GPL-2.0
#
# The benchmark harness and its peers. Standalone (`make -f bench/bench.mk`
# from the top of the tree, as bench/run.sh does) or included by the
# top-level Makefile. Everything lands in build/bench/.
#
# libdisruptor is compiled here from its sources with the library's own
# flags (-O2, no -march), into build/bench/lib, so the harness never
# depends on another build's state; the peers use Debian's packages
# (scripts/install-bench-deps.sh).

CC		?= gcc
BENCH_OUT	:= build/bench
BENCH_CFLAGS	:= -std=gnu11 -g -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wno-unused-parameter -pthread
BENCH_LIB_SRCS	:= kmod/dr_ring.c $(wildcard userspace/lib/*.c)
BENCH_LIB_OBJS	:= $(patsubst %.c,$(BENCH_OUT)/lib/%.o,$(BENCH_LIB_SRCS))
# DPDK's headers want its -march and rte_config.h; only bench_rte.c sees them.
BENCH_DPDK_CFLAGS = $(shell pkg-config --cflags libdpdk)
BENCH_HDRS	:= $(wildcard bench/*.h kmod/*.h userspace/include/*.h userspace/lib/*.h)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.DELETE_ON_ERROR:
.PHONY: bench-build bench-crossbeam bench-java

bench-build: $(BENCH_OUT)/bench

$(BENCH_OUT)/lib/%.o: %.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -fPIC -Ikmod -Ikmod/uapi -Iuserspace/include -Iuserspace/lib -c $< -o $@

$(BENCH_OUT)/libdisruptor.a: $(BENCH_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BENCH_OUT)/obj/bench_rte.o: bench/bench_rte.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) $(BENCH_DPDK_CFLAGS) -c $< -o $@

$(BENCH_OUT)/obj/%.o: bench/%.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Ikmod -Ikmod/uapi -Iuserspace/include -c $< -o $@

$(BENCH_OUT)/bench: $(addprefix $(BENCH_OUT)/obj/,bench.o bench_disruptor.o bench_ck.o bench_rte.o \
			bench_layouts.o) \
		    $(BENCH_OUT)/libdisruptor.a
	$(Q)$(CC) -pthread -o $@ $^ -lrte_ring -lrte_eal -lm

# Rust peers, offline against Debian's crates (bench/crossbeam/.cargo).
bench-crossbeam:
	$(Q)cd bench/crossbeam && CARGO_TARGET_DIR=$(CURDIR)/$(BENCH_OUT)/cargo \
		/usr/bin/cargo build --release --offline -q

# Java peer, against Debian's libdisruptor-java.
bench-java: $(BENCH_OUT)/java/DisruptorBench.class

$(BENCH_OUT)/java/DisruptorBench.class: bench/java/DisruptorBench.java
	@mkdir -p $(dir $@)
	$(Q)javac -d $(BENCH_OUT)/java -cp /usr/share/java/disruptor.jar $<
