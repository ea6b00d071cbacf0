/* SPDX-License-Identifier: MIT */
/* micro-rc.c -- the rc operations one at a time, each in a noinline wrapper, for callgrind (bench/rc/micro).
 *
 * usage: micro-rc N
 * Runs every operation N times after a warm-up and prints "RESULT ok".
 * bench/rc/micro runs it under callgrind with N and 3N and divides the
 * difference of each wrapper's inclusive instructions by 2N: the cost of
 * one operation in steady state, the wrapper's `ret` (and any register
 * moves it needs) included.  Build it with -fno-ipa-icf: identical wrappers
 * (dup of a local and of a shared object) must stay separate functions.  op_release_* frees a list of RELEASE_LEN
 * objects per call: the driver divides by that length too.
 */
#include <mirt/runtime.h>
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))
#define RELEASE_LEN 4096   /* longer than the default drop budget: the drop and rt_tick share it */

typedef struct pair_s { rc_obj_t h; rc_val_t a, b; } pair_t;   /* 24 bytes: a cons or tree node */

/* fresh unique object (header only; the fields are the caller's business) */
NOINLINE rc_obj_t* op_alloc(rc_ctx_t* ctx) { return rc_alloc(ctx, sizeof(pair_t), 2, 1); }
/* last reference of a unique object with immediate fields: queue, drain, mi_free */
NOINLINE void op_drop_unique(rc_ctx_t* ctx, rc_obj_t* o) { rc_drop_obj(ctx, o); }
/* local object (count >= 1 held elsewhere) */
NOINLINE void op_dup_local(rc_obj_t* o) { rc_dup_obj(o); }
NOINLINE void op_drop_local(rc_ctx_t* ctx, rc_obj_t* o) { rc_drop_obj(ctx, o); }
/* thread-shared object: atomic updates on the slow path */
NOINLINE void op_dup_shared(rc_obj_t* o) { rc_dup_obj(o); }
NOINLINE void op_drop_shared(rc_ctx_t* ctx, rc_obj_t* o) { rc_drop_obj(ctx, o); }
/* a match on a unique cell and a rebuild in its memory (no field writes) */
NOINLINE rc_obj_t* op_reuse(rc_ctx_t* ctx, rc_obj_t* o) {
  rc_reuse_t r = rc_reuse_take(ctx, o);
  return rc_alloc_at(ctx, r, sizeof(pair_t), 2, 1);
}
/* the last drop of a RELEASE_LEN-long list, then safe points until nothing is pending */
NOINLINE void op_release_list(rc_ctx_t* ctx, rc_obj_t* head) {
  rc_drop_obj(ctx, head);
  while (rt_tick(ctx, RC_BUDGET_UNBOUNDED) > 0) { }
}

static rc_obj_t* make_list(rc_ctx_t* ctx, size_t n) {
  rc_val_t l = rc_int(0);
  for (size_t i = 0; i < n; i++) {
    pair_t* p = (pair_t*)rc_alloc(ctx, sizeof(pair_t), 2, 1);
    p->a = rc_int(i); p->b = l;
    l = rc_val(&p->h);
  }
  return rc_obj(l);
}

static void run(rc_ctx_t* ctx, long n) {
  for (long i = 0; i < n; i++) {
    pair_t* p = (pair_t*)op_alloc(ctx);
    p->a = rc_int(1); p->b = rc_int(2);
    op_drop_unique(ctx, &p->h);
  }
  pair_t* loc = (pair_t*)rc_alloc(ctx, sizeof(pair_t), 2, 1);
  loc->a = rc_int(1); loc->b = rc_int(2);
  for (long i = 0; i < n; i++) { op_dup_local(&loc->h); op_drop_local(ctx, &loc->h); }
  pair_t* sh = (pair_t*)rc_alloc(ctx, sizeof(pair_t), 2, 1);
  sh->a = rc_int(1); sh->b = rc_int(2);
  rc_dup_obj(&sh->h);
  rc_mark_shared(ctx, rc_val(&sh->h));
  for (long i = 0; i < n; i++) { op_dup_shared(&sh->h); op_drop_shared(ctx, &sh->h); }
  rc_obj_t* cell = &loc->h;
  for (long i = 0; i < n; i++) cell = op_reuse(ctx, cell);
  for (long i = 0; i < n / 64 + 1; i++) op_release_list(ctx, make_list(ctx, RELEASE_LEN));
  rc_drop_obj(ctx, cell);
  rc_drop_obj(ctx, &sh->h);
  rc_drop_obj(ctx, &sh->h);
}

int main(int argc, char** argv) {
  long n = (argc > 1 ? atol(argv[1]) : 100000);
  rt_config_t cfg;
  rt_config_default(&cfg);   /* bounded release, heartbeat on: what a program gets */
  if (rt_init(&cfg) != 0) return 2;
  rc_ctx_t* ctx = rt_thread_attach();
  if (ctx == NULL) return 2;
  run(ctx, 1000);            /* warm-up: pages, the pending list, the stack of the drain */
  run(ctx, n);
  rt_collect(ctx);
  rt_stats_t st;
  rt_thread_stats(ctx, &st);
  printf("RESULT %s pending=%zu\n", (st.pending == 0 ? "ok" : "leak"), st.pending);
  return rt_shutdown() == 0 ? 0 : 1;
}
