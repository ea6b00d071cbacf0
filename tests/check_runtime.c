/* SPDX-License-Identifier: MIT */
/* check_runtime.c -- Check suite for the embedding API: init/shutdown, attach/detach, heartbeat, task arenas, export, escapes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <mirt/runtime.h>
#include "check_main.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct pair_s { rc_obj_t h; rc_val_t a, b; } pair_t;
static rc_ctx_t* ctx;

static rc_val_t pair(rc_val_t a, rc_val_t b) {
  pair_t* p = (pair_t*)rc_alloc(ctx, sizeof(pair_t), 2, 1);
  p->a = a; p->b = b;
  return rc_val(&p->h);
}
static pair_t* P(rc_val_t v) { return (pair_t*)rc_obj(v); }
static rc_val_t list(size_t n) {
  rc_val_t l = rc_int(0);
  for (size_t i = 0; i < n; i++) l = pair(rc_int((intptr_t)i), l);
  return l;
}
static size_t list_len(rc_val_t l) {
  size_t n = 0;
  while (rc_is_obj(l)) { n++; l = P(l)->b; }
  return n;
}

static bool count_block(const mi_heap_t* h, const mi_heap_area_t* a, void* b, size_t bs, void* arg) {
  (void)h; (void)a; (void)bs;
  if (b != NULL) (*(size_t*)arg)++;
  return true;
}
static size_t live_blocks(mi_heap_t* heap) {
  size_t n = 0;
  mi_heap_visit_blocks(heap, true, &count_block, &n);
  return n;
}

static void start(size_t drop_budget, bool check) {
  rt_config_t cfg;
  rt_config_default(&cfg);
  cfg.drop_budget = drop_budget;
  cfg.arena_check = check;
  /* release by count only: these tests count what a drop or a beat frees,
     which a time bound would make depend on the build's speed (debug builds
     check every free); check_rc_release tests the pause bound */
  cfg.pause_us = 0;
  ck_assert_int_eq(rt_init(&cfg), 0);
  ctx = rt_thread_attach();
  ck_assert_ptr_nonnull(ctx);
}
/* Everything allocated was freed: exact with RC_STATS; without it allocs
   counts only the out-of-line allocations (exports), see rc_stats_t. */
#if RC_STATS
#  define CK_ALL_FREED(st) ck_assert_uint_eq((st).frees, (st).allocs)
#else
#  define CK_ALL_FREED(st) ck_assert_uint_le((st).allocs, (st).frees)
#endif

static void setup(void)        { start(RT_DEFAULT_DROP_BUDGET, true); }
static void setup_defer(void)  { start(0, true); }
static void teardown(void)     { rt_shutdown(); ctx = NULL; }

/* ---------------------------------------------------------------------
   Lifecycle
--------------------------------------------------------------------- */
START_TEST(test_rt_init_twice)
{
  ck_assert_int_eq(rt_init(NULL), EBUSY);
  ck_assert_ptr_eq(rt_thread_attach(), ctx);           /* attaching twice: same context */
  ck_assert_ptr_eq(rt_current(), ctx);
  ck_assert_ptr_nonnull(ctx->heap);
  ck_assert_ptr_eq(ctx->heap, ctx->thread_heap);
}
END_TEST

static void* attach_and_wait(void* arg) {
  pthread_barrier_t* b = (pthread_barrier_t*)arg;
  rc_ctx_t* c = rt_thread_attach();
  pthread_barrier_wait(&b[0]);     /* attached */
  pthread_barrier_wait(&b[1]);     /* main tried to shut down */
  rt_thread_detach(c);
  return NULL;
}

START_TEST(test_rt_shutdown_busy)
{
  pthread_barrier_t b[2];
  pthread_barrier_init(&b[0], NULL, 2);
  pthread_barrier_init(&b[1], NULL, 2);
  pthread_t th;
  pthread_create(&th, NULL, &attach_and_wait, b);
  pthread_barrier_wait(&b[0]);
  ck_assert_int_eq(rt_shutdown(), EBUSY);               /* the other thread is attached */
  ck_assert_ptr_null(rt_current());                     /* but this one was detached */
  pthread_barrier_wait(&b[1]);
  pthread_join(th, NULL);
  ck_assert_int_eq(rt_shutdown(), 0);
  ck_assert_int_eq(rt_init(NULL), 0);                   /* and it starts again */
  ctx = rt_thread_attach();
  rt_stats_t st;
  rt_stats(&st);
  ck_assert_uint_eq(st.threads, 1);
}
END_TEST

static void* detach_with_pending(void* arg) {
  (void)arg;
  rc_ctx_t* c = rt_thread_attach();
  rt_thread_set_budget(c, 0, 1);                        /* everything stays pending */
  rc_ctx_t* saved = ctx;
  ctx = c;
  rc_drop(c, list(100000));
  rt_task_t* t = rt_task_begin(c);                      /* left open on purpose */
  rc_drop(c, list(1000));
  ctx = saved;
  (void)t;
  rt_thread_detach(c);                                  /* ends the task, drains everything */
  return NULL;
}

START_TEST(test_rt_detach_with_pending)
{
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, &detach_with_pending, NULL), 0);
  pthread_join(th, NULL);
  rt_stats_t st;
  rt_stats(&st);
  ck_assert_uint_eq(st.rc.allocs, RC_STATS ? 101000u : 0u);   /* inline count: RC_STATS only */
  ck_assert_uint_eq(st.rc.frees, 101000);
  ck_assert_uint_eq(st.rc.tasks, 1);
  ck_assert_uint_eq(st.threads, 2);
  ck_assert_uint_gt(st.peak_rss, 0);
}
END_TEST

START_TEST(test_rt_heartbeat_drains)
{
  rc_drop(ctx, list(200000));
  ck_assert_uint_eq(ctx->npending, 1);
  rt_thread_set_budget(ctx, 1, RT_DEFAULT_TICK_BUDGET);  /* drops free only themselves */
  uint64_t hb = ctx->st.heartbeats;
  /* allocation alone (no tick) drains the pending list via the hook */
  for (size_t i = 0; i < 100000000 && ctx->npending > 0; i++) {
    rc_drop(ctx, pair(rc_int(1), rc_int(2)));
  }
  ck_assert_uint_eq(ctx->npending, 0);
  ck_assert_uint_gt(ctx->st.heartbeats, hb);
  CK_ALL_FREED(ctx->st);
}
END_TEST

/* Another runtime in the process: one callback in mimalloc's single slot,
   one added beside it; the runtime's own (added) hook keeps draining. */
static unsigned long long other_single, other_added;
static void on_other_single(bool force, unsigned long long hb, void* arg) { (void)force; (void)hb; (void)arg; other_single++; }
static void on_other_added(bool force, unsigned long long hb, void* arg) { (void)force; (void)hb; *(unsigned long long*)arg += 1; }

START_TEST(test_rt_heartbeat_beside_other_runtimes)
{
  other_single = other_added = 0;
  mi_register_deferred_free(&on_other_single, NULL);
  size_t h = mi_deferred_free_add(&on_other_added, &other_added);
  ck_assert_uint_ne(h, 0);
  rc_drop(ctx, list(200000));
  rt_thread_set_budget(ctx, 1, RT_DEFAULT_TICK_BUDGET);
  uint64_t hb = ctx->st.heartbeats;
  for (size_t i = 0; i < 100000000 && ctx->npending > 0; i++) rc_drop(ctx, pair(rc_int(1), rc_int(2)));
  ck_assert_uint_eq(ctx->npending, 0);                  /* ours still runs */
  ck_assert_uint_gt(ctx->st.heartbeats, hb);
  ck_assert_uint_gt(other_single, 0);                   /* and so do the others */
  ck_assert_uint_gt(other_added, 0);
  ck_assert(mi_deferred_free_remove(h));
  ck_assert(!mi_deferred_free_remove(h));               /* a handle works once */
  unsigned long long before = other_added, hb2 = ctx->st.heartbeats;
  mi_collect(false);                                    /* a heartbeat */
  ck_assert_uint_gt(ctx->st.heartbeats, hb2);
  ck_assert_uint_eq(other_added, before);               /* removed: not called again */
  mi_register_deferred_free(NULL, NULL);
  ck_assert_uint_eq(mi_deferred_free_add(NULL, NULL), 0);
}
END_TEST

static void* foreign_allocs(void* arg) {
  (void)arg;
  for (int i = 0; i < 100000; i++) { void* p = mi_malloc(48); mi_free(p); }
  return NULL;
}

START_TEST(test_rt_heartbeat_foreign_thread)
{
  rt_thread_set_budget(ctx, 1, RT_DEFAULT_TICK_BUDGET);
  rc_drop(ctx, list(1000));
  pthread_t th;
  pthread_create(&th, NULL, &foreign_allocs, NULL);    /* its heartbeats touch nothing of ours */
  pthread_join(th, NULL);
  ck_assert_uint_eq(ctx->npending, 1);
  ck_assert_uint_eq(rt_tick(ctx, RC_BUDGET_UNBOUNDED), 0);
}
END_TEST

/* ---------------------------------------------------------------------
   Tasks and arenas
--------------------------------------------------------------------- */
START_TEST(test_rt_task_destroys_arena)
{
  size_t base = live_blocks(ctx->thread_heap);
  rt_stats_t st;
  rt_stats(&st);
  size_t rss0 = st.current_rss;
  for (int round = 0; round < 20; round++) {
    rt_task_t* t = rt_task_begin(ctx);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_ne(ctx->heap, ctx->thread_heap);
    rc_val_t junk = list(500000);                       /* 12 MB, never dropped */
    ck_assert_uint_eq(live_blocks(ctx->heap), 500000);
    (void)junk;
    ck_assert_uint_eq(rt_task_end(ctx, t, rc_int(round)), rc_int(round));
    ck_assert_ptr_eq(ctx->heap, ctx->thread_heap);
  }
  ck_assert_uint_eq(live_blocks(ctx->thread_heap), base);
  ck_assert_uint_eq(ctx->st.tasks, 20);
  ck_assert_uint_eq(ctx->st.frees, 0);                  /* destroyed at once, not one by one */
  ck_assert_uint_eq(ctx->st.escapes, 0);
  rt_stats(&st);
  ck_assert_msg(st.current_rss < rss0 + 100u * 1024 * 1024,
                "RSS grew by %zu MB over 20 arenas of 12 MB", (st.current_rss - rss0) >> 20);
}
END_TEST

static rc_val_t task_body(rc_ctx_t* c, void* arg) {
  rc_val_t outside = (rc_val_t)arg;
  rc_val_t shared = pair(rc_int(7), list(10));          /* reached twice from the result */
  rc_val_t junk = list(1000);
  rc_drop(c, junk);
  rc_val_t dag = pair(shared, rc_dup(shared));
  return pair(list(1000), pair(dag, rc_dup(outside)));
}

START_TEST(test_rt_task_export)
{
  size_t base = live_blocks(ctx->thread_heap);
  rc_val_t outside = list(5);
  rc_val_t r = rt_task_run(ctx, &task_body, (void*)outside);
  ck_assert_uint_eq(ctx->st.escapes, 0);
  ck_assert(rc_is_unique(r));
  ck_assert(mi_heap_contains_block(ctx->thread_heap, rc_obj(r)));
  ck_assert_uint_eq(list_len(P(r)->a), 1000);
  rc_val_t dag = P(P(r)->b)->a;
  ck_assert_uint_eq(P(dag)->a, P(dag)->b);              /* sharing kept */
  ck_assert_int_eq(rc_obj(P(dag)->a)->rc, 1);           /* two references */
  ck_assert_uint_eq(list_len(P(P(dag)->a)->b), 10);
  ck_assert_uint_eq(P(P(r)->b)->b, outside);            /* outside reference moved, not copied */
  ck_assert_int_eq(rc_obj(outside)->rc, 1);
  ck_assert_uint_eq(ctx->st.exported, 1 + 1000 + 1 + 1 + 1 + 10);
  rc_drop(ctx, r);
  rc_drop(ctx, outside);
  ck_assert_uint_eq(live_blocks(ctx->thread_heap), base);
}
END_TEST

START_TEST(test_rt_task_escape_reported)
{
  rc_val_t holder = pair(rc_int(0), rc_int(0));
  rt_task_t* t = rt_task_begin(ctx);
  P(holder)->a = list(3);                               /* outside -> arena: a bug */
  rt_task_end(ctx, t, rc_int(0));
  ck_assert_uint_eq(ctx->st.escapes, 1);
  P(holder)->a = rc_int(0);                             /* the reference dangles: forget it */
  rc_drop(ctx, holder);
}
END_TEST

START_TEST(test_rt_task_nested)
{
  size_t base = live_blocks(ctx->thread_heap);
  rt_task_t* outer = rt_task_begin(ctx);
  mi_heap_t* outer_heap = ctx->heap;
  rc_val_t a = list(100);
  rt_task_t* inner = rt_task_begin(ctx);
  rc_val_t b = pair(list(50), a);                        /* inner refers to the outer arena */
  rc_val_t r = rt_task_end(ctx, inner, b);
  ck_assert_ptr_eq(ctx->heap, outer_heap);
  ck_assert(mi_heap_contains_block(outer_heap, rc_obj(r)));
  ck_assert_uint_eq(P(r)->b, a);
  r = rt_task_end(ctx, outer, r);
  ck_assert(mi_heap_contains_block(ctx->thread_heap, rc_obj(r)));
  ck_assert_uint_eq(list_len(P(r)->a), 50);
  ck_assert_uint_eq(list_len(P(r)->b), 100);
  ck_assert_uint_eq(ctx->st.escapes, 0);
  ck_assert_uint_eq(live_blocks(ctx->thread_heap), base + 151);
  rc_drop(ctx, r);
  ck_assert_uint_eq(live_blocks(ctx->thread_heap), base);
}
END_TEST

static int fin_count;
static void fin(rc_ctx_t* c, rc_obj_t* o) { (void)c; (void)o; fin_count++; }
static const rc_kind_t fin_kind = { "counted", &fin, NULL };

START_TEST(test_rt_task_end_drains_pending)
{
  unsigned k = rc_kind_register(&fin_kind);
  ck_assert_uint_gt(k, 0);
  fin_count = 0;
  rt_task_t* t = rt_task_begin(ctx);
  rc_obj_t* o = rc_alloc_kind(ctx, k, sizeof(pair_t), 2, 3);
  ((pair_t*)o)->a = list(10000);
  ((pair_t*)o)->b = rc_int(0);
  rc_drop(ctx, rc_val(o));                               /* finalizer pending, fields untouched */
  rc_drop(ctx, list(10000));                             /* budget 0: all pending */
  ck_assert_int_eq(fin_count, 0);
  rt_task_end(ctx, t, rc_int(0));
  ck_assert_int_eq(fin_count, 1);
  ck_assert_uint_eq(ctx->npending, 0);
  CK_ALL_FREED(ctx->st);
}
END_TEST

/* rt_init turns on huge pages for the allocator by default; huge_pages =
   false leaves the option alone, and so does the environment when it names
   the option.  Each case runs in a child: the runtime starts once per process. */
static int huge_pages_child(bool want, const char* env) {
  pid_t pid = fork();
  if (pid == 0) {
    if (env != NULL) setenv("MIMALLOC_ALLOW_LARGE_OS_PAGES", env, 1);
    else unsetenv("MIMALLOC_ALLOW_LARGE_OS_PAGES");
    unsetenv("MIMALLOC_LARGE_OS_PAGES");
    mi_option_disable(mi_option_allow_large_os_pages);
    rt_config_t cfg;
    rt_config_default(&cfg);
    if (!cfg.huge_pages) _exit(3);
    cfg.huge_pages = want;
    if (rt_init(&cfg) != 0) _exit(4);
    _exit(mi_option_is_enabled(mi_option_allow_large_os_pages) ? 1 : 0);
  }
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "child failed (status %d)", status);
  return WEXITSTATUS(status);
}

START_TEST(test_rt_huge_pages_default)
{
  ck_assert_int_eq(huge_pages_child(true, NULL), 1);    /* default: on */
  ck_assert_int_eq(huge_pages_child(false, NULL), 0);   /* config says no */
  ck_assert_int_eq(huge_pages_child(true, "0"), 0);     /* the environment said something: it decides */
}
END_TEST

static Suite* runtime_suite(void) {
  Suite* s = suite_create("runtime");
  TCase* tc = tcase_create("lifecycle");
  tcase_set_timeout(tc, 30);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_rt_init_twice);
  tcase_add_test(tc, test_rt_shutdown_busy);
  tcase_add_test(tc, test_rt_detach_with_pending);
  tcase_add_test(tc, test_rt_heartbeat_drains);
  tcase_add_test(tc, test_rt_heartbeat_foreign_thread);
  tcase_add_test(tc, test_rt_heartbeat_beside_other_runtimes);
  suite_add_tcase(s, tc);

  tc = tcase_create("tasks");
  tcase_set_timeout(tc, 30);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_rt_task_destroys_arena);
  tcase_add_test(tc, test_rt_task_export);
  tcase_add_test(tc, test_rt_task_escape_reported);
  tcase_add_test(tc, test_rt_task_nested);
  suite_add_tcase(s, tc);

  tc = tcase_create("tasks_deferred");
  tcase_add_checked_fixture(tc, setup_defer, teardown);
  tcase_add_test(tc, test_rt_task_end_drains_pending);
  suite_add_tcase(s, tc);

  tc = tcase_create("config");
  tcase_add_test(tc, test_rt_huge_pages_default);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(runtime_suite)
