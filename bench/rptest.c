/* SPDX-License-Identifier: MIT */
/* rptest-style: random sizes 8..16000 with a share of every batch freed by the next thread. */

/*
 * usage: rptest THREADS LOOPS BATCH MIN MAX
 *
 * Each thread runs LOOPS loops. A loop allocates BATCH blocks of random
 * sizes in MIN..MAX (sizes are drawn log-uniformly, so small blocks are the
 * most frequent but every size class is used), writes them, frees a random
 * half of its live set, and posts a quarter of the rest to the next thread's
 * mailbox; it then frees every batch that arrived in its own mailbox (frees
 * of blocks another thread allocated). A block set is kept across loops so
 * the working set stays at about 2 * BATCH blocks per thread.
 *
 * Self-check: blocks are tagged with (thread, counter) and verified on
 * free; all blocks allocated must be freed exactly once by the end.
 */
#include "bench.h"

#include <stdatomic.h>

typedef struct parcel_s {
  struct parcel_s *next;
  long n;
  void *blk[];          /* n blocks; after them n sizes and n tags */
} parcel_t;

typedef struct mailbox_s {
  pthread_mutex_t lock;
  parcel_t *head;
  char pad[64];
} mailbox_t;

typedef struct worker_s {
  int id;
  uint64_t allocs, frees;
} worker_t;

static int nthreads;
static long loops, batch, min_size, max_size;
static mailbox_t *mail;
static pthread_barrier_t done_barrier;

static size_t *parcel_sizes(parcel_t *p) { return (size_t *)&p->blk[p->n]; }
static uint64_t *parcel_tags(parcel_t *p) { return (uint64_t *)(parcel_sizes(p) + p->n); }

static size_t pick_size(uint64_t *rng)
{
  /* log-uniform: pick a bit length, then a value inside it */
  unsigned lo = 63 - (unsigned)__builtin_clzll((unsigned long long)min_size);
  unsigned hi = 63 - (unsigned)__builtin_clzll((unsigned long long)max_size);
  unsigned b = (unsigned)rng_range(rng, lo, hi);
  uint64_t s = ((uint64_t)1 << b) + rng_below(rng, (uint64_t)1 << b);
  if (s < (uint64_t)min_size) s = (uint64_t)min_size;
  if (s > (uint64_t)max_size) s = (uint64_t)max_size;
  return (size_t)s;
}

static void drain_mailbox(worker_t *w)
{
  mailbox_t *mb = &mail[w->id];
  pthread_mutex_lock(&mb->lock);
  parcel_t *p = mb->head;
  mb->head = NULL;
  pthread_mutex_unlock(&mb->lock);
  while (p != NULL) {
    parcel_t *next = p->next;
    size_t *sz = parcel_sizes(p);
    uint64_t *tag = parcel_tags(p);
    for (long i = 0; i < p->n; i++) {
      blk_check(p->blk[i], sz[i], tag[i]);
      free(p->blk[i]);
      w->frees++;
    }
    free(p);
    p = next;
  }
}

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = bench_mix(0x9999 + (uint64_t)w->id);
  long cap = 3 * batch;
  void **blk = (void **)bench_malloc((size_t)cap * sizeof(void *));
  size_t *sz = (size_t *)bench_malloc((size_t)cap * sizeof(size_t));
  uint64_t *tag = (uint64_t *)bench_malloc((size_t)cap * sizeof(uint64_t));
  long live = 0;
  uint64_t counter = 0;

  for (long l = 0; l < loops; l++) {
    for (long i = 0; i < batch && live < cap; i++, live++) {
      sz[live] = pick_size(&rng);
      tag[live] = bench_mix(((uint64_t)w->id << 48) ^ counter++);
      blk[live] = bench_malloc(sz[live]);
      blk_mark(blk[live], sz[live], tag[live]);
      w->allocs++;
    }
    /* free a random half of the live set (swap-remove keeps it dense) */
    for (long k = live / 2; k > 0; k--) {
      long i = (long)rng_below(&rng, (uint64_t)live);
      blk_check(blk[i], sz[i], tag[i]);
      free(blk[i]);
      w->frees++;
      live--;
      blk[i] = blk[live]; sz[i] = sz[live]; tag[i] = tag[live];
    }
    /* post a quarter of the rest to the next thread */
    long n = live / 4;
    if (n > 0 && nthreads > 1) {
      parcel_t *p = (parcel_t *)bench_malloc(sizeof(parcel_t) + (size_t)n * (sizeof(void *) + 16));
      p->n = n;
      size_t *psz = parcel_sizes(p);
      uint64_t *ptag = parcel_tags(p);
      for (long i = 0; i < n; i++) {
        live--;
        p->blk[i] = blk[live]; psz[i] = sz[live]; ptag[i] = tag[live];
      }
      mailbox_t *mb = &mail[(w->id + 1) % nthreads];
      pthread_mutex_lock(&mb->lock);
      p->next = mb->head;
      mb->head = p;
      pthread_mutex_unlock(&mb->lock);
    }
    drain_mailbox(w);
  }
  pthread_barrier_wait(&done_barrier);   /* nobody posts after this */
  drain_mailbox(w);
  for (long i = 0; i < live; i++) {
    blk_check(blk[i], sz[i], tag[i]);
    free(blk[i]);
    w->frees++;
  }
  free(blk);
  free(sz);
  free(tag);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "rptest";
  nthreads = (int)bench_arg(argc, argv, 1, 4);
  loops = bench_arg(argc, argv, 2, 200);
  batch = bench_arg(argc, argv, 3, 1000);
  min_size = bench_arg(argc, argv, 4, 8);
  max_size = bench_arg(argc, argv, 5, 16000);
  if (nthreads < 1 || loops < 1 || batch < 4 || min_size < 1 || max_size < min_size)
    bench_fail("bad arguments");
  mail = (mailbox_t *)calloc((size_t)nthreads, sizeof(mailbox_t));
  worker_t *w = (worker_t *)calloc((size_t)nthreads, sizeof(worker_t));
  if (mail == NULL || w == NULL) bench_fail("calloc");
  for (int i = 0; i < nthreads; i++) {
    pthread_mutex_init(&mail[i].lock, NULL);
    w[i].id = i;
  }
  pthread_barrier_init(&done_barrier, NULL, (unsigned)nthreads);
  bench_run_threads(nthreads, work, w, sizeof(worker_t));
  uint64_t allocs = 0, frees = 0;
  for (int i = 0; i < nthreads; i++) {
    allocs += w[i].allocs;
    frees += w[i].frees;
  }
  free(w);
  free(mail);
  if (allocs != frees) bench_fail("allocated %llu blocks but freed %llu", (unsigned long long)allocs,
                                  (unsigned long long)frees);
  bench_ok("threads=%d loops=%ld batch=%ld sizes=%ld..%ld blocks=%llu", nthreads, loops, batch,
           min_size, max_size, (unsigned long long)allocs);
  return 0;
}
