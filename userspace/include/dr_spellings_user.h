/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_spellings_user.h - the kernel spellings the ring core (kmod/dr_ring.h,
 * kmod/dr_ring.c) is written in, as macros for userspace. Macros, not
 * typedefs, so that <disruptor.h> can take them back after lending them to
 * the core (#pragma pop_macro), and a program that includes it keeps its
 * own u64, BIT or atomic64_t. The library's own sources include this again
 * after <disruptor.h>. No include guard: each include defines them anew.
 */
#include <stdint.h>

#define u8			uint8_t
#define u32			uint32_t
#define u64			uint64_t
#define s64			int64_t
#define atomic64_t		struct dr_atomic64
#define __aligned(n)		__attribute__((__aligned__(n)))
#define BIT(n)			(1U << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define EXPORT_SYMBOL_GPL(sym)
