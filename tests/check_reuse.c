/* SPDX-License-Identifier: MIT */
/* check_reuse.c -- freed memory is reused resident, not purged and faulted back in:
   thread churn, heap (arena) churn, idle purging, and statistics that add up.
   Page faults come from getrusage; no timing is asserted. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <mimalloc.h>
#include <mimalloc-stats.h>

#include "check_main.h"

static long minflt(void)
{
  struct rusage ru;
  ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
  return ru.ru_minflt;
}

/* Allocate `bytes` in small blocks (16..1024 B), write them, free them all. */
static void churn_small(size_t bytes, uint64_t seed)
{
  size_t cap = bytes / 16 + 1, n = 0, got = 0;
  void **v = mi_malloc(cap * sizeof(void *));
  ck_assert_ptr_nonnull(v);
  while (got < bytes && n < cap) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t sz = 16 + (size_t)(seed >> 33) % 1009;
    void *p = mi_malloc(sz);
    ck_assert_ptr_nonnull(p);
    memset(p, 0x5a, sz);
    v[n++] = p;
    got += sz;
  }
  for (size_t i = 0; i < n; i++) mi_free(v[i]);
  mi_free(v);
}

static void *churn_thread(void *arg)
{
  churn_small(4 * CHECK_MiB, (uint64_t)(uintptr_t)arg);
  return NULL;
}

static void churn_round(int round)
{
  pthread_t t[2];
  for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, churn_thread, (void *)(uintptr_t)(round * 2 + i + 1)), 0);
  for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}

/* (a) Threads that come and go reuse the memory of those before them: 200
   rounds of 2 threads, each allocating and freeing 4 MiB of small blocks,
   fault in fewer than 10x the pages of the first round. */
START_TEST(test_reuse_thread_churn)
{
  long f0 = minflt();
  churn_round(0);
  long first = minflt() - f0;
  ck_assert_msg(first > 256, "one round faulted only %ld pages: the measurement proves nothing", first);
  long f1 = minflt();
  for (int r = 1; r <= 200; r++) churn_round(r);
  long rest = minflt() - f1;
  ck_assert_msg(rest < 10 * first, "200 rounds of thread churn faulted %ld pages, one round %ld (bound: 10x)", rest, first);
}
END_TEST

/* (b) Arenas (first-class heaps) created, filled with 1 MiB and destroyed
   in turn reuse each other's memory: after the first, 99 more fault in
   under 4 MiB all together. */
START_TEST(test_reuse_heap_churn)
{
  enum { FILL = 1 << 20 };
  long before_first = 0, after_first = 0;
  for (int i = 0; i < 100; i++) {
    if (i == 0) before_first = minflt();
    if (i == 1) after_first = minflt();
    mi_heap_t *h = mi_heap_new();
    ck_assert_ptr_nonnull(h);
    size_t got = 0;
    for (size_t k = 0; got < FILL; k++) {
      size_t sz = 32 + (k * 97) % 2000;
      char *p = mi_heap_malloc(h, sz);
      ck_assert_ptr_nonnull(p);
      memset(p, (int)k, sz);
      got += sz;
    }
    mi_heap_destroy(h);
  }
  long first = after_first - before_first;
  long rest = minflt() - after_first;
  ck_assert_msg(first >= FILL / 4096 / 2, "the first arena faulted only %ld pages: the measurement proves nothing", first);
  ck_assert_msg(rest * 4096L < 4L * 1024 * 1024, "99 arenas after the first faulted in %ld KiB (bound 4 MiB; the first %ld KiB)",
                rest * 4, first * 4);
}
END_TEST

/* (c) Memory a program stopped using still goes back: at once with
   mi_collect(true), and after the delay (purge_delay x the adaptive
   multiplier, at most 64 x) when the program is idle and collects. */
static size_t fill_and_free(size_t bytes, void ***out_v, size_t *out_n)
{
  size_t n = bytes / 4096;
  void **v = malloc(n * sizeof(void *)); /* bookkeeping outside mirt */
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < n; i++) {
    v[i] = mi_malloc(4000);
    ck_assert_ptr_nonnull(v[i]);
    memset(v[i], 1, 4000);
  }
  *out_v = v;
  *out_n = n;
  return n * 4000;
}

START_TEST(test_reuse_idle_purge)
{
  mi_collect(true);
  size_t base = check_rss_bytes();
  ck_assert_uint_gt(base, 0);
  void **v; size_t n;
  fill_and_free(96 * CHECK_MiB, &v, &n);
  size_t peak = check_rss_bytes();
  ck_assert_msg(peak > base + 64 * CHECK_MiB, "RSS rose by only %zu MiB", (peak - base) / CHECK_MiB);
  for (size_t i = 0; i < n; i++) mi_free(v[i]);
  free(v);
  /* idle: wait out the longest delay, then a non-forcing collect */
  const long delay = mi_option_get(mi_option_purge_delay);
  usleep((useconds_t)(64 * (delay > 0 ? delay : 10) + 200) * 1000);
  mi_collect(false);
  size_t idle = check_rss_bytes();
  ck_assert_msg(idle < base + 24 * CHECK_MiB, "idle after the delay, RSS is %zu MiB above the start (peak +%zu MiB)",
                (idle - base) / CHECK_MiB, (peak - base) / CHECK_MiB);
  /* and at once with mi_collect(true) */
  fill_and_free(96 * CHECK_MiB, &v, &n);
  for (size_t i = 0; i < n; i++) mi_free(v[i]);
  free(v);
  mi_collect(true);
  size_t forced = check_rss_bytes();
  ck_assert_msg(forced < base + 16 * CHECK_MiB, "after mi_collect(true), RSS is %zu MiB above the start", (forced - base) / CHECK_MiB);
}
END_TEST

/* Statistics add up after a multi-threaded stress: committed never exceeds
   reserved, and after mi_collect(true) both are back at their start. */
static void *stress_thread(void *arg)
{
  uintptr_t id = (uintptr_t)arg;
  void *keep[256];
  for (int r = 0; r < 20; r++) {
    for (int i = 0; i < 256; i++) {
      size_t sz = (i % 16 == 0 ? 70000 + (size_t)i * 1000 : 16 + (size_t)((i * 131 + id) % 3000));
      keep[i] = mi_malloc(sz);
      ck_assert_ptr_nonnull(keep[i]);
      memset(keep[i], 3, sz < 64 ? sz : 64);
    }
    for (int i = 0; i < 256; i++) mi_free(keep[i]);
  }
  return NULL;
}

START_TEST(test_reuse_stats_add_up)
{
  mi_collect(true);
  mi_stats_t_decl(s0);
  mi_stats_get(&s0);
  for (int round = 0; round < 10; round++) {
    pthread_t t[8];
    for (int i = 0; i < 8; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, stress_thread, (void *)(uintptr_t)i), 0);
    for (int i = 0; i < 8; i++) ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    mi_stats_t_decl(s);
    mi_stats_get(&s);
    ck_assert_msg(s.committed.current <= s.reserved.current, "round %d: committed %lld > reserved %lld", round,
                  (long long)s.committed.current, (long long)s.reserved.current);
    ck_assert_msg(s.committed.current >= 0, "round %d: committed %lld", round, (long long)s.committed.current);
  }
  mi_collect(true);
  mi_stats_t_decl(s1);
  mi_stats_get(&s1);
  ck_assert_msg(s1.committed.current == s0.committed.current, "committed %lld after collect, %lld at the start",
                (long long)s1.committed.current, (long long)s0.committed.current);
  ck_assert_msg(s1.reserved.current == s0.reserved.current, "reserved %lld after collect, %lld at the start",
                (long long)s1.reserved.current, (long long)s0.reserved.current);
}
END_TEST

static Suite *reuse_suite(void)
{
  Suite *s = suite_create("reuse");
  TCase *tc = check_tcase(s, "reuse", 60);
  tcase_add_test(tc, test_reuse_thread_churn);
  tcase_add_test(tc, test_reuse_heap_churn);
  tcase_add_test(tc, test_reuse_idle_purge);
  tcase_add_test(tc, test_reuse_stats_add_up);
  return s;
}

CHECK_MAIN(reuse_suite)
