/* SPDX-License-Identifier: MIT */
/* check_purge.c -- freed memory goes back to the OS: RSS from /proc falls after mi_collect(true). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mimalloc.h>
#include <mimalloc-stats.h>
#include <unistd.h>

#include "check_main.h"

/* The thresholds asserted below:
   - allocating the working set must raise RSS by at least 3/4 of its size
     (otherwise the measurement proves nothing);
   - after freeing all of it and mi_collect(true), RSS may stay above the
     starting point by at most RETAIN_MAX: 16 MiB, i.e. at least 15/16 of a
     256 MiB working set is returned (mi_collect(true) purges at once,
     DESIGN.md 3; metadata and a few partly used pages may stay). */
#define RETAIN_MAX (16 * CHECK_MiB)

struct set {
  void **ptr;
  size_t count, bytes;
};

static uint64_t rnd(uint64_t *s)
{
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 17;
}

/* Allocate about `small` bytes in blocks of 16..1024 bytes and `medium`
   bytes in blocks of 1..64 KiB, interleaved, every byte written. */
static struct set alloc_set(size_t small, size_t medium, uint64_t seed)
{
  struct set s = {NULL, 0, 0};
  size_t cap = small / 128 + medium / 1024 + 16; /* mean small block is ~520 bytes */
  s.ptr = calloc(cap, sizeof(void *)); /* bookkeeping from libc, not from mirt */
  ck_assert_ptr_nonnull(s.ptr);
  memset(s.ptr, 0, cap * sizeof(void *));
  size_t got_small = 0, got_medium = 0;
  while ((got_small < small || got_medium < medium) && s.count < cap) {
    uint64_t r = rnd(&seed);
    size_t n;
    if (got_small < small && (r & 1 || got_medium >= medium)) {
      n = 16 + (size_t)(r >> 1) % 1009;
      got_small += n;
    } else {
      n = 1024 + (size_t)(r >> 1) % (63 * 1024);
      got_medium += n;
    }
    void *p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    memset(p, (int)(s.count & 0xFF) | 1, n);
    s.ptr[s.count++] = p;
    s.bytes += n;
  }
  return s;
}

/* Free every block, checking its first byte, in an interleaved order. */
static void free_set(struct set *s)
{
  for (size_t pass = 0; pass < 2; pass++) {
    for (size_t i = pass; i < s->count; i += 2) {
      unsigned char *b = s->ptr[i];
      ck_assert_msg(b[0] == ((i & 0xFF) | 1), "block %zu corrupted", i);
      mi_free(b);
    }
  }
  free(s->ptr);
  s->ptr = NULL;
}

static size_t rss_checked(void)
{
  size_t r = check_rss_bytes();
  ck_assert_msg(r > 0, "cannot read /proc/self/statm");
  return r;
}

/* 256 MiB of small and medium blocks; after free + mi_collect(true) at most
   RETAIN_MAX stays resident. */
START_TEST(test_purge_rss_falls_after_collect)
{
  size_t base = rss_checked();
  struct set s = alloc_set(128 * CHECK_MiB, 128 * CHECK_MiB, 42);
  size_t peak = rss_checked();
  ck_assert_msg(peak - base >= s.bytes / 4 * 3, "RSS rose by only %zu MiB for %zu MiB", (peak - base) / CHECK_MiB,
                s.bytes / CHECK_MiB);
  free_set(&s);
  mi_collect(true);
  size_t after = rss_checked();
  ck_assert_msg(after <= base + RETAIN_MAX, "after free + mi_collect(true) RSS is %zu MiB above the start (peak +%zu MiB, bound %zu MiB)",
                (after - base) / CHECK_MiB, (peak - base) / CHECK_MiB, RETAIN_MAX / CHECK_MiB);
}
END_TEST

/* Large and huge blocks (1..48 MiB) are returned as well. */
START_TEST(test_purge_large_blocks)
{
  static const size_t sizes[] = {1u << 20, 3u << 20, 8u << 20, 8u << 20, 17u << 20, 33u << 20, 48u << 20, 100000,
                                 600000, 2u << 20};
  enum { N = sizeof(sizes) / sizeof(sizes[0]) };
  void *blk[N];
  size_t total = 0;
  size_t base = rss_checked();
  for (int i = 0; i < N; i++) {
    blk[i] = mi_malloc(sizes[i]);
    ck_assert_ptr_nonnull(blk[i]);
    memset(blk[i], 0x5A, sizes[i]);
    total += sizes[i];
  }
  size_t peak = rss_checked();
  ck_assert_uint_ge(peak - base, total / 4 * 3);
  for (int i = 0; i < N; i++) mi_free(blk[i]);
  mi_collect(true);
  size_t after = rss_checked();
  ck_assert_msg(after <= base + RETAIN_MAX, "RSS %zu MiB above the start after freeing %zu MiB of large blocks",
                (after - base) / CHECK_MiB, total / CHECK_MiB);
}
END_TEST

/* Working sets that lived on other threads. */
struct thread_job {
  int free_own; /* free everything before exiting, or leave it to main */
  struct set s;
};

static void *work_thread(void *arg)
{
  struct thread_job *job = arg;
  job->s = alloc_set(64 * CHECK_MiB, 64 * CHECK_MiB, 7);
  if (job->free_own) free_set(&job->s);
  return NULL;
}

/* A thread allocates 128 MiB and frees it itself before exiting; or it exits
   with everything live and the main thread frees it.  Either way, after
   mi_collect(true) on the main thread RSS is back within RETAIN_MAX. */
START_TEST(test_purge_thread_working_set)
{
  for (int own = 1; own >= 0; own--) {
    size_t base = rss_checked();
    struct thread_job job = {own, {NULL, 0, 0}};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, work_thread, &job), 0);
    pthread_join(t, NULL);
    if (!own) free_set(&job.s);
    mi_collect(true);
    size_t after = rss_checked();
    ck_assert_msg(after <= base + RETAIN_MAX, "%s: RSS %zu MiB above the start after mi_collect(true)",
                  own ? "freed by its thread" : "freed by main after the thread exited",
                  after > base ? (after - base) / CHECK_MiB : 0);
  }
}
END_TEST

/* Six cycles of 96 MiB: every cycle returns to the starting RSS and the peak
   never exceeds one working set plus slack (no ratchet). */
START_TEST(test_purge_repeated_cycles)
{
  size_t base = rss_checked(), peak = base;
  for (int c = 0; c < 6; c++) {
    struct set s = alloc_set(48 * CHECK_MiB, 48 * CHECK_MiB, (uint64_t)c + 100);
    size_t now = rss_checked();
    if (now > peak) peak = now;
    free_set(&s);
    mi_collect(true);
    size_t after = rss_checked();
    ck_assert_msg(after <= base + RETAIN_MAX, "cycle %d: RSS %zu MiB above the start", c, (after - base) / CHECK_MiB);
  }
  ck_assert_msg(peak - base <= 96 * CHECK_MiB + 2 * RETAIN_MAX, "peak %zu MiB above the start for a 96 MiB working set",
                (peak - base) / CHECK_MiB);
}
END_TEST

static int64_t purged_total(void)
{
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  return st.purged.total;
}

/* Purging inside malloc and free is bounded: with 64 MiB freed and due
   (far over the budget), no single malloc or free gives back more than
   256 KiB (the purge pass limit: an madvise of 2 MiB takes ~150 us on a
   VM), while the passes together still give memory back. */
#define PASS_BOUND (256 * 1024)
START_TEST(test_purge_bounded_per_call)
{
  mi_option_set(mi_option_purge_delay, 1);
  struct set s = alloc_set(32 * CHECK_MiB, 32 * CHECK_MiB, 7);
  free_set(&s);
  usleep(30 * 1000);   /* every freed slice is past its deadline now */
  enum { N = 4000 };
  void **keep = calloc(N, sizeof(void *));
  ck_assert_ptr_nonnull(keep);
  const int64_t start = purged_total();
  int64_t worst = 0;
  uint64_t seed = 99;
  for (int i = 0; i < N; i++) {
    const size_t n = 16 + (size_t)rnd(&seed) % (60 * 1024);
    int64_t before = purged_total();
    keep[i] = mi_malloc(n);
    int64_t d = purged_total() - before;
    ck_assert_ptr_nonnull(keep[i]);
    if (d > worst) worst = d;
    if (i % 3 == 0) {
      before = purged_total();
      mi_free(keep[i]);
      keep[i] = NULL;
      d = purged_total() - before;
      if (d > worst) worst = d;
    }
  }
  const int64_t done = purged_total() - start;
  for (int i = 0; i < N; i++) mi_free(keep[i]);
  free(keep);
  ck_assert_msg(worst <= PASS_BOUND, "one call purged %lld KiB (bound %d KiB)", (long long)(worst / 1024), PASS_BOUND / 1024);
  ck_assert_msg(done > 2 * PASS_BOUND, "the calls purged only %lld KiB of 64 MiB due: the bound proves nothing",
                (long long)(done / 1024));
}
END_TEST

static Suite *purge_suite(void)
{
  Suite *s = suite_create("purge");
  TCase *tc = check_tcase(s, "rss", 90);
  tcase_add_test(tc, test_purge_rss_falls_after_collect);
  tcase_add_test(tc, test_purge_large_blocks);
  tcase_add_test(tc, test_purge_thread_working_set);
  tcase_add_test(tc, test_purge_repeated_cycles);
  tcase_add_test(tc, test_purge_bounded_per_call);
  return s;
}

CHECK_MAIN(purge_suite)
