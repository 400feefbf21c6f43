// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_fuzz - the module's own fuzzer, run as root in the test guest.
 *
 *   disruptor_fuzz [--ops N | --seconds S] [--seed S] [--threads T]
 *                  [--module KO] [--kprod KO] [--no-input] [--no-final-rmmod]
 *                  [--watchdog S]
 *
 * The main process (root) creates the ring "fzkprod" and loads the hard-IRQ
 * kernel producer (examples/kmod_producer) on it, starts disruptor_input
 * (the BPF hook on input_event(), ring "fzinput") with disruptor_inject
 * typing in a loop, and forks three worker processes running as uid 0,
 * 1000 and 1001 (groups 1000/1001 plus 2000, shared), T threads each
 * (default 2). Every worker thread draws ops from its own stream, seeded
 * from the master seed and its index (ops.c): every ioctl with valid,
 * random and boundary values, bad pointers and wrong command numbers; mmap
 * with random offsets, lengths, protections and flags; munmap, mremap,
 * madvise, mprotect; reads of every mapping and writes into read-only ones
 * (which must fault); garbage into its own consumer pages; poll and WAIT;
 * fork (the child touches fds and mappings, exits or is killed); close and
 * DESTROY racing the other threads' use of the same fds and rings, and
 * delete_module(). Each result is checked where the ABI decides it, and
 * counted by errno per op kind (the table at the end).
 *
 * At four fifths of the run every thread pauses (phase 1): the kernel
 * producers stop and their rings are checked, and every worker checks the
 * rings it reaches. In the last fifth (phase 2) the producers stay off and
 * the workers first drain everything they hold, so a root thread's rmmod
 * succeeds; it reloads the module and the run goes on. At the end
 * every ring the run can still reach is checked: published + dropped ==
 * offered (the fuzzer's ledger, by ring id; the input ring adds what the
 * hook saw; the kernel producer ring is bounded by the ticks read), every
 * live consumer read everything published to it, in order per producer
 * and without duplicates; no ring of the run is left; rmmod succeeds.
 *
 * Replay: --seed S --ops N replays the same per-thread op streams; the
 * interleavings of the threads (and so the results each op sees, and the
 * choices that depend on them) differ from run to run.
 *
 * Exit: 0 when every check held, 1 otherwise, 2 for bad usage.
 */
#include "fuzz_impl.h"

struct fz_shared *fz;
struct fz_opts opts;

const char *const fz_op_names[OP_NKINDS] = {
	"open", "close", "create", "attach", "add_consumer", "publish", "wait", "poll",
	"stats", "list", "destroy", "bad_ioctl", "mmap", "munmap", "mremap", "madvise",
	"mprotect", "touch", "garbage", "consume", "fork", "rmmod", "wake",
};

void fz_fail(const char *fmt, ...)
{
	uint64_t n = atomic_fetch_add(&fz->failures, 1);
	char buf[512];
	va_list ap;
	int len;

	if (n >= 100)
		return;
	len = snprintf(buf, sizeof(buf), "FAIL [pid %d tid %d seed %llu]: ", getpid(),
		       (int)syscall(SYS_gettid), (unsigned long long)fz->seed);
	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	/* write(2): a forked child of a threaded process may not use stdio. */
	if (write(2, buf, len) < 0)
		_exit(1);
}

void fz_count(int kind, int err)
{
	if (err < 0 || err >= FZ_NERR)
		err = FZ_NERR - 1;
	atomic_fetch_add_explicit(&fz->outcome[kind][err], 1, memory_order_relaxed);
}

static uint32_t ledger_hash(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (FZ_LEDGER - 1);
}

struct fz_ledger_entry *fz_ledger_get(uint64_t id, bool create)
{
	uint32_t h = ledger_hash(id), i;

	for (i = 0; i < FZ_LEDGER; i++) {
		struct fz_ledger_entry *e = &fz->ledger[(h + i) & (FZ_LEDGER - 1)];
		uint64_t cur = atomic_load(&e->key);

		if (cur == id)
			return e;
		if (cur == 0) {
			if (!create)
				return NULL;
			if (atomic_compare_exchange_strong(&e->key, &cur, id) || cur == id)
				return e;
		}
	}
	fz_fail("ledger full");
	return NULL;
}

struct fz_ledger_entry *fz_ledger_find(uint64_t id)
{
	return fz_ledger_get(id, false);
}

void fz_ledger_add(uint64_t id, uint64_t offered, uint64_t accepted)
{
	struct fz_ledger_entry *e = fz_ledger_get(id, true);

	if (!e)
		return;
	atomic_fetch_add(&e->offered, offered);
	atomic_fetch_add(&e->accepted, accepted);
}

/* ------------------------------------------------------------------ */
/* The main process: producers, workers, watchdog, final checks.      */

static pid_t workers[3];
static pid_t loader_pid = -1, injector_pid = -1;
static struct fz_reader main_readers[2];	/* 0: fzkprod, 1: fzinput */
static int kprod_fd = -1, input_fd = -1;
static bool kprod_loaded;

static int usage(const char *why)
{
	fprintf(stderr, "disruptor_fuzz: %s\n"
		"usage: disruptor_fuzz [--ops N | --seconds S] [--seed S] [--threads T]\n"
		"       [--module KO] [--kprod KO] [--no-input] [--no-final-rmmod] [--watchdog S]\n",
		why);
	return 2;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t fz_total_ops(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < fz->nthreads; i++)
		n += atomic_load(&fz->thr[i].ops);
	return n;
}

static int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params, 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* Create a ring as the main process and register its rights in the ledger. */
static int main_ring(const char *name, uint32_t producer, uint64_t *key, struct fz_reader *r)
{
	struct disruptor_ring_params p;
	int fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.slot_count = 1024;
	p.slot_size = 32;
	p.producer = producer;
	p.flags = DISRUPTOR_RING_F_BLOCKING;
	p.mode = 0666;
	p.uid = (uint32_t)-1;
	p.gid = (uint32_t)-1;
	if (ioctl(fd, DISRUPTOR_IOC_CREATE, &p)) {
		fprintf(stderr, "disruptor_fuzz: create %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	*key = fz_key(p.id);
	fz_ledger_rights(*key, 0, 0, 0666);
	if (fz_reader_open(r, fd, &p, FZ_MAX_THREADS - 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Attach to the loader's input ring, as a consumer that checks. */
static int main_attach_input(void)
{
	struct disruptor_attach a;
	int fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "fzinput");
	if (ioctl(fd, DISRUPTOR_IOC_ATTACH, &a)) {
		fprintf(stderr, "disruptor_fuzz: attach fzinput: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	fz->input_key = fz_key(a.params.id);
	fz_ledger_rights(fz->input_key, 0, 2000, 0640);
	if (fz_reader_open(&main_readers[1], fd, &a.params, FZ_MAX_THREADS - 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int wait_for_line(const char *path, const char *what, int tenths)
{
	char buf[4096];
	int i;

	for (i = 0; i < tenths; i++) {
		FILE *f = fopen(path, "r");
		size_t n = 0;

		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = 0;
		if (strstr(buf, what))
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "disruptor_fuzz: %s: no \"%s\": %s\n", path, what, buf);
	return -1;
}

/* A forked child lets go of the main process's rings: they must not outlive their checks. */
static void drop_main_rings(void)
{
	int i;

	for (i = 0; i < 2; i++)
		fz_reader_close(&main_readers[i]);
	if (kprod_fd >= 0)
		close(kprod_fd);
	if (input_fd >= 0)
		close(input_fd);
}

static void start_input(void)
{
	int out;

	loader_pid = fork();
	if (loader_pid == 0) {
		out = open("/tmp/fz-input.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(out, 1);
		dup2(out, 2);
		execlp("disruptor_input", "disruptor_input", "-r", "fzinput", "-n", "256",
		       "-g", "2000", (char *)NULL);
		_exit(127);
	}
	if (wait_for_line("/tmp/fz-input.log", "hooked", 100)) {
		kill(loader_pid, SIGKILL);
		waitpid(loader_pid, NULL, 0);
		loader_pid = -1;
		return;
	}
	input_fd = main_attach_input();
	injector_pid = fork();
	if (injector_pid == 0) {
		drop_main_rings();
		setpgid(0, 0);
		out = open("/dev/null", O_WRONLY);
		dup2(out, 1);
		dup2(out, 2);
		for (;;) {
			pid_t c = fork();

			if (c == 0) {
				execlp("disruptor_inject", "disruptor_inject", "-n", "50", "-i",
				       "2000", (char *)NULL);
				_exit(127);
			}
			if (c < 0 || waitpid(c, NULL, 0) < 0)
				_exit(0);
		}
	}
}

/* Phase 1: the kernel producers stop; check their rings exactly. */
static void stop_producers(void)
{
	struct disruptor_stats s;
	int err;

	if (kprod_loaded) {
		err = unload_module("disruptor_example_producer");
		if (err)
			fz_fail("rmmod disruptor_example_producer: %s", strerror(-err));
		else
			kprod_loaded = false;
	}
	if (kprod_fd >= 0) {
		struct fz_reader *r = &main_readers[0];
		struct fz_ledger_entry *e = fz_ledger_find(fz->kprod_key);
		uint64_t fo = e ? atomic_load(&e->offered) : 0, fa = e ? atomic_load(&e->accepted) : 0;

		fz_reader_drain(r, UINT64_MAX);
		if (ioctl(kprod_fd, DISRUPTOR_IOC_STATS, &s))
			fz_fail("fzkprod: STATS: %s", strerror(errno));
		else {
			/*
			 * The example producer does not export its tick count:
			 * each tick is one offer, so the ring saw at least
			 * last_tick + 1 of them beside the fuzzer's; the ticks
			 * published == claimed less the fuzzer's accepted.
			 */
			uint64_t kticks = s.claimed + s.dropped - fo;

			if (s.claimed < fa || s.claimed + s.dropped < fo ||
			    (r->ticks_seen && kticks < r->last_tick + 1) ||
			    r->ticks_seen != s.claimed - fa)
				fz_fail("fzkprod: claimed %llu dropped %llu, fuzzer offered %llu accepted %llu, ticks read %llu (last %llu)",
					(unsigned long long)s.claimed, (unsigned long long)s.dropped,
					(unsigned long long)fo, (unsigned long long)fa,
					(unsigned long long)r->ticks_seen, (unsigned long long)r->last_tick);
			if (r->next != s.claimed)
				fz_fail("fzkprod: the main consumer read to %llu of %llu",
					(unsigned long long)r->next, (unsigned long long)s.claimed);
			printf("disruptor_fuzz: fzkprod: %llu ticks published (last tick %llu), %llu offers dropped, fuzzer offered %llu accepted %llu\n",
			       (unsigned long long)r->ticks_seen, (unsigned long long)r->last_tick,
			       (unsigned long long)s.dropped, (unsigned long long)fo,
			       (unsigned long long)fa);
		}
		fz_reader_close(r);
		close(kprod_fd);
		kprod_fd = -1;
	}
	if (injector_pid > 0) {
		kill(-injector_pid, SIGKILL);
		kill(injector_pid, SIGKILL);
		waitpid(injector_pid, NULL, 0);
		injector_pid = -1;
	}
	if (loader_pid > 0) {
		unsigned long long seen = 0, pub = 0, ref = 0;
		char buf[4096] = "", *p;
		FILE *f;
		int st;

		kill(loader_pid, SIGINT);
		waitpid(loader_pid, &st, 0);
		loader_pid = -1;
		f = fopen("/tmp/fz-input.log", "r");
		if (f) {
			buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
			fclose(f);
		}
		p = strstr(buf, "seen ");
		if (!WIFEXITED(st) || WEXITSTATUS(st) || !p ||
		    sscanf(p, "seen %llu = published %llu + refused %llu", &seen, &pub, &ref) != 3)
			fz_fail("disruptor_input: status %#x, log: %s", st, buf);
		else if (input_fd >= 0) {
			struct fz_reader *r = &main_readers[1];
			struct fz_ledger_entry *e = fz_ledger_find(fz->input_key);
			uint64_t fo = e ? atomic_load(&e->offered) : 0;
			uint64_t fa = e ? atomic_load(&e->accepted) : 0;

			fz_reader_drain(r, UINT64_MAX);
			if (ioctl(input_fd, DISRUPTOR_IOC_STATS, &s))
				fz_fail("fzinput: STATS: %s", strerror(errno));
			else if (s.claimed + s.dropped != seen + fo || s.claimed != pub + fa ||
				 seen != pub + ref)
				fz_fail("fzinput: claimed %llu + dropped %llu != hook seen %llu (published %llu refused %llu) + fuzzer offered %llu (accepted %llu)",
					(unsigned long long)s.claimed, (unsigned long long)s.dropped,
					seen, pub, ref, (unsigned long long)fo,
					(unsigned long long)fa);
			else
				printf("disruptor_fuzz: fzinput: hook saw %llu events (published %llu, refused %llu) + fuzzer offered %llu: claimed %llu + dropped %llu, exact\n",
				       seen, pub, ref, (unsigned long long)fo,
				       (unsigned long long)s.claimed, (unsigned long long)s.dropped);
			if (r->next != s.claimed)
				fz_fail("fzinput: the main consumer read to %llu of %llu",
					(unsigned long long)r->next, (unsigned long long)s.claimed);
		}
	}
	if (input_fd >= 0) {
		fz_reader_close(&main_readers[1]);
		close(input_fd);
		input_fd = -1;
	}
}

static void dump_threads(const char *why);

static bool all_acked(void)
{
	int i;

	for (i = 0; i < fz->nthreads; i++)
		if (atomic_load(&fz->thr[i].phase_ack) < 1)
			return false;
	return true;
}

static bool all_checked(void)
{
	int w, i;

	for (w = 0; w < 3; w++) {
		bool done = true;

		for (i = 0; i < opts.threads; i++)
			if (!atomic_load(&fz->thr[w * opts.threads + i].done))
				done = false;
		if (!done && !atomic_load(&fz->checkpoint_done[w]))
			return false;
	}
	return true;
}

/* Wait for @cond, reading the main consumers meanwhile; false after the watchdog's time. */
static bool wait_main(bool (*cond)(void))
{
	uint64_t t0 = now_ns();
	int i;

	while (!cond()) {
		for (i = 0; i < 2; i++)
			if (main_readers[i].mapped)
				fz_reader_drain(&main_readers[i], 4096);
		if (now_ns() - t0 > (uint64_t)opts.watchdog_s * 1000000000ull)
			return false;
		usleep(2000);
	}
	return true;
}

/*
 * Phase 1: every thread pauses between ops; the kernel producers stop and
 * their rings are checked; each worker checks the rings it reaches. Then
 * phase 2: the producers stay off, the workers tear down more than they
 * build, and rmmod may succeed. Returns true when the watchdog fired.
 */
static bool enter_phase2(uint64_t ops)
{
	int w;

	atomic_store(&fz->phase, 1);
	if (!wait_main(all_acked)) {
		fz_fail("watchdog: threads did not pause for the checkpoint in %d s", opts.watchdog_s);
		goto stuck;
	}
	stop_producers();
	atomic_store(&fz->checkpoint_req, 1);
	if (!wait_main(all_checked)) {
		fz_fail("watchdog: the workers' checkpoint took over %d s", opts.watchdog_s);
		goto stuck;
	}
	printf("disruptor_fuzz: checkpoint at %llu ops: %llu rings exact, %llu failures so far; phase 2: producers off, rmmod may succeed\n",
	       (unsigned long long)ops, (unsigned long long)atomic_load(&fz->exact_rings),
	       (unsigned long long)atomic_load(&fz->failures));
	atomic_store(&fz->phase, 2);
	return false;
stuck:
	dump_threads("watchdog");
	atomic_store(&fz->stop, 1);
	for (w = 0; w < 3; w++)
		kill(workers[w], SIGKILL);
	return true;
}

static void dump_threads(const char *why)
{
	int i;

	printf("disruptor_fuzz: %s; every thread's last op:\n", why);
	for (i = 0; i < fz->nthreads; i++) {
		struct fz_thread_state *t = &fz->thr[i];

		printf("  thread %d (pid %d uid %d): %llu ops, done %d, last: %s\n", i, t->pid,
		       t->uid, (unsigned long long)atomic_load(&t->ops), atomic_load(&t->done),
		       t->last);
	}
	fflush(stdout);
	if (!access("/proc/sysrq-trigger", W_OK)) {
		int fd = open("/proc/sysrq-trigger", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, "w", 1) < 0)
				perror("sysrq");
			close(fd);
		}
	}
}

/* Every fuzz ring left (persistent ones): check, destroy; then none may be left. */
static void final_rings(void)
{
	struct disruptor_ring_info info[256];
	struct disruptor_list l;
	int fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);
	unsigned int i;

	if (fd < 0) {
		fz_fail("open /dev/disruptor at the end: %s", strerror(errno));
		return;
	}
	memset(&l, 0, sizeof(l));
	l.rings = (uintptr_t)info;
	l.capacity = 256;
	if (ioctl(fd, DISRUPTOR_IOC_LIST, &l)) {
		fz_fail("LIST at the end: %s", strerror(errno));
		close(fd);
		return;
	}
	for (i = 0; i < l.count && i < 256; i++) {
		struct disruptor_attach a;
		struct disruptor_destroy d;
		struct disruptor_stats s;
		int rfd;

		/* Every ring left is the run's (the guest runs nothing else meanwhile). */
		if (!(info[i].flags & DISRUPTOR_RING_F_PERSIST)) {
			fz_fail("ring %s outlived every fd of the run and is not persistent",
				info[i].name);
			continue;
		}
		rfd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);
		memset(&a, 0, sizeof(a));
		memcpy(a.name, info[i].name, sizeof(a.name));
		if (rfd < 0 || ioctl(rfd, DISRUPTOR_IOC_ATTACH, &a) ||
		    ioctl(rfd, DISRUPTOR_IOC_STATS, &s)) {
			fz_fail("persistent %s: attach/stats: %s", info[i].name, strerror(errno));
		} else {
			fz_check_ledger(fz_key(a.params.id), info[i].name, &s, "persistent");
		}
		memset(&d, 0, sizeof(d));
		memcpy(d.name, info[i].name, sizeof(d.name));
		if (ioctl(fd, DISRUPTOR_IOC_DESTROY, &d))
			fz_fail("DESTROY %s at the end: %s", info[i].name, strerror(errno));
		if (rfd >= 0)
			close(rfd);
	}
	memset(&l, 0, sizeof(l));
	l.rings = (uintptr_t)info;
	l.capacity = 256;
	if (ioctl(fd, DISRUPTOR_IOC_LIST, &l))
		fz_fail("LIST at the end: %s", strerror(errno));
	for (i = 0; i < l.count && i < 256; i++)
		fz_fail("ring %.32s left after the run", info[i].name);
	close(fd);
}

static void print_table(uint64_t ops, double secs)
{
	int k, e;

	printf("disruptor_fuzz: outcomes by op: count, thread time, errno:count (touch: signal:count)\n");
	for (k = 0; k < OP_NKINDS; k++) {
		char line[2048];
		int len = 0;
		uint64_t sum = 0;

		for (e = 0; e < FZ_NERR; e++) {
			uint64_t n = atomic_load(&fz->outcome[k][e]);

			if (!n)
				continue;
			sum += n;
			if (len < (int)sizeof(line) - 64)
				len += snprintf(line + len, sizeof(line) - len, " %s:%llu",
						!e ? "ok" : e == FZ_NERR - 1 ? "other" :
						k == OP_TOUCH ? sigabbrev_np(e) : strerrorname_np(e),
						(unsigned long long)n);
		}
		line[len] = 0;
		printf("  %-13s %9llu %7.1f s %s\n", fz_op_names[k], (unsigned long long)sum,
		       atomic_load(&fz->op_ns[k]) / 1e9, line);
	}
	printf("disruptor_fuzz: %llu ops in %.1f s (%.0f ops/s); forks %llu (killed %llu); records checked %llu; rings checked exactly %llu; rmmod succeeded %llu, reloads %llu\n",
	       (unsigned long long)ops, secs, ops / (secs > 0 ? secs : 1),
	       (unsigned long long)fz->forks, (unsigned long long)fz->kills,
	       (unsigned long long)fz->records_checked, (unsigned long long)fz->exact_rings,
	       (unsigned long long)fz->rmmod_ok, (unsigned long long)fz->reinserts);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ops", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "module", required_argument, NULL, 'm' },
		{ "kprod", required_argument, NULL, 'k' },
		{ "no-input", no_argument, NULL, 'I' },
		{ "no-final-rmmod", no_argument, NULL, 'R' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	static const int uids[3] = { 0, 1000, 1001 };
	uint64_t seed, start, last_ops = 0, last_change, last_progress, ops;
	bool seeded = false, phase_switched = false;
	int opt, i, w, status;
	mode_t dev_mode = 0600;
	struct stat st;
	double secs;

	opts.ops = 100000;
	opts.threads = 2;
	opts.module = "/modules/disruptor.ko";
	opts.kprod = "/modules/disruptor_example_producer.ko";
	opts.input = true;
	opts.final_rmmod = true;
	opts.watchdog_s = 60;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			opts.ops = strtoull(optarg, NULL, 0);
			opts.seconds = 0;
			break;
		case 's':
			opts.seconds = strtoull(optarg, NULL, 0);
			opts.ops = 0;
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 't':
			opts.threads = atoi(optarg);
			break;
		case 'm':
			opts.module = optarg;
			break;
		case 'k':
			opts.kprod = *optarg ? optarg : NULL;
			break;
		case 'I':
			opts.input = false;
			break;
		case 'R':
			opts.final_rmmod = false;
			break;
		case 'w':
			opts.watchdog_s = atoi(optarg);
			break;
		default:
			return usage("unknown option");
		}
	}
	if (opts.threads < 2 || opts.threads * 3 > FZ_MAX_THREADS - 1)
		return usage("--threads wants 2 to 5 (per uid; three uids)");
	if (!opts.ops && !opts.seconds)
		return usage("--ops or --seconds wants a positive number");
	if (!seeded) {
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = now_ns() ^ getpid();
		seed &= (1ull << 48) - 1;	/* easy to type */
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fz = mmap(NULL, sizeof(*fz), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	fz->seed = seed;
	fz->nthreads = opts.threads * 3;
	printf("disruptor_fuzz: seed %llu, %s %llu, %d threads in 3 processes (uid 0, 1000, 1001)\n",
	       (unsigned long long)seed, opts.ops ? "ops" : "seconds",
	       (unsigned long long)(opts.ops ? opts.ops : opts.seconds), fz->nthreads);
	printf("disruptor_fuzz: replay: disruptor_fuzz --seed %llu %s %llu (same op streams; thread interleavings differ)\n",
	       (unsigned long long)seed, opts.ops ? "--ops" : "--seconds",
	       (unsigned long long)(opts.ops ? opts.ops : opts.seconds));

	if (access("/dev/disruptor", F_OK) && load_module(opts.module, "")) {
		printf("disruptor_fuzz: no /dev/disruptor and cannot load %s\n", opts.module);
		return 77;
	}
	if (!stat("/dev/disruptor", &st))
		dev_mode = st.st_mode & 07777;
	chmod("/dev/disruptor", 0666);

	kprod_fd = main_ring("fzkprod", DISRUPTOR_PRODUCER_SINGLE, &fz->kprod_key, &main_readers[0]);
	if (kprod_fd >= 0 && opts.kprod) {
		int err = load_module(opts.kprod, "ring=fzkprod period_ms=1");

		if (err)
			fz_fail("insmod %s: %s", opts.kprod, strerror(-err));
		else
			kprod_loaded = true;
	}
	if (opts.input)
		start_input();
	printf("disruptor_fuzz: producers: kernel (hard-IRQ hrtimer, 1 ms) on fzkprod: %s; BPF input hook on fzinput: %s\n",
	       kprod_loaded ? "on" : "OFF", input_fd >= 0 ? "on" : "OFF");
	if (opts.input && input_fd < 0)
		fz_fail("the BPF input producer did not start (disruptor_input, disruptor_inject)");

	start = now_ns();
	for (w = 0; w < 3; w++) {
		workers[w] = fork();
		if (workers[w] < 0) {
			perror("fork");
			return 1;
		}
		if (workers[w] == 0) {
			drop_main_rings();
			_exit(fz_worker(w, uids[w], start));
		}
	}
	last_change = last_progress = now_ns();
	for (;;) {
		bool all_done = true;
		uint64_t t = now_ns();

		for (i = 0; i < 2; i++)
			if (main_readers[i].mapped)
				fz_reader_drain(&main_readers[i], 4096);
		for (i = 0; i < fz->nthreads; i++)
			if (!atomic_load(&fz->thr[i].done))
				all_done = false;
		if (all_done)
			break;
		ops = fz_total_ops();
		if (!phase_switched &&
		    ((opts.ops && ops >= opts.ops / 5 * 4) ||
		     (opts.seconds && t - start >= opts.seconds * 800000000ull))) {
			phase_switched = true;
			if (enter_phase2(ops))
				break;
			last_change = now_ns();
			continue;
		}
		if (t - last_progress >= 60000000000ull) {
			last_progress = t;
			printf("disruptor_fuzz: progress: %llu ops in %.0f s (%.0f ops/s), %llu failures\n",
			       (unsigned long long)ops, (t - start) / 1e9,
			       ops / ((t - start) / 1e9), (unsigned long long)atomic_load(&fz->failures));
		}
		if (ops != last_ops) {
			last_ops = ops;
			last_change = t;
		} else if (t - last_change > (uint64_t)opts.watchdog_s * 1000000000ull) {
			fz_fail("watchdog: no op finished for %d s", opts.watchdog_s);
			dump_threads("watchdog");
			atomic_store(&fz->stop, 1);
			for (w = 0; w < 3; w++)
				kill(workers[w], SIGKILL);
			break;
		}
		usleep(2000);
	}
	for (w = 0; w < 3; w++) {
		if (waitpid(workers[w], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			fz_fail("worker %d (uid %d) ended with status %#x", w, uids[w], status);
	}
	secs = (now_ns() - start) / 1e9;
	ops = fz_total_ops();
	if (!phase_switched)
		stop_producers();
	for (i = 0; i < 2; i++)
		if (main_readers[i].mapped)
			fz_reader_close(&main_readers[i]);
	if (kprod_fd >= 0)
		close(kprod_fd);
	if (input_fd >= 0)
		close(input_fd);
	if (access("/dev/disruptor", F_OK) && load_module(opts.module, ""))
		fz_fail("disruptor.ko is not loaded at the end and cannot be reloaded");
	final_rings();
	if (opts.final_rmmod) {
		int err = -EBUSY;

		/* Released BPF programs drop their module reference after a grace period. */
		for (i = 0; i < 100 && err; i++) {
			err = unload_module("disruptor");
			if (err)
				usleep(100000);
		}
		if (err)
			fz_fail("rmmod disruptor after the run: %s (a reference leaked?)",
				strerror(-err));
		else if ((err = load_module(opts.module, "")))
			fz_fail("reload %s: %s", opts.module, strerror(-err));
	}
	chmod("/dev/disruptor", dev_mode);
	print_table(ops, secs);
	printf("disruptor_fuzz: %s: %llu ops, %.0f ops/s, seed %llu, %llu failures; replay: disruptor_fuzz --seed %llu --ops %llu\n",
	       fz->failures ? "FAIL" : "PASS", (unsigned long long)ops, ops / (secs > 0 ? secs : 1),
	       (unsigned long long)seed, (unsigned long long)fz->failures,
	       (unsigned long long)seed, (unsigned long long)(opts.ops ? opts.ops : ops));
	return fz->failures ? 1 : 0;
}
