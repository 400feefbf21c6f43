/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_atomic.h - the atomics and barriers the ring core uses, mapped onto the
 * kernel's primitives. Userspace builds of the core map the same names onto
 * C11 __atomic builtins in userspace/include/dr_atomic_user.h instead: the
 * kernel build never includes a userspace header.
 *
 * The ring core (dr_ring.h, dr_ring.c) is compiled into disruptor.ko, the
 * KUnit module and libdisruptor. It names only what is defined here, so both
 * sides read alike and keep one ordering contract. Shared 64-bit fields are
 * atomic64_t, whose layout (one s64) userspace reproduces.
 */
#ifndef _DR_ATOMIC_H
#define _DR_ATOMIC_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/processor.h>
#include <linux/types.h>

#define dr_load_acquire(a)		((u64)atomic64_read_acquire(a))
#define dr_load_relaxed(a)		((u64)atomic64_read(a))
#define dr_store_release(a, v)		atomic64_set_release((a), (s64)(v))
#define dr_store_relaxed(a, v)		atomic64_set((a), (s64)(v))
/* Fully ordered read-modify-writes. */
#define dr_fetch_add(a, v)		((u64)atomic64_fetch_add((s64)(v), (a)))
#define dr_fetch_or(a, v)		((u64)atomic64_fetch_or((s64)(v), (a)))
#define dr_fetch_andnot(a, v)		((u64)atomic64_fetch_andnot((s64)(v), (a)))
#define dr_try_cmpxchg(a, oldp, new)	atomic64_try_cmpxchg((a), (s64 *)(oldp), (s64)(new))
/* A full barrier; each use in dr_ring.[ch] names the barrier it pairs with. */
#define dr_smp_mb()			smp_mb()
#define dr_cpu_relax()			cpu_relax()
#define dr_likely(x)			likely(x)
#define dr_unlikely(x)			unlikely(x)
#define dr_always_inline		__always_inline
#define dr_ffs64(x)			__ffs64(x)

#endif /* _DR_ATOMIC_H */
