/* SPDX-License-Identifier: MIT */
/* binarytrees.c -- Perceus workload: the Benchmarks Game binary-trees; each depth's trees are built by 8 tasks, each in its own arena. */
#include "bench.h"
#include <pthread.h>
#include <stdlib.h>

#define TIP RC_IMM(0)
enum { TAG_NODE = 1 };
#define TASKS_PER_DEPTH 8

typedef struct node_s { rc_obj_t h; rc_val_t l, r; } node_t;   /* 24 bytes */
#define L(t) (((node_t*)rc_obj(t))->l)
#define R(t) (((node_t*)rc_obj(t))->r)

static inline __attribute__((always_inline)) node_t* node_at(rc_ctx_t* ctx, rc_reuse_t at, rc_val_t l, rc_val_t r) {
  node_t* n = (node_t*)rc_alloc_at(ctx, at, sizeof(node_t), 2, TAG_NODE);
  n->l = l; n->r = r;
  return n;
}

/* make(d) as a Perceus compiler emits it: the right child is a tail call
   modulo cons (a loop filling a hole), the left one recurses. */
static rc_val_t make(rc_ctx_t* ctx, int d) {
  rc_val_t result;
  rc_val_t* hole = &result;
  for (; d > 0; d--) {
    node_t* n = node_at(ctx, RC_NO_REUSE, (d > 1 ? make(ctx, d - 1) : rc_val(&node_at(ctx, RC_NO_REUSE, TIP, TIP)->h)), TIP);
    *hole = rc_val(&n->h);
    hole = &n->r;
  }
  *hole = rc_val(&node_at(ctx, RC_NO_REUSE, TIP, TIP)->h);
  return result;
}

/* The same tree again, functional but in place: every node is rebuilt in
   the memory of the node it replaces (reuse variant; TRMC on the right),
   storing only the fields that change (rc_reuse_same). */
static rc_val_t remake(rc_ctx_t* ctx, rc_val_t t) {
  rc_val_t result;
  rc_val_t* hole = &result;
  while (rc_is_obj(t)) {
    node_t* o = (node_t*)rc_obj(t);
    rc_val_t l = o->l, r = o->r;
    rc_reuse_t at = rc_reuse_take(ctx, &o->h);
    node_t* n;
    if (rc_likely(at != RC_NO_REUSE)) {           /* reuse specialization: header kept */
      n = (node_t*)rc_reuse_same(ctx, at);
      if (rc_is_obj(l)) n->l = remake(ctx, l);     /* no call (and no store) for a tip */
      n->r = TIP;                                  /* the hole */
    }
    else n = node_at(ctx, RC_NO_REUSE, (rc_is_obj(l) ? remake(ctx, l) : l), TIP);
    *hole = rc_val(&n->h);
    hole = &n->r;
    t = r;
  }
  *hole = t;
  return result;
}

static long check(rc_val_t t) {
  long n = 0;
  while (rc_is_obj(t)) { n += 1 + check(L(t)); t = R(t); }
  return n;
}

/* ---------------------------------------------------------------------
   Tasks on a small pool of attached worker threads
--------------------------------------------------------------------- */
typedef struct work_s { int depth; long iterations; } work_t;

typedef struct pool_s {
  bench_t*        b;
  pthread_mutex_t lock;
  work_t*         items;
  int             nitems, next;
  long*           sums;        /* per item */
} pool_t;

typedef struct task_arg_s { bench_t* b; rc_ctx_t* ctx; work_t w; } task_arg_t;

static rc_val_t depth_task(rc_ctx_t* ctx, void* arg) {
  task_arg_t* a = (task_arg_t*)arg;
  bench_t wb = *a->b;
  wb.ctx = ctx;
  long sum = 0;
  rc_val_t t = RC_IMM(0);
  for (long i = 0; i < a->w.iterations; i++) {
    if (wb.reuse && rc_is_obj(t)) t = remake(ctx, t);
    else { rc_drop(ctx, t); t = make(ctx, a->w.depth); }
    sum += check(t);
  }
  /* The last tree is not dropped: it dies with the task's arena, which
     rt_task_end destroys at once (as the C++ version resets its pool). */
  return rc_int(sum);
}

static void* worker(void* arg) {
  pool_t* p = (pool_t*)arg;
  rc_ctx_t* ctx = rt_thread_attach();
  for (;;) {
    pthread_mutex_lock(&p->lock);
    int i = p->next++;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->nitems) break;
    task_arg_t a = { p->b, ctx, p->items[i] };
    p->sums[i] = rc_int_val(rt_task_run(ctx, &depth_task, &a));
  }
  rt_thread_detach(ctx);
  return NULL;
}

static void run(bench_t* b) {
  rc_ctx_t* ctx = b->ctx;
  const int min_depth = 4;
  int max_depth = (int)b->size;
  if (max_depth < min_depth + 2) max_depth = min_depth + 2;

  rc_val_t stretch = make(ctx, max_depth + 1);
  printf("stretch tree of depth %d\t check: %ld\n", max_depth + 1, check(stretch));
  rc_drop(ctx, stretch);

  rc_val_t long_lived = make(ctx, max_depth);

  pool_t p;
  p.b = b;
  pthread_mutex_init(&p.lock, NULL);
  int ndepths = (max_depth - min_depth) / 2 + 1;
  p.items = (work_t*)calloc((size_t)ndepths * TASKS_PER_DEPTH, sizeof(work_t));
  p.sums = (long*)calloc((size_t)ndepths * TASKS_PER_DEPTH, sizeof(long));
  p.nitems = 0;
  p.next = 0;
  for (int d = min_depth; d <= max_depth; d += 2) {
    long iterations = 1L << (max_depth - d + min_depth);
    for (int k = 0; k < TASKS_PER_DEPTH; k++) {
      long share = iterations / TASKS_PER_DEPTH + (k < iterations % TASKS_PER_DEPTH ? 1 : 0);
      p.items[p.nitems++] = (work_t){ d, share };
    }
  }
  pthread_t th[64];
  int nth = (b->threads > 64 ? 64 : b->threads);
  for (int i = 0; i < nth; i++) pthread_create(&th[i], NULL, &worker, &p);
  for (int i = 0; i < nth; i++) pthread_join(th[i], NULL);

  for (int j = 0, d = min_depth; d <= max_depth; d += 2, j++) {
    long iterations = 1L << (max_depth - d + min_depth), sum = 0;
    for (int k = 0; k < TASKS_PER_DEPTH; k++) sum += p.sums[j * TASKS_PER_DEPTH + k];
    printf("%ld\t trees of depth %d\t check: %ld\n", iterations, d, sum);
  }
  printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
  rc_drop(ctx, long_lived);
  free(p.items);
  free(p.sums);
  pthread_mutex_destroy(&p.lock);
}

int main(int argc, char** argv) {
  return bench_main(argc, argv, "binarytrees", 21, &run);
}
