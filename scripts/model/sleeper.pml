/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sleeper.pml - the sleeper handshake of kmod/dr_ring.h under x86-TSO, in
 * Promela for spin. It proves that a consumer cannot sleep through an event
 * ("lost wakeup") with the two barriers of the ordering contract, and that
 * it can without either of them:
 *
 *   producer (disruptor_publish):	store the publish (hdr->cursor or avail[])
 *					[F'] full barrier (dr_wakeup_needed())
 *					load hdr->sleepers; if non-zero, wake:
 *					  wake_gen++ (locked), FUTEX_WAKE
 *   consumer (dr_memfd_block):		gen = wake_gen
 *					[F] sleepers++ (a locked, fully ordered add)
 *					load the publish; if nothing:
 *					  FUTEX_WAIT(wake_gen, gen)
 *					sleepers--; look again (disruptor_wait_for)
 *
 *   spin -a sleeper.pml				passes: no lost wakeup
 *   spin -a -DNO_PRODUCER_BARRIER sleeper.pml	must fail ([F'] removed)
 *   spin -a -DNO_CONSUMER_BARRIER sleeper.pml	must fail ([F] a plain add)
 * scripts/model/check-sleeper-model.sh runs all three and requires exactly
 * that outcome, so the model is shown able to fail.
 *
 * Memory model: x86-TSO (Sewell et al., "x86-TSO", CACM 2010). Each thread
 * has a FIFO store buffer; its stores enter the buffer and reach memory
 * later, in order, at any moment the buffer process (below) chooses; its
 * loads read its own buffer first (store forwarding) and memory otherwise;
 * MFENCE and every LOCK-prefixed instruction drain the thread's buffer
 * first and act on memory directly. This is the only reordering x86 makes
 * (a later load passing an earlier store to another address), and the one
 * that loses wake-ups here: the producer's publish may still sit in its
 * buffer when it reads sleepers == 0, while the consumer's increment is
 * already in memory and its load of the publish (from memory) sees nothing.
 * Each buffer holds one entry: each thread makes exactly one plain store
 * in the handshake (the producer's publish; the consumer's increment when
 * [F] is not locked), so a longer FIFO has nothing more to reorder. Loads
 * and locked operations are atomic steps; spin explores every interleaving
 * of the steps and every moment of each buffer's drain, so every TSO
 * execution of the handshake is covered.
 *
 * The futex is modelled as the kernel gives it: FUTEX_WAIT compares
 * wake_gen with gen and goes to sleep in one atomic step (under the hash
 * bucket lock), FUTEX_WAKE wakes whoever sleeps. The producer's wake is a
 * locked add, so it drains the producer's buffer. One event, one producer,
 * one consumer: a wake-up is lost or not within a single handshake, and
 * more parties only repeat it. This is the memfd ring's handshake, the
 * one hdr->sleepers serves; the device ring's kernel path arms a wakeup by
 * sequence instead (drk_arm_and_look() in kmod/disruptor_ring.c) and is
 * not modelled here.
 *
 * Property: an assertion at the terminal state (timeout: no process can
 * move) that the consumer took the event; a consumer left asleep with the
 * event published and no wake pending fails it.
 */

bit published;		/* memory: the publish (hdr->cursor / avail[]) */
byte sleepers;		/* memory: hdr->sleepers */
byte wake_gen;		/* memory: hdr->wake_gen, the futex word */

bit pbuf_full;		/* the producer's store buffer: one pending store */
bit cbuf_full;		/* the consumer's store buffer (NO_CONSUMER_BARRIER) */
byte cbuf_val;		/* ... holding a value for sleepers */

bit asleep;		/* the consumer sleeps in FUTEX_WAIT */
bit took;		/* the consumer read the event */
bit producer_done;

/* Drain the producer's buffer into memory: MFENCE, a LOCK prefix, or TSO. */
inline producer_drain()
{
	if
	:: pbuf_full -> published = 1; pbuf_full = 0
	:: else -> skip
	fi
}

inline consumer_drain()
{
	if
	:: cbuf_full -> sleepers = cbuf_val; cbuf_full = 0
	:: else -> skip
	fi
}

active proctype producer()
{
	/* dr_publish(): a plain store (release is free on TSO): buffered. */
	pbuf_full = 1;
#ifndef NO_PRODUCER_BARRIER
	/* [F'] dr_smp_mb() in dr_wakeup_needed(): pairs with [F]. */
	atomic { producer_drain() };
#endif
	/* Load sleepers: no store to it in this buffer, so from memory. */
	if
	:: sleepers != 0 ->
		/* dr_memfd_wake(): a locked add drains the buffer first. */
		atomic { producer_drain(); wake_gen++ };
		/* FUTEX_WAKE */
		atomic { asleep = 0 }
	:: else -> skip
	fi;
	producer_done = 1
}

/* TSO: a buffered store reaches memory at a moment nobody chooses. */
active proctype store_buffers()
{
end_drain:
	do
	:: atomic { pbuf_full -> producer_drain() }
	:: atomic { cbuf_full -> consumer_drain() }
	od
}

active proctype consumer()
{
	byte gen;

	do
	:: true ->
		gen = wake_gen;
#ifndef NO_CONSUMER_BARRIER
		/* [F] a locked add: fully ordered, in memory at once. */
		atomic { consumer_drain(); sleepers++ };
#else
		/* [F] as a plain load and store: the store is buffered. */
		atomic {
			if
			:: cbuf_full -> cbuf_val = cbuf_val + 1
			:: else -> cbuf_val = sleepers + 1
			fi;
			cbuf_full = 1
		};
#endif
		/* dr_consumer_refresh(): load the publish from memory. */
		if
		:: published ->
			took = 1;
			break
		:: else ->
			/* FUTEX_WAIT(wake_gen, gen): compare and sleep, atomically. */
			atomic {
				if
				:: wake_gen == gen -> asleep = 1
				:: else -> skip
				fi
			};
end_sleep:
			(asleep == 0);
			/* sleepers-- (locked), then disruptor_wait_for() looks again. */
			atomic {
				consumer_drain();
				sleepers--
			}
		fi
	od;
	atomic { consumer_drain(); sleepers-- }
}

/*
 * At the terminal state (no process can move): every step that could run
 * ran, so the publish is in memory and no wake is still to come. A consumer
 * asleep now slept through the event: a lost wakeup.
 */
active proctype no_lost_wakeup()
{
	timeout ->
	assert(producer_done && published && !pbuf_full);
	assert(!asleep);
	assert(took)
}
