/* SPDX-License-Identifier: MIT */
/* Loops for the callgrind micro-benchmark (bench/micro): malloc and free isolated in two noinline functions. */

/*
 * usage: micro-loop MODE SIZE N
 *   pair   N times p = malloc(SIZE); free(p)            (the block's page empties each time)
 *   pair1  the same with one other SIZE block kept live (the page never empties)
 *   batch  N/1000 times: malloc 1000 blocks of SIZE, then free them in order
 *   xt     a producer thread mallocs N blocks in batches of 1000 and hands them
 *          over a 4-slot ring; the consumer thread frees them (remote frees)
 *
 * Every call goes through op_malloc/op_free; bench/micro reads their
 * inclusive instruction counts from callgrind and subtracts their own, so
 * the figure is what the allocator executes per call (PLT stub included).
 * Each mode first runs a fixed warm-up, so two runs with different N differ
 * only by N - N' steady-state operations.
 *
 * Self-check: each block's first and last byte are written and checked
 * before it is freed; the count of frees must equal the count of mallocs.
 */
#include "bench.h"

#define BATCH 1000
#define RING 4
#define WARMUP 20000

__attribute__((noinline)) void *op_malloc(size_t n);
__attribute__((noinline)) void op_free(void *p);

__attribute__((noinline)) void *op_malloc(size_t n)
{
  void *p = malloc(n);
  __asm__ volatile("" : : "r"(p) : "memory");
  return p;
}

__attribute__((noinline)) void op_free(void *p)
{
  __asm__ volatile("" : : "r"(p) : "memory");
  free(p);
}

static size_t size;
static uint64_t mallocs, frees;

static void *get(void)
{
  unsigned char *p = (unsigned char *)op_malloc(size);
  if (p == NULL) bench_fail("malloc(%zu) returned NULL", size);
  p[0] = 0x5a;
  p[size - 1] = 0xa5;
  mallocs++;
  return p;
}

static void put(void *v)
{
  unsigned char *p = (unsigned char *)v;
  if (p[0] != 0x5a || p[size - 1] != 0xa5) bench_fail("block %p overwritten while live", v);
  op_free(p);
  frees++;
}

static void run_pair(long n)
{
  for (long i = 0; i < n; i++) put(get());
}

static void run_batch(long n)
{
  void *blk[BATCH];
  for (long r = 0; r < n / BATCH; r++) {
    for (int i = 0; i < BATCH; i++) blk[i] = get();
    for (int i = 0; i < BATCH; i++) put(blk[i]);
  }
}

/* --- cross-thread: a ring of RING batches between a producer and a consumer */
static void *ring[RING][BATCH];
static int ring_full[RING];
static long ring_batches;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_cond = PTHREAD_COND_INITIALIZER;
static uint64_t consumer_frees;

static void *consumer(void *arg)
{
  (void)arg;
  for (long b = 0; b < ring_batches; b++) {
    int s = (int)(b % RING);
    pthread_mutex_lock(&ring_lock);
    while (!ring_full[s]) pthread_cond_wait(&ring_cond, &ring_lock);
    pthread_mutex_unlock(&ring_lock);
    for (int i = 0; i < BATCH; i++) {
      unsigned char *p = (unsigned char *)ring[s][i];
      if (p[0] != 0x5a || p[size - 1] != 0xa5) bench_fail("block %p overwritten while live", (void *)p);
      op_free(p);
      consumer_frees++;
    }
    pthread_mutex_lock(&ring_lock);
    ring_full[s] = 0;
    pthread_cond_broadcast(&ring_cond);
    pthread_mutex_unlock(&ring_lock);
  }
  return NULL;
}

static void run_xt(long n)
{
  pthread_t t;
  ring_batches = n / BATCH;
  consumer_frees = 0;
  if (pthread_create(&t, NULL, consumer, NULL) != 0) bench_fail("pthread_create");
  for (long b = 0; b < ring_batches; b++) {
    int s = (int)(b % RING);
    pthread_mutex_lock(&ring_lock);
    while (ring_full[s]) pthread_cond_wait(&ring_cond, &ring_lock);
    pthread_mutex_unlock(&ring_lock);
    for (int i = 0; i < BATCH; i++) ring[s][i] = get();
    pthread_mutex_lock(&ring_lock);
    ring_full[s] = 1;
    pthread_cond_broadcast(&ring_cond);
    pthread_mutex_unlock(&ring_lock);
  }
  pthread_join(t, NULL);
  frees += consumer_frees;
}

int main(int argc, char **argv)
{
  bench_name = "micro-loop";
  if (argc < 2) {
    fprintf(stderr, "usage: micro-loop pair|pair1|batch|xt SIZE N\n");
    return 2;
  }
  const char *mode = argv[1];
  size = (size_t)bench_arg(argc, argv, 2, 16);
  long n = bench_arg(argc, argv, 3, 100000);
  if (size < 1) bench_fail("bad size");
  if (strcmp(mode, "pair") == 0 || strcmp(mode, "pair1") == 0) {
    void *keep = mode[4] == '1' ? get() : NULL;
    run_pair(WARMUP);
    run_pair(n);
    if (keep) put(keep);
  } else if (strcmp(mode, "batch") == 0) {
    run_batch(WARMUP);
    run_batch(n);
  } else if (strcmp(mode, "xt") == 0) {
    run_xt(WARMUP);
    run_xt(n);
  } else {
    bench_fail("unknown mode '%s'", mode);
  }
  if (mallocs != frees) bench_fail("%llu mallocs, %llu frees", (unsigned long long)mallocs,
                                   (unsigned long long)frees);
  bench_ok("mode=%s size=%zu n=%ld", mode, size, n);
  return 0;
}
