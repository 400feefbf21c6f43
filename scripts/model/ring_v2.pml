/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring_v2.pml - the ring protocol of ABI 2 (readiness stamped in the slot),
 * in Promela for spin, as kmod/dr_ring.[ch] implement it (memfd sleeping):
 *
 *   producer:  lo = fetch_add(claim, n)                    (locked RMW)
 *              wait until lo + n <= gate + SLOTS: only when the cached
 *              gate says full, g = min(consumer sequences), stored in
 *              gate if higher [D]; if still full, wait for the slowest
 *              consumer (the hint) to move, then look again
 *              for each s in [lo, lo + n): payload = s; stamp = s [S]
 *              [F'] full barrier; if wake_seq <= the last stamped:
 *              cmpxchg it to UNARMED, then wake (dr_publish_wakes())
 *   C0:        while stamp[next] == next [S'] (acquire): read the payload,
 *              for a run of up to 2; release cseq[0] = end [C]; [F'];
 *              if C0's release_waiters bit: wake (dr_release_waited())
 *   C1:        behind C0: while next < cseq[0] [C'] (acquire): read the
 *              payload, release cseq[1] = next + 1 [C]
 *   sleeping:  gen = wake_gen; arm (C0: lower wake_seq to next; C1: set
 *              C0's bit [W]); [F]; look again; if still nothing:
 *              FUTEX_WAIT(wake_gen, gen) (compare and sleep in one step);
 *              look again (dr_sleep_arm(), memfd's block)
 *   wake:      clear every release_waiters bit; wake_gen++ (locked);
 *              FUTEX_WAKE every sleeper (memfd's wake)
 *
 * -DKERNEL_RELAY: the kernel's sleeping (kmod/disruptor_wait.c) instead,
 * with two producers of one event each (three take the search past 135
 * million states and 8 GB; the core's handshake above is checked with
 * three).
 *   sleeping:  queue on the fd's own queue; lower the fd's want to next
 *              [R]; arm (C0: lower wake_seq to next; C1: set C0's bit [W]
 *              and lower wake_seq to 0, any publish); [F]; look again;
 *              sleep unless woken since it queued
 *   wake:      a release takes C0's bit; a publish takes wake_seq; then,
 *              for each fd, its relay: want NONE: nothing; due
 *              (dr_sleep_rearm(): want below the consumer's sequence, or
 *              its slot published / C0 past it): clear want, wake that fd
 *              alone; else arm for it, [F], look, wake it if due now.
 *              A want left by a sleeper that has gone stays until it is
 *              due: clearing it without a wakeup loses one (spin found it:
 *              a sleeper that finds the stale want low enough lowers
 *              nothing and sleeps, and the clear takes its want away)
 *
 * Two configurations, each checked over every interleaving of its five
 * threads (3 producers, C0, C1 behind C0, on 4 slots):
 *  -DNO_SLEEP  the data path: one producer claims a batch of 2, one claims
 *              1 twice, one 1 once: 5 events, into the second lap;
 *              consumers spin (wait for their condition) instead of sleeping;
 *  as written  the sleep/wake handshake: each producer publishes 1 event,
 *              consumers sleep when they find nothing (fewer events keep
 *              the state space exhaustively searchable: 9 million states).
 * Properties:
 *  - no consumer reads a slot before its publish or after its overwrite:
 *    each reads payload == the sequence it reads;
 *  - no producer overwrites a slot a consumer has not released (asserted
 *    at each payload store);
 *  - no sleeper misses its wakeup: at the terminal state (no thread can
 *    move) both consumers have read every event and nobody sleeps.
 *
 * Memory model. Sequential consistency for the protocol as written and,
 * for each ordering step, the reordering that step forbids, made possible
 * when the step is removed (-D below): the two accesses it orders may then
 * happen the other way round. x86-TSO makes one reordering, a load passing
 * an earlier store (the store buffer): [F'] and [F] forbid it. A buffered
 * store reaches memory after the load and before the thread's next locked
 * instruction or fence; here the step after each such load is one (the
 * wake's locked RMWs, the next claim's fetch_add, the futex), so
 * doing the store right after the load gives exactly the executions TSO
 * allows. arm64 also reorders store-store (forbidden by the releases [S]
 * and [C]) and load-load (the acquire [S']): the mutant swaps the accesses.
 *
 *   spin -a ring_v2.pml                      passes
 *   -DNO_STAMP_RELEASE    [S]: the stamp lands before the payload
 *   -DNO_STAMP_ACQUIRE    [S']: the payload read before the stamp
 *   -DNO_RELEASE_ORDER    [C]: C1's release lands before the read it covers
 *   -DNO_WAKER_BARRIER    [F']: wake_seq or the bit read before the publish
 *                         or the release lands
 *   -DNO_SLEEPER_BARRIER  [F]: the look done before the arming lands
 *   -DKERNEL_RELAY -DNO_RELAY_BARRIER  [R]: the fd's want lands after the
 *                         sleeper read wake_seq (when its arming wrote
 *                         nothing, so no locked instruction flushed it)
 *   -DKERNEL_RELAY -DRELAY_CLEARS_STALE  not an ordering step: the first
 *                         relay, which cleared a want when its fd had no
 *                         sleeper queued
 *   -DNO_GATE_REFRESH     [D]: a producer takes its stale gate as fresh
 * Every one must fail: scripts/model/check-ring-v2-model.sh runs them all.
 */

#define SLOTS	4
#if defined(NO_SLEEP)
#define EVENTS	5	/* a batch of 2, 1 twice, 1 once: into the second lap */
#elif defined(KERNEL_RELAY)
#define EVENTS	2	/* 2 producers of 1: with 3, past 135 million states */
#else
#define EVENTS	3	/* 1 each: every publish and release may have to wake */
#endif

short stamp[SLOTS];	/* the sequence that filled each slot */
short payload[SLOTS];	/* the data: here the sequence itself */
byte claim;		/* the next sequence to claim */
byte gate;		/* producers' cached minimum of cseq[] */
byte cseq[2];		/* each consumer's released count */
#define UNARMED	255
byte wake_seq;		/* the lowest sequence a sleeper waits for */
bit waiter0;		/* release_waiters: C1 waits for C0's release */
byte wake_gen;		/* the futex word */
bit asleep[2];		/* consumer i sleeps in FUTEX_WAIT */
#ifdef KERNEL_RELAY
#define NO_WANT	255
byte want[2];		/* f->want of consumer i's fd */
bit woken[2];		/* consumer i's fd woken since it queued: it does not sleep */
bit wq_lock;		/* ring->wq.lock: one waker's relays at a time */
#ifdef RELAY_CLEARS_STALE
bit queued[2];		/* consumer i is on its fd's queue */
#endif
#endif
bit done[2];		/* consumer i has read all EVENTS */

#define ST_STAMP	0	/* stamp[idx] = val: a publish */
#define ST_CSEQ0	1	/* cseq[0] = val: C0's release */
#define ST_NONE		2

#ifndef KERNEL_RELAY
/* memfd's wake: take every bit, then the futex word, then FUTEX_WAKE all. */
inline wake()
{
	waiter0 = 0;
	atomic { wake_gen++; asleep[0] = 0; asleep[1] = 0 }
}

/* After a publish of up to val or C0's release: must it wake? Then wake. */
inline wake_if_armed(kind, val)
{
	if
	:: kind == ST_STAMP ->
		if
		:: atomic { wake_seq <= val -> wake_seq = UNARMED };	/* the cmpxchg */
			wake()
		:: else -> skip
		fi
	:: kind == ST_CSEQ0 && waiter0 -> wake()
	:: else -> skip
	fi
}
#else
/* May consumer i's fd, wanting w, be ready? (dr_sleeper_due()) */
#define DUE(i, w)	((w) < cseq[i] || \
			 ((i) == 0 && stamp[(w) % SLOTS] == (w)) || ((i) == 1 && cseq[0] > (w)))

/* The kernel's arming: C1 also lowers wake_seq to 0 (any publish wakes it). */
inline arm_wake_seq(at)
{
	atomic { if :: wake_seq > at -> wake_seq = at :: else -> skip fi }
}

inline relay_wakes(i)
{
	atomic { want[i] = NO_WANT; woken[i] = 1; asleep[i] = 0 }
}

/* Consumer i's relay (drk_relay_wake()); rw is the waker's local. */
inline relay(i)
{
	rw = want[i];
	if
	:: rw == NO_WANT -> skip
#ifdef RELAY_CLEARS_STALE
	/* The first version: a want with nobody queued is stale; clear it. */
	:: rw != NO_WANT && !queued[i] ->
		atomic { if :: want[i] == rw -> want[i] = NO_WANT :: else -> skip fi }
#endif
	:: else ->
		if
		:: DUE(i, rw) -> relay_wakes(i)
		:: else ->
			/* dr_sleep_rearm(): arm for it, [F], look again. */
			if
			:: i == 0 -> arm_wake_seq(rw)
			:: else -> waiter0 = 1; arm_wake_seq(0)
			fi;
			if
			:: DUE(i, rw) -> relay_wakes(i)
			:: else -> skip
			fi
		fi
	fi
}

/* The irq_work's wake_up_all(): every relay, under the ring's queue lock. */
inline relays()
{
	atomic { !wq_lock -> wq_lock = 1 };
	relay(0);
	relay(1);
	wq_lock = 0
}

/* After a publish of up to val or C0's release: take the arming, run the relays. */
inline wake_if_armed(kind, val)
{
	if
	:: kind == ST_STAMP ->
		if
		:: atomic { wake_seq <= val -> wake_seq = UNARMED };	/* the cmpxchg */
			relays()
		:: else -> skip
		fi
	:: kind == ST_CSEQ0 ->
		if
		:: atomic { waiter0 -> waiter0 = 0 };	/* dr_release_take() */
			relays()
		:: else -> skip
		fi
	:: else -> skip
	fi
}
#endif


inline do_store(kind, idx, val)
{
	if
	:: kind == ST_STAMP -> stamp[idx] = val
	:: kind == ST_CSEQ0 -> cseq[0] = val
	:: else -> skip
	fi
}

/* A publish or a release, [F'], then wake the sleepers it must wake. */
inline store_then_wake(kind, idx, val)
{
#ifndef NO_WAKER_BARRIER
	do_store(kind, idx, val);
	wake_if_armed(kind, val)
#else
	/* The store still in the buffer when wake_seq or the bit is read. */
	if
	:: (kind == ST_STAMP && wake_seq <= val) || (kind == ST_CSEQ0 && waiter0) ->
		do_store(kind, idx, val); wake_if_armed(kind, val)
	:: else -> do_store(kind, idx, val)
	fi
#endif
}

proctype producer(byte batch; byte rounds)
{
	byte lo, s, g, c0, c1, h, rw;

	do
	:: rounds == 0 -> break
	:: else ->
		atomic { lo = claim; claim = claim + batch; g = gate };	/* fetch_add; the cached gate */
		do
		:: lo + batch <= g + SLOTS -> break
		:: else ->
#ifndef NO_GATE_REFRESH
			/*
			 * [D] the consumers' sequences. Read at one instant: read
			 * one by one they can only give a lower minimum (each
			 * only grows), which is safer, so this covers that too.
			 */
			atomic {
				c0 = cseq[0]; c1 = cseq[1];
				if
				:: c0 <= c1 -> g = c0; h = 0
				:: else -> g = c1; h = 1
				fi;
				if	/* only a higher minimum is stored */
				:: g > gate -> gate = g
				:: else -> skip
				fi
			};
			if
			:: lo + batch <= g + SLOTS -> skip
			:: else -> (cseq[h] > g)	/* dr_gate_unmoved(): the slowest, until it moves */
			fi
#else
			g++	/* the cached value taken as fresh, and moving */
#endif
		od;
		s = lo;
		do
		:: s == lo + batch - 1 -> break
		:: else ->
			assert(cseq[0] + SLOTS > s && cseq[1] + SLOTS > s);
#ifndef NO_STAMP_RELEASE
			payload[s % SLOTS] = s;
			stamp[s % SLOTS] = s;	/* [S] release */
#else
			stamp[s % SLOTS] = s;
			payload[s % SLOTS] = s;
#endif
			s++
		od;
		/* The last stamp of the claim, then [F'] and the wake. */
		assert(cseq[0] + SLOTS > s && cseq[1] + SLOTS > s);
#ifndef NO_STAMP_RELEASE
		payload[s % SLOTS] = s;
		store_then_wake(ST_STAMP, s % SLOTS, s);
#else
		stamp[s % SLOTS] = s;
		payload[s % SLOTS] = s;
		store_then_wake(ST_NONE, 0, 0);
#endif
		rounds--
	od
}

/* C0 lowers wake_seq to its next; C1 sets C0's bit in release_waiters [W]. */
inline arm(me, next)
{
	if
	:: me == 0 -> atomic { if :: wake_seq > next -> wake_seq = next :: else -> skip fi }
#ifndef KERNEL_RELAY
	:: else -> waiter0 = 1
#else
	:: else -> waiter0 = 1; arm_wake_seq(0)
#endif
	fi
}

#ifdef KERNEL_RELAY
/* The kernel's sleep: queue, want [R], arm, [F], look, sleep unless woken. */
inline sleep_unless(ready, me, next)
{
#ifdef RELAY_CLEARS_STALE
	queued[me] = 1;
#endif
	woken[me] = 0;	/* queued on the fd's queue */
#ifndef NO_RELAY_BARRIER
	atomic { if :: want[me] > next -> want[me] = next :: else -> skip fi };	/* then [R] */
	arm(me, next);	/* then [F] */
#else
	if
	:: me == 0 ->
		/* An arming that writes is locked: it flushes the want first. */
		atomic {
			if
			:: wake_seq > next ->
				if :: want[me] > next -> want[me] = next :: else -> skip fi;
				wake_seq = next
			:: else -> skip
			fi
		};
		/* One that writes nothing leaves the want in the buffer. */
		atomic { if :: want[me] > next -> want[me] = next :: else -> skip fi }
	:: else ->
		atomic { if :: want[me] > next -> want[me] = next :: else -> skip fi };
		arm(me, next)
	fi;
#endif
	if
	:: ready -> skip
	:: else ->
		atomic {
			if
			:: !woken[me] -> asleep[me] = 1
			:: else -> skip
			fi
		};
end_sleep_k:
		(asleep[me] == 0)
	fi;
#ifdef RELAY_CLEARS_STALE
	queued[me] = 0
#else
	skip
#endif
}
#else

/* No event: arm, look once more (@ready), sleep until woken (dr_sleep_arm()). */
inline sleep_unless(ready, me, next)
{
	gen = wake_gen;
#ifndef NO_SLEEPER_BARRIER
	arm(me, next);	/* then [F] */
	if
	:: ready -> skip
	:: else ->
		atomic {
			if
			:: wake_gen == gen -> asleep[me] = 1
			:: else -> skip
			fi
		};
end_sleep:
		(asleep[me] == 0)
	fi
#else
	/* The look done while the arming sits in the buffer. */
	if
	:: ready -> arm(me, next)
	:: else ->
		arm(me, next);
		atomic {
			if
			:: wake_gen == gen -> asleep[me] = 1
			:: else -> skip
			fi
		};
end_sleep_m:
		(asleep[me] == 0)
	fi
#endif
}

#endif

proctype consumer0()
{
	byte next = 0, end, gen, rw;
	short v;

	do
	:: next == EVENTS -> break
	:: else ->
		end = next;
		/* A run of up to 2 published events, then one release. */
		do
		:: end == EVENTS || end == next + 2 -> break
		:: else ->
#ifndef NO_STAMP_ACQUIRE
			if
			:: stamp[end % SLOTS] == end ->	/* [S'] acquire */
				d_step { v = payload[end % SLOTS]; assert(v == end); end++ }
			:: else -> break
			fi
#else
			v = payload[end % SLOTS];
			if
			:: stamp[end % SLOTS] == end -> assert(v == end); end++
			:: else -> break
			fi
#endif
		od;
		if
		:: end > next ->
			/* [C] release after the reads; [F'] for C1 behind. */
			store_then_wake(ST_CSEQ0, 0, end);
			next = end
		:: else ->
#ifdef NO_SLEEP
			(stamp[next % SLOTS] == next)	/* spin: until published */
#else
			sleep_unless(stamp[next % SLOTS] == next, 0, next)
#endif
		fi
	od;
	done[0] = 1
}

proctype consumer1()
{
	byte next = 0, gen;
	short v;

	do
	:: next == EVENTS -> break
	:: else ->
		if
		:: next < cseq[0] ->	/* [C'] acquire */
#ifndef NO_RELEASE_ORDER
			d_step { v = payload[next % SLOTS]; assert(v == next) };
			cseq[1] = next + 1	/* [C] release, after the read */
#else
			cseq[1] = next + 1;
			v = payload[next % SLOTS];
			assert(v == next)
#endif
			;
			next++
		:: else ->
#ifdef NO_SLEEP
			(cseq[0] > next)	/* spin: until C0 released it */
#else
			sleep_unless(cseq[0] > next, 1, next)
#endif
		fi
	od;
	done[1] = 1
}

init
{
	byte i;

	atomic {
		wake_seq = UNARMED;
#ifdef KERNEL_RELAY
		want[0] = NO_WANT;
		want[1] = NO_WANT;
#endif
		for (i : 0 .. SLOTS - 1) {
			stamp[i] = i - SLOTS;
			payload[i] = -1
		}
		run consumer0();
		run consumer1();
#ifdef NO_SLEEP
		run producer(2, 1);
		run producer(1, 2);
		run producer(1, 1)
#elif defined(KERNEL_RELAY)
		run producer(1, 1);
		run producer(1, 1)
#else
		run producer(1, 1);
		run producer(1, 1);
		run producer(1, 1)
#endif
	}
}

/* At the terminal state: every event read by both, nobody asleep. */
active proctype no_lost_wakeup()
{
	timeout ->
	assert(!asleep[0] && !asleep[1]);
	assert(done[0] && done[1])
}
