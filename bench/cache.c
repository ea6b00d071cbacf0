/* SPDX-License-Identifier: MIT */
/* Cache-scratch / cache-thrash: passive and active false sharing between threads' small objects. */

/*
 * usage: cache MODE THREADS ITERATIONS OBJSIZE REPETITIONS
 *   MODE = scratch | thrash
 *
 * ITERATIONS (split over THREADS) times a thread allocates an OBJSIZE-byte
 * object, writes every byte of it REPETITIONS times, and frees it.
 *  - thrash (active false sharing): threads allocate at the same time; an
 *    allocator that hands neighbouring bytes of one cache line to different
 *    threads makes their writes fight over the line.
 *  - scratch (passive false sharing): the main thread first allocates one
 *    object per thread (likely neighbours in one line) and each thread starts
 *    by freeing the one it was given; an allocator that recycles that memory
 *    for the freeing thread puts all threads back on the shared line.
 * With no false sharing the N-thread run takes 1/min(N, cores) of the
 * one-thread time.
 *
 * Self-check: each object's bytes must end at (k + REPETITIONS) mod 256; the
 * sum over all objects must match the closed form.
 */
#include "bench.h"

typedef struct worker_s {
  long iterations;
  long objsize;
  long reps;
  unsigned char *given;   /* scratch: object allocated by main, freed here */
  uint64_t sum;
  char pad[64];
} worker_t;

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  if (w->given != NULL) free(w->given);
  uint64_t sum = 0;
  for (long it = 0; it < w->iterations; it++) {
    volatile unsigned char *obj = (volatile unsigned char *)bench_malloc((size_t)w->objsize);
    for (long k = 0; k < w->objsize; k++) obj[k] = (unsigned char)k;
    for (long r = 0; r < w->reps; r++) {
      for (long k = 0; k < w->objsize; k++) obj[k] = (unsigned char)(obj[k] + 1);
    }
    for (long k = 0; k < w->objsize; k++) sum += obj[k];
    free((void *)obj);
  }
  w->sum = sum;
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "cache";
  if (argc < 2) {
    fprintf(stderr, "usage: cache scratch|thrash THREADS ITERATIONS OBJSIZE REPETITIONS\n");
    return 2;
  }
  int scratch = strcmp(argv[1], "scratch") == 0;
  if (!scratch && strcmp(argv[1], "thrash") != 0) bench_fail("unknown mode '%s'", argv[1]);
  bench_name = scratch ? "cache-scratch" : "cache-thrash";
  int threads = (int)bench_arg(argc, argv, 2, 2);
  long iterations = bench_arg(argc, argv, 3, 1000);
  long objsize = bench_arg(argc, argv, 4, 8);
  long reps = bench_arg(argc, argv, 5, 1000000);
  if (threads < 1 || objsize < 1) bench_fail("bad arguments");

  worker_t *w = (worker_t *)calloc((size_t)threads, sizeof(worker_t));
  if (w == NULL) bench_fail("calloc");
  long expected_iters = 0;
  for (int t = 0; t < threads; t++) {
    w[t].iterations = iterations / threads + (t < iterations % threads);
    w[t].objsize = objsize;
    w[t].reps = reps;
    expected_iters += w[t].iterations;
    if (scratch) {
      w[t].given = (unsigned char *)bench_malloc((size_t)objsize);
      memset(w[t].given, 0, (size_t)objsize);
    }
  }
  bench_run_threads(threads, work, w, sizeof(worker_t));

  uint64_t sum = 0, want = 0;
  for (int t = 0; t < threads; t++) sum += w[t].sum;
  for (long k = 0; k < objsize; k++) want += (uint64_t)((k + reps) & 0xff);
  want *= (uint64_t)expected_iters;
  free(w);
  if (sum != want) bench_fail("checksum %llu != expected %llu", (unsigned long long)sum,
                              (unsigned long long)want);
  bench_ok("threads=%d iterations=%ld objsize=%ld reps=%ld sum=%llu", threads, iterations,
           objsize, reps, (unsigned long long)sum);
  return 0;
}
