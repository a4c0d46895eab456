/* C baseline for bench_signal.py: what a signal hand-off between two processes costs without Python, a runtime
 * or a system call. Two processes share a MAP_SHARED mapping; the parent writes 8 bytes of data and then a signal
 * word (release store), the child spins on that word (acquire load), checks the data, and answers the same way.
 * One-way latency = round trip / 2. Then the parent times uncontended atomic fetch-adds on a word of the mapping.
 *
 *     _pingpong ROUNDS REPEATS FETCH_ADDS
 *
 * prints one line of JSON: {"oneway_ns": [one per repeat], "fetch_add_ns": [one per repeat], "errors": N}. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPEATS 64

/* Each word on a cache line of its own, as the signal and data words of the Python benchmark are. */
struct shared {
	_Alignas(64) atomic_long ping;
	_Alignas(64) atomic_long pong;
	_Alignas(64) long to_child;
	_Alignas(64) long to_parent;
	_Alignas(64) atomic_long counter;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Spins until *word == value. Every few thousand polls it yields, so that two spinners that the scheduler put on
 * one core (the machine may be busy) hand the core over instead of each burning a full time slice. */
static void wait_for(atomic_long *word, long value)
{
	unsigned long spins = 0;

	while (atomic_load_explicit(word, memory_order_acquire) != value) {
		relax();
		if (++spins % 4096 == 0)
			sched_yield();
	}
}

int main(int argc, char **argv)
{
	long rounds, repeats, adds, total, errors = 0;
	double oneway[MAX_REPEATS], fetch_add[MAX_REPEATS];
	struct shared *sh;
	pid_t child;
	int status;

	if (argc != 4) {
		fprintf(stderr, "usage: %s ROUNDS REPEATS FETCH_ADDS\n", argv[0]);
		return 2;
	}
	rounds = atol(argv[1]);
	repeats = atol(argv[2]);
	adds = atol(argv[3]);
	if (rounds <= 0 || repeats <= 0 || repeats > MAX_REPEATS || adds <= 0) {
		fprintf(stderr, "ROUNDS and FETCH_ADDS must be > 0, REPEATS 1..%d\n", MAX_REPEATS);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	total = rounds * (repeats + 1); /* one untimed warm-up repeat first */
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		long bad = 0;

		for (long k = 1; k <= total; k++) {
			wait_for(&sh->ping, k);
			bad += sh->to_child != k; /* the data must be visible with its signal */
			sh->to_parent = k;
			atomic_store_explicit(&sh->pong, k, memory_order_release);
		}
		_exit(bad != 0);
	}
	long k = 0;
	for (long rep = -1; rep < repeats; rep++) {
		double t0 = now_ns();

		for (long i = 0; i < rounds; i++) {
			k++;
			sh->to_child = k;
			atomic_store_explicit(&sh->ping, k, memory_order_release);
			wait_for(&sh->pong, k);
			errors += sh->to_parent != k;
		}
		if (rep >= 0)
			oneway[rep] = (now_ns() - t0) / (2.0 * (double)rounds);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errors++;
	for (long rep = 0; rep < repeats; rep++) {
		double t0 = now_ns();

		for (long i = 0; i < adds; i++)
			atomic_fetch_add_explicit(&sh->counter, 1, memory_order_seq_cst);
		fetch_add[rep] = (now_ns() - t0) / (double)adds;
	}
	if (atomic_load(&sh->counter) != adds * repeats)
		errors++;
	printf("{\"oneway_ns\": [");
	for (long rep = 0; rep < repeats; rep++)
		printf("%s%.2f", rep ? ", " : "", oneway[rep]);
	printf("], \"fetch_add_ns\": [");
	for (long rep = 0; rep < repeats; rep++)
		printf("%s%.2f", rep ? ", " : "", fetch_add[rep]);
	printf("], \"errors\": %ld}\n", errors);
	munmap(sh, sizeof(*sh));
	return errors != 0;
}
