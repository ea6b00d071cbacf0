/* SPDX-License-Identifier: MIT */
/* latency: every malloc timed while one thread replaces random slots of a large working set and a second thread does a quarter of the frees. */

/*
 * usage: latency SLOTS OPS [LARGE_MIN_KIB LARGE_MAX_KIB [TOUCH]]
 *
 * The main thread fills SLOTS slots, then OPS times replaces the block of a
 * random slot with a new one. Sizes are uniform in 16..1024 bytes, except
 * that every 64th allocation is a large block, uniform in LARGE_MIN_KIB ..
 * LARGE_MAX_KIB (default 64 KiB .. 1 MiB). With TOUCH=1 (the default) one
 * byte in every 4 KiB of a large block is written, as a program filling a
 * buffer would, so memory an allocator handed back to the OS is faulted in
 * again. A random quarter of the replaced blocks are not freed by the main
 * thread but handed through a bounded queue to a second thread, which frees
 * them (remote frees arriving while the main thread allocates).
 *
 * Every malloc of the replacement phase is timed with
 * clock_gettime(CLOCK_MONOTONIC) into a log-linear histogram (exact below
 * 128 ns, then 64 steps per power of two: values within 1.6 %), and the
 * exact maximum is kept. The RESULT line gives p50_us, p99_us, p999_us
 * (99.9 %), p9999_us (99.99 %), max_us and mean_us in microseconds, the
 * number of timed calls (timed=) and the cost of one clock reading
 * (clock_ns=, included in every sample). The program's own tables (slots,
 * queue, histogram) are mapped with mmap, not taken from the allocator
 * under test.
 *
 * Self-check: every block carries a tag at both ends (and in every touched
 * page byte of a large block, the first is verified) that both threads
 * check before freeing; allocations must equal frees at the end.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define PAGE 4096
#define QCAP 16384                 /* queue to the freeing thread (a power of two) */
#define SUB_BITS 6                 /* 64 histogram steps per power of two */
#define EXACT 128                  /* below this many ns every value has its own bucket */
#define NBUCKETS (EXACT + (64 - 7) * (1 << SUB_BITS))

typedef struct slot_s {
  unsigned char *p;
  size_t n;
  uint64_t tag;
} slot_t;

static slot_t queue[QCAP];
static atomic_size_t q_head, q_tail;   /* head: next to pop (freer); tail: next to push (main) */
static atomic_int q_done;
static uint64_t hist[NBUCKETS];
static int touch = 1;

static void *map(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) bench_fail("mmap of %zu bytes for the tables failed", bytes);
  return p;
}

static unsigned bucket_of(uint64_t ns)
{
  if (ns < EXACT) return (unsigned)ns;
  unsigned e = 63u - (unsigned)__builtin_clzll(ns);          /* >= 7 */
  unsigned m = (unsigned)(ns >> (e - SUB_BITS)) & ((1u << SUB_BITS) - 1);
  unsigned i = EXACT + (e - 7) * (1u << SUB_BITS) + m;
  return i < NBUCKETS ? i : NBUCKETS - 1;
}

/* The middle of a bucket's range, in ns. */
static double bucket_value(unsigned i)
{
  if (i < EXACT) return (double)i;
  unsigned e = 7 + (i - EXACT) / (1u << SUB_BITS);
  unsigned m = (i - EXACT) % (1u << SUB_BITS);
  double lo = (double)(((uint64_t)(1u << SUB_BITS) + m) << (e - SUB_BITS));
  return lo + (double)((uint64_t)1 << (e - SUB_BITS)) / 2.0;
}

static double percentile_us(uint64_t total, double q, uint64_t max_ns)
{
  uint64_t rank = (uint64_t)(q * (double)total + 0.999999), seen = 0;
  if (rank == 0) rank = 1;
  for (unsigned i = 0; i < NBUCKETS; i++) {
    seen += hist[i];
    if (seen >= rank) {
      double v = bucket_value(i);
      return (v > (double)max_ns ? (double)max_ns : v) / 1000.0;
    }
  }
  return (double)max_ns / 1000.0;
}

static inline uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fill(slot_t *s)
{
  blk_mark(s->p, s->n, s->tag);
  if (touch && s->n >= 2 * PAGE)
    for (size_t off = PAGE; off + PAGE <= s->n; off += PAGE) s->p[off] = (unsigned char)(s->tag + off / PAGE);
}

static void check_free(slot_t *s)
{
  blk_check(s->p, s->n, s->tag);
  if (touch && s->n >= 2 * PAGE && s->p[PAGE] != (unsigned char)(s->tag + 1))
    bench_fail("large block %p (%zu bytes) page 1 overwritten while live", (void *)s->p, s->n);
  free(s->p);
}

static void *freer(void *arg)
{
  uint64_t *freed = (uint64_t *)arg;
  for (;;) {
    size_t h = atomic_load_explicit(&q_head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&q_tail, memory_order_acquire);
    if (h == t) {
      if (atomic_load_explicit(&q_done, memory_order_acquire) &&
          h == atomic_load_explicit(&q_tail, memory_order_acquire))
        break;
      struct timespec ts = { 0, 20000 };       /* 20 us: the queue holds far more than that */
      nanosleep(&ts, NULL);
      continue;
    }
    for (; h != t; h++) {
      check_free(&queue[h & (QCAP - 1)]);
      (*freed)++;
    }
    atomic_store_explicit(&q_head, h, memory_order_release);
  }
  return NULL;
}

static void hand_over(const slot_t *s)
{
  size_t t = atomic_load_explicit(&q_tail, memory_order_relaxed);
  while (t - atomic_load_explicit(&q_head, memory_order_acquire) >= QCAP) sched_yield();
  queue[t & (QCAP - 1)] = *s;
  atomic_store_explicit(&q_tail, t + 1, memory_order_release);
}

int main(int argc, char **argv)
{
  bench_name = "latency";
  long nslots = bench_arg(argc, argv, 1, 100000);
  long ops = bench_arg(argc, argv, 2, 1000000);
  long lmin = bench_arg(argc, argv, 3, 64);
  long lmax = bench_arg(argc, argv, 4, 1024);
  touch = (int)bench_arg(argc, argv, 5, 1);
  if (nslots < 1 || lmin < 1 || lmax < lmin) bench_fail("bad arguments");
  slot_t *slot = (slot_t *)map((size_t)nslots * sizeof(slot_t));
  uint64_t rng = 0x5eed1a7e;
  uint64_t allocs = 0, freed_here = 0, freed_there = 0, handed = 0, timed = 0, max_ns = 0;
  double sum_ns = 0;

  /* the cost of one clock reading (the floor of every sample) */
  uint64_t c0 = now_ns(), c1 = c0;
  for (int k = 0; k < 1000; k++) c1 = now_ns();
  double clock_ns = (double)(c1 - c0) / 1000.0;

  pthread_t tid;
  int rc = pthread_create(&tid, NULL, freer, &freed_there);
  if (rc != 0) bench_fail("pthread_create: %s", strerror(rc));

  for (long k = 0; k < nslots + ops; k++) {
    /* the first SLOTS steps fill the working set (not timed), then OPS replacements */
    long i = k < nslots ? k : (long)rng_below(&rng, (uint64_t)nslots);
    slot_t *s = &slot[i];
    if (s->p != NULL) {
      if (rng_below(&rng, 4) == 0) {
        hand_over(s);
        handed++;
      } else {
        check_free(s);
        freed_here++;
      }
    }
    size_t n = (allocs % 64 == 63) ? (size_t)rng_range(&rng, (uint64_t)lmin * 1024, (uint64_t)lmax * 1024)
                                   : (size_t)rng_range(&rng, 16, 1024);
    uint64_t t0 = now_ns();
    unsigned char *p = (unsigned char *)malloc(n);
    uint64_t t1 = now_ns();
    if (p == NULL) bench_fail("malloc(%zu) returned NULL", n);
    if (k >= nslots) {
      uint64_t d = t1 - t0;
      hist[bucket_of(d)]++;
      if (d > max_ns) max_ns = d;
      sum_ns += (double)d;
      timed++;
    }
    s->p = p;
    s->n = n;
    s->tag = bench_mix((uint64_t)k ^ 0xa11c);
    fill(s);
    allocs++;
  }
  atomic_store_explicit(&q_done, 1, memory_order_release);
  pthread_join(tid, NULL);
  for (long i = 0; i < nslots; i++) {
    check_free(&slot[i]);
    freed_here++;
  }
  if (freed_there != handed) bench_fail("handed %llu blocks over, the other thread freed %llu",
                                        (unsigned long long)handed, (unsigned long long)freed_there);
  if (freed_here + freed_there != allocs)
    bench_fail("allocated %llu, freed %llu", (unsigned long long)allocs,
               (unsigned long long)(freed_here + freed_there));
  if (timed == 0) timed = 1;   /* OPS = 0: nothing timed, report zeros */
  bench_ok("slots=%ld ops=%ld large=%ld-%ldKiB touch=%d remote=%llu timed=%llu p50_us=%.3f p99_us=%.3f "
           "p999_us=%.3f p9999_us=%.3f max_us=%.3f mean_us=%.3f clock_ns=%.1f",
           nslots, ops, lmin, lmax, touch, (unsigned long long)handed, (unsigned long long)timed,
           percentile_us(timed, 0.50, max_ns), percentile_us(timed, 0.99, max_ns),
           percentile_us(timed, 0.999, max_ns), percentile_us(timed, 0.9999, max_ns),
           (double)max_ns / 1000.0, sum_ns / (double)timed / 1000.0, clock_ns);
  return 0;
}
