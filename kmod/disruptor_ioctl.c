// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_ioctl.c - the ioctls of /dev/disruptor. Each copies its
 * argument in once, checks every field (unknown flags and non-zero reserved
 * fields are -EINVAL), and never reads the user's copy again.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "disruptor_internal.h"

static bool drk_resv_zero(const void *resv, size_t len)
{
	return !memchr_inv(resv, 0, len);
}

/* Bind @f to @ring for good; the caller's reference moves to @f. */
static void drk_bind_locked(struct drk_file *f, struct drk_ring *ring, bool may_publish)
{
	lockdep_assert_held(&f->lock);
	f->may_publish = may_publish;
	/* Pairs with the smp_load_acquire() in drk_file_ring(). */
	smp_store_release(&f->ring, ring);
}

static int drk_bind(struct drk_file *f, struct drk_ring *ring, bool may_publish)
{
	mutex_lock(&f->lock);
	if (f->ring) {
		mutex_unlock(&f->lock);
		return -EBUSY;
	}
	drk_bind_locked(f, ring, may_publish);
	mutex_unlock(&f->lock);
	return 0;
}

static struct drk_ring *drk_file_ring(struct drk_file *f)
{
	/* Pairs with the smp_store_release() in drk_bind_locked(). */
	return smp_load_acquire(&f->ring);
}

static long drk_ioc_create(struct drk_file *f, void __user *arg)
{
	struct disruptor_ring_params p;
	struct drk_ring *ring;
	int err;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	err = drk_check_ring_params(&p);
	if (err)
		return err;
	/* Input events are keystrokes. */
	if ((p.flags & DISRUPTOR_RING_F_INPUT) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Giving the ring to someone else is chown(). */
	if (((p.uid != (u32)-1 && !uid_eq(make_kuid(current_user_ns(), p.uid), current_fsuid())) ||
	     (p.gid != (u32)-1 && !in_group_p(make_kgid(current_user_ns(), p.gid)))) &&
	    !capable(CAP_CHOWN))
		return -EPERM;
	/*
	 * Created and bound under the fd's lock: two CREATEs racing on one fd
	 * must not leave a (persistent) ring behind the one that lost.
	 */
	mutex_lock(&f->lock);
	if (f->ring) {
		mutex_unlock(&f->lock);
		return -EBUSY;
	}
	ring = drk_ring_create(&p);
	if (IS_ERR(ring)) {
		mutex_unlock(&f->lock);
		return PTR_ERR(ring);
	}
	drk_bind_locked(f, ring, true);
	mutex_unlock(&f->lock);
	if (copy_to_user(arg, &ring->params, sizeof(ring->params)))
		return -EFAULT;
	return 0;
}

static long drk_ioc_attach(struct drk_file *f, void __user *arg)
{
	struct disruptor_attach a;
	struct drk_ring *ring;
	int err;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.flags || !drk_resv_zero(a.resv, sizeof(a.resv)) ||
	    strnlen(a.name, DISRUPTOR_NAME_LEN) == DISRUPTOR_NAME_LEN)
		return -EINVAL;
	if (drk_file_ring(f))
		return -EBUSY;
	ring = drk_ring_get(a.name);
	if (!ring)
		return -ENOENT;
	/* A ring LIST hides from the caller does not exist for it. */
	if (!drk_may_access(ring, MAY_READ)) {
		drk_ring_put(ring);
		return -ENOENT;
	}
	err = drk_bind(f, ring, drk_may_access(ring, MAY_WRITE));
	if (err) {
		drk_ring_put(ring);
		return err;
	}
	/* Built afresh: nothing of the caller's struct comes back but the name. */
	memset(&a, 0, sizeof(a));
	a.params = ring->params;
	memcpy(a.name, ring->params.name, sizeof(a.name));
	if (copy_to_user(arg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

static long drk_ioc_add_consumer(struct drk_file *f, bool writable, void __user *arg)
{
	struct disruptor_consumer_params c;
	struct drk_ring *ring = drk_file_ring(f);
	int index;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags || c.index || c.start || !drk_resv_zero(c.resv, sizeof(c.resv)))
		return -EINVAL;
	if (!ring)
		return -ENOTCONN;
	/*
	 * A consumer moves by writing its page, and a read-only fd cannot map
	 * it writable: such a consumer would gate the producers for good.
	 */
	if (!writable)
		return -EBADF;
	mutex_lock(&f->lock);
	if (f->consumer >= 0) {
		mutex_unlock(&f->lock);
		return -EBUSY;
	}
	index = drk_consumer_add(ring, c.deps, &c.start);
	if (index >= 0) {
		/* Before its sleepers can exist: they need it to be woken. */
		if (ring->dr.flags & DR_RING_BLOCKING)
			drk_file_relay_start(f, ring);
		/* The thread that asks is the one a scheduler should wake. */
		f->thread = drk_thread_register(ring->id, index);
		/* Pairs with the smp_load_acquire() in drk_file_consumer(). */
		smp_store_release(&f->consumer, index);
	}
	mutex_unlock(&f->lock);
	if (index < 0)
		return index;
	c.index = index;
	if (copy_to_user(arg, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

static long drk_ioc_publish(struct drk_file *f, void __user *arg)
{
	struct drk_ring *ring = drk_file_ring(f);
	struct disruptor_publish p;
	u32 slot_size, i;
	size_t bytes;
	void *buf;
	u64 lo;
	int err;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.flags || p.published || p.first || !drk_resv_zero(p.resv, sizeof(p.resv)))
		return -EINVAL;
	if (!ring)
		return -ENOTCONN;
	if (!f->may_publish)
		return -EPERM;
	slot_size = ring->dr.slot_size;
	bytes = (size_t)p.count * p.record_size;
	if (p.count == 0 || p.count > DRK_PUBLISH_MAX || p.count > ring->dr.mask + 1 ||
	    p.record_size == 0 || p.record_size > slot_size || bytes > DRK_PUBLISH_MAX_BYTES)
		return -EINVAL;
	/* Copy first: a claim cannot be abandoned, so nothing may fault after it. */
	buf = memdup_user(u64_to_user_ptr(p.data), bytes);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/*
	 * Threads publishing into a single-producer ring take turns here; a
	 * kernel producer racing in is refused by drk_sp_enter() instead.
	 */
	if (ring->dr.mode == DR_SINGLE_PRODUCER)
		mutex_lock(&ring->publish_lock);
	err = drk_try_claim(ring, p.count, &lo);
	if (!err) {
		for (i = 0; i < p.count; i++) {
			void *slot = drk_slot(ring, lo + i);

			memcpy(slot, buf + (size_t)i * p.record_size, p.record_size);
			memset(slot + p.record_size, 0, slot_size - p.record_size);
		}
		drk_publish(ring, lo, lo + p.count - 1);
		p.published = p.count;
		p.first = lo;
	}
	if (ring->dr.mode == DR_SINGLE_PRODUCER)
		mutex_unlock(&ring->publish_lock);
	kfree(buf);
	if (err)
		return err;
	if (copy_to_user(arg, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

/* WAIT and WAKE act for the fd's consumer, on a blocking ring only. */
static int drk_blocking_consumer(struct drk_file *f, struct drk_ring *ring)
{
	int index;

	if (!ring)
		return -ENOTCONN;
	index = drk_file_consumer(f);
	if (index < 0 || !(ring->dr.flags & DR_RING_BLOCKING))
		return -EINVAL;
	return index;
}

/*
 * The WAIT condition; records how far the consumer may read, and whether
 * w->seq is out of reach behind a closed upstream (@gone) or the fd was
 * told to halt (@halted). A WAIT that will not sleep (@arm false) arms
 * nothing: a reader looping on it must not make publishes raise wakeups.
 */
static bool drk_wait_done(struct drk_file *f, struct drk_ring *ring, int index,
			  struct disruptor_wait_args *w, bool arm, bool *gone, bool *halted)
{
	u64 next;

	w->available = arm ? drk_file_ready_or_arm(f, ring, index, w->seq) :
			     drk_consumer_available(ring, index, w->seq, &next);
	if (w->available > w->seq)
		return true;
	*halted = atomic_xchg(&f->halt, 0);
	if (*halted)
		return true;
	*gone = drk_upstream_gone(ring, index, w->seq);
	return *gone;
}

/*
 * A consumer reads at most a lap past its trusted sequence, which it
 * cannot move while it waits: a sequence a lap or more beyond it could
 * only time out (and U64_MAX is a relay's "no want").
 */
static bool drk_wait_past_a_lap(struct drk_ring *ring, int index, u64 seq)
{
	struct dr_ring *r = &ring->dr;
	u64 next = dr_seq_read(r, index, atomic64_read(&r->hdr->claim));

	return seq > next && seq - next > r->mask;
}

static long drk_ioc_wait(struct drk_file *f, void __user *arg)
{
	struct drk_ring *ring = drk_file_ring(f);
	struct disruptor_wait_args w;
	bool gone = false, halted = false;
	int index;
	long ret;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	/* A timeout is a ktime: 2^63 ns and more would turn negative. */
	if (w.flags || w.resv0 || w.available || !drk_resv_zero(w.resv, sizeof(w.resv)) ||
	    w.timeout_ns > KTIME_MAX)
		return -EINVAL;
	index = drk_blocking_consumer(f, ring);
	if (index < 0)
		return index;
	if (drk_wait_past_a_lap(ring, index, w.seq))
		return -EINVAL;
	if (!w.timeout_ns)
		ret = drk_wait_done(f, ring, index, &w, false, &gone, &halted) ? 0 : -ETIME;
	else
		/*
		 * On the fd's own queue: its relay wakes it when w.seq is due,
		 * a halt at once. The condition arms after the wait queued us.
		 */
		ret = wait_event_interruptible_hrtimeout(f->wq,
							 drk_wait_done(f, ring, index, &w, true,
								       &gone, &halted),
							 ns_to_ktime(w.timeout_ns));
	if (ret == -ETIME)
		ret = -ETIMEDOUT;
	if (ret)
		return ret;
	if (halted)
		return -ECANCELED;
	if (gone)
		return -EPIPE;
	if (copy_to_user(arg, &w, sizeof(w)))
		return -EFAULT;
	return 0;
}

static long drk_ioc_wake(struct drk_file *f, void __user *arg)
{
	struct drk_ring *ring = drk_file_ring(f);
	struct disruptor_wake w;
	u64 seq, last;
	int index;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if ((w.flags & ~DISRUPTOR_WAKE_SELF) || !drk_resv_zero(w.resv, sizeof(w.resv)))
		return -EINVAL;
	index = drk_blocking_consumer(f, ring);
	if (index < 0)
		return index;
	if (w.flags & DISRUPTOR_WAKE_SELF) {
		/*
		 * Ends this fd's WAIT, no other. Pairs with the barrier of
		 * set_current_state() before the WAIT's drk_wait_done(): it
		 * sees @halt, or try_to_wake_up() sees it asleep and wakes it.
		 */
		atomic_set(&f->halt, 1);
		wake_up_all(&f->wq);
	}
	/*
	 * Only for progress: a caller looping on WAKE without releasing
	 * anything wakes nobody, so it cannot make other users' sleepers spin.
	 */
	seq = dr_seq_read(&ring->dr, index, atomic64_read(&ring->dr.hdr->claim));
	last = atomic64_read(&f->woke_at);
	do {
		if (seq <= last)
			return 0;
	} while (!atomic64_try_cmpxchg(&f->woke_at, &last, seq));
	/* The bit is taken only to wake (see dr_release_take()). */
	if (dr_release_take(&ring->dr, index))
		drk_wake(ring);
	return 0;
}

static long drk_ioc_stats(struct drk_file *f, void __user *arg)
{
	struct drk_ring *ring = drk_file_ring(f);
	struct disruptor_stats *s;
	u64 claim, active, a;
	long ret = 0;

	if (!ring)
		return -ENOTCONN;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	claim = atomic64_read(&ring->dr.hdr->claim);
	active = atomic64_read(&ring->dr.hdr->active);
	s->claimed = claim;
	s->dropped = atomic64_read(&ring->dr.hdr->dropped);
	s->active = active;
	/* Untrusted pages: producers wait for every consumer (dr_gating_min()). */
	s->gating = active;
	/* Orphans are active consumers: one reaped since active was read is gone. */
	s->orphaned = READ_ONCE(ring->orphaned) & active;
	/*
	 * One snapshot at @claim: a concurrent reader may have moved a shadow
	 * up to a newer claim than ours, which this snapshot does not show.
	 */
	for (a = active; a; a &= a - 1)
		s->consumer_seq[__ffs64(a)] = min(dr_seq_read(&ring->dr, __ffs64(a), claim), claim);
	if (copy_to_user(arg, s, sizeof(*s)))
		ret = -EFAULT;
	kfree(s);
	return ret;
}

static long drk_ioc_destroy(void __user *arg)
{
	struct disruptor_destroy d;

	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (d.flags || !drk_resv_zero(d.resv, sizeof(d.resv)) ||
	    strnlen(d.name, DISRUPTOR_NAME_LEN) == DISRUPTOR_NAME_LEN)
		return -EINVAL;
	return drk_ring_destroy(d.name);
}

#define DRK_LIST_MAX	256

static long drk_ioc_list(void __user *arg)
{
	struct disruptor_ring_info *info;
	struct disruptor_list l;
	u32 cap;
	long ret = 0;

	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.flags || l.count || !drk_resv_zero(l.resv, sizeof(l.resv)))
		return -EINVAL;
	cap = min_t(u32, l.capacity, DRK_LIST_MAX);
	info = kcalloc(max(cap, 1U), sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	drk_ring_list(info, cap, &l.count);
	if (copy_to_user(u64_to_user_ptr(l.rings), info, min(l.count, cap) * sizeof(*info)) ||
	    copy_to_user(arg, &l, sizeof(l)))
		ret = -EFAULT;
	kfree(info);
	return ret;
}

/**
 * drk_ioctl() - dispatch a /dev/disruptor ioctl.
 * @file: the open device.
 * @cmd: DISRUPTOR_IOC_*.
 * @arg: user pointer to the command's struct.
 *
 * Return: 0 or a negative errno; -ENOTTY for an unknown @cmd.
 */
long drk_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct drk_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DISRUPTOR_IOC_CREATE:
		return drk_ioc_create(f, uarg);
	case DISRUPTOR_IOC_ATTACH:
		return drk_ioc_attach(f, uarg);
	case DISRUPTOR_IOC_ADD_CONSUMER:
		return drk_ioc_add_consumer(f, file->f_mode & FMODE_WRITE, uarg);
	case DISRUPTOR_IOC_PUBLISH:
		return drk_ioc_publish(f, uarg);
	case DISRUPTOR_IOC_WAIT:
		return drk_ioc_wait(f, uarg);
	case DISRUPTOR_IOC_STATS:
		return drk_ioc_stats(f, uarg);
	case DISRUPTOR_IOC_WAKE:
		return drk_ioc_wake(f, uarg);
	case DISRUPTOR_IOC_LIST:
		return drk_ioc_list(uarg);
	case DISRUPTOR_IOC_DESTROY:
		return drk_ioc_destroy(uarg);
	default:
		return -ENOTTY;
	}
}
