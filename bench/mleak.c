/* SPDX-License-Identifier: MIT */
/* mleak-style thread-exit test: threads exit with live blocks that other threads free later; is the memory reused? */

/*
 * usage: mleak ROUNDS THREADS BLOCKS
 *
 * Each round starts THREADS threads. A thread allocates BLOCKS blocks
 * (16 B .. 2 KiB), frees about half of them and exits with the other half
 * still live. The main thread then frees those survivors (the pages belong
 * to a thread that no longer exists) except one block in 64, which it keeps
 * to the very end; so every dead thread's pages stay partially in use.
 * Peak RSS stays flat over the rounds only if the allocator reclaims and
 * reuses the memory of exited threads.
 *
 * Self-check: blocks are tagged and verified on free; every block
 * allocated is freed exactly once.
 */
#include "bench.h"

typedef struct worker_s {
  int id;
  long round;
  long blocks;
  long nlive;
  void **live;
  uint32_t *size;
  uint64_t allocs;
} worker_t;

static uint64_t tag_of(const worker_t *w, long i) { return bench_mix(((uint64_t)w->round << 40) ^ ((uint64_t)w->id << 24) ^ (uint64_t)i); }

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = tag_of(w, -1);
  w->nlive = 0;
  for (long i = 0; i < w->blocks; i++) {
    size_t n = (size_t)rng_range(&rng, 16, 2048);
    void *p = bench_malloc(n);
    w->allocs++;
    if (rng_below(&rng, 2) == 0) {
      blk_mark(p, n, ~tag_of(w, i));
      blk_check(p, n, ~tag_of(w, i));
      free(p);
      continue;
    }
    blk_mark(p, n, tag_of(w, w->nlive));
    w->live[w->nlive] = p;
    w->size[w->nlive] = (uint32_t)n;
    w->nlive++;
  }
  return NULL;   /* exit with nlive blocks still allocated */
}

int main(int argc, char **argv)
{
  bench_name = "mleak";
  long rounds = bench_arg(argc, argv, 1, 100);
  int threads = (int)bench_arg(argc, argv, 2, 10);
  long blocks = bench_arg(argc, argv, 3, 10000);
  if (threads < 1 || blocks < 1) bench_fail("bad arguments");
  worker_t *w = (worker_t *)calloc((size_t)threads, sizeof(worker_t));
  if (w == NULL) bench_fail("calloc");
  for (int t = 0; t < threads; t++) {
    w[t].live = (void **)bench_malloc((size_t)blocks * sizeof(void *));
    w[t].size = (uint32_t *)bench_malloc((size_t)blocks * sizeof(uint32_t));
  }
  long keep_cap = rounds * threads * (blocks / 64 + 1), nkeep = 0;
  void **keep = (void **)bench_malloc((size_t)keep_cap * sizeof(void *));
  uint32_t *keep_size = (uint32_t *)bench_malloc((size_t)keep_cap * sizeof(uint32_t));
  uint64_t *keep_tag = (uint64_t *)bench_malloc((size_t)keep_cap * sizeof(uint64_t));
  uint64_t allocs = 0, frees = 0;
  for (long r = 0; r < rounds; r++) {
    for (int t = 0; t < threads; t++) {
      w[t].id = t;
      w[t].round = r;
      w[t].blocks = blocks;
    }
    bench_run_threads(threads, work, w, sizeof(worker_t));
    for (int t = 0; t < threads; t++) {
      frees += (uint64_t)(w[t].blocks - w[t].nlive);   /* freed by the thread itself */
      for (long i = 0; i < w[t].nlive; i++) {
        blk_check(w[t].live[i], w[t].size[i], tag_of(&w[t], i));
        if (i % 64 == 0 && nkeep < keep_cap) {
          keep[nkeep] = w[t].live[i];
          keep_size[nkeep] = w[t].size[i];
          keep_tag[nkeep] = tag_of(&w[t], i);
          nkeep++;
          continue;
        }
        free(w[t].live[i]);
        frees++;
      }
    }
  }
  for (long k = 0; k < nkeep; k++) {
    blk_check(keep[k], keep_size[k], keep_tag[k]);
    free(keep[k]);
    frees++;
  }
  for (int t = 0; t < threads; t++) {
    allocs += w[t].allocs;
    free(w[t].live);
    free(w[t].size);
  }
  free(w);
  free(keep);
  free(keep_size);
  free(keep_tag);
  if (allocs != frees) bench_fail("allocated %llu, freed %llu", (unsigned long long)allocs, (unsigned long long)frees);
  bench_ok("rounds=%ld threads=%d blocks=%ld allocations=%llu kept=%ld", rounds, threads, blocks,
           (unsigned long long)allocs, nkeep);
  return 0;
}
