/* SPDX-License-Identifier: MIT */
/* glibc-style threaded benchmark: each thread replaces random blocks of random small sizes for a fixed time. */

/*
 * usage: glibc-thread THREADS SECONDS [SLOTS]
 *
 * Every thread owns SLOTS blocks (default 1000) and, until SECONDS have
 * passed, frees a random one and allocates a new block of a random size
 * (drawn so that small sizes dominate: 1 in 2 up to 64 B, 1 in 4 up to 512 B,
 * 1 in 8 up to 4 KiB, the rest up to 32 KiB). The result is throughput,
 * reported as rtime = seconds per 10^8 iterations over all threads.
 *
 * Self-check: blocks are tagged and verified on free; the number of
 * verified frees (including the final clean-up) equals the number of blocks
 * allocated.
 */
#include "bench.h"

#include <stdatomic.h>

static atomic_int stop_flag;
static long slots;

typedef struct worker_s {
  int id;
  uint64_t iters, checked;
  char pad[64];
} worker_t;

static size_t pick_size(uint64_t *rng)
{
  uint64_t r = rng_below(rng, 8);
  if (r < 4) return (size_t)rng_range(rng, 1, 64);
  if (r < 6) return (size_t)rng_range(rng, 65, 512);
  if (r < 7) return (size_t)rng_range(rng, 513, 4096);
  return (size_t)rng_range(rng, 4097, 32768);
}

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = bench_mix(0x31337 + (uint64_t)w->id);
  void **blk = (void **)calloc((size_t)slots, sizeof(void *));
  uint32_t *sz = (uint32_t *)calloc((size_t)slots, sizeof(uint32_t));
  if (blk == NULL || sz == NULL) bench_fail("calloc");
  uint64_t it = 0, checked = 0;
  for (;;) {
    for (int k = 0; k < 256; k++, it++) {
      long i = (long)rng_below(&rng, (uint64_t)slots);
      if (blk[i] != NULL) {
        blk_check(blk[i], sz[i], (uint64_t)i ^ ((uint64_t)sz[i] << 20));
        free(blk[i]);
        checked++;
      }
      size_t n = pick_size(&rng);
      blk[i] = bench_malloc(n);
      sz[i] = (uint32_t)n;
      blk_mark(blk[i], n, (uint64_t)i ^ ((uint64_t)n << 20));
    }
    if (atomic_load_explicit(&stop_flag, memory_order_relaxed)) break;
  }
  for (long i = 0; i < slots; i++) {
    if (blk[i] == NULL) continue;
    blk_check(blk[i], sz[i], (uint64_t)i ^ ((uint64_t)sz[i] << 20));
    free(blk[i]);
    checked++;
  }
  free(blk);
  free(sz);
  w->iters = it;
  w->checked = checked;
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "glibc-thread";
  int threads = (int)bench_arg(argc, argv, 1, 2);
  double seconds = bench_arg_double(argc, argv, 2, 2.0);
  slots = bench_arg(argc, argv, 3, 1000);
  if (threads < 1 || slots < 1) bench_fail("bad arguments");
  worker_t *w = (worker_t *)calloc((size_t)threads, sizeof(worker_t));
  pthread_t *tid = (pthread_t *)calloc((size_t)threads, sizeof(pthread_t));
  if (w == NULL || tid == NULL) bench_fail("calloc");
  double t0 = bench_now();
  for (int i = 0; i < threads; i++) {
    w[i].id = i;
    int rc = pthread_create(&tid[i], NULL, work, &w[i]);
    if (rc != 0) bench_fail("pthread_create: %s", strerror(rc));
  }
  struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  atomic_store(&stop_flag, 1);
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  double elapsed = bench_now() - t0;
  uint64_t iters = 0, checked = 0;
  for (int i = 0; i < threads; i++) {
    iters += w[i].iters;
    checked += w[i].checked;
  }
  free(w);
  free(tid);
  /* every block allocated was verified and freed exactly once */
  if (iters == 0 || checked != iters) bench_fail("verified %llu frees of %llu blocks",
                                                 (unsigned long long)checked, (unsigned long long)iters);
  bench_ok("threads=%d iterations=%llu elapsed=%.3f rtime=%.4f", threads, (unsigned long long)iters,
           elapsed, elapsed / (double)iters * 1e8);
  return 0;
}
