/* SPDX-License-Identifier: MIT */
/* check_rc_release.c -- Check suite: huge structures released with budget 1 on a small stack, drained by the heartbeat; determinism. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <mirt/runtime.h>
#include "check_main.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>  /* waitpid */
#include <unistd.h>    /* fork, pipe */

#define SMALL_STACK (64 * 1024)   /* a recursive release would overflow this at once */

typedef struct pair_s { rc_obj_t h; rc_val_t a, b; } pair_t;

static rc_val_t pair(rc_ctx_t* ctx, rc_val_t a, rc_val_t b) {
  pair_t* p = (pair_t*)rc_alloc(ctx, sizeof(pair_t), 2, 1);
  p->a = a; p->b = b;
  return rc_val(&p->h);
}

static bool count_block(const mi_heap_t* h, const mi_heap_area_t* a, void* b, size_t bs, void* arg) {
  (void)h; (void)a; (void)bs;
  if (b != NULL) (*(size_t*)arg)++;
  return true;
}
static size_t live_blocks(rc_ctx_t* ctx) {
  size_t n = 0;
  mi_heap_visit_blocks(ctx->thread_heap, true, &count_block, &n);
  return n;
}

/* Results are checked on the main thread after the join. */
typedef struct run_s {
  int    shape;            /* 0: list, 1: deep tree */
  size_t n;
  size_t drop_budget;
  size_t base_blocks, peak_blocks, end_blocks;
  size_t pending_after_drop, frees_in_drop, max_drop;
  uint64_t allocs, frees, heartbeats;
  size_t spins;
} run_t;

static rc_val_t build(rc_ctx_t* ctx, int shape, size_t n) {
  rc_val_t t = rc_int(0);
  for (size_t i = 0; i < n; i++) {
    if (shape == 0) t = pair(ctx, rc_int((intptr_t)i), t);
    else {
      /* a zig-zag spine: the deep side alternates between the fields */
      rc_val_t side = pair(ctx, rc_int(1), rc_int(2));
      t = (i & 1) ? pair(ctx, t, side) : pair(ctx, side, t);
    }
  }
  return t;
}

static void* run_thread(void* arg) {
  run_t* r = (run_t*)arg;
  rc_ctx_t* ctx = rt_thread_attach();
  rt_thread_set_budget(ctx, r->drop_budget, 100000);
  r->base_blocks = live_blocks(ctx);
  rc_val_t t = build(ctx, r->shape, r->n);
  r->peak_blocks = live_blocks(ctx);
  uint64_t hb0 = ctx->st.heartbeats;
  rc_drop(ctx, t);
  r->frees_in_drop = (size_t)ctx->st.frees;
  r->pending_after_drop = ctx->npending;
  /* Drive the allocator heartbeat with ordinary allocations (default heap):
     the pending list is drained by the hook alone. */
  size_t spins = 0;
  while (ctx->npending > 0 && spins < ((size_t)1 << 31)) {
    void* p = mi_malloc(32);
    mi_free(p);
    spins++;
  }
  r->spins = spins;
  r->heartbeats = ctx->st.heartbeats - hb0;
  r->end_blocks = live_blocks(ctx);
  r->allocs = ctx->st.allocs;
  r->frees = ctx->st.frees;
  r->max_drop = (size_t)ctx->st.max_drop;
  rt_thread_detach(ctx);
  return NULL;
}

static void run_small_stack(run_t* r) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ck_assert_int_eq(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, &attr, &run_thread, r), 0);
  ck_assert_int_eq(pthread_join(th, NULL), 0);
  pthread_attr_destroy(&attr);
}

static void setup(void) {
  rt_config_t cfg;
  rt_config_default(&cfg);
  ck_assert_int_eq(rt_init(&cfg), 0);
}
static void teardown(void) { ck_assert_int_eq(rt_shutdown(), 0); }

static void check_bounded(run_t* r, size_t objects) {
  ck_assert_uint_eq(r->peak_blocks - r->base_blocks, objects);
  ck_assert_uint_eq(r->frees_in_drop, 1);              /* budget 1: the root only */
  ck_assert_uint_eq(r->max_drop, 1);
  ck_assert_uint_ge(r->pending_after_drop, 1);
  ck_assert_uint_ge(r->heartbeats, objects / 100000);   /* tick budget 100000 */
  ck_assert_uint_eq(r->end_blocks, r->base_blocks);     /* allocator count back to the start */
  ck_assert_uint_eq(r->allocs, RC_STATS ? objects : 0u);   /* inline count: RC_STATS only */
  ck_assert_uint_eq(r->frees, objects);
}

START_TEST(test_release_list_1e7_budget1)
{
  run_t r = { .shape = 0, .n = 10000000, .drop_budget = 1 };
  run_small_stack(&r);
  check_bounded(&r, r.n);
}
END_TEST

START_TEST(test_release_deep_tree_1e6_budget1)
{
  run_t r = { .shape = 1, .n = 1000000, .drop_budget = 1 };
  run_small_stack(&r);
  check_bounded(&r, 2 * r.n);
}
END_TEST

START_TEST(test_release_eager_small_stack)
{
  run_t r = { .shape = 1, .n = 1000000, .drop_budget = RC_BUDGET_UNBOUNDED };
  run_small_stack(&r);
  ck_assert_uint_eq(r.frees_in_drop, 2 * r.n);          /* all in the drop, still no recursion */
  ck_assert_uint_eq(r.pending_after_drop, 0);
  ck_assert_uint_eq(r.end_blocks, r.base_blocks);
}
END_TEST

/* ---------------------------------------------------------------------
   Determinism: two runs see the same heartbeat/drain sequence
--------------------------------------------------------------------- */
#define TRACE_MAX 4096
typedef struct trace_s { uint64_t beat, mi_beat; uint64_t drained, pending; } trace_t;
static trace_t trace[TRACE_MAX];
static size_t ntrace;
static unsigned long long first_beat;

static void on_beat(rc_ctx_t* ctx, unsigned long long hb, bool force, size_t drained, void* arg) {
  (void)arg; (void)force;
  if (ntrace == 0) first_beat = hb;
  if (ntrace < TRACE_MAX) {
    trace[ntrace].beat = ctx->st.heartbeats;
    trace[ntrace].mi_beat = hb - first_beat;
    trace[ntrace].drained = drained;
    trace[ntrace].pending = ctx->npending;
    ntrace++;
  }
}

static void workload(rc_ctx_t* ctx) {
  uint32_t seed = 12345;
  rc_val_t keep = rc_int(0);
  for (int round = 0; round < 200; round++) {
    seed = seed * 1103515245u + 12345u;
    size_t n = 1000 + (seed >> 16) % 20000;
    rc_val_t t = build(ctx, round & 1, n);
    if (round % 7 == 0) { rc_drop(ctx, keep); keep = t; }
    else rc_drop(ctx, t);
  }
  rc_drop(ctx, keep);
  while (rt_tick(ctx, 5000) > 0) { }
}

static void run_traced_child(int fd) {
  rt_shutdown();
  rt_config_t cfg;
  rt_config_default(&cfg);
  cfg.drop_budget = 8;
  cfg.tick_budget = 500;
  cfg.pause_us = 0;              /* count-bounded drains only: deterministic */
  cfg.on_heartbeat = &on_beat;
  if (rt_init(&cfg) != 0) _exit(2);
  rc_ctx_t* ctx = rt_thread_attach();
  workload(ctx);
  rt_shutdown();
  ssize_t w1 = write(fd, &ntrace, sizeof ntrace);
  ssize_t w2 = write(fd, trace, ntrace * sizeof(trace_t));
  _exit((w1 < 0 || w2 < 0) ? 3 : 0);
}

static size_t traced_run(trace_t* out) {
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) { close(fds[0]); run_traced_child(fds[1]); }
  close(fds[1]);
  size_t n = 0;
  ck_assert_int_eq(read(fds[0], &n, sizeof n), (ssize_t)sizeof n);
  size_t want = n * sizeof(trace_t), got = 0;
  while (got < want) {
    ssize_t k = read(fds[0], (char*)out + got, want - got);
    ck_assert_int_gt(k, 0);
    got += (size_t)k;
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return n;
}

START_TEST(test_release_deterministic)
{
  static trace_t t1[TRACE_MAX], t2[TRACE_MAX];
  size_t n1 = traced_run(t1);
  size_t n2 = traced_run(t2);
  ck_assert_uint_gt(n1, 10);                          /* the heartbeat did drain */
#if defined(MI_SECURE) && MI_SECURE > 0
  /* secure builds randomise the allocator's slow-path rhythm by design: both
     runs must still drain through the heartbeat, but not in lockstep */
  ck_assert_uint_gt(n2, 10);
  return;
#endif
  ck_assert_uint_eq(n1, n2);
  size_t drained = 0;
  for (size_t i = 0; i < n1; i++) {
    ck_assert_msg(memcmp(&t1[i], &t2[i], sizeof(trace_t)) == 0,
                  "heartbeat %zu differs: drained %llu/%llu pending %llu/%llu", i,
                  (unsigned long long)t1[i].drained, (unsigned long long)t2[i].drained,
                  (unsigned long long)t1[i].pending, (unsigned long long)t2[i].pending);
    drained += t1[i].drained;
  }
  ck_assert_uint_gt(drained, 0);
}
END_TEST

static Suite* release_suite(void) {
  Suite* s = suite_create("rc_release");
  TCase* tc = tcase_create("huge");
  tcase_set_tags(tc, "slow");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_release_list_1e7_budget1);
  tcase_add_test(tc, test_release_deep_tree_1e6_budget1);
  tcase_add_test(tc, test_release_eager_small_stack);
  suite_add_tcase(s, tc);

  tc = tcase_create("determinism");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_release_deterministic);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(release_suite)
