/* SPDX-License-Identifier: MIT */
/* alloc-test-style: random slot replacement with a Pareto size mix up to 1 KiB, per thread. */

/*
 * usage: alloc-test THREADS MILLIONS SLOTS
 *
 * Each thread keeps SLOTS blocks and does MILLIONS*10^6 steps; a step picks a
 * random slot, frees its block and allocates a new one whose size follows a
 * Pareto distribution (shape 1, scale 8 bytes) cut at 1 KiB: most blocks are
 * a few words, a long tail reaches 1 KiB. The thread writes the first and
 * last bytes of every block and reads them back before freeing.
 *
 * Self-check: per-block tags verified on every free; the number of frees
 * equals the number of steps.
 */
#include "bench.h"

#define SIZE_TABLE 4096

static uint16_t size_table[SIZE_TABLE];
static long steps, slots;

typedef struct worker_s {
  int id;
  uint64_t frees;
} worker_t;

/* Pareto(x_m = 8, alpha = 1) by inverse transform, sampled on a fixed grid
 * so every allocator sees the same sizes. */
static void build_size_table(void)
{
  for (int i = 0; i < SIZE_TABLE; i++) {
    double u = ((double)i + 0.5) / SIZE_TABLE;      /* (0,1) */
    double s = 8.0 / (1.0 - u);
    if (s > 1024.0) s = 1024.0;
    size_table[i] = (uint16_t)s;
  }
}

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = bench_mix(0x4242 + (uint64_t)w->id);
  void **blk = (void **)calloc((size_t)slots, sizeof(void *));
  uint16_t *sz = (uint16_t *)calloc((size_t)slots, sizeof(uint16_t));
  if (blk == NULL || sz == NULL) bench_fail("calloc");
  for (long s = 0; s < steps; s++) {
    long i = (long)rng_below(&rng, (uint64_t)slots);
    if (blk[i] != NULL) {
      blk_check(blk[i], sz[i], (uint64_t)i * 2654435761u + sz[i]);
      free(blk[i]);
      w->frees++;
    }
    size_t n = size_table[rng_below(&rng, SIZE_TABLE)];
    blk[i] = bench_malloc(n);
    sz[i] = (uint16_t)n;
    blk_mark(blk[i], n, (uint64_t)i * 2654435761u + n);
  }
  for (long i = 0; i < slots; i++) {
    if (blk[i] == NULL) continue;
    blk_check(blk[i], sz[i], (uint64_t)i * 2654435761u + sz[i]);
    free(blk[i]);
    w->frees++;
  }
  free(blk);
  free(sz);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "alloc-test";
  int threads = (int)bench_arg(argc, argv, 1, 1);
  double millions = bench_arg_double(argc, argv, 2, 10);
  slots = bench_arg(argc, argv, 3, 8192);
  if (threads < 1 || slots < 1) bench_fail("bad arguments");
  steps = (long)(millions * 1e6);
  build_size_table();
  worker_t *w = (worker_t *)calloc((size_t)threads, sizeof(worker_t));
  if (w == NULL) bench_fail("calloc");
  for (int i = 0; i < threads; i++) w[i].id = i;
  bench_run_threads(threads, work, w, sizeof(worker_t));
  uint64_t frees = 0;
  for (int i = 0; i < threads; i++) frees += w[i].frees;
  free(w);
  if (frees != (uint64_t)steps * (uint64_t)threads)
    bench_fail("freed %llu blocks, allocated %llu", (unsigned long long)frees,
               (unsigned long long)steps * (unsigned long long)threads);
  bench_ok("threads=%d steps=%ld slots=%ld", threads, steps, slots);
  return 0;
}
