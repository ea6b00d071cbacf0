/* SPDX-License-Identifier: MIT */
/* check_hooks.c -- the deferred-free heartbeat, the output hook and the error hook. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"   /* MI_SECURE: randomised allocation, aborts on misuse without a hook */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mimalloc.h>

#include "check_main.h"

/* ------------------------------------------------------------------------
   the heartbeat log: each recording thread points hb at its own log
------------------------------------------------------------------------ */

#define HB_MAX 20000

typedef struct {
  size_t n;
  unsigned long long beat[HB_MAX];
  unsigned char force[HB_MAX];
  size_t at_op[HB_MAX]; /* the workload's operation index at the call */
  size_t op;
  int depth, max_depth;
  size_t bad_arg;
  bool allocate_inside;
} hb_log_t;

static __thread hb_log_t *hb;
static int hb_magic;

static void on_deferred(bool force, unsigned long long heartbeat, void *arg)
{
  hb_log_t *l = hb;
  if (l == NULL) return;
  if (arg != &hb_magic) l->bad_arg++;
  l->depth++;
  if (l->depth > l->max_depth) l->max_depth = l->depth;
  if (l->n < HB_MAX) {
    l->beat[l->n] = heartbeat;
    l->force[l->n] = force;
    l->at_op[l->n] = l->op;
  }
  l->n++;
  if (l->allocate_inside && l->n <= 3) {
    /* enough slow paths for several heartbeats, were the callback re-entered */
    enum { K = 20000 };
    static void *tmp[K]; /* one recording thread at a time */
    for (int i = 0; i < K; i++) tmp[i] = mi_malloc(64 + (size_t)(i % 3) * 700);
    for (int i = 0; i < K; i++) mi_free(tmp[i]);
  }
  l->depth--;
}

/* Runs fn(log) on a fresh thread that records its heartbeats into log. */
typedef struct {
  hb_log_t *log;
  void (*fn)(hb_log_t *);
} hb_job_t;

static void *hb_thread(void *arg)
{
  hb_job_t *job = arg;
  hb = job->log;
  job->fn(job->log);
  hb = NULL;
  return NULL;
}

static void run_recorded(hb_log_t *log, void (*fn)(hb_log_t *))
{
  hb_job_t job = {log, fn};
  pthread_t t;
  memset(log, 0, sizeof(*log));
  ck_assert_int_eq(pthread_create(&t, NULL, hb_thread, &job), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
}

/* Heartbeats go up by one per call. */
static void assert_consecutive(const hb_log_t *l, const char *what)
{
  size_t n = l->n < HB_MAX ? l->n : HB_MAX;
  for (size_t i = 1; i < n; i++)
    ck_assert_msg(l->beat[i] == l->beat[i - 1] + 1, "%s: heartbeat %llu followed by %llu (call %zu)", what,
                  l->beat[i - 1], l->beat[i], i);
  ck_assert_uint_eq(l->bad_arg, 0);
}

/* ------------------------------------------------------------------------
   workloads
------------------------------------------------------------------------ */

#define HOLD_N 100000
static void *hold[HOLD_N];

static void work_alloc_hold(hb_log_t *l)
{
  for (size_t i = 0; i < HOLD_N; i++) {
    l->op = i;
    hold[i] = mi_malloc(16 + (i % 7) * 24);
  }
  for (size_t i = 0; i < HOLD_N; i++) mi_free(hold[i]);
}

#define PINGPONG_N 2000000
static void work_pingpong(hb_log_t *l)
{
  for (size_t i = 0; i < PINGPONG_N; i++) {
    l->op = i;
    void *p = mi_malloc(32);
    *(volatile char *)p = 1;
    mi_free(p);
  }
}

/* A reproducible mix of allocations and frees of many sizes. */
#define MIX_OPS 300000
#define MIX_SLOTS 4096
static int mix_pause_ms; /* pause this long every 5000 operations */

static void work_mixed(hb_log_t *l)
{
  static void *slot[MIX_SLOTS];
  uint64_t r = 0x2545F4914F6CDD1Dull;
  memset(slot, 0, sizeof(slot));
  for (size_t i = 0; i < MIX_OPS; i++) {
    l->op = i;
    if (mix_pause_ms > 0 && i % 5000 == 2500) {
      struct timespec ts = {0, mix_pause_ms * 1000000L};
      nanosleep(&ts, NULL);
    }
    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    size_t k = (size_t)(r % MIX_SLOTS);
    if (slot[k] != NULL) {
      mi_free(slot[k]);
      slot[k] = NULL;
    }
    else {
      size_t sz = (r >> 20) % 64 == 0 ? 20000 + (r >> 32) % 100000 : 8 + (r >> 32) % 2000;
      slot[k] = mi_malloc(sz);
    }
  }
  for (size_t k = 0; k < MIX_SLOTS; k++) mi_free(slot[k]);
}

static void work_collect(hb_log_t *l)
{
  void *p = mi_malloc(100);
  size_t n0 = l->n;
  mi_collect(true);
  mi_collect(false);
  mi_heap_t *h = mi_heap_new();
  void *q = mi_heap_malloc(h, 100);
  mi_heap_collect(h, true);
  mi_heap_collect(h, false);
  mi_heap_delete(h);
  mi_free(q);
  mi_free(p);
  l->op = n0; /* the collects' first log index */
}

/* ------------------------------------------------------------------------
   heartbeat
------------------------------------------------------------------------ */

START_TEST(test_hooks_heartbeat_default_period)
{
  ck_assert_int_eq(mi_option_get(mi_option_heartbeat_period), 16);
}
END_TEST

/* The slow path beats at a steady rhythm, counting 1, 2, 3, ... per thread. */
START_TEST(test_hooks_heartbeat_slow_path)
{
  static hb_log_t a, b;
  mi_register_deferred_free(on_deferred, &hb_magic);
  run_recorded(&a, work_alloc_hold);
  run_recorded(&b, work_alloc_hold);
  mi_register_deferred_free(NULL, NULL);
  ck_assert_uint_ge(a.n, 10);
  ck_assert_int_eq(a.beat[0], 1);
  ck_assert_int_eq(b.beat[0], 1); /* per thread */
  assert_consecutive(&a, "first thread");
  assert_consecutive(&b, "second thread");
  for (size_t i = 0; i < a.n && i < HB_MAX; i++) ck_assert_msg(!a.force[i], "slow-path beat %zu forced", i);
  /* unregistered: no more calls */
  static hb_log_t c;
  run_recorded(&c, work_alloc_hold);
  ck_assert_uint_eq(c.n, 0);
}
END_TEST

/* mi_collect and mi_heap_collect beat once each, with their force flag. */
START_TEST(test_hooks_heartbeat_collect_force)
{
  static hb_log_t l;
  mi_register_deferred_free(on_deferred, &hb_magic);
  run_recorded(&l, work_collect);
  mi_register_deferred_free(NULL, NULL);
  size_t i = l.op;
  ck_assert_uint_eq(l.n, i + 4);
  ck_assert_msg(l.force[i] && !l.force[i + 1] && l.force[i + 2] && !l.force[i + 3],
                "force flags %d %d %d %d for collect(true), collect(false), heap_collect(true), heap_collect(false)",
                l.force[i], l.force[i + 1], l.force[i + 2], l.force[i + 3]);
  assert_consecutive(&l, "collect");
}
END_TEST

/* Owner frees go to local_free, so even a loop that frees each block
   right away keeps reaching the slow path: a 64 KiB page of 32 B blocks
   holds at most 2048 of them, so the free list runs dry at least every
   2048 allocations, and the heartbeat comes every `period` of those. */
START_TEST(test_hooks_heartbeat_pingpong)
{
  static hb_log_t l;
  mi_register_deferred_free(on_deferred, &hb_magic);
  run_recorded(&l, work_pingpong);
  mi_register_deferred_free(NULL, NULL);
  size_t bound = PINGPONG_N / (2048 * (size_t)mi_option_get(mi_option_heartbeat_period));
  ck_assert_msg(l.n >= bound, "%zu heartbeats in %d malloc/free pairs, want at least %zu", l.n, PINGPONG_N, bound);
  assert_consecutive(&l, "ping-pong");
  /* and they are spread over the whole loop, not only its start */
  ck_assert_uint_ge(l.at_op[(l.n < HB_MAX ? l.n : HB_MAX) - 1], PINGPONG_N - PINGPONG_N / 4);
}
END_TEST

/* A callback that allocates (hitting the slow path many times) is never
   entered again on the same thread. */
START_TEST(test_hooks_heartbeat_no_reentry)
{
  static hb_log_t l;
  mi_register_deferred_free(on_deferred, &hb_magic);
  memset(&l, 0, sizeof(l));
  hb_job_t job = {&l, work_mixed};
  l.allocate_inside = true;
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, hb_thread, &job), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  mi_register_deferred_free(NULL, NULL);
  ck_assert_uint_ge(l.n, 2);
  ck_assert_int_eq(l.max_depth, 1);
  for (size_t i = 1; i < l.n && i < HB_MAX; i++) ck_assert(l.beat[i] > l.beat[i - 1]);
}
END_TEST

/* Runs `fn` on a fresh thread in a forked child (heartbeat period `period`,
   0 = default) and returns the child's log through a pipe. */
static void forked_log(hb_log_t *out, void (*fn)(hb_log_t *), long period)
{
  int fd[2];
  ck_assert_int_eq(pipe(fd), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(fd[0]);
    if (period > 0) mi_option_set(mi_option_heartbeat_period, period);
    static hb_log_t l;
    mi_register_deferred_free(on_deferred, &hb_magic);
    hb_job_t job = {&l, fn};
    pthread_t t;
    if (pthread_create(&t, NULL, hb_thread, &job) != 0 || pthread_join(t, NULL) != 0) _exit(2);
    const char *b = (const char *)&l;
    size_t left = sizeof(l);
    while (left > 0) {
      ssize_t w = write(fd[1], b, left);
      if (w <= 0) _exit(3);
      b += w;
      left -= (size_t)w;
    }
    _exit(0);
  }
  close(fd[1]);
  char *b = (char *)out;
  size_t got = 0;
  while (got < sizeof(*out)) {
    ssize_t r = read(fd[0], b + got, sizeof(*out) - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
  ck_assert_uint_eq(got, sizeof(*out));
}

/* The same program gives the same heartbeats at the same operations, even
   when one run is paused now and then (longer than the purge delay): the
   rhythm depends on the allocation sequence only, never on the clock. */
START_TEST(test_hooks_heartbeat_deterministic)
{
  static hb_log_t a, b;
  mix_pause_ms = 0;
  forked_log(&a, work_mixed, 0);
  mix_pause_ms = 15;
  forked_log(&b, work_mixed, 0);
  mix_pause_ms = 0;
  ck_assert_uint_ge(a.n, 10);
  ck_assert_uint_le(a.n, HB_MAX);
#if defined(MI_SECURE) && MI_SECURE > 0
  /* secure builds randomise the choice between fresh and recycled blocks,
     so the slow-path rhythm differs between runs by design: each run's
     heartbeat is still monotonic and steady */
  for (size_t i = 1; i < a.n; i++) ck_assert_uint_eq(a.beat[i], a.beat[i - 1] + 1);
  for (size_t i = 1; i < b.n; i++) ck_assert_uint_eq(b.beat[i], b.beat[i - 1] + 1);
  ck_assert_uint_ge(b.n, a.n / 2);
  return;
#endif
  for (size_t i = 0; i < a.n && i < b.n; i++) {
    ck_assert_msg(a.beat[i] == b.beat[i] && a.at_op[i] == b.at_op[i],
                  "call %zu: heartbeat %llu at op %zu, in the paused run %llu at op %zu", i, a.beat[i], a.at_op[i],
                  b.beat[i], b.at_op[i]);
  }
  ck_assert_uint_eq(a.n, b.n);
  assert_consecutive(&a, "run 1");
}
END_TEST

/* The period option sets the rhythm: period 1 beats on every slow path, so
   with period 16 the k-th beat falls where the (16k)-th did. */
START_TEST(test_hooks_heartbeat_period_option)
{
  static hb_log_t one, sixteen;
  forked_log(&one, work_alloc_hold, 1);
  forked_log(&sixteen, work_alloc_hold, 16);
  ck_assert_uint_ge(sixteen.n, 5);
  ck_assert_uint_le(one.n, HB_MAX);
  ck_assert_uint_eq(sixteen.n, one.n / 16);
  for (size_t k = 0; k < sixteen.n; k++)
    ck_assert_msg(sixteen.at_op[k] == one.at_op[16 * k + 15], "beat %zu at op %zu, slow path %zu at op %zu", k,
                  sixteen.at_op[k], 16 * k + 15, one.at_op[16 * k + 15]);
}
END_TEST

/* ------------------------------------------------------------------------
   output hook
------------------------------------------------------------------------ */

static char out_buf[1 << 16];
static size_t out_len;
static int out_arg_ok = 1;
static int out_tag;

static void on_output(const char *msg, void *arg)
{
  if (arg != &out_tag) out_arg_ok = 0;
  size_t n = strlen(msg);
  if (out_len + n >= sizeof(out_buf)) n = sizeof(out_buf) - 1 - out_len;
  memcpy(out_buf + out_len, msg, n);
  out_len += n;
  out_buf[out_len] = 0;
}

static void out_reset(void)
{
  out_len = 0;
  out_buf[0] = 0;
}

static void ignore_error(int err, void *arg)
{
  (void)err;
  (void)arg;
}

START_TEST(test_hooks_output_receives_messages)
{
  mi_register_error(ignore_error, NULL); /* secure builds abort on EINVAL without a hook */
  mi_register_output(on_output, &out_tag);
  out_reset();
  mi_options_print();
  ck_assert_msg(strstr(out_buf, "purge_delay") != NULL && strstr(out_buf, "heartbeat_period") != NULL,
                "options not printed to the hook: \"%.200s\"", out_buf);
  out_reset();
  mi_stats_print(NULL);
  ck_assert_uint_gt(out_len, 0);
  /* an error message names the pointer */
  int local = 0;
  char want[64];
  snprintf(want, sizeof(want), "%p", (void *)&local);
  out_reset();
  mi_free(&local);
  ck_assert_msg(strstr(out_buf, "invalid pointer") != NULL && strstr(out_buf, want) != NULL,
                "free(%s) printed \"%s\"", want, out_buf);
  ck_assert(out_arg_ok);
  mi_register_output(NULL, NULL);
}
END_TEST

/* NULL restores stderr. */
START_TEST(test_hooks_output_null_restores_stderr)
{
  char path[] = "/tmp/mirt-check-hooks-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  unlink(path);
  mi_register_output(on_output, &out_tag);
  mi_register_output(NULL, NULL);
  out_reset();
  int saved = dup(2);
  dup2(fd, 2);
  mi_options_print();
  dup2(saved, 2);
  close(saved);
  char buf[8192];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  close(fd);
  ck_assert_int_gt(n, 0);
  buf[n] = 0;
  ck_assert_msg(strstr(buf, "purge_delay") != NULL, "stderr got \"%.200s\"", buf);
  ck_assert_uint_eq(out_len, 0);
}
END_TEST

/* ------------------------------------------------------------------------
   error hook
------------------------------------------------------------------------ */

static struct {
  int n;
  int code[64];
  void *arg;
} err_log;

static void on_error(int err, void *arg)
{
  if (err_log.n < 64) err_log.code[err_log.n] = err;
  err_log.n++;
  err_log.arg = arg;
}

static int global_int;

START_TEST(test_hooks_error_invalid_pointer)
{
  int local = 0;
  mi_register_output(on_output, &out_tag);
  mi_register_error(on_error, &out_tag);
  void *bad[] = {&local, &global_int};
  for (int i = 0; i < 2; i++) {
    char want[64];
    snprintf(want, sizeof(want), "%p", bad[i]);
    err_log.n = 0;
    out_reset();
    mi_free(bad[i]);
    ck_assert_msg(err_log.n == 1, "free #%d (%s): %d errors reported", i, want, err_log.n);
    ck_assert_int_eq(err_log.code[0], EINVAL);
    ck_assert_ptr_eq(err_log.arg, &out_tag);
    ck_assert_msg(strstr(out_buf, want) != NULL, "message \"%s\" does not name %s", out_buf, want);
  }
  /* unregistered: no more calls (a secure build would abort here by design) */
  mi_register_error(NULL, NULL);
#if !(defined(MI_SECURE) && MI_SECURE > 0)
  err_log.n = 0;
  mi_free(&local);
  ck_assert_int_eq(err_log.n, 0);
#endif
  mi_register_output(NULL, NULL);
}
END_TEST

/* Pointers beyond the address range the segment map covers (2^48 and up on
   64-bit targets; a 57-bit x86-64 or 52-bit arm64 kernel can map there on
   request) are foreign: free, usable_size and the ownership queries report
   or deny them without reading past the map.  Where the kernel maps above
   2^48 on request, a real readable page there is tried as well. */
START_TEST(test_hooks_error_pointer_beyond_map)
{
  mi_register_output(on_output, &out_tag);
  mi_register_error(on_error, &out_tag);
  void *bad[8];
  int n = 0;
  if (sizeof(void *) == 8) {
    bad[n++] = (void *)(uintptr_t)(UINT64_C(1) << 48);
    bad[n++] = (void *)(uintptr_t)((UINT64_C(1) << 52) + 4096);
    bad[n++] = (void *)(uintptr_t)((UINT64_C(1) << 56) + 64);
    bad[n++] = (void *)(uintptr_t)UINT64_C(0xffff800000001000);   /* x86-64 kernel half */
  }
  bad[n++] = (void *)(UINTPTR_MAX - 4095);
  void *high = MAP_FAILED;
  if (sizeof(void *) == 8) {
    high = mmap((void *)(uintptr_t)(UINT64_C(1) << 52), 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (high != MAP_FAILED && (uintptr_t)high >> 48 != 0) bad[n++] = (char *)high + 64;
  }
  for (int i = 0; i < n; i++) {
    char want[64];
    snprintf(want, sizeof(want), "%p", bad[i]);
    err_log.n = 0;
    out_reset();
    mi_free(bad[i]);
    ck_assert_msg(err_log.n == 1, "free #%d (%s): %d errors reported", i, want, err_log.n);
    ck_assert_int_eq(err_log.code[0], EINVAL);
    ck_assert_msg(strstr(out_buf, want) != NULL, "message \"%s\" does not name %s", out_buf, want);
    err_log.n = 0;
    ck_assert_uint_eq(mi_usable_size(bad[i]), 0);
    ck_assert_msg(err_log.n == 1, "usable_size #%d (%s): %d errors reported", i, want, err_log.n);
    ck_assert(!mi_is_in_heap_region(bad[i]));
    ck_assert(!mi_check_owned(bad[i]));
    ck_assert(!mi_heap_contains_block(mi_heap_get_default(), bad[i]));
  }
  if (high != MAP_FAILED) munmap(high, 1 << 16);
  mi_register_error(NULL, NULL);
  mi_register_output(NULL, NULL);
}
END_TEST

START_TEST(test_hooks_error_enomem)
{
  mi_register_error(on_error, NULL);
  mi_register_output(on_output, &out_tag);
  mi_option_enable(mi_option_verbose);
  const size_t huge = check_opaque((size_t)PTRDIFF_MAX);
  char want[64];
  snprintf(want, sizeof(want), "%zu", huge);
  mi_heap_t *h = mi_heap_new();
  for (int k = 0; k < 4; k++) {
    err_log.n = 0;
    out_reset();
    void *p = k == 0 ? mi_malloc(huge) : k == 1 ? mi_heap_malloc(h, huge) : k == 2 ? mi_malloc_aligned(huge, 4096) : mi_zalloc(huge);
    ck_assert_ptr_null(p);
    ck_assert_msg(err_log.n >= 1, "failed allocation #%d not reported", k);
    ck_assert_int_eq(err_log.code[0], ENOMEM);
    ck_assert_msg(strstr(out_buf, want) != NULL, "allocation #%d: message \"%s\" does not name the size %s", k, out_buf, want);
  }
  /* overflow of count*size */
  err_log.n = 0;
  ck_assert_ptr_null(mi_calloc(check_opaque(SIZE_MAX / 2), 4));
  ck_assert_int_ge(err_log.n, 1);
  ck_assert_msg(err_log.code[0] == ENOMEM || err_log.code[0] == EOVERFLOW, "calloc overflow reported %d", err_log.code[0]);
  mi_heap_delete(h);
  mi_option_disable(mi_option_verbose);
  mi_register_output(NULL, NULL);
  mi_register_error(NULL, NULL);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *hooks_suite(void)
{
  Suite *s = suite_create("hooks");

  TCase *hb_tc = check_tcase(s, "heartbeat", 20);
  tcase_add_test(hb_tc, test_hooks_heartbeat_default_period);
  tcase_add_test(hb_tc, test_hooks_heartbeat_slow_path);
  tcase_add_test(hb_tc, test_hooks_heartbeat_collect_force);
  tcase_add_test(hb_tc, test_hooks_heartbeat_pingpong);
  tcase_add_test(hb_tc, test_hooks_heartbeat_no_reentry);
  tcase_add_test(hb_tc, test_hooks_heartbeat_deterministic);
  tcase_add_test(hb_tc, test_hooks_heartbeat_period_option);

  TCase *out = check_tcase(s, "output", 10);
  tcase_add_test(out, test_hooks_output_receives_messages);
  tcase_add_test(out, test_hooks_output_null_restores_stderr);

  TCase *err = check_tcase(s, "error", 10);
  tcase_add_test(err, test_hooks_error_invalid_pointer);
  tcase_add_test(err, test_hooks_error_enomem);
  tcase_add_test(err, test_hooks_error_pointer_beyond_map);

  return s;
}

CHECK_MAIN(hooks_suite)
