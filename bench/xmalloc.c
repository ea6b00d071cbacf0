/* SPDX-License-Identifier: MIT */
/* xmalloc-style producer/consumer: some threads only allocate, the others only free (all frees are remote). */

/*
 * usage: xmalloc THREADS OBJECTS MAXSIZE [BATCH]
 *
 * THREADS/2 producers (at least 1) allocate OBJECTS blocks in total, of
 * random sizes 8..MAXSIZE, in batches of BATCH; the batches go through a
 * bounded queue to THREADS/2 consumers (at least 1), which only free. The
 * bounded queue keeps the live set small, so peak RSS shows how quickly an
 * allocator makes remotely freed memory reusable by the producers.
 *
 * Self-check: each block carries a tag of its (producer, sequence number);
 * consumers verify the tag and add the sequence numbers up; count and sum
 * must match what the producers made.
 */
#include "bench.h"

typedef struct batch_s {
  struct batch_s *next;
  int n;
  int producer;
  void *blk[];         /* n blocks, then n sizes, then n sequence numbers */
} batch_t;

typedef struct queue_s {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  batch_t *head, *tail;
  long len, cap;
  int producers_left;
} queue_t;

typedef struct role_s {
  queue_t *q;
  int id;
  long objects;        /* producer: how many to make */
  long maxsize, batch;
  uint64_t count, seqsum; /* consumer: what it freed */
  uint64_t made_sum;   /* producer: sum of its sequence numbers */
} role_t;

static uint32_t *batch_sizes(batch_t *b, long cap) { return (uint32_t *)&b->blk[cap]; }
static uint64_t *batch_seqs(batch_t *b, long cap) { return (uint64_t *)(batch_sizes(b, cap) + cap); }

static void *produce(void *arg)
{
  role_t *r = (role_t *)arg;
  queue_t *q = r->q;
  uint64_t rng = 0xabcdef12345ULL + (uint64_t)r->id;
  long made = 0;
  while (made < r->objects) {
    long n = r->objects - made < r->batch ? r->objects - made : r->batch;
    size_t hdr = sizeof(batch_t) + (size_t)r->batch * (sizeof(void *) + 4 + 8);
    batch_t *b = (batch_t *)bench_malloc(hdr);
    b->n = (int)n;
    b->producer = r->id;
    b->next = NULL;
    uint32_t *sz = batch_sizes(b, r->batch);
    uint64_t *seq = batch_seqs(b, r->batch);
    for (long i = 0; i < n; i++) {
      size_t s = (size_t)rng_range(&rng, 8, (uint64_t)r->maxsize);
      uint64_t k = (uint64_t)(made + i);
      b->blk[i] = bench_malloc(s);
      blk_mark(b->blk[i], s, bench_mix(((uint64_t)r->id << 40) ^ k));
      sz[i] = (uint32_t)s;
      seq[i] = k;
      r->made_sum += k;
    }
    made += n;
    pthread_mutex_lock(&q->lock);
    while (q->len >= q->cap) pthread_cond_wait(&q->not_full, &q->lock);
    if (q->tail) q->tail->next = b; else q->head = b;
    q->tail = b;
    q->len++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
  }
  pthread_mutex_lock(&q->lock);
  q->producers_left--;
  pthread_cond_broadcast(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

static void *consume(void *arg)
{
  role_t *r = (role_t *)arg;
  queue_t *q = r->q;
  for (;;) {
    pthread_mutex_lock(&q->lock);
    while (q->head == NULL && q->producers_left > 0) pthread_cond_wait(&q->not_empty, &q->lock);
    batch_t *b = q->head;
    if (b == NULL) {
      pthread_mutex_unlock(&q->lock);
      return NULL;
    }
    q->head = b->next;
    if (q->head == NULL) q->tail = NULL;
    q->len--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    uint32_t *sz = batch_sizes(b, r->batch);
    uint64_t *seq = batch_seqs(b, r->batch);
    for (int i = 0; i < b->n; i++) {
      blk_check(b->blk[i], sz[i], bench_mix(((uint64_t)b->producer << 40) ^ seq[i]));
      free(b->blk[i]);
      r->count++;
      r->seqsum += seq[i];
    }
    free(b);
  }
}

static void *dispatch(void *arg)
{
  role_t *r = (role_t *)arg;
  return r->objects > 0 ? produce(arg) : consume(arg);
}

int main(int argc, char **argv)
{
  bench_name = "xmalloc";
  int threads = (int)bench_arg(argc, argv, 1, 4);
  long objects = bench_arg(argc, argv, 2, 1000000);
  long maxsize = bench_arg(argc, argv, 3, 64);
  long batch = bench_arg(argc, argv, 4, 100);
  if (threads < 2) threads = 2;
  if (maxsize < 8 || batch < 1 || objects < 1) bench_fail("bad arguments");
  int np = threads / 2, nc = threads - np;

  queue_t q;
  pthread_mutex_init(&q.lock, NULL);
  pthread_cond_init(&q.not_empty, NULL);
  pthread_cond_init(&q.not_full, NULL);
  q.head = q.tail = NULL;
  q.len = 0;
  q.cap = 8L * threads;
  q.producers_left = np;

  role_t *r = (role_t *)calloc((size_t)threads, sizeof(role_t));
  if (r == NULL) bench_fail("calloc");
  for (int i = 0; i < threads; i++) {
    r[i].q = &q;
    r[i].id = i;
    r[i].maxsize = maxsize;
    r[i].batch = batch;
    if (i < np) r[i].objects = objects / np + (i < objects % np);
  }
  double t0 = bench_now();
  bench_run_threads(threads, dispatch, r, sizeof(role_t));
  double elapsed = bench_now() - t0;

  uint64_t count = 0, seqsum = 0, made_sum = 0;
  for (int i = 0; i < threads; i++) {
    count += r[i].count;
    seqsum += r[i].seqsum;
    made_sum += r[i].made_sum;
  }
  free(r);
  if (count != (uint64_t)objects) bench_fail("freed %llu blocks, made %ld", (unsigned long long)count, objects);
  if (seqsum != made_sum) bench_fail("sequence checksum mismatch");
  bench_ok("producers=%d consumers=%d objects=%ld elapsed=%.3f", np, nc, objects, elapsed);
  (void)nc;
  return 0;
}
