/* SPDX-License-Identifier: MIT */
/* Larson-style server simulation: each thread replaces random blocks of a slot array, then hands the array to a new thread. */

/*
 * usage: larson SECONDS MIN MAX CHUNKS ROUNDS SEED THREADS
 *
 * THREADS chains run for SECONDS. Every chain owns an array of CHUNKS
 * blocks (sizes MIN..MAX). A thread of a chain does ROUNDS*CHUNKS
 * operations "free a random slot, allocate a fresh block into it", then
 * starts its successor and exits: the successor frees blocks that the
 * previous generation allocated (memory "bleeds" from thread to thread, as
 * in a server whose worker threads come and go). Throughput is reported as
 * rtime = seconds per 10^8 operations.
 *
 * Self-check: every block carries a tag derived from (chain, slot,
 * operation number) at both ends; each free verifies it, and the final
 * operation count must equal the sum of verified frees.
 */
#include "bench.h"

#include <stdatomic.h>

typedef struct chain_s {
  void **blk;
  uint64_t *tag;
  uint32_t *size;
  uint64_t rng;
  uint64_t ops;        /* operations done by this chain (all generations) */
  uint64_t checked;    /* frees whose tag verified */
  long generations;
  int id;
} chain_t;

static long min_size, max_size, chunks, rounds;
static atomic_int stop_flag;
static atomic_int live_chains;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;

static void replace(chain_t *c, long slot)
{
  size_t n = c->size[slot];
  blk_check(c->blk[slot], n, c->tag[slot]);
  free(c->blk[slot]);
  c->checked++;
  n = (size_t)rng_range(&c->rng, (uint64_t)min_size, (uint64_t)max_size);
  uint64_t tag = bench_mix(((uint64_t)c->id << 48) ^ c->ops);
  void *p = bench_malloc(n);
  blk_mark(p, n, tag);
  c->blk[slot] = p;
  c->tag[slot] = tag;
  c->size[slot] = (uint32_t)n;
  c->ops++;
}

static void *generation(void *arg)
{
  chain_t *c = (chain_t *)arg;
  long todo = rounds * chunks;
  for (long i = 0; i < todo; i++) {
    replace(c, (long)rng_below(&c->rng, (uint64_t)chunks));
    if ((i & 63) == 0 && atomic_load_explicit(&stop_flag, memory_order_relaxed)) break;
  }
  c->generations++;
  if (!atomic_load(&stop_flag)) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, generation, c);
    pthread_attr_destroy(&attr);
    if (rc == 0) return NULL;
    bench_fail("pthread_create: %s", strerror(rc));
  }
  pthread_mutex_lock(&done_lock);
  atomic_fetch_sub(&live_chains, 1);
  pthread_cond_signal(&done_cond);
  pthread_mutex_unlock(&done_lock);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "larson";
  double seconds = bench_arg_double(argc, argv, 1, 2.0);
  min_size = bench_arg(argc, argv, 2, 8);
  max_size = bench_arg(argc, argv, 3, 1000);
  chunks = bench_arg(argc, argv, 4, 5000);
  rounds = bench_arg(argc, argv, 5, 100);
  uint64_t seed = (uint64_t)bench_arg(argc, argv, 6, 4141);
  int threads = (int)bench_arg(argc, argv, 7, 2);
  if (threads < 1 || chunks < 1 || min_size < 1 || max_size < min_size || rounds < 1)
    bench_fail("bad arguments");

  chain_t *ch = (chain_t *)calloc((size_t)threads, sizeof(chain_t));
  if (ch == NULL) bench_fail("calloc");
  /* The main thread fills every array first: the first generation already
   * frees memory it did not allocate. */
  for (int t = 0; t < threads; t++) {
    chain_t *c = &ch[t];
    c->id = t;
    c->rng = seed * 1000003u + (uint64_t)t;
    c->blk = (void **)bench_malloc((size_t)chunks * sizeof(void *));
    c->tag = (uint64_t *)bench_malloc((size_t)chunks * sizeof(uint64_t));
    c->size = (uint32_t *)bench_malloc((size_t)chunks * sizeof(uint32_t));
    for (long i = 0; i < chunks; i++) {
      size_t n = (size_t)rng_range(&c->rng, (uint64_t)min_size, (uint64_t)max_size);
      c->tag[i] = bench_mix(((uint64_t)t << 56) ^ (uint64_t)i ^ 0x5a5a5a5aULL);
      c->size[i] = (uint32_t)n;
      c->blk[i] = bench_malloc(n);
      blk_mark(c->blk[i], n, c->tag[i]);
    }
  }

  double t0 = bench_now();
  atomic_store(&live_chains, threads);
  for (int t = 0; t < threads; t++) {
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, generation, &ch[t]);
    pthread_attr_destroy(&attr);
    if (rc != 0) bench_fail("pthread_create: %s", strerror(rc));
  }
  /* Sleep for the run time, then tell the chains to stop. */
  struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  atomic_store(&stop_flag, 1);
  pthread_mutex_lock(&done_lock);
  while (atomic_load(&live_chains) > 0) pthread_cond_wait(&done_cond, &done_lock);
  pthread_mutex_unlock(&done_lock);
  double elapsed = bench_now() - t0;

  uint64_t ops = 0, checked = 0;
  long gens = 0;
  for (int t = 0; t < threads; t++) {
    chain_t *c = &ch[t];
    for (long i = 0; i < chunks; i++) {
      blk_check(c->blk[i], c->size[i], c->tag[i]);
      free(c->blk[i]);
    }
    ops += c->ops;
    checked += c->checked;
    gens += c->generations;
    free(c->blk);
    free(c->tag);
    free(c->size);
  }
  free(ch);
  if (ops == 0) bench_fail("no operations completed");
  if (checked != ops) bench_fail("verified frees %llu != operations %llu",
                                 (unsigned long long)checked, (unsigned long long)ops);
  bench_ok("threads=%d ops=%llu generations=%ld elapsed=%.3f rtime=%.4f", threads,
           (unsigned long long)ops, gens, elapsed, elapsed / (double)ops * 1e8);
  return 0;
}
