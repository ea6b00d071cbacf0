/* SPDX-License-Identifier: MIT */
/* sh6/sh8-style: batches of 1..1000-byte blocks freed in LIFO and in allocation order, optionally across threads. */

/*
 * usage: shbench THREADS ITERATIONS BATCH CROSS
 *
 * Every thread repeats ITERATIONS times: allocate BATCH blocks of random
 * sizes 1..1000 and free them last-in-first-out; allocate BATCH blocks
 * again and free them in allocation order (the reverse pattern). With
 * CROSS=1 (sh8-style) a thread hands every fourth block of its batches to
 * the next thread, which frees those blocks in its next iteration; so a
 * quarter of all frees are remote.
 *
 * Self-check: blocks are tagged and verified before every free, and the
 * total number of frees equals the total number of allocations.
 */
#include "bench.h"

typedef struct parcel_s {
  struct parcel_s *next;
  long n;
  struct item_s { void *p; uint32_t size; uint32_t tag; } it[];
} parcel_t;

typedef struct worker_s {
  int id;
  pthread_mutex_t lock;
  parcel_t *inbox;
  uint64_t allocs, frees;
  char pad[64];
} worker_t;

static int nthreads, cross;
static long iterations, batch;
static worker_t *workers;
static pthread_barrier_t done_barrier;

static void drain(worker_t *w)
{
  pthread_mutex_lock(&w->lock);
  parcel_t *p = w->inbox;
  w->inbox = NULL;
  pthread_mutex_unlock(&w->lock);
  while (p != NULL) {
    parcel_t *next = p->next;
    for (long i = 0; i < p->n; i++) {
      blk_check(p->it[i].p, p->it[i].size, p->it[i].tag);
      free(p->it[i].p);
      w->frees++;
    }
    free(p);
    p = next;
  }
}

/* Allocate a batch; in cross mode every fourth block goes into `out`. */
static long alloc_batch(worker_t *w, uint64_t *rng, void **blk, uint32_t *sz, uint32_t *tag, parcel_t *out)
{
  long kept = 0;
  for (long i = 0; i < batch; i++) {
    size_t n = (size_t)rng_range(rng, 1, 1000);
    uint32_t t = (uint32_t)rng_next(rng);
    void *p = bench_malloc(n);
    blk_mark(p, n, t);
    w->allocs++;
    if (out != NULL && (i & 3) == 3) {
      out->it[out->n].p = p;
      out->it[out->n].size = (uint32_t)n;
      out->it[out->n].tag = t;
      out->n++;
    } else {
      blk[kept] = p;
      sz[kept] = (uint32_t)n;
      tag[kept] = t;
      kept++;
    }
  }
  return kept;
}

static void post(worker_t *w, parcel_t *p)
{
  worker_t *to = &workers[(w->id + 1) % nthreads];
  pthread_mutex_lock(&to->lock);
  p->next = to->inbox;
  to->inbox = p;
  pthread_mutex_unlock(&to->lock);
}

static parcel_t *new_parcel(void)
{
  parcel_t *p = (parcel_t *)bench_malloc(sizeof(parcel_t) + (size_t)(2 * batch / 4 + 2) * sizeof(struct item_s));
  p->n = 0;
  p->next = NULL;
  return p;
}

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = bench_mix(0x5eed + (uint64_t)w->id);
  void **blk = (void **)bench_malloc((size_t)batch * sizeof(void *));
  uint32_t *sz = (uint32_t *)bench_malloc((size_t)batch * sizeof(uint32_t));
  uint32_t *tag = (uint32_t *)bench_malloc((size_t)batch * sizeof(uint32_t));
  for (long it = 0; it < iterations; it++) {
    parcel_t *out = cross ? new_parcel() : NULL;
    long n = alloc_batch(w, &rng, blk, sz, tag, out);
    for (long i = n - 1; i >= 0; i--) {          /* LIFO */
      blk_check(blk[i], sz[i], tag[i]);
      free(blk[i]);
      w->frees++;
    }
    n = alloc_batch(w, &rng, blk, sz, tag, out);
    for (long i = 0; i < n; i++) {               /* allocation order */
      blk_check(blk[i], sz[i], tag[i]);
      free(blk[i]);
      w->frees++;
    }
    if (out != NULL) post(w, out);
    drain(w);
  }
  free(blk);
  free(sz);
  free(tag);
  pthread_barrier_wait(&done_barrier);
  drain(w);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "shbench";
  nthreads = (int)bench_arg(argc, argv, 1, 4);
  iterations = bench_arg(argc, argv, 2, 100);
  batch = bench_arg(argc, argv, 3, 10000);
  cross = (int)bench_arg(argc, argv, 4, 0);
  if (nthreads < 1 || batch < 4) bench_fail("bad arguments");
  if (nthreads == 1) cross = 0;
  bench_name = cross ? "sh8bench" : "sh6bench";
  workers = (worker_t *)calloc((size_t)nthreads, sizeof(worker_t));
  if (workers == NULL) bench_fail("calloc");
  for (int i = 0; i < nthreads; i++) {
    workers[i].id = i;
    pthread_mutex_init(&workers[i].lock, NULL);
  }
  pthread_barrier_init(&done_barrier, NULL, (unsigned)nthreads);
  bench_run_threads(nthreads, work, workers, sizeof(worker_t));
  uint64_t allocs = 0, frees = 0;
  for (int i = 0; i < nthreads; i++) {
    allocs += workers[i].allocs;
    frees += workers[i].frees;
  }
  free(workers);
  if (allocs != frees) bench_fail("allocated %llu blocks, freed %llu", (unsigned long long)allocs,
                                  (unsigned long long)frees);
  bench_ok("threads=%d iterations=%ld batch=%ld cross=%d blocks=%llu", nthreads, iterations, batch,
           cross, (unsigned long long)allocs);
  return 0;
}
