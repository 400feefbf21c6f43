// SPDX-License-Identifier: GPL-2.0
//! crossbeam peers under the same rules as bench/bench.c: the same
//! topologies, events (the producer's count in every 8-byte word), wait
//! policy (spin 100 pauses, then yield), pinning (BENCH_PIN, default
//! producers on CPU 0, consumers on CPU 1), sampling and CSV output
//! (ring,topology,batch,esize,mean,stddev,samples,note).
//!
//!   bench-crossbeam [-w ms] [-i ms] [-n samples] [-s slots] [-b 1,10,100]
//!                   [-e 8,64] [-t topo,...] crossbeam_channel|crossbeam_queue
//!
//! Neither has a batch call: a batch is a loop of try_send / push. Neither
//! can multicast (a receive removes the message): 1P-3C-mc and diamond are
//! n/a; the pipeline is three chained queues.

use crossbeam_channel::{bounded, Receiver, Sender};
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DEQ_MAX: usize = 256;
const SPINS: u32 = 100;

extern "C" {
    fn sched_setaffinity(pid: i32, size: usize, mask: *const u64) -> i32;
}

/// BENCH_PIN as in bench.c: "split" (producers on CPU 0, consumers on
/// CPU 1), "spread" (thread k, producers first, on CPU k % 2) or "none".
fn pin_policy() -> String {
    std::env::var("BENCH_PIN").unwrap_or_else(|_| "split".to_string())
}

fn cpu_of(consumer: bool, k: usize) -> Option<usize> {
    match pin_policy().as_str() {
        "none" => None,
        "spread" => Some(k % 2),
        _ => Some(if consumer { 1 } else { 0 }),
    }
}

fn pin(cpu: Option<usize>) {
    let cpu = match cpu {
        Some(c) => c,
        None => return,
    };
    let mut mask = [0u64; 16];
    mask[cpu / 64] |= 1 << (cpu % 64);
    // pid 0: the calling thread.
    unsafe { sched_setaffinity(0, std::mem::size_of_val(&mask), mask.as_ptr()) };
}

/// A value alone on its 128 bytes (the adjacent-line prefetcher pairs lines).
#[repr(align(128))]
#[derive(Default)]
struct Line<T>(T);

/// Per-thread state, as bench.h's bench_thread_state: the count (written
/// every batch, read by the sampler) and the done flag (polled downstream)
/// on separate lines.
#[derive(Default)]
struct ThreadState {
    count: Line<AtomicU64>,
    done: Line<AtomicBool>,
}

struct Topo {
    name: &'static str,
    producers: usize,
    consumers: usize,
    queue_ok: bool,
}

const TOPOS: [Topo; 6] = [
    Topo { name: "1P-1C", producers: 1, consumers: 1, queue_ok: true },
    Topo { name: "2P-1C", producers: 2, consumers: 1, queue_ok: true },
    Topo { name: "3P-1C", producers: 3, consumers: 1, queue_ok: true },
    Topo { name: "1P-3C-mc", producers: 1, consumers: 3, queue_ok: false },
    Topo { name: "pipe3", producers: 1, consumers: 3, queue_ok: true },
    Topo { name: "diamond", producers: 1, consumers: 3, queue_ok: false },
];

/// A bounded queue, as the harness drives it.
trait Q<T>: Sync + Send {
    fn put(&self, v: T) -> Result<(), T>;
    fn get(&self) -> Option<T>;
    /// Without removing anything, for the final drain check.
    fn empty(&self) -> bool;
}

struct Chan<T>(Sender<T>, Receiver<T>);

impl<T: Send> Q<T> for Chan<T> {
    #[inline]
    fn put(&self, v: T) -> Result<(), T> {
        self.0.try_send(v).map_err(|e| e.into_inner())
    }
    #[inline]
    fn get(&self) -> Option<T> {
        self.1.try_recv().ok()
    }
    fn empty(&self) -> bool {
        self.1.is_empty()
    }
}

impl<T: Send> Q<T> for ArrayQueue<T> {
    #[inline]
    fn put(&self, v: T) -> Result<(), T> {
        self.push(v)
    }
    #[inline]
    fn get(&self) -> Option<T> {
        self.pop()
    }
    fn empty(&self) -> bool {
        self.is_empty()
    }
}

#[inline]
fn relax(spins: &mut u32) {
    *spins += 1;
    if *spins < SPINS {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

#[inline]
fn put_all<T: Copy, QQ: Q<T>>(q: &QQ, v: T) {
    let mut spins = 0;
    let mut v = v;
    loop {
        match q.put(v) {
            Ok(()) => return,
            Err(back) => {
                v = back;
                relax(&mut spins);
            }
        }
    }
}

struct Opts {
    warmup_ms: u64,
    interval_ms: u64,
    samples: usize,
    slots: usize,
    batches: Vec<u32>,
    sizes: Vec<u32>,
    topos: Vec<String>,
    ring: String,
}

/// Run one measurement with queues qs (one per consumer) of events [u64; W].
fn run<const W: usize, QQ: Q<[u64; W]>>(
    o: &Opts,
    t: &Topo,
    batch: u32,
    qs: Vec<QQ>,
) -> (f64, f64, bool) {
    let stop = AtomicBool::new(false);
    let prod: Vec<ThreadState> = (0..t.producers).map(|_| ThreadState::default()).collect();
    let cons: Vec<ThreadState> = (0..t.consumers).map(|_| ThreadState::default()).collect();
    let mut rates = Vec::new();
    let mut ok = true;
    std::thread::scope(|s| {
        let mut hp = Vec::new();
        let mut hc = Vec::new();
        for id in 0..t.producers {
            let (stop, st, q) = (&stop, &prod[id], &qs[0]);
            hp.push(s.spawn(move || {
                pin(cpu_of(false, id));
                let mut v: u64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..batch {
                        put_all(q, [v; W]);
                        v += 1;
                    }
                    st.count.0.store(v, Ordering::Relaxed);
                }
                st.done.0.store(true, Ordering::Release);
                v
            }));
        }
        for id in 0..t.consumers {
            let (prod, cons, qs) = (&prod, &cons, &qs);
            hc.push(s.spawn(move || {
                pin(cpu_of(true, t.producers + id));
                let st = &cons[id];
                let q = &qs[id];
                let fwd = if id + 1 < t.consumers { Some(&qs[id + 1]) } else { None };
                let upstream_done = || {
                    if id == 0 {
                        prod.iter().all(|p| p.done.0.load(Ordering::Acquire))
                    } else {
                        cons[id - 1].done.0.load(Ordering::Acquire)
                    }
                };
                let (mut n, mut acc, mut spins) = (0u64, 0u64, 0u32);
                loop {
                    let mut k = 0;
                    while k < DEQ_MAX {
                        match q.get() {
                            Some(ev) => {
                                for w in ev.iter() {
                                    acc = acc.wrapping_add(*w);
                                }
                                if let Some(f) = fwd {
                                    put_all(f, ev);
                                }
                                k += 1;
                            }
                            None => break,
                        }
                    }
                    if k == 0 {
                        // Upstream's last put is visible after its flag;
                        // read the flags only once spinning turns to yielding.
                        if spins >= SPINS && upstream_done() && q.empty() {
                            break;
                        }
                        relax(&mut spins);
                        continue;
                    }
                    spins = 0;
                    n += k as u64;
                    st.count.0.store(n, Ordering::Relaxed);
                }
                st.done.0.store(true, Ordering::Release);
                (n, acc)
            }));
        }
        let delivered = || cons.iter().map(|c| c.count.0.load(Ordering::Relaxed)).min().unwrap();
        std::thread::sleep(Duration::from_millis(o.warmup_ms));
        for _ in 0..o.samples {
            let (t0, c0) = (Instant::now(), delivered());
            std::thread::sleep(Duration::from_millis(o.interval_ms));
            let (dt, c1) = (t0.elapsed().as_secs_f64(), delivered());
            rates.push((c1 - c0) as f64 / dt / 1e6);
        }
        stop.store(true, Ordering::Relaxed);
        let mut produced = 0u64;
        let mut expect = 0u64;
        for h in hp {
            let c = h.join().unwrap();
            produced += c;
            expect = expect.wrapping_add((c.wrapping_mul(c.wrapping_sub(1)) / 2).wrapping_mul(W as u64));
        }
        for h in hc {
            let (n, acc) = h.join().unwrap();
            if n != produced || acc != expect {
                ok = false;
            }
        }
    });
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    let var = if rates.len() > 1 {
        rates.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (rates.len() - 1) as f64
    } else {
        0.0
    };
    (mean, var.sqrt(), ok)
}

fn measure<const W: usize>(o: &Opts, t: &Topo, batch: u32) -> (f64, f64, bool) {
    if o.ring == "crossbeam_channel" {
        let qs = (0..t.consumers)
            .map(|_| {
                let (tx, rx) = bounded::<[u64; W]>(o.slots);
                Chan(tx, rx)
            })
            .collect();
        run::<W, Chan<[u64; W]>>(o, t, batch, qs)
    } else {
        let qs = (0..t.consumers).map(|_| ArrayQueue::<[u64; W]>::new(o.slots)).collect();
        run::<W, ArrayQueue<[u64; W]>>(o, t, batch, qs)
    }
}

fn list(s: &str) -> Vec<u32> {
    s.split(',').map(|x| x.parse().expect("bad number")).collect()
}

fn main() {
    let mut o = Opts {
        warmup_ms: 1000,
        interval_ms: 1000,
        samples: 5,
        slots: 16384,
        batches: vec![1, 10, 100],
        sizes: vec![8, 64],
        topos: vec![],
        ring: String::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a.starts_with('-') && i + 1 < args.len() {
            let v = &args[i + 1];
            match a {
                "-w" => o.warmup_ms = v.parse().unwrap(),
                "-i" => o.interval_ms = v.parse().unwrap(),
                "-n" => o.samples = v.parse().unwrap(),
                "-s" => o.slots = v.parse().unwrap(),
                "-b" => o.batches = list(v),
                "-e" => o.sizes = list(v),
                "-t" => o.topos = v.split(',').map(String::from).collect(),
                _ => panic!("unknown option {}", a),
            }
            i += 2;
        } else {
            o.ring = a.to_string();
            i += 1;
        }
    }
    if o.ring != "crossbeam_channel" && o.ring != "crossbeam_queue" {
        eprintln!("usage: bench-crossbeam [options] crossbeam_channel|crossbeam_queue");
        std::process::exit(2);
    }
    eprintln!(
        "bench: {} on 2 CPUs: pinning {}; topologies with more than 2 threads are oversubscribed",
        o.ring,
        pin_policy()
    );
    for t in TOPOS.iter() {
        if !o.topos.is_empty() && !o.topos.iter().any(|n| n == t.name) {
            continue;
        }
        for &b in &o.batches {
            for &e in &o.sizes {
                if !t.queue_ok {
                    println!("{},{},{},{},n/a,n/a,0,no multicast: a receive removes the message", o.ring, t.name, b, e);
                    continue;
                }
                let (mean, sd, ok) = if e == 8 {
                    measure::<1>(&o, t, b)
                } else {
                    measure::<8>(&o, t, b)
                };
                let threads = t.producers + t.consumers;
                let pol = pin_policy();
                let how = match pol.as_str() {
                    "none" => "unpinned",
                    "spread" => "spread",
                    _ => "",
                };
                let note = if !ok {
                    "CHECK FAILED".to_string()
                } else if threads > 2 {
                    let sep = if how.is_empty() { "" } else { "; " };
                    format!("{}{}{} threads on 2 CPUs", how, sep, threads)
                } else {
                    how.to_string()
                };
                println!("{},{},{},{},{:.3},{:.3},{},{}", o.ring, t.name, b, e, mean, sd, o.samples, note);
                eprintln!("{:<17} {:<9} batch {:>3}  {:>2}B  {:>8.3} ± {:>6.3} M/s  {}", o.ring, t.name, b, e, mean, sd, note);
            }
        }
    }
}
