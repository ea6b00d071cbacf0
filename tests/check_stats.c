/* SPDX-License-Identifier: MIT */
/* check_stats.c -- statistics: mi_stats_get counts, JSON, printing, reset/merge, process info. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mimalloc-stats.h>
#include <mimalloc.h>

#include "check_main.h"

extern char **environ;

/* ------------------------------------------------------------------------
   helpers
------------------------------------------------------------------------ */

static void *run_thread(void *(*fn)(void *), void *arg)
{
  pthread_t t;
  void *res = NULL;
  ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
  ck_assert_int_eq(pthread_join(t, &res), 0);
  return res;
}

static void snap(mi_stats_t *st)
{
  memset(st, 0, sizeof(*st));
  st->size = sizeof(mi_stats_t);
  st->version = MI_STAT_VERSION;
  mi_stats_get(st);
}

static bool count_areas(const mi_heap_t *h, const mi_heap_area_t *a, void *b, size_t bs, void *arg)
{
  (void)h;
  (void)a;
  (void)bs;
  if (b == NULL) ++*(size_t *)arg;
  return true;
}

static size_t heap_areas(const mi_heap_t *h)
{
  size_t n = 0;
  mi_heap_visit_blocks(h, false, count_areas, &n);
  return n;
}

static char out_buf[1 << 16];
static size_t out_len;
static int out_tag;
static int out_bad_arg;

static void on_output(const char *msg, void *arg)
{
  if (arg != &out_tag) out_bad_arg++;
  size_t n = strlen(msg);
  if (out_len + n >= sizeof(out_buf)) n = sizeof(out_buf) - 1 - out_len;
  memcpy(out_buf + out_len, msg, n);
  out_len += n;
  out_buf[out_len] = 0;
}

/* Runs python3's json parser on `text`: 0 when it is a non-empty JSON object. */
static int json_check(const char *text)
{
  char path[] = "/tmp/mirt-check-stats-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  size_t len = strlen(text);
  ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
  close(fd);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    execlp("python3", "python3", "-c",
           "import json, sys\n"
           "d = json.load(open(sys.argv[1]))\n"
           "sys.exit(0 if isinstance(d, dict) and len(d) > 0 else 3)\n",
           path, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  unlink(path);
  ck_assert_msg(!(WIFEXITED(status) && WEXITSTATUS(status) == 127), "python3 is needed to check the JSON");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* ------------------------------------------------------------------------
   mi_stats_get
------------------------------------------------------------------------ */

#define BLK_N 1000
#define BLK_SIZE 1024

typedef struct {
  mi_stats_t s0, s1, s2, s3;
  size_t areas0, areas1;
  size_t usable;
} blk_snaps_t;

static void *blocks_thread(void *arg)
{
  blk_snaps_t *r = arg;
  static void *p[BLK_N];
  mi_thread_init();
  r->areas0 = heap_areas(mi_heap_get_backing());
  snap(&r->s0);
  for (int i = 0; i < BLK_N; i++) p[i] = mi_malloc(BLK_SIZE);
  void *huge = mi_malloc(40u << 20);   /* above a segment: a huge block */
  r->usable = mi_usable_size(p[0]);
  r->areas1 = heap_areas(mi_heap_get_backing());
  snap(&r->s1);
  for (int i = 0; i < BLK_N; i++) mi_free(p[i]);
  mi_free(huge);
  snap(&r->s2);
  mi_collect(true);
  snap(&r->s3);
  return NULL;
}

/* N blocks of one size on a fresh thread: live counts rise by N and come
   back after the frees; pages rise by the areas a visit sees. */
START_TEST(test_stats_get_counts_blocks)
{
  static blk_snaps_t r;
  run_thread(blocks_thread, &r);
  ck_assert_uint_eq(r.s1.size, sizeof(mi_stats_t));
  ck_assert_uint_eq(r.s1.version, MI_STAT_VERSION);
  ck_assert_int_eq(r.s1.malloc_blocks.current - r.s0.malloc_blocks.current, BLK_N + 1);
  ck_assert_int_ge(r.s1.malloc_blocks.total - r.s0.malloc_blocks.total, BLK_N + 1);
  ck_assert_int_ge(r.s1.malloc_blocks.peak, r.s1.malloc_blocks.current);
  int64_t normal = r.s1.malloc_normal.current - r.s0.malloc_normal.current;
  ck_assert_int_ge(normal, (int64_t)(BLK_N * r.usable));
  ck_assert_int_le(normal, (int64_t)(BLK_N * (r.usable + 64)));
  ck_assert_int_ge(r.s1.malloc_huge.current - r.s0.malloc_huge.current, 40 << 20);
  ck_assert_int_ge(r.s1.reserved.current, r.s1.committed.current);
  ck_assert_int_ge(r.s1.committed.current - r.s0.committed.current, 40 << 20);
  int64_t pages = r.s1.pages.current - r.s0.pages.current;
  ck_assert_int_ge(pages, BLK_N * BLK_SIZE / (64 * 1024));
  ck_assert_int_eq(pages, (int64_t)(r.areas1 - r.areas0));
  ck_assert_int_ge(r.s1.generic_calls.total - r.s0.generic_calls.total, pages);
  ck_assert_int_ge(r.s1.huge_allocs.total - r.s0.huge_allocs.total, 1);
  /* all freed */
  ck_assert_int_eq(r.s2.malloc_blocks.current, r.s0.malloc_blocks.current);
  ck_assert_int_eq(r.s2.malloc_normal.current, r.s0.malloc_normal.current);
  ck_assert_int_eq(r.s2.malloc_huge.current, r.s0.malloc_huge.current);
  ck_assert_int_eq(r.s3.pages.current, r.s0.pages.current);
}
END_TEST

typedef struct {
  mi_stats_t inside;
  void *left[100];
} thr_snaps_t;

static void *leaving_thread(void *arg)
{
  thr_snaps_t *r = arg;
  for (int i = 0; i < 100; i++) r->left[i] = mi_malloc(64);
  snap(&r->inside);
  return NULL; /* exits with 100 live blocks */
}

/* Heaps and threads are counted; a thread's blocks stay counted after it
   exits (abandoned) until they are freed. */
START_TEST(test_stats_get_heaps_threads)
{
  static thr_snaps_t r;
  mi_stats_t s0, s1, s2, s3;
  mi_free(mi_malloc(8));
  snap(&s0);
  mi_heap_t *h = mi_heap_new();
  snap(&s1);
  mi_heap_delete(h);
  snap(&s2);
  ck_assert_int_eq(s1.heaps.current, s0.heaps.current + 1);
  ck_assert_int_eq(s2.heaps.current, s0.heaps.current);
  ck_assert_int_ge(s1.heaps.total, s0.heaps.total + 1);
  run_thread(leaving_thread, &r);
  snap(&s3);
  ck_assert_int_eq(r.inside.threads.current, s2.threads.current + 1);
  ck_assert_int_eq(s3.threads.current, s2.threads.current);
  ck_assert_int_eq(s3.threads.total, s2.threads.total + 1);
  ck_assert_int_eq(s3.heaps.current, s2.heaps.current);
  ck_assert_int_eq(s3.malloc_blocks.current, s2.malloc_blocks.current + 100);
  for (int i = 0; i < 100; i++) mi_free(r.left[i]);
  mi_collect(true);
  snap(&s3);
  ck_assert_int_eq(s3.malloc_blocks.current, s2.malloc_blocks.current);
}
END_TEST

/* A caller with a smaller struct gets nothing written past its size. */
START_TEST(test_stats_get_respects_size)
{
  static unsigned char raw[sizeof(mi_stats_t) + 64];
  memset(raw, 0xA5, sizeof(raw));
  mi_stats_t *st = (mi_stats_t *)raw;
  st->size = offsetof(mi_stats_t, reserved);
  st->version = MI_STAT_VERSION;
  mi_stats_get(st);
  for (size_t i = offsetof(mi_stats_t, reserved); i < sizeof(raw); i++)
    ck_assert_msg(raw[i] == 0xA5, "byte %zu written past the caller's size", i);
  memset(raw, 0xA5, sizeof(raw));
  st->size = sizeof(mi_stats_t);
  st->version = MI_STAT_VERSION + 1; /* a future layout */
  mi_stats_get(st);
  for (size_t i = sizeof(mi_stats_t); i < sizeof(raw); i++) ck_assert(raw[i] == 0xA5);
  mi_stats_get(NULL);
}
END_TEST

/* Destroy gives back exactly the pages a visit sees, and all the blocks;
   delete moves them (the counts stay). */
START_TEST(test_stats_heap_destroy_pages)
{
  enum { N = 5000 };
  static const size_t sizes[] = {16, 200, 3000, 20000, 300000};
  static void *p[N];
  for (int round = 0; round < 2; round++) {
    mi_heap_t *h = mi_heap_new();
    for (int i = 0; i < N; i++) p[i] = mi_heap_malloc(h, sizes[i % 5]);
    size_t areas = heap_areas(h);
    ck_assert_uint_ge(areas, 5);
    mi_stats_t s1, s2;
    snap(&s1);
    if (round == 0) mi_heap_destroy(h);
    else mi_heap_delete(h);
    snap(&s2);
    if (round == 0) {
      ck_assert_int_eq(s1.pages.current - s2.pages.current, (int64_t)areas);
      ck_assert_int_eq(s1.malloc_blocks.current - s2.malloc_blocks.current, N);
    }
    else {
      ck_assert_int_eq(s2.pages.current, s1.pages.current);
      ck_assert_int_eq(s2.malloc_blocks.current, s1.malloc_blocks.current);
      for (int i = 0; i < N; i++) mi_free(p[i]);
    }
    ck_assert_int_eq(s2.heaps.current, s1.heaps.current - 1);
  }
}
END_TEST

/* ------------------------------------------------------------------------
   reset, merge
------------------------------------------------------------------------ */

START_TEST(test_stats_reset)
{
  static void *p[20000];
  for (int i = 0; i < 20000; i++) p[i] = mi_malloc(48);
  mi_stats_t s0, s1;
  snap(&s0);
  ck_assert_int_gt(s0.generic_calls.total, 0);
  mi_stats_reset();
  snap(&s1);
  ck_assert_int_eq(s1.generic_calls.total, 0);
  ck_assert_int_eq(s1.mmap_calls.total, 0);
  ck_assert_int_eq(s1.pages_extended.total, 0);
  ck_assert_int_eq(s1.heartbeats.total, 0);
  for (int i = 0; i < 20000; i++) mi_free(p[i]);
  for (int i = 0; i < 20000; i++) p[i] = mi_malloc(96);
  snap(&s1);
  ck_assert_int_gt(s1.generic_calls.total, 0);
  for (int i = 0; i < 20000; i++) mi_free(p[i]);
}
END_TEST

static struct {
  pthread_barrier_t merged, done;
  void *p[1000];
} mg;

static void *merging_thread(void *arg)
{
  (void)arg;
  for (int i = 0; i < 1000; i++) mg.p[i] = mi_malloc(32);
  mi_stats_merge();
  pthread_barrier_wait(&mg.merged);
  pthread_barrier_wait(&mg.done);
  for (int i = 0; i < 1000; i++) mi_free(mg.p[i]);
  return NULL;
}

/* After mi_stats_merge another thread's counters show in the process
   totals (live block counts are exact only for the calling thread and
   abandoned memory, so the test looks at threads, pages and slow paths). */
START_TEST(test_stats_merge)
{
  pthread_t t;
  mi_stats_t s0, s1, s2;
  pthread_barrier_init(&mg.merged, NULL, 2);
  pthread_barrier_init(&mg.done, NULL, 2);
  mi_free(mi_malloc(8));
  snap(&s0);
  ck_assert_int_eq(pthread_create(&t, NULL, merging_thread, NULL), 0);
  pthread_barrier_wait(&mg.merged);
  snap(&s1);
  pthread_barrier_wait(&mg.done);
  pthread_join(t, NULL);
  snap(&s2);
  ck_assert_int_eq(s1.threads.current, s0.threads.current + 1);
  ck_assert_int_ge(s1.pages.current, s0.pages.current + 1);
  ck_assert_int_gt(s1.generic_calls.total, s0.generic_calls.total);
  ck_assert_int_eq(s2.threads.current, s0.threads.current);
}
END_TEST

/* ------------------------------------------------------------------------
   printing
------------------------------------------------------------------------ */

START_TEST(test_stats_print_functions)
{
  mi_free(mi_malloc(100));
  mi_register_output(on_output, &out_tag);
  out_len = 0;
  mi_stats_print(NULL);
  ck_assert_uint_gt(out_len, 0);
  /* the _out forms go to the given function */
  mi_register_output(NULL, NULL);
  out_len = 0;
  mi_stats_print_out(on_output, &out_tag);
  ck_assert_uint_gt(out_len, 0);
  out_len = 0;
  mi_thread_stats_print_out(on_output, &out_tag);
  ck_assert_uint_gt(out_len, 0);
  ck_assert_int_eq(out_bad_arg, 0);
  /* options */
  mi_register_output(on_output, &out_tag);
  out_len = 0;
  mi_options_print();
  mi_register_output(NULL, NULL);
  static const char *const names[] = {"show_errors", "verbose", "purge_delay", "arena_reserve", "visit_abandoned",
                                      "heartbeat_period"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    ck_assert_msg(strstr(out_buf, names[i]) != NULL, "mi_options_print lacks %s", names[i]);
}
END_TEST

START_TEST(test_stats_process_info)
{
  mi_process_info(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
  char *big = mi_malloc(64u << 20);
  memset(big, 1, 64u << 20);
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  (void)faults; /* major faults: usually none */
  size_t statm = check_rss_bytes();
  ck_assert_uint_ge(rss, 64u << 20);
  ck_assert_uint_ge(peak_rss, rss);
  ck_assert_msg(rss / 2 <= statm && statm <= rss * 2, "rss %zu vs /proc %zu", rss, statm);
  ck_assert_uint_ge(commit, 64u << 20);
  ck_assert_uint_ge(peak_commit, commit);
  mi_free(big);
  mi_collect(true);
  size_t commit2, peak2;
  mi_process_info(NULL, NULL, NULL, NULL, NULL, &commit2, &peak2, NULL);
  ck_assert_msg(commit2 + (32u << 20) <= commit, "commit %zu after freeing 64 MiB, %zu before", commit2, commit);
  ck_assert_uint_ge(peak2, commit);
}
END_TEST

/* ------------------------------------------------------------------------
   JSON
------------------------------------------------------------------------ */

START_TEST(test_stats_json_allocated)
{
  void *p = mi_malloc(1000);
  char *s = mi_stats_get_json(0, NULL);
  ck_assert_ptr_nonnull(s);
  size_t len = strlen(s);
  ck_assert_uint_gt(len, 2);
  ck_assert_uint_gt(mi_usable_size(s), len); /* a mirt block, to free with mi_free */
  ck_assert_msg(json_check(s) == 0, "not a JSON object: %.300s", s);
  mi_free(s);
  mi_free(p);
}
END_TEST

START_TEST(test_stats_json_buffer)
{
  static char buf[1 << 18];
  memset(buf, 'x', sizeof(buf));
  char *s = mi_stats_get_json(sizeof(buf), buf);
  ck_assert_ptr_eq(s, buf);
  ck_assert_uint_lt(strlen(buf), sizeof(buf));
  ck_assert_msg(json_check(buf) == 0, "not a JSON object: %.300s", buf);
}
END_TEST

/* A small buffer gets a NUL-terminated prefix and nothing past its end. */
START_TEST(test_stats_json_truncated)
{
  static const size_t sizes[] = {1, 2, 16, 100, 1000};
  static char buf[2048];
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k];
    memset(buf, 0x5A, sizeof(buf));
    char *s = mi_stats_get_json(n, buf);
    ck_assert_ptr_eq(s, buf);
    ck_assert_msg(memchr(buf, 0, n) != NULL, "size %zu: no terminating NUL inside the buffer", n);
    for (size_t i = n; i < sizeof(buf); i++) ck_assert_msg(buf[i] == 0x5A, "size %zu: byte %zu written", n, i);
    if (n > 1) ck_assert_msg(buf[0] == '{', "size %zu: \"%s\" does not start the object", n, buf);
  }
}
END_TEST

/* ------------------------------------------------------------------------
   MIMALLOC_SHOW_STATS=1 prints at exit
------------------------------------------------------------------------ */

static size_t run_exit_child(const char *var)
{
  char path[] = "/tmp/mirt-check-stats-err-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  unlink(path);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    size_t n = 0;
    for (char **e = environ; *e; e++) n++;
    char **envp = calloc(n + 2, sizeof(char *));
    size_t k = 0;
    for (char **e = environ; *e; e++)
      if (strncasecmp(*e, "MIMALLOC_", 9) != 0) envp[k++] = *e;
    if (var) envp[k++] = (char *)var;
    envp[k] = NULL;
    dup2(fd, 2);
    char *argv[] = {"check_stats", "--exit-child", NULL};
    execve("/proc/self/exe", argv, envp);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
  static char err[1 << 15];
  ssize_t got = pread(fd, err, sizeof(err) - 1, 0);
  close(fd);
  return got > 0 ? (size_t)got : 0;
}

START_TEST(test_stats_show_stats_at_exit)
{
  ck_assert_uint_eq(run_exit_child(NULL), 0);
  ck_assert_uint_gt(run_exit_child("MIMALLOC_SHOW_STATS=1"), 100);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *stats_suite(void)
{
  Suite *s = suite_create("stats");

  TCase *get = check_tcase(s, "get", 10);
  tcase_add_test(get, test_stats_get_counts_blocks);
  tcase_add_test(get, test_stats_get_heaps_threads);
  tcase_add_test(get, test_stats_get_respects_size);
  tcase_add_test(get, test_stats_heap_destroy_pages);
  tcase_add_test(get, test_stats_reset);
  tcase_add_test(get, test_stats_merge);

  TCase *print = check_tcase(s, "print", 10);
  tcase_add_test(print, test_stats_print_functions);
  tcase_add_test(print, test_stats_process_info);
  tcase_add_test(print, test_stats_show_stats_at_exit);

  TCase *json = check_tcase(s, "json", 10);
  tcase_add_test(json, test_stats_json_allocated);
  tcase_add_test(json, test_stats_json_buffer);
  tcase_add_test(json, test_stats_json_truncated);

  return s;
}

int main(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "--exit-child") == 0) {
    void *keep = mi_malloc(5000); /* something to report */
    (void)keep;
    mi_free(mi_malloc(100));
    return 0;
  }
  return check_main_run(stats_suite());
}
