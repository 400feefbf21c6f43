/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_atomic_user.h - the ring core's atomics in userspace: the names
 * kmod/dr_atomic.h maps onto the kernel, mapped here onto C11 __atomic
 * builtins, plus the few kernel spellings the shared code uses.
 */
#ifndef _DR_ATOMIC_USER_H
#define _DR_ATOMIC_USER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

/* The kernel's atomic64_t: the same layout, so shared memory agrees. */
typedef struct {
	s64 counter;
} atomic64_t;

#define dr_load_acquire(a)	((u64)__atomic_load_n(&(a)->counter, __ATOMIC_ACQUIRE))
#define dr_load_relaxed(a)	((u64)__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED))
#define dr_store_release(a, v)	__atomic_store_n(&(a)->counter, (s64)(v), __ATOMIC_RELEASE)
#define dr_store_relaxed(a, v)	__atomic_store_n(&(a)->counter, (s64)(v), __ATOMIC_RELAXED)
#define dr_fetch_add(a, v)	((u64)__atomic_fetch_add(&(a)->counter, (s64)(v), __ATOMIC_SEQ_CST))
#define dr_fetch_or(a, v)	((u64)__atomic_fetch_or(&(a)->counter, (s64)(v), __ATOMIC_SEQ_CST))
#define dr_fetch_andnot(a, v)	((u64)__atomic_fetch_and(&(a)->counter, ~(s64)(v), __ATOMIC_SEQ_CST))
#define dr_try_cmpxchg(a, oldp, new)					\
	__atomic_compare_exchange_n(&(a)->counter, (s64 *)(oldp), (s64)(new), false, \
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
#define dr_likely(x)		__builtin_expect(!!(x), 1)
#define dr_unlikely(x)		__builtin_expect(!!(x), 0)
#define dr_ffs64(x)		((unsigned int)__builtin_ctzll(x))

#ifndef __aligned
#define __aligned(n)		__attribute__((__aligned__(n)))
#endif
#ifndef BIT
#define BIT(n)			(1U << (n))
#endif
#ifndef BIT_ULL
#define BIT_ULL(n)		(1ULL << (n))
#endif
#define EXPORT_SYMBOL_GPL(sym)

#endif /* _DR_ATOMIC_USER_H */
