/* SPDX-License-Identifier: MIT */
/* check_rel_fork.c -- fork() while several threads allocate and free across threads: the children allocate, free the parent's blocks, start threads and exit cleanly (D5). */
#include "check_main.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>

/* ------------------------------------------------------------------------
   The parent's workload: THREADS threads allocate blocks of 16 B..4 MiB,
   stamp them, and swap them through XSLOTS atomic slots; whatever a thread
   takes out of a slot (another thread's block, usually) it checks and frees.
------------------------------------------------------------------------ */
#define THREADS 4
#define XSLOTS 64
#define FORKS 200
#define CHILD_ALARM 5          /* seconds a child may take before it counts as hung */

/* Built as is: the mi_* API of libmirt.  With -DREL_OVERRIDE, linked with
   libmirt-malloc: malloc and free, which Check itself then also uses across
   its own fork()s (no mi_* heaps or statistics in that build). */
#ifdef REL_OVERRIDE
#define fk_malloc(n) malloc(n)
#define fk_free(p) free(p)
#else
#include <mimalloc.h>
#include <mimalloc-stats.h>
#define fk_malloc(n) mi_malloc(n)
#define fk_free(p) mi_free(p)
#endif

/* A child's watchdog: killed by SIGALRM after CHILD_ALARM seconds.  The
   handler Check installed for its own timeout (it kills the whole process
   group) is reset first, so a hung child is reported as such. */
static void child_watchdog(void)
{
  signal(SIGALRM, SIG_DFL);
  alarm(CHILD_ALARM);
}

typedef struct stamp_s {
  size_t size;
  uintptr_t tag;
} stamp_t;

static _Atomic(stamp_t *) xslots[XSLOTS];
static atomic_bool stop_flag;
static atomic_long parent_bad;   /* blocks found damaged by the parent's threads */

static uint64_t rng_next(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Mostly small, sometimes medium, rarely up to `max`. */
static size_t pick_size(uint64_t *rng, size_t max)
{
  const uint64_t r = rng_next(rng), u = r % 1000;
  size_t n;
  if (u < 900) n = r >> 40 & 1023;
  else if (u < 995) n = r >> 32 & 0x3ffff;
  else n = r >> 20 & (max - 1);
  return sizeof(stamp_t) + n;
}

/* Stamps the header, the first 256 and the last 64 bytes of a block. */
static void stamp(stamp_t *b, size_t size, uintptr_t tag)
{
  b->size = size;
  b->tag = tag;
  uint8_t *p = (uint8_t *)b;
  const size_t head = size < 256 ? size : 256;
  for (size_t i = sizeof *b; i < head; i++) p[i] = (uint8_t)(tag + i);
  for (size_t i = (size > 64 ? size - 64 : 0); i < size; i++)
    if (i >= head) p[i] = (uint8_t)(tag + i);
}

static bool stamp_ok(const stamp_t *b)
{
  const uint8_t *p = (const uint8_t *)b;
  const size_t size = b->size;
  if (size < sizeof *b || size > ((size_t)16 << 20)) return false;
  const size_t head = size < 256 ? size : 256;
  for (size_t i = sizeof *b; i < head; i++) if (p[i] != (uint8_t)(b->tag + i)) return false;
  for (size_t i = (size > 64 ? size - 64 : 0); i < size; i++)
    if (i >= head && p[i] != (uint8_t)(b->tag + i)) return false;
  return true;
}

static void *parent_worker(void *arg)
{
  uint64_t rng = 0x9E3779B97F4A7C15ull * (uintptr_t)arg + 1;
  uintptr_t tag = (uintptr_t)arg << 32;
  while (!atomic_load(&stop_flag)) {
    const size_t n = pick_size(&rng, (size_t)4 << 20);
    stamp_t *b = fk_malloc(n);
    if (b == NULL) { atomic_fetch_add(&parent_bad, 1); continue; }
    stamp(b, n, ++tag);
    stamp_t *old = atomic_exchange(&xslots[rng_next(&rng) % XSLOTS], b);
    if (old != NULL) {
      if (!stamp_ok(old)) atomic_fetch_add(&parent_bad, 1);
      fk_free(old);
    }
    if ((tag & 15) == 0) fk_free(fk_malloc(pick_size(&rng, 1 << 20)));   /* a purely local pair */
  }
  return NULL;
}

static pthread_t workers[THREADS];

static void workers_start(void)
{
  atomic_store(&stop_flag, false);
  atomic_store(&parent_bad, 0);
  for (uintptr_t i = 0; i < THREADS; i++)
    ck_assert_int_eq(pthread_create(&workers[i], NULL, parent_worker, (void *)(i + 1)), 0);
}

/* Stops the threads and frees what is left in the slots. */
static void workers_stop(void)
{
  atomic_store(&stop_flag, true);
  for (int i = 0; i < THREADS; i++) pthread_join(workers[i], NULL);
  for (int i = 0; i < XSLOTS; i++) {
    stamp_t *b = atomic_exchange(&xslots[i], NULL);
    if (b != NULL) {
      ck_assert_msg(stamp_ok(b), "slot %d: block %p damaged", i, (void *)b);
      fk_free(b);
    }
  }
  ck_assert_int_eq(atomic_load(&parent_bad), 0);
}

/* ------------------------------------------------------------------------
   The child: exit status 0 when all went well, else the first failure.
------------------------------------------------------------------------ */
enum { CHILD_OK, CHILD_NULL = 10, CHILD_DAMAGED, CHILD_THREAD, CHILD_HEAP };

static void *child_thread(void *arg)
{
  (void)arg;
#ifndef REL_OVERRIDE
  mi_heap_t *heap = mi_heap_new();              /* a new heap in a new thread of the child */
  if (heap == NULL) return (void *)(intptr_t)CHILD_HEAP;
#endif
  void *keep[64];
  for (int i = 0; i < 64; i++) {
#ifndef REL_OVERRIDE
    keep[i] = (i & 1) ? mi_heap_malloc(heap, 100 + 40 * (size_t)i) : mi_malloc(3000 + 1000 * (size_t)i);
#else
    keep[i] = malloc((i & 1) ? 100 + 40 * (size_t)i : 3000 + 1000 * (size_t)i);
#endif
    if (keep[i] == NULL) return (void *)(intptr_t)CHILD_NULL;
    memset(keep[i], i, 100);
  }
  for (int i = 0; i < 64; i += 2) fk_free(keep[i]);
#ifndef REL_OVERRIDE
  mi_heap_destroy(heap);                        /* the odd ones, all at once */
#else
  for (int i = 1; i < 64; i += 2) fk_free(keep[i]);
#endif
  return (void *)(intptr_t)CHILD_OK;
}

static int child_main(uint64_t seed)
{
  child_watchdog();
  uint64_t rng = seed * 0xD1B54A32D192ED03ull + 7;
  for (int i = 0; i < 1000; i++) {
    const size_t n = pick_size(&rng, (size_t)8 << 20);
    stamp_t *b = fk_malloc(n);
    if (b == NULL) return CHILD_NULL;
    stamp(b, n, (uintptr_t)i);
    if (!stamp_ok(b)) return CHILD_DAMAGED;
    fk_free(b);
  }
  /* half of the blocks the parent's threads had published */
  for (int i = 0; i < XSLOTS; i += 2) {
    stamp_t *b = atomic_exchange(&xslots[i], NULL);
    if (b == NULL) continue;
    if (!stamp_ok(b)) return CHILD_DAMAGED;
    fk_free(b);
  }
  pthread_t t;
  void *ret = NULL;
  if (pthread_create(&t, NULL, child_thread, NULL) != 0) return CHILD_THREAD;
  pthread_join(t, &ret);
  if ((intptr_t)ret != CHILD_OK) return (int)(intptr_t)ret;
#ifndef REL_OVERRIDE
  mi_collect(true);
#endif
  return CHILD_OK;
}

/* Waits for `pid` and asserts a clean exit; a child killed by its alarm
   hung. */
static void expect_clean_exit(pid_t pid, int round)
{
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, 0); while (r < 0 && errno == EINTR);
  ck_assert_int_eq(r, pid);
  if (WIFSIGNALED(status))
    ck_abort_msg("fork %d: child killed by signal %d%s", round, WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? " (its watchdog: it hung, a deadlock after fork?)" : "");
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork %d: child exited with status %d", round,
                WEXITSTATUS(status));
}

/* ------------------------------------------------------------------------
   Tests
------------------------------------------------------------------------ */
START_TEST(test_rel_fork_with_threads)
{
#ifndef REL_OVERRIDE
  mi_collect(true);
  mi_stats_t_decl(st0);
  mi_stats_get(&st0);
#endif
  workers_start();
  for (int round = 0; round < FORKS; round++) {
    usleep(500);                                  /* let the threads get into their stride */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) _exit(child_main((uint64_t)round + 1));
    expect_clean_exit(pid, round);
  }
  workers_stop();
#ifndef REL_OVERRIDE
  /* nothing lost in the parent: every block freed, live blocks back */
  mi_collect(true);
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  ck_assert_msg(st.malloc_blocks.current == st0.malloc_blocks.current, "live blocks %lld after the fork storm, %lld before",
                (long long)st.malloc_blocks.current, (long long)st0.malloc_blocks.current);
#endif
}
END_TEST

/* jemalloc-style: a non-main thread forks while the others allocate; the
   child allocates, then execs. */
static void *forking_thread(void *arg)
{
  const int rounds = (int)(intptr_t)arg;
  for (int i = 0; i < rounds; i++) {
    pid_t pid = fork();
    if (pid < 0) return (void *)(intptr_t)(1000 + errno);
    if (pid == 0) {
      child_watchdog();
      void *p = fk_malloc(1000 + (size_t)i);
      if (p == NULL) _exit(CHILD_NULL);
      memset(p, 1, 1000);
      fk_free(p);
      execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
      _exit(127);
    }
    int status = 0;
    pid_t r;
    do r = waitpid(pid, &status, 0); while (r < 0 && errno == EINTR);
    if (r != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return (void *)(intptr_t)(i + 1);           /* the round that failed, 1-based */
  }
  return NULL;
}

START_TEST(test_rel_fork_exec_from_thread)
{
  workers_start();
  pthread_t t;
  void *ret = (void *)1;
  ck_assert_int_eq(pthread_create(&t, NULL, forking_thread, (void *)(intptr_t)60), 0);
  pthread_join(t, &ret);
  workers_stop();
  ck_assert_msg(ret == NULL, "fork+exec from a thread failed (code %ld: a round number, or 1000+errno)", (long)(intptr_t)ret);
}
END_TEST

/* The parent keeps working after many forks: its threads' blocks are
   intact and it can still allocate large and huge blocks. */
START_TEST(test_rel_fork_parent_continues)
{
  workers_start();
  for (int round = 0; round < 40; round++) {
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      child_watchdog();
      _exit(0);                                   /* the quickest child: no allocation at all */
    }
    void *big = fk_malloc((size_t)(round % 4 + 1) << 22);
    ck_assert_ptr_nonnull(big);
    memset(big, round, 4096);
    fk_free(big);
    expect_clean_exit(pid, round);
  }
  workers_stop();
}
END_TEST

static Suite *rel_fork_suite(void)
{
  Suite *s = suite_create("rel_fork");
  TCase *tc = check_tcase(s, "fork", 90);
  tcase_add_test(tc, test_rel_fork_with_threads);
  tcase_add_test(tc, test_rel_fork_exec_from_thread);
  tcase_add_test(tc, test_rel_fork_parent_continues);
  return s;
}

CHECK_MAIN(rel_fork_suite)
