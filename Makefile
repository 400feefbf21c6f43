# SPDX-License-Identifier: GPL-2.0
#
# disruptor: top-level build. `make help` lists the targets.
#
# The kernel modules build out of tree against KDIR, the cached test kernel
# that scripts/build-kernel.sh builds (default: the debug flavour).

KDIR ?= $(shell scripts/build-kernel.sh --print-dir debug)

PREFIX ?= /usr/local

ifeq ($(V),1)
Q :=
else
Q := @
endif

.DELETE_ON_ERROR:
.PHONY: all help deps kernel modules check demo clean mutants

all: modules userspace user-tests guest-tests tools examples fuzzer

include userspace/userspace.mk
include bench/bench.mk
include bench/kernel/kbench.mk

# Benchmarks: on demand, never a gate (make check does not run them).
.PHONY: bench bench-quick bench-deps kbench kbench-quick bench-avail bench-targets
bench:
	$(Q)bench/run.sh

# Where the readiness stamp sits: the layouts measured side by side.
bench-avail:
	$(Q)bench/layouts.sh

# The rows issue 16's targets name, with repeats, in one run.
bench-targets:
	$(Q)bench/targets.sh

kbench:
	$(Q)bench/kernel/run.sh

kbench-quick:
	$(Q)bench/kernel/run.sh --quick

bench-quick:
	$(Q)bench/run.sh --quick

bench-deps:
	$(Q)scripts/install-bench-deps.sh

# Guest tests: static programs run as root in the test kernel.
GUEST_TESTS := $(patsubst userspace/guest-tests/%.c,build/guest/%,$(wildcard userspace/guest-tests/*.c))

build/guest/%: userspace/guest-tests/%.c userspace/guest-tests/guest_util.h kmod/uapi/linux/disruptor.h \
	       build/user/libdisruptor.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -static -pthread \
		-Ikmod -Ikmod/uapi -Iuserspace/include -o $@ $< build/user/libdisruptor.a

# The i386 probe of compat_ioctl_answers_32_bit_callers: no 32-bit libc here,
# so it is freestanding and makes its own system calls.
build/guest-i386/disruptor_compat_probe: userspace/guest-tests/i386/compat_probe.c kmod/uapi/linux/disruptor.h
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -m32 -static -nostdlib -ffreestanding -fno-pic -fno-stack-protector \
		-mno-sse -mno-mmx -O2 -Wall -Wextra -Werror -idirafter /usr/include/$(shell $(CC) -print-multiarch) \
		-Ikmod/uapi -o $@ $<

.PHONY: guest-tests
guest-tests: $(GUEST_TESTS) build/guest-i386/disruptor_compat_probe

# Tools, static so the guest runs them as they are.
TOOLS := $(patsubst userspace/tools/%.c,build/tools/%,$(wildcard userspace/tools/*.c))
BPF_TOOLS := build/tools/disruptor_input build/tools/scx_disruptor

$(filter-out $(BPF_TOOLS),$(TOOLS)): build/tools/%: userspace/tools/%.c build/user/libdisruptor.a $(wildcard userspace/include/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -pthread \
		-Ikmod -Ikmod/uapi -Iuserspace/include -Ibpf -o $@ $< build/user/libdisruptor.a

.PHONY: tools
tools: $(TOOLS)

# The module's own fuzzer (userspace/fuzz/), static for the guest; `make fuzz` runs it.
FUZZ_SRCS := $(wildcard userspace/fuzz/*.c)

build/fuzz/disruptor_fuzz: $(FUZZ_SRCS) $(wildcard userspace/fuzz/*.h) kmod/uapi/linux/disruptor.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -pthread \
		-Ikmod/uapi -o $@ $(FUZZ_SRCS)

.PHONY: fuzzer fuzz
fuzzer: build/fuzz/disruptor_fuzz

# make fuzz [OPS=N | MINUTES=M] [SEED=S]: boot the debug kernel and fuzz the module.
fuzz:
	$(Q)scripts/fuzz.sh $(if $(OPS),--ops $(OPS)) $(if $(MINUTES),--minutes $(MINUTES)) \
		$(if $(SEED),--seed $(SEED))

# examples/: built by `make all` (so by `make check`) to keep them working.
EXAMPLES := build/examples/consumer build/examples/game_loop

build/examples/%: examples/%.c build/user/libdisruptor.a $(wildcard userspace/include/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread \
		-Ikmod -Iuserspace/include -Ibpf -o $@ $< build/user/libdisruptor.a

.PHONY: examples
examples: $(EXAMPLES) modules
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR)/examples/kmod_producer DISRUPTOR_SRC=$(CURDIR) \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules

# make install / uninstall, honouring DESTDIR and PREFIX.
VERSION		:= 0.1.0
INCDIR		:= $(DESTDIR)$(PREFIX)/include/disruptor
LIBDIR		:= $(DESTDIR)$(PREFIX)/lib
BINDIR		:= $(DESTDIR)$(PREFIX)/bin
DATADIR		:= $(DESTDIR)$(PREFIX)/share/disruptor
UDEVDIR		:= $(DESTDIR)/etc/udev/rules.d
DKMSDIR		:= $(DESTDIR)/usr/src/disruptor-$(VERSION)
INSTALL_TOOLS	:= disruptorctl disruptor_input disruptor_evtest disruptor_inject scx_disruptor

# Man pages: section 3 generated from the library's kernel-doc comments.
.PHONY: man
man:
	$(Q)scripts/gen-man3.sh $(KDIR) build/man/man3 >/dev/null

MANDIR		:= $(DESTDIR)$(PREFIX)/share/man

.PHONY: install uninstall
install: userspace tools build/bpf/input_hook.bpf.o build/bpf/scx_disruptor.bpf.o man
	install -d $(INCDIR)/linux $(LIBDIR)/pkgconfig $(BINDIR) $(DATADIR)/bpf $(UDEVDIR) \
		$(DKMSDIR)/kmod/uapi/linux $(MANDIR)/man1 $(MANDIR)/man3 $(MANDIR)/man4
	install -m 644 userspace/man/*.1 $(MANDIR)/man1/
	install -m 644 userspace/man/*.4 $(MANDIR)/man4/
	install -m 644 build/man/man3/*.3 $(MANDIR)/man3/
	install -m 644 userspace/include/disruptor.h userspace/include/dr_atomic_user.h \
		userspace/include/dr_spellings_user.h \
		kmod/dr_ring.h kmod/dr_atomic.h bpf/input_event.h $(INCDIR)/
	install -m 644 kmod/uapi/linux/disruptor.h $(INCDIR)/linux/
	install -m 644 build/user/libdisruptor.a $(LIBDIR)/
	install -m 755 build/user/libdisruptor.so.$(LIB_VERSION) $(LIBDIR)/
	ln -sf libdisruptor.so.$(LIB_VERSION) $(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(LIBDIR)/libdisruptor.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		userspace/lib/disruptor.pc.in >$(LIBDIR)/pkgconfig/disruptor.pc
	install -m 755 $(addprefix build/tools/,$(INSTALL_TOOLS)) $(BINDIR)/
	install -m 644 build/bpf/input_hook.bpf.o build/bpf/scx_disruptor.bpf.o $(DATADIR)/bpf/
	install -m 644 scripts/udev/60-disruptor.rules $(UDEVDIR)/
	@# The rule names the group: create it on a real install, as a package would.
	if [ -z "$(DESTDIR)" ] && ! getent group disruptor >/dev/null; then \
		groupadd --system disruptor; fi
	install -m 644 dkms.conf $(DKMSDIR)/
	sed -e '/disruptor_kunit/d' -e '/KUnit module/d' Kbuild >$(DKMSDIR)/Kbuild
	install -m 644 kmod/*.c kmod/*.h $(DKMSDIR)/kmod/
	install -m 644 kmod/uapi/linux/disruptor.h $(DKMSDIR)/kmod/uapi/linux/

uninstall:
	rm -f $(addprefix $(INCDIR)/,disruptor.h dr_atomic_user.h dr_spellings_user.h dr_ring.h dr_atomic.h \
		input_event.h linux/disruptor.h)
	rm -f $(LIBDIR)/libdisruptor.a $(LIBDIR)/libdisruptor.so* $(LIBDIR)/pkgconfig/disruptor.pc
	rm -f $(addprefix $(BINDIR)/,$(INSTALL_TOOLS))
	rm -f $(DATADIR)/bpf/input_hook.bpf.o $(DATADIR)/bpf/scx_disruptor.bpf.o $(UDEVDIR)/60-disruptor.rules
	rm -rf $(DKMSDIR)
	rm -f $(addprefix $(MANDIR)/man1/,$(notdir $(wildcard userspace/man/*.1)))
	rm -f $(addprefix $(MANDIR)/man4/,$(notdir $(wildcard userspace/man/*.4)))
	rm -f $(MANDIR)/man3/disruptor_*.3
	-rmdir $(INCDIR)/linux $(INCDIR) $(DATADIR)/bpf $(DATADIR) 2>/dev/null

# make print-VAR: a variable's value, for scripts (check.sh).
print-%:
	@echo $($*)

help:
	@echo "make check   build what is missing, run every test: N passed, N failed"
	@echo "make demo    boot the test kernel and show the module at work"
	@echo "make fuzz [OPS=N|MINUTES=M] [SEED=S]  fuzz the module in the debug guest (userspace/fuzz/)"
	@echo "make mutants plant each bug of scripts/mutants/ in a scratch tree: the host tests must catch all"
	@echo "make deps    install build and test dependencies (apt, idempotent)"
	@echo "make kernel  build the cached test kernel (KDIR=$(KDIR))"
	@echo "make modules build disruptor.ko and disruptor_kunit.ko"
	@echo "make userspace  build libdisruptor (static, shared, pkg-config) in build/user"
	@echo "make user-tests build the host tests, plain and under ASan+UBSan and TSan"
	@echo "make bench-avail  where the readiness stamp sits: slot header vs own line, vs the limit"
	@echo "make bench-targets  the rows the ring's targets name, 3 repeats, ratios to the best peer"
	@echo "make bench   run the ring benchmarks against ck_ring, rte_ring, crossbeam, LMAX (build/bench/)"
	@echo "make bench-quick  the same as a smoke run, under a minute"
	@echo "make bench-deps   install the benchmark peers (apt, idempotent)"
	@echo "make kbench  the kernel paths vs the BPF ring buffer, perf buffer, evdev; scheduler latency"
	@echo "make kbench-quick the same as a smoke run, a few minutes"
	@echo "make install [DESTDIR=] [PREFIX=/usr/local]  library, headers, tools, BPF, udev, DKMS"
	@echo "make uninstall    remove what make install put there"
	@echo "make clean   remove build products (not the cached kernel)"

deps:
	$(Q)scripts/install-deps.sh

kernel:
	$(Q)scripts/build-kernel.sh debug >/dev/null

modules:
	$(Q)test -f $(KDIR)/.disruptor-built || { echo "no test kernel at $(KDIR): run 'make kernel'" >&2; exit 1; }
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# The modules again for the KCSAN kernel, built in a copy of their sources
# so the debug kernel's objects stay where they are.
KCSAN_KDIR ?= $(shell scripts/build-kernel.sh --print-dir kcsan)
.PHONY: kcsan-modules
kcsan-modules:
	$(Q)test -f $(KCSAN_KDIR)/.disruptor-built || { echo "no KCSAN kernel at $(KCSAN_KDIR)" >&2; exit 1; }
	$(Q)rm -rf build/kcsan-mod && mkdir -p build/kcsan-mod
	$(Q)find Kbuild kmod kunit -name Kbuild -o -name '*.[ch]' | xargs cp --parents -t build/kcsan-mod
	$(Q)$(MAKE) -C $(KCSAN_KDIR) M=$(CURDIR)/build/kcsan-mod modules

check:
	$(Q)scripts/check.sh

# Mutation check: host tests only, in a scratch copy; make check runs it too.
mutants:
	$(Q)scripts/mutation-check.py

demo:
	$(Q)scripts/demo.sh

clean:
	$(Q)if test -d $(KDIR); then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(Q)rm -rf build

# BPF programs: vmlinux.h from the test kernel, %.bpf.o -> %.skel.h -> loader.
CLANG		?= clang-19
BPFTOOL		?= bpftool
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -Ibuild/bpf -Ibpf \
		   -I/usr/include/$(shell gcc -dumpmachine)

build/bpf/vmlinux.h: $(KDIR)/vmlinux
	@mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) btf dump file $< format c >$@.tmp && mv $@.tmp $@

build/bpf/%.bpf.o: bpf/%.bpf.c build/bpf/vmlinux.h $(wildcard bpf/*.h)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

.PRECIOUS: build/bpf/%.bpf.o
build/bpf/%.skel.h: build/bpf/%.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name $* >$@.tmp && mv $@.tmp $@

# Loaders link libbpf dynamically (a static libelf does not link on Debian).
build/tools/disruptor_input: userspace/tools/disruptor_input.c build/bpf/input_hook.skel.h \
			     build/user/libdisruptor.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -Ikmod -Ikmod/uapi \
		-Iuserspace/include -Ibuild/bpf -Ibpf -o $@ $< build/user/libdisruptor.a -lbpf -lelf -lz

# sched_ext: built against the headers of the test kernel's own tree.
SCX_INC := $(KDIR)/tools/sched_ext/include

build/bpf/scx_disruptor.bpf.o: bpf/scx_disruptor.bpf.c bpf/scx_disruptor.h build/bpf/vmlinux.h
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(SCX_INC) -I$(SCX_INC)/bpf-compat -c $< -o $@

# bpftool 7.5 writes map->link for struct_ops maps, a field libbpf 1.4's
# headers lack; the loader attaches with bpf_map__attach_struct_ops() anyway.
build/bpf/scx_disruptor.skel.h: build/bpf/scx_disruptor.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name scx_disruptor | sed '/map->link = /d' >$@.tmp && mv $@.tmp $@

build/tools/scx_disruptor: userspace/tools/scx_disruptor.c bpf/scx_disruptor.h build/bpf/scx_disruptor.skel.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
		-Wno-sign-compare -I$(SCX_INC) -Ibuild/bpf -Ibpf -o $@ $< -lbpf -lelf -lz
