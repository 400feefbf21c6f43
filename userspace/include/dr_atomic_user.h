/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_atomic_user.h - the ring core's atomics in userspace: the names
 * kmod/dr_atomic.h maps onto the kernel, mapped here onto C11 __atomic
 * builtins. The kernel spellings the shared code is written in (u64,
 * atomic64_t, BIT, ...) are in dr_spellings_user.h: <disruptor.h> lends
 * them to the core and takes them back, so a program keeps its own.
 */
#ifndef _DR_ATOMIC_USER_H
#define _DR_ATOMIC_USER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's atomic64_t: the same layout, so shared memory agrees. */
struct dr_atomic64 {
	int64_t counter;
};

#define dr_load_acquire(a)	((uint64_t)__atomic_load_n(&(a)->counter, __ATOMIC_ACQUIRE))
#define dr_load_relaxed(a)	((uint64_t)__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED))
#define dr_store_release(a, v)	__atomic_store_n(&(a)->counter, (int64_t)(v), __ATOMIC_RELEASE)
#define dr_store_relaxed(a, v)	__atomic_store_n(&(a)->counter, (int64_t)(v), __ATOMIC_RELAXED)
#define dr_fetch_add(a, v)						\
	((uint64_t)__atomic_fetch_add(&(a)->counter, (int64_t)(v), __ATOMIC_SEQ_CST))
#define dr_fetch_or(a, v)						\
	((uint64_t)__atomic_fetch_or(&(a)->counter, (int64_t)(v), __ATOMIC_SEQ_CST))
#define dr_fetch_andnot(a, v)						\
	((uint64_t)__atomic_fetch_and(&(a)->counter, ~(int64_t)(v), __ATOMIC_SEQ_CST))
#define dr_try_cmpxchg(a, oldp, new)					\
	__atomic_compare_exchange_n(&(a)->counter, (int64_t *)(oldp), (int64_t)(new), false, \
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
#ifdef __SANITIZE_THREAD__
/*
 * TSan does not model fences. A locked RMW on a thread-private word is the
 * same full barrier to the CPU and gives TSan no cross-thread edge, so it
 * hides no race.
 */
static __thread int dr_tsan_fence_word __attribute__((unused));
#define dr_smp_mb()		((void)__atomic_fetch_add(&dr_tsan_fence_word, 0, __ATOMIC_SEQ_CST))
#else
#define dr_smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#if defined(__x86_64__) || defined(__i386__)
#define dr_cpu_relax()		__builtin_ia32_pause()
#elif defined(__aarch64__)
#define dr_cpu_relax()		__asm__ __volatile__("yield" ::: "memory")
#else
#define dr_cpu_relax()		__asm__ __volatile__("" ::: "memory")
#endif
/*
 * A hint: fetch the line at @p for writing. x86's PREFETCHW is spelled out
 * (compilers emit it only for -mprfchw); callers use it only where CPUID
 * reports it (dr_cpu_prefetches_writes()).
 */
#if defined(__x86_64__) || defined(__i386__)
#define dr_prefetch_write(p)	__asm__("prefetchw %0" : : "m"(*(const char *)(p)))
#else
#define dr_prefetch_write(p)	__builtin_prefetch((p), 1, 3)
#endif
#define dr_likely(x)		__builtin_expect(!!(x), 1)
#define dr_unlikely(x)		__builtin_expect(!!(x), 0)
#define dr_always_inline	inline __attribute__((__always_inline__))
#define dr_ffs64(x)		((unsigned int)__builtin_ctzll(x))

#endif /* _DR_ATOMIC_USER_H */
