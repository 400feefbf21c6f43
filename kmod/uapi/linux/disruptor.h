/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * /dev/disruptor ABI: the only header shared by the module, BPF programs and
 * libdisruptor. __u32/__u64 only; reserved fields must be zero and unknown
 * flags are rejected with -EINVAL, so every field can grow a meaning later.
 *
 * Usage: open /dev/disruptor, then either DISRUPTOR_IOC_CREATE a ring or
 * DISRUPTOR_IOC_ATTACH to one by name (DISRUPTOR_IOC_LIST shows them): the
 * fd is now bound to that ring, and closing it detaches. A ring lives until
 * its last fd, mapping or kernel user goes. DISRUPTOR_IOC_ADD_CONSUMER makes
 * the fd a consumer, until it closes. mmap each region at the offset the
 * kernel reported in struct disruptor_offsets:
 *
 *   header   read-only  struct disruptor_ring_header
 *   consumer one page per consumer index; writable only through the fd
 *            that owns that consumer, read-only to others
 *   slots    read-only  slot_count slots of slot_stride bytes: a __u64
 *            stamp, then slot_size bytes of payload
 *
 * Readiness lives in the slot: a publish stores the slot's sequence in its
 * stamp, with release, after the payload; a consumer that loads the stamp
 * (acquire) equal to the sequence it wants may read the payload beside it.
 * Stamps start one lap back (slot i holds i - slot_count), so no slot looks
 * published before its first publish.
 *
 * The kernel reads a consumer's page but never trusts it: a value only
 * moves the consumer forward, and a value past the claim counts as the
 * claim. Garbage can make a consumer skip events, never harm another.
 */
#ifndef _UAPI_LINUX_DISRUPTOR_H
#define _UAPI_LINUX_DISRUPTOR_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define DISRUPTOR_ABI_VERSION		2
#define DISRUPTOR_NAME_LEN		32
#define DISRUPTOR_MAX_CONSUMERS		64
/* bytes of stamp before each slot's payload: slot_stride = 8 + slot_size */
#define DISRUPTOR_STAMP_SIZE		8

/* struct disruptor_ring_params.producer */
#define DISRUPTOR_PRODUCER_SINGLE	0
#define DISRUPTOR_PRODUCER_MULTI	1

/* struct disruptor_ring_params.flags */
/* poll and DISRUPTOR_IOC_WAIT work: each publish checks for sleepers */
#define DISRUPTOR_RING_F_BLOCKING	_BITUL(0)
/* carries input events (keystrokes): creating it needs CAP_SYS_ADMIN */
#define DISRUPTOR_RING_F_INPUT		_BITUL(1)
/* lives without users until DISRUPTOR_IOC_DESTROY (e.g. made by disruptorctl) */
#define DISRUPTOR_RING_F_PERSIST	_BITUL(2)
#define DISRUPTOR_RING_F_ALL		(DISRUPTOR_RING_F_BLOCKING | DISRUPTOR_RING_F_INPUT | \
					 DISRUPTOR_RING_F_PERSIST)

/* struct disruptor_ring_params.features, set by the kernel */
#define DISRUPTOR_FEAT_POLL		_BITUL(0)	/* poll/epoll per consumer */
#define DISRUPTOR_FEAT_WAIT		_BITUL(1)	/* DISRUPTOR_IOC_WAIT */
#define DISRUPTOR_FEAT_PUBLISH		_BITUL(2)	/* DISRUPTOR_IOC_PUBLISH */
#define DISRUPTOR_FEAT_BPF		_BITUL(3)	/* bpf_disruptor_publish() */
#define DISRUPTOR_FEAT_WAKE		_BITUL(4)	/* DISRUPTOR_IOC_WAKE */
#define DISRUPTOR_FEAT_HALT		_BITUL(5)	/* DISRUPTOR_WAKE_SELF */

/**
 * struct disruptor_ring_header - the header region, as mapped (read-only).
 * Every version keeps @abi_version at byte 20, so that a library reads it
 * before trusting anything else. Fields written by different parties sit on
 * their own 128-byte line (the adjacent-line prefetcher fetches pairs).
 * @slot_count: slots, a power of two.
 * @slot_size: payload bytes per slot (the stamp is not counted).
 * @producer: DISRUPTOR_PRODUCER_*.
 * @flags: bit 0: DISRUPTOR_RING_F_BLOCKING.
 * @abi_version: DISRUPTOR_ABI_VERSION.
 * @active: bitmap of registered consumers.
 * @gating: bitmap of the leaf consumers (nobody reads behind them); the
 *	    kernel's producers wait for every active consumer.
 * @registry_gen: odd while the registry changes.
 * @deps: each consumer's dependencies (a bitmap of consumer indexes).
 * @pad0: zero.
 * @claim: sequences claimed by producers.
 * @pad1: zero.
 * @gate_cache: a lower bound of the gating consumers' sequences.
 * @gate_hint: which consumer set @gate_cache, and at which @registry_gen.
 * @pad2: zero.
 * @dropped: claims refused because the ring was full.
 * @pad3: zero.
 * @release_waiters: bitmap of the consumers a sleeper waits behind: after
 *	    releasing, consumer i calls DISRUPTOR_IOC_WAKE when bit i is set
 *	    (read it after a full barrier that follows the release).
 * @wake_seq: the lowest sequence a sleeper waits to see published; a
 *	    publish that reaches it wakes the sleepers (~0: none armed).
 * @wake_gen: wakeups raised so far (memfd rings: the futex word, its low
 *	    32 bits).
 * @pad4: zero.
 */
struct disruptor_ring_header {
	__u64 slot_count;
	__u32 slot_size;
	__u32 producer;
	__u32 flags;
	__u32 abi_version;
	__u64 active;
	__u64 gating;
	__u64 registry_gen;
	__u64 deps[DISRUPTOR_MAX_CONSUMERS];
	__u8 pad0[80];
	__u64 claim;
	__u8 pad1[120];
	__u64 gate_cache;
	__u64 gate_hint;
	__u8 pad2[112];
	__u64 dropped;
	__u8 pad3[120];
	__u64 release_waiters;
	__u64 wake_seq;
	__u64 wake_gen;
	__u8 pad4[104];
};

/**
 * struct disruptor_offsets - the mmap offsets of a ring's regions.
 * @header: header region (one page).
 * @consumers: consumer i's page is at @consumers + i * page size.
 * @slots: the slots.
 * @header_len: bytes to map for the header.
 * @slots_len: bytes to map for the slots.
 * @slot_stride: bytes from one slot to the next: DISRUPTOR_STAMP_SIZE +
 *		 slot_size.
 * @resv: zero.
 */
struct disruptor_offsets {
	__u64 header;
	__u64 consumers;
	__u64 slots;
	__u64 header_len;
	__u64 slots_len;
	__u64 slot_stride;
	__u64 resv[12];
};

/**
 * struct disruptor_ring_params - DISRUPTOR_IOC_CREATE, in and out.
 * @name: NUL-terminated, unique, [A-Za-z0-9_.-] only.
 * @slot_count: in: a power of two, 2 to 2^20.
 * @slot_size: in: payload bytes per slot, a multiple of 8, 8 to 4096; each
 *	       slot also holds an 8-byte stamp (off.slot_stride).
 * @producer: in: DISRUPTOR_PRODUCER_*.
 * @flags: in: DISRUPTOR_RING_F_*.
 * @mode: in: permission bits for DISRUPTOR_IOC_ATTACH, as a file's (e.g. 0640);
 *	  the read bits let a user attach and consume, the write bits publish.
 * @uid: in: owner; (__u32)-1 for the caller.
 * @gid: in: group; (__u32)-1 for the caller's.
 * @features: out: DISRUPTOR_FEAT_*.
 * @id: out: the ring's id for BPF programs (bpf_disruptor_publish()), never
 *	0; a destroyed ring's id names no other ring for 2^32 creations.
 * @resv: must be zero.
 * @off: out: the regions' mmap offsets.
 */
struct disruptor_ring_params {
	char name[DISRUPTOR_NAME_LEN];
	__u64 slot_count;
	__u32 slot_size;
	__u32 producer;
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 features;
	__u32 id;
	__u32 resv[6];
	struct disruptor_offsets off;
};

/**
 * struct disruptor_attach - DISRUPTOR_IOC_ATTACH, in and out.
 * @name: the ring's name.
 * @flags: must be zero.
 * @resv: must be zero.
 * @params: out: the ring's geometry, features and offsets.
 */
struct disruptor_attach {
	char name[DISRUPTOR_NAME_LEN];
	__u32 flags;
	__u32 resv[3];
	struct disruptor_ring_params params;
};

/**
 * struct disruptor_consumer_params - DISRUPTOR_IOC_ADD_CONSUMER.
 * @deps: in: bitmap of consumer indexes to read behind; 0 for none.
 * @flags: in: must be zero.
 * @index: out: the new consumer's index; its page is at
 *	   off.consumers + index * page size.
 * @start: out: its first sequence.
 * @resv: must be zero.
 */
struct disruptor_consumer_params {
	__u64 deps;
	__u32 flags;
	__u32 index;
	__u64 start;
	__u64 resv[2];
};

/**
 * struct disruptor_publish - DISRUPTOR_IOC_PUBLISH: copy records into slots.
 * @data: in: user address of @count records, each @record_size bytes.
 * @count: in: records offered, 1 to 1024.
 * @record_size: in: bytes per record, 1 to the ring's slot size; the rest of
 *		 each slot is zeroed.
 * @flags: in: must be zero.
 * @published: out: records published (all or none: a full ring drops the
 *	       whole batch and counts it).
 * @first: out: the first sequence published.
 * @resv: must be zero.
 */
struct disruptor_publish {
	__u64 data;
	__u32 count;
	__u32 record_size;
	__u32 flags;
	__u32 published;
	__u64 first;
	__u64 resv[2];
};

/**
 * struct disruptor_wait_args - DISRUPTOR_IOC_WAIT: sleep until @seq is readable.
 * @seq: in: a sequence the fd's consumer waits for; a later one than its
 *	 next waits for a batch, woken once, by the publish that reaches it.
 *	 A lap or more past its next is EINVAL: it cannot come while it waits.
 * @timeout_ns: in: relative timeout; 0 only checks.
 * @flags: in: must be zero.
 * @resv0: must be zero.
 * @available: out: end of what the consumer may read (> @seq on success).
 * @resv: must be zero.
 *
 * Fails with EPIPE when @seq can never become readable: a consumer this one
 * reads behind had its fd closed (its process died) and released less; with
 * ECANCELED when DISRUPTOR_IOC_WAKE with DISRUPTOR_WAKE_SELF was called on
 * the same fd since its last WAIT (a halt).
 */
struct disruptor_wait_args {
	__u64 seq;
	__u64 timeout_ns;
	__u32 flags;
	__u32 resv0;
	__u64 available;
	__u64 resv[2];
};

/**
 * struct disruptor_stats - DISRUPTOR_IOC_STATS.
 * @claimed: sequences claimed (== published once producers finish).
 * @dropped: offers refused because the ring was full.
 * @active: bitmap of consumers.
 * @gating: bitmap of the consumers producers wait for: every active one
 *	    (a consumer's page is not trusted to speak for those it reads
 *	    behind).
 * @consumer_seq: each consumer's sequence as the kernel trusts it.
 * @orphaned: bitmap of consumers whose fd closed while others read behind
 *	      them: they stay until the last of those closes, and never move
 *	      again (a dependent's WAIT past one fails with EPIPE).
 * @resv: zero.
 */
struct disruptor_stats {
	__u64 claimed;
	__u64 dropped;
	__u64 active;
	__u64 gating;
	__u64 consumer_seq[DISRUPTOR_MAX_CONSUMERS];
	__u64 orphaned;
	__u64 resv[3];
};

/**
 * struct disruptor_ring_info - one ring, as DISRUPTOR_IOC_LIST reports it.
 * @name: its name.
 * @slot_count: slots.
 * @slot_size: bytes per slot.
 * @producer: DISRUPTOR_PRODUCER_*.
 * @claimed: sequences claimed.
 * @dropped: offers refused.
 * @active: bitmap of consumers.
 * @mode: permission bits.
 * @uid: owner.
 * @gid: group.
 * @flags: DISRUPTOR_RING_F_* it was created with (PERSIST cleared once
 *	   destroyed).
 * @resv: zero.
 */
struct disruptor_ring_info {
	char name[DISRUPTOR_NAME_LEN];
	__u64 slot_count;
	__u32 slot_size;
	__u32 producer;
	__u64 claimed;
	__u64 dropped;
	__u64 active;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 flags;
	__u32 resv[2];
};

/**
 * struct disruptor_list - DISRUPTOR_IOC_LIST: the rings the caller may attach.
 * @rings: in: user address of @capacity struct disruptor_ring_info.
 * @capacity: in: entries at @rings; 0 only counts.
 * @count: out: rings visible to the caller (may exceed @capacity).
 * @flags: in: must be zero.
 * @resv: must be zero.
 */
struct disruptor_list {
	__u64 rings;
	__u32 capacity;
	__u32 count;
	__u32 flags;
	__u32 resv[3];
};

/**
 * struct disruptor_destroy - DISRUPTOR_IOC_DESTROY: end a persistent ring.
 * @name: the ring's name.
 * @flags: must be zero.
 * @resv: must be zero.
 *
 * Drops the reference DISRUPTOR_RING_F_PERSIST kept; the ring goes when its
 * last fd and mapping go. Its owner or CAP_SYS_ADMIN only.
 */
struct disruptor_destroy {
	char name[DISRUPTOR_NAME_LEN];
	__u32 flags;
	__u32 resv[3];
};

/* disruptor_wake.flags */
#define DISRUPTOR_WAKE_SELF	_BITUL(0)	/* and end this fd's own WAITs */

/**
 * struct disruptor_wake - DISRUPTOR_IOC_WAKE: the fd's consumer released;
 * wake the poll and DISRUPTOR_IOC_WAIT sleepers that wait behind it.
 * @flags: 0, or DISRUPTOR_WAKE_SELF: also end the WAIT sleeping on this fd
 *	   now, or the next one, with ECANCELED (how a consumer is halted;
 *	   no other fd's sleeper wakes).
 * @resv: must be zero.
 *
 * Producers' publishes wake sleepers; releases happen in userspace, which
 * the kernel does not see. A consumer that others read behind calls this
 * after releasing when its bit in the header's release_waiters is set. It
 * wakes only for progress: a call whose consumer has not moved since the
 * last call that woke anyone does nothing.
 */
struct disruptor_wake {
	__u32 flags;
	__u32 resv[3];
};

#define DISRUPTOR_IOC_MAGIC		0xD5
#define DISRUPTOR_IOC_CREATE		_IOWR(DISRUPTOR_IOC_MAGIC, 1, struct disruptor_ring_params)
#define DISRUPTOR_IOC_ATTACH		_IOWR(DISRUPTOR_IOC_MAGIC, 2, struct disruptor_attach)
#define DISRUPTOR_IOC_ADD_CONSUMER	\
	_IOWR(DISRUPTOR_IOC_MAGIC, 3, struct disruptor_consumer_params)
#define DISRUPTOR_IOC_PUBLISH		_IOWR(DISRUPTOR_IOC_MAGIC, 4, struct disruptor_publish)
#define DISRUPTOR_IOC_WAIT		_IOWR(DISRUPTOR_IOC_MAGIC, 5, struct disruptor_wait_args)
#define DISRUPTOR_IOC_STATS		_IOR(DISRUPTOR_IOC_MAGIC, 6, struct disruptor_stats)
#define DISRUPTOR_IOC_LIST		_IOWR(DISRUPTOR_IOC_MAGIC, 7, struct disruptor_list)
#define DISRUPTOR_IOC_DESTROY		_IOW(DISRUPTOR_IOC_MAGIC, 8, struct disruptor_destroy)
#define DISRUPTOR_IOC_WAKE		_IOW(DISRUPTOR_IOC_MAGIC, 9, struct disruptor_wake)

#endif /* _UAPI_LINUX_DISRUPTOR_H */
