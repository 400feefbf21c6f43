/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_atomic.h - the atomics and barriers the ring core uses, mapped onto the
 * kernel's primitives or onto C11 __atomic builtins in userspace.
 *
 * The ring core (dr_ring.h, dr_ring.c) is compiled into disruptor.ko, the
 * KUnit module and libdisruptor. It names only what is defined here, so both
 * sides read alike and keep one ordering contract.
 *
 * dr_atomic64 has the layout of the kernel's atomic64_t, a 64-bit counter,
 * so a struct holding it is the same in shared memory on both sides.
 */
#ifndef _DR_ATOMIC_H
#define _DR_ATOMIC_H

#ifdef __KERNEL__

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/processor.h>
#include <linux/types.h>

typedef atomic64_t dr_atomic64;

#define dr_load_acquire(a)		((u64)atomic64_read_acquire(a))
#define dr_load_relaxed(a)		((u64)atomic64_read(a))
#define dr_store_release(a, v)		atomic64_set_release((a), (s64)(v))
#define dr_store_relaxed(a, v)		atomic64_set((a), (s64)(v))
/* Fully ordered read-modify-writes. */
#define dr_fetch_add(a, v)		((u64)atomic64_fetch_add((s64)(v), (a)))
#define dr_try_cmpxchg(a, oldp, new)	atomic64_try_cmpxchg((a), (s64 *)(oldp), (s64)(new))
#define dr_smp_mb()			smp_mb()
#define dr_cpu_relax()			cpu_relax()
#define dr_likely(x)			likely(x)
#define dr_unlikely(x)			unlikely(x)
#define dr_ffs64(x)			__ffs64(x)
#define dr_aligned(n)			__aligned(n)

#else /* userspace */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

typedef struct {
	s64 counter;
} dr_atomic64;

#define dr_load_acquire(a)	((u64)__atomic_load_n(&(a)->counter, __ATOMIC_ACQUIRE))
#define dr_load_relaxed(a)	((u64)__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED))
#define dr_store_release(a, v)	__atomic_store_n(&(a)->counter, (s64)(v), __ATOMIC_RELEASE)
#define dr_store_relaxed(a, v)	__atomic_store_n(&(a)->counter, (s64)(v), __ATOMIC_RELAXED)
#define dr_fetch_add(a, v)	((u64)__atomic_fetch_add(&(a)->counter, (s64)(v), __ATOMIC_SEQ_CST))
#define dr_try_cmpxchg(a, oldp, new)					\
	__atomic_compare_exchange_n(&(a)->counter, (s64 *)(oldp), (s64)(new), false, \
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
#define dr_smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#if defined(__x86_64__) || defined(__i386__)
#define dr_cpu_relax()		__builtin_ia32_pause()
#elif defined(__aarch64__)
#define dr_cpu_relax()		__asm__ __volatile__("yield" ::: "memory")
#else
#define dr_cpu_relax()		__asm__ __volatile__("" ::: "memory")
#endif
#define dr_likely(x)		__builtin_expect(!!(x), 1)
#define dr_unlikely(x)		__builtin_expect(!!(x), 0)
#define dr_ffs64(x)		((unsigned int)__builtin_ctzll(x))
#define dr_aligned(n)		__attribute__((__aligned__(n)))

#endif /* __KERNEL__ */

#endif /* _DR_ATOMIC_H */
