// SPDX-License-Identifier: GPL-2.0
/*
 * DisruptorBench - LMAX Disruptor 3.4.4 (Debian's libdisruptor-java) under
 * the rules of bench/bench.c: the same topologies (expressed with
 * handleEventsWith/then), batches (next(n) + publish(lo, hi)), events (the
 * producer's count in every 8-byte field), wait policy (YieldingWaitStrategy:
 * spin 100 times, then yield, as the C harness), sampling and CSV output
 * (ring,topology,batch,esize,mean,stddev,samples,note).
 *
 *   java -cp build/bench/java:/usr/share/java/disruptor.jar DisruptorBench
 *        [-w ms] [-i ms] [-n samples] [-s slots] [-b 1,10,100] [-e 8,64] [-t topo,...]
 *
 * The JVM cannot pin threads without native code: run.sh confines the JVM
 * to the machine's CPUs with taskset and the output says "unpinned".
 * The warm-up also covers the JIT.
 */
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

public final class DisruptorBench {
	/* An event: 1 or 8 longs (the object header comes on top, as in Java). */
	static final class Ev {
		long w0, w1, w2, w3, w4, w5, w6, w7;
	}

	/* Counters 16 longs (128 bytes) apart, each on its own lines. */
	static final int STRIDE = 16;

	static final class Handler implements EventHandler<Ev> {
		final AtomicLongArray counts;
		final int id;
		final boolean wide;
		long n, acc;

		Handler(AtomicLongArray counts, int id, boolean wide) {
			this.counts = counts;
			this.id = id;
			this.wide = wide;
		}

		@Override
		public void onEvent(Ev e, long seq, boolean endOfBatch) {
			acc += e.w0;
			if (wide)
				acc += e.w1 + e.w2 + e.w3 + e.w4 + e.w5 + e.w6 + e.w7;
			n++;
			if (endOfBatch)
				counts.lazySet(id * STRIDE, n);
		}
	}

	static String[][] TOPOS = {
		{ "1P-1C", "1" }, { "2P-1C", "2" }, { "3P-1C", "3" },
		{ "1P-3C-mc", "1" }, { "pipe3", "1" }, { "diamond", "1" },
	};

	static volatile boolean stop;

	static double[] measure(String topo, int producers, int batch, int esize, int slots,
				long warmupMs, long intervalMs, int samples, boolean[] ok)
			throws Exception {
		final boolean wide = esize == 64;
		int consumers = topo.endsWith("1C") ? 1 : 3;
		AtomicLongArray counts = new AtomicLongArray(consumers * STRIDE);
		AtomicLongArray produced = new AtomicLongArray(producers * STRIDE);
		Disruptor<Ev> d = new Disruptor<>(Ev::new, slots, DaemonThreadFactory.INSTANCE,
				producers > 1 ? ProducerType.MULTI : ProducerType.SINGLE,
				new YieldingWaitStrategy());
		Handler[] h = new Handler[consumers];
		for (int i = 0; i < consumers; i++)
			h[i] = new Handler(counts, i, wide);
		switch (topo) {
		case "1P-3C-mc": d.handleEventsWith(h[0], h[1], h[2]); break;
		case "pipe3": d.handleEventsWith(h[0]).then(h[1]).then(h[2]); break;
		case "diamond": d.handleEventsWith(h[0], h[1]).then(h[2]); break;
		default: d.handleEventsWith(h[0]);
		}
		final RingBuffer<Ev> rb = d.start();
		stop = false;
		List<Thread> ps = new ArrayList<>();
		for (int p = 0; p < producers; p++) {
			final int id = p;
			Thread t = new Thread(() -> {
				long v = 0;
				while (!stop) {
					long hi = rb.next(batch);
					long lo = hi - (batch - 1);
					for (long s = lo; s <= hi; s++) {
						Ev e = rb.get(s);
						e.w0 = v;
						if (wide) {
							e.w1 = v; e.w2 = v; e.w3 = v; e.w4 = v;
							e.w5 = v; e.w6 = v; e.w7 = v;
						}
						v++;
					}
					rb.publish(lo, hi);
				}
				produced.set(id * STRIDE, v);
			});
			t.setDaemon(true);
			t.start();
			ps.add(t);
		}
		Thread.sleep(warmupMs);
		double[] rate = new double[samples];
		for (int s = 0; s < samples; s++) {
			long t0 = System.nanoTime(), c0 = delivered(counts, consumers);
			Thread.sleep(intervalMs);
			long t1 = System.nanoTime(), c1 = delivered(counts, consumers);
			rate[s] = (c1 - c0) * 1e3 / (t1 - t0);
		}
		stop = true;
		for (Thread t : ps)
			t.join();
		d.shutdown();	/* waits until every published event is handled */
		long total = 0, expect = 0;
		for (int p = 0; p < producers; p++) {
			long c = produced.get(p * STRIDE);
			total += c;
			expect += c * (c - 1) / 2 * (esize / 8);
		}
		ok[0] = true;
		for (Handler x : h)
			if (x.n != total || x.acc != expect)
				ok[0] = false;
		return rate;
	}

	static long delivered(AtomicLongArray counts, int consumers) {
		long min = Long.MAX_VALUE;
		for (int i = 0; i < consumers; i++)
			min = Math.min(min, counts.get(i * STRIDE));
		return min;
	}

	public static void main(String[] args) throws Exception {
		long warmup = 1000, interval = 1000;
		int samples = 5, slots = 16384;
		String batches = "1,10,100", sizes = "8,64", topos = "";
		for (int i = 0; i + 1 < args.length; i += 2) {
			switch (args[i]) {
			case "-w": warmup = Long.parseLong(args[i + 1]); break;
			case "-i": interval = Long.parseLong(args[i + 1]); break;
			case "-n": samples = Integer.parseInt(args[i + 1]); break;
			case "-s": slots = Integer.parseInt(args[i + 1]); break;
			case "-b": batches = args[i + 1]; break;
			case "-e": sizes = args[i + 1]; break;
			case "-t": topos = args[i + 1]; break;
			default: throw new IllegalArgumentException(args[i]);
			}
		}
		int cpus = Runtime.getRuntime().availableProcessors();
		System.err.println("bench: lmax_java on " + cpus + " CPUs: JVM threads unpinned "
				+ "(taskset to the machine); topologies with more than " + cpus
				+ " threads are oversubscribed");
		for (String[] t : TOPOS) {
			if (!topos.isEmpty() && !("," + topos + ",").contains("," + t[0] + ","))
				continue;
			for (String b : batches.split(",")) {
				for (String e : sizes.split(",")) {
					int producers = Integer.parseInt(t[1]);
					int batch = Integer.parseInt(b), esize = Integer.parseInt(e);
					boolean[] ok = new boolean[1];
					double[] r = measure(t[0], producers, batch, esize, slots, warmup,
							     interval, samples, ok);
					double mean = 0, var = 0;
					for (double x : r)
						mean += x;
					mean /= r.length;
					for (double x : r)
						var += (x - mean) * (x - mean);
					double sd = r.length > 1 ? Math.sqrt(var / (r.length - 1)) : 0;
					int threads = producers + (t[0].endsWith("1C") ? 1 : 3);
					String note = !ok[0] ? "CHECK FAILED"
						: "unpinned" + (threads > cpus ? "; " + threads + " threads on "
								+ cpus + " CPUs" : "");
					System.out.printf("lmax_java,%s,%d,%d,%.3f,%.3f,%d,%s%n", t[0], batch,
							  esize, mean, sd, r.length, note);
					System.out.flush();
					System.err.printf("%-10s %-9s batch %3d  %2dB  %8.3f ± %6.3f M/s  %s%n",
							  "lmax_java", t[0], batch, esize, mean, sd, note);
				}
			}
		}
	}
}
