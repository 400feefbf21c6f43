# SPDX-License-Identifier: GPL-2.0
#
# libdisruptor and its host tests, included by the top-level Makefile.
# Three builds of the same sources: plain (-O2), ASan+UBSan, and TSan.
# The ring core (kmod/dr_ring.c) is compiled into each: one algorithm.

CC		?= gcc
BUILD		:= build
LIB_VERSION	:= 0.1.0
LIB_SONAME	:= libdisruptor.so.0

USER_CFLAGS	:= -std=gnu11 -g -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes \
		   -Wno-unused-parameter -Werror -fPIC -pthread \
		   -Ikmod -Ikmod/uapi -Iuserspace/include -Iuserspace/lib
ASAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS	:= -fsanitize=thread

LIB_SRCS	:= kmod/dr_ring.c $(wildcard userspace/lib/*.c)
TEST_SRCS	:= $(wildcard userspace/tests/*.c)
TEST_NAMES	:= $(basename $(notdir $(TEST_SRCS)))
# Every test runs under ASan+UBSan; the concurrent ones under TSan too.
# Not memfd_ring_carries_events_between_processes: its two sides are a
# parent and a forked child, and TSan sees one process only, so a TSan run
# of it checks nothing more than the plain one and would count as a pass it
# did not earn.
TSAN_TESTS	:= consumer_graphs_see_every_event_once_in_order \
		   every_wait_strategy_wakes_and_times_out \
		   sequencer_orders_gates_and_counts_exactly \
		   memfd_offer_copies_each_record \
		   consumers_joining_and_leaving_under_load_are_never_lapped

lib_objs	= $(patsubst %.c,$(BUILD)/$(1)/%.o,$(LIB_SRCS))

define variant
# kmod/dr_ring.c too: a test may include it (its own copy of the core, with hooks).
$(BUILD)/$(1)/%.o: %.c kmod/dr_ring.c $(wildcard kmod/*.h userspace/include/*.h userspace/lib/*.h userspace/tests/*.h)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(USER_CFLAGS) $(2) -c $$< -o $$@

$(BUILD)/$(1)/libdisruptor.a: $(call lib_objs,$(1))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef

$(eval $(call variant,user,))
$(eval $(call variant,asan,$(ASAN_FLAGS)))
$(eval $(call variant,tsan,$(TSAN_FLAGS)))

$(BUILD)/user/libdisruptor.so.$(LIB_VERSION): $(call lib_objs,user) userspace/lib/libdisruptor.map
	$(Q)$(CC) -shared -pthread -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=userspace/lib/libdisruptor.map -o $@ $(call lib_objs,user)
	$(Q)ln -sf libdisruptor.so.$(LIB_VERSION) $(BUILD)/user/$(LIB_SONAME)
	$(Q)ln -sf $(LIB_SONAME) $(BUILD)/user/libdisruptor.so

$(BUILD)/user/disruptor.pc: userspace/lib/disruptor.pc.in
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIB_VERSION)|' $< >$@

$(BUILD)/tests/%: $(BUILD)/user/userspace/tests/%.o $(BUILD)/user/libdisruptor.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -pthread -o $@ $^

$(BUILD)/tests/%-asan: $(BUILD)/asan/userspace/tests/%.o $(BUILD)/asan/libdisruptor.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -pthread $(ASAN_FLAGS) -o $@ $^

$(BUILD)/tests/%-tsan: $(BUILD)/tsan/userspace/tests/%.o $(BUILD)/tsan/libdisruptor.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) -pthread $(TSAN_FLAGS) -o $@ $^

USER_TESTS	:= $(addprefix $(BUILD)/tests/,$(TEST_NAMES) $(addsuffix -asan,$(TEST_NAMES)) \
		     $(addsuffix -tsan,$(TSAN_TESTS)))

.PHONY: userspace user-tests
userspace: $(BUILD)/user/libdisruptor.a $(BUILD)/user/libdisruptor.so.$(LIB_VERSION) \
	   $(BUILD)/user/disruptor.pc
user-tests: userspace $(USER_TESTS)

