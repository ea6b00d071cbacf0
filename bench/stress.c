/* SPDX-License-Identifier: MIT */
/* test-stress-style: threads allocate, reallocate and hand over objects; half the retained set survives each round. */

/*
 * usage: stress THREADS SCALE ITER [RETAIN]
 *
 * ITER rounds; each starts THREADS threads that do SCALE*100 steps. A step
 * allocates an object (words of 8 bytes: mostly 1..32 words, 1 in 100 up
 * to 4096 words, 1 in 10000 up to 256K words), reallocates one (grow or shrink
 * keeping the contents), frees one, or swaps one with a random slot of a
 * shared transfer array. Objects live in a per-thread "retained" array of
 * RETAIN slots (default 64+SCALE/2; more: a larger live set per thread);
 * when a round's thread ends, half of them are handed to a shared survivor
 * array that the next round's threads free or keep.
 *
 * Self-check: every word of an object holds (cookie ^ word index) where the
 * cookie encodes the object's id and length; reallocation and frees check
 * all words (reallocation must preserve the common prefix).
 */
#include "bench.h"

#include <stdatomic.h>

#define TRANSFER 1000
#define SURVIVE 2048

typedef struct item_s {
  uint64_t nwords;
  uint64_t w[];        /* nwords words of cookie ^ index */
} item_t;

static _Atomic(item_t *) transfer[TRANSFER];
static _Atomic(item_t *) survive[SURVIVE];
static long scale, retain_arg;
static atomic_ullong total_allocs, total_frees;

static uint64_t cookie_of(const item_t *it) { return bench_mix(it->nwords ^ (uint64_t)(uintptr_t)it->w[0]); }

static size_t pick_words(uint64_t *rng)
{
  uint64_t r = rng_below(rng, 10000);
  if (r == 0) return (size_t)rng_range(rng, 4097, 256 * 1024);
  if (r < 100) return (size_t)rng_range(rng, 33, 4096);
  return (size_t)rng_range(rng, 1, 32);
}

static item_t *item_new(uint64_t *rng, size_t nwords)
{
  item_t *it = (item_t *)bench_malloc(sizeof(item_t) + nwords * 8);
  uint64_t c = rng_next(rng);
  it->nwords = nwords;
  it->w[0] = c;                  /* word 0 is the cookie's seed */
  uint64_t ck = bench_mix(nwords ^ c);
  for (size_t i = 1; i < nwords; i++) it->w[i] = ck ^ i;
  return it;
}

static void item_check(const item_t *it, size_t upto)
{
  uint64_t ck = cookie_of(it);
  for (size_t i = 1; i < upto; i++)
    if (it->w[i] != (ck ^ i)) bench_fail("object %p word %zu of %zu was overwritten", (const void *)it, i, upto);
}

static void item_free(item_t *it, uint64_t *frees)
{
  if (it == NULL) return;
  if (it->nwords == 0 || it->nwords > 256 * 1024) bench_fail("object %p has a corrupted length", (void *)it);
  item_check(it, (size_t)it->nwords);
  free(it);
  (*frees)++;
}

/* Reallocate to a new length, check the kept prefix, refill under the new cookie. */
static item_t *item_realloc(item_t *it, uint64_t *rng)
{
  size_t old = (size_t)it->nwords, nw = pick_words(rng);
  item_check(it, old);
  uint64_t ck = cookie_of(it);
  item_t *p = (item_t *)realloc(it, sizeof(item_t) + nw * 8);
  if (p == NULL) bench_fail("realloc returned NULL");
  size_t keep = old < nw ? old : nw;
  for (size_t i = 1; i < keep; i++)
    if (p->w[i] != (ck ^ i)) bench_fail("realloc lost word %zu of %zu", i, keep);
  p->nwords = nw;
  uint64_t nck = cookie_of(p);
  for (size_t i = 1; i < nw; i++) p->w[i] = nck ^ i;
  return p;
}

typedef struct worker_s {
  int id;
  long round;
} worker_t;

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = bench_mix(((uint64_t)w->round << 24) ^ (uint64_t)w->id ^ 0x1234);
  long steps = scale * 100;
  long nret = retain_arg > 0 ? retain_arg : 64 + scale / 2;
  item_t **ret = (item_t **)calloc((size_t)nret, sizeof(item_t *));
  if (ret == NULL) bench_fail("calloc");
  uint64_t allocs = 0, frees = 0;
  for (long s = 0; s < steps; s++) {
    long i = (long)rng_below(&rng, (uint64_t)nret);
    uint64_t r = rng_below(&rng, 100);
    if (r < 50) {
      item_free(ret[i], &frees);
      ret[i] = item_new(&rng, pick_words(&rng));
      allocs++;
    } else if (r < 65) {
      if (ret[i] != NULL) ret[i] = item_realloc(ret[i], &rng);
    } else if (r < 80) {
      item_free(ret[i], &frees);
      ret[i] = NULL;
    } else if (r < 95) {
      ret[i] = atomic_exchange(&transfer[rng_below(&rng, TRANSFER)], ret[i]);
    } else {
      item_free(atomic_exchange(&survive[rng_below(&rng, SURVIVE)], NULL), &frees);
    }
  }
  /* Half of what is still retained survives into the next round. */
  for (long i = 0; i < nret; i++) {
    if (ret[i] == NULL) continue;
    if (i & 1) item_free(atomic_exchange(&survive[rng_below(&rng, SURVIVE)], ret[i]), &frees);
    else item_free(ret[i], &frees);
  }
  free(ret);
  atomic_fetch_add(&total_allocs, allocs);
  atomic_fetch_add(&total_frees, frees);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "test-stress";
  int threads = (int)bench_arg(argc, argv, 1, 4);
  scale = bench_arg(argc, argv, 2, 50);
  long iters = bench_arg(argc, argv, 3, 50);
  retain_arg = bench_arg(argc, argv, 4, 0);
  if (threads < 1 || scale < 1 || iters < 1) bench_fail("bad arguments");
  worker_t *w = (worker_t *)calloc((size_t)threads, sizeof(worker_t));
  if (w == NULL) bench_fail("calloc");
  for (long r = 0; r < iters; r++) {
    for (int t = 0; t < threads; t++) {
      w[t].id = t;
      w[t].round = r;
    }
    bench_run_threads(threads, work, w, sizeof(worker_t));
  }
  free(w);
  uint64_t frees = 0;
  for (int j = 0; j < TRANSFER; j++) item_free(atomic_exchange(&transfer[j], NULL), &frees);
  for (int j = 0; j < SURVIVE; j++) item_free(atomic_exchange(&survive[j], NULL), &frees);
  frees += atomic_load(&total_frees);
  if (frees != atomic_load(&total_allocs))
    bench_fail("freed %llu objects, allocated %llu", (unsigned long long)frees,
               (unsigned long long)atomic_load(&total_allocs));
  bench_ok("threads=%d scale=%ld iter=%ld retain=%ld objects=%llu", threads, scale, iters,
           retain_arg > 0 ? retain_arg : 64 + scale / 2, (unsigned long long)frees);
  return 0;
}
