# SPDX-License-Identifier: GPL-2.0
#
# The kernel-path benchmarks (bench/kernel/run.sh): included by the top-level
# Makefile, whose BPF rules and vmlinux.h it reuses. Everything lands in
# build/kbench/ and runs in a guest on the bench kernel (no debug options),
# so the module is built again, against that kernel, from a copy of the
# sources: an out-of-tree build keeps its objects beside them, and the tree's
# own objects belong to the debug kernel.

BENCH_KDIR	?= $(shell scripts/build-kernel.sh --print-dir bench 2>/dev/null)
KB		:= build/kbench
KB_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
		   -Ikmod -Ikmod/uapi -Iuserspace/include -Ibpf -Ibuild/bpf -I$(KB) -Ibench -Ibench/kernel
KB_LIBS		:= build/user/libdisruptor.a -lbpf -lelf -lz
KB_SCX_SRC	:= $(BENCH_KDIR)/tools/sched_ext

.PHONY: kbench-build kbench-module
kbench-build: kbench-module $(KB)/ring_tput $(KB)/input_lat $(KB)/pipeline_lat $(KB)/hog \
	      $(KB)/scx_simple \
	      build/tools/scx_disruptor

kbench-module:
	$(Q)test -f $(BENCH_KDIR)/.disruptor-built || \
		{ echo "no bench kernel at $(BENCH_KDIR): run scripts/build-kernel.sh bench" >&2; exit 1; }
	@mkdir -p $(KB)/mod
	$(Q)cp -u Kbuild $(KB)/mod/ && cp -ru kmod kunit $(KB)/mod/
	$(Q)$(MAKE) -s -C $(BENCH_KDIR) M=$(CURDIR)/$(KB)/mod modules

$(KB)/%.bpf.o: bench/kernel/%.bpf.c build/bpf/vmlinux.h $(wildcard bpf/*.h bench/kernel/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench/kernel -c $< -o $@

.PRECIOUS: $(KB)/%.bpf.o $(KB)/%.skel.h
$(KB)/%.skel.h: $(KB)/%.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name $* >$@.tmp && mv $@.tmp $@

$(KB)/ring_tput: bench/kernel/ring_tput.c $(KB)/ring_tput.skel.h build/user/libdisruptor.a \
		 bench/bench_util.h
	$(Q)$(CC) $(KB_CFLAGS) -o $@ $< $(KB_LIBS)

$(KB)/input_lat: bench/kernel/input_lat.c $(KB)/input_lat_rb.skel.h build/bpf/input_hook.skel.h \
		 build/user/libdisruptor.a $(wildcard userspace/include/*.h) bench/bench_util.h
	$(Q)$(CC) $(KB_CFLAGS) -o $@ $< $(KB_LIBS) -lm

$(KB)/pipeline_lat: bench/kernel/pipeline_lat.c build/user/libdisruptor.a \
		    $(wildcard userspace/include/*.h kmod/*.h) bench/bench_util.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KB_CFLAGS) -o $@ $< build/user/libdisruptor.a

$(KB)/hog: bench/kernel/hog.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KB_CFLAGS) -static -o $@ $<

# The vtime baseline: the kernel's own scx_simple, from the bench kernel's tree.
$(KB)/scx_simple.bpf.o: $(KB_SCX_SRC)/scx_simple.bpf.c build/bpf/vmlinux.h
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(KB_SCX_SRC)/include -I$(KB_SCX_SRC)/include/bpf-compat -c $< -o $@

$(KB)/scx_simple.bpf.skel.h: $(KB)/scx_simple.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name scx_simple | sed '/map->link = /d' >$@.tmp && mv $@.tmp $@

$(KB)/scx_simple: $(KB_SCX_SRC)/scx_simple.c $(KB)/scx_simple.bpf.skel.h
	$(Q)$(CC) -std=gnu11 -O2 -g -Wno-unused-parameter -Wno-sign-compare \
		-I$(KB_SCX_SRC)/include -I$(KB) -o $@ $< -lbpf -lelf -lz
