/* SPDX-License-Identifier: MIT */
/* rel_oom.c -- out of memory under setrlimit(RLIMIT_AS) in a forked child: every allocation function fails with ENOMEM, in several threads, and the process works again after freeing (D1). */
#include "rel_common.h"
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define LIMIT_EXTRA ((size_t)256 << 20)   /* address space allowed above what the child already uses */
#define THREADS 8                         /* plus the main thread */
#define STACK (256 * 1024)
#define AFTER_SIZE ((size_t)32 << 20)     /* must succeed once everything was freed */
#define WATCHDOG 120

typedef struct node_s { struct node_s *next; } node_t;

enum { F_MALLOC, F_REALLOC, F_ALIGNED_ALLOC, F_POSIX_MEMALIGN, F_MEMALIGN, F_VALLOC, F_PVALLOC, F_CALLOC,
#ifndef REL_OVERRIDE
       F_ZALLOC, F_MALLOC_ALIGNED_AT, F_HEAP_MALLOC,
#endif
       F_COUNT };
static const char *const fname[] = { "malloc(144)", "realloc chain", "aligned_alloc(128, 512)", "posix_memalign(128, 4096)",
                                     "memalign(64, 1000)", "valloc(4096)", "pvalloc(5000)", "calloc(1, 2000)",
                                     "mi_zalloc(300)", "mi_malloc_aligned_at(700, 256, 8)", "mi_heap_malloc(90)" };

static pthread_barrier_t start_line;
static atomic_long failures_seen;         /* NULLs (each with ENOMEM) over all threads */

/* One attempt of function f; NULL with *err set on failure. */
static void *attempt(int f, int *err, void *heap)
{
  void *p = NULL;
  errno = 0;
  switch (f) {
  case F_MALLOC: p = rel_malloc(144); break;
  case F_ALIGNED_ALLOC: p = rel_aligned_alloc(128, 512); break;
  case F_POSIX_MEMALIGN: { int rc = rel_posix_memalign(&p, 128, 4096); if (rc != 0) { *err = rc; return NULL; } break; }
  case F_MEMALIGN: p = rel_memalign(64, 1000); break;
  case F_VALLOC: p = rel_valloc(4096); break;
  case F_PVALLOC: p = rel_pvalloc(5000); break;
  case F_CALLOC:
    p = rel_calloc(1, 2000);
    if (p != NULL)
      for (size_t i = 0; i < 2000; i++) REL_CHECK(((uint8_t *)p)[i] == 0, "calloc under memory pressure: byte %zu not zero", i);
    break;
#ifndef REL_OVERRIDE
  case F_ZALLOC: p = mi_zalloc(300); break;
  case F_MALLOC_ALIGNED_AT:
    p = mi_malloc_aligned_at(700, 256, 8);
    REL_CHECK(p == NULL || ((uintptr_t)p + 8) % 256 == 0, "mi_malloc_aligned_at: misaligned");
    break;
  case F_HEAP_MALLOC: p = mi_heap_malloc(heap, 90); break;
#endif
  default: break;
  }
  (void)heap;
  *err = errno;
  return p;
}

/* The realloc chain: grow one block until realloc fails; the block must be
   untouched by the failure. */
static void realloc_chain(void)
{
  const size_t head = 65536;                        /* the pattern covers the first 64 KiB */
  size_t n = 16;
  errno = 0;
  uint8_t *p = rel_malloc(n);
  if (p == NULL) {                                  /* other threads may hold all memory now */
    REL_CHECK(errno == ENOMEM, "malloc(16) returned NULL with errno %d, not ENOMEM", errno);
    atomic_fetch_add(&failures_seen, 1);
    return;
  }
  rel_fill(p, n, 1);
  for (;;) {
    const size_t m = n * 2;
    errno = 0;
    uint8_t *q = rel_realloc(p, m);
    if (q == NULL) {
      REL_CHECK(errno == ENOMEM, "realloc(%zu) returned NULL with errno %d, not ENOMEM", m, errno);
      REL_CHECK(rel_first_bad(p, n < head ? n : head, 1) == SIZE_MAX, "a failed realloc(%zu) damaged the block", m);
      atomic_fetch_add(&failures_seen, 1);
      break;
    }
    REL_CHECK(rel_first_bad(q, n < head ? n : head, 1) == SIZE_MAX, "realloc to %zu bytes lost the contents", m);
    rel_fill(q, m < head ? m : head, 1);
    p = q;
    n = m;
  }
  rel_free(p);
}

/* Runs every function in turn: allocate into a list until it fails, check
   the failure, free everything. */
static void *exhaust(void *arg)
{
  (void)arg;
  void *heap = NULL;
#ifndef REL_OVERRIDE
  heap = mi_heap_new();
  REL_CHECK(heap != NULL, "mi_heap_new failed before any pressure");
#endif
  pthread_barrier_wait(&start_line);
  for (int f = 0; f < F_COUNT; f++) {
    if (f == F_REALLOC) { realloc_chain(); continue; }
    node_t *list = NULL;
    long count = 0;
    for (;;) {
      int err = 0;
      node_t *b = attempt(f, &err, heap);
      if (b == NULL) {
        REL_CHECK(err == ENOMEM, "%s failed with error %d, not ENOMEM, after %ld blocks", fname[f], err, count);
        atomic_fetch_add(&failures_seen, 1);
        break;
      }
      b->next = list;
      list = b;
      count++;
    }
    while (list != NULL) {
      node_t *next = list->next;
      rel_free(list);
      list = next;
    }
  }
#ifndef REL_OVERRIDE
  mi_heap_delete(heap);
#endif
  return NULL;
}

/* After the storm: the allocator still works, blocks keep their contents. */
static void still_works(void)
{
  void *big = rel_malloc(AFTER_SIZE);
  REL_CHECK(big != NULL, "malloc(%zu) fails after everything was freed (errno %d)", AFTER_SIZE, errno);
  memset(big, 1, AFTER_SIZE);
  rel_free(big);
  enum { N = 4000 };
  static void *blocks[N];
  uint64_t rng = 12345;
  for (int i = 0; i < N; i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    const size_t n = (size_t)(rng >> 33) % 20000;
    blocks[i] = rel_malloc(n);
    REL_CHECK(blocks[i] != NULL, "malloc(%zu) fails after recovery", n);
    rel_fill(blocks[i], n, (uintptr_t)i);
  }
  rng = 12345;
  for (int i = 0; i < N; i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    const size_t n = (size_t)(rng >> 33) % 20000;
    REL_CHECK(rel_first_bad(blocks[i], n, (uintptr_t)i) == SIZE_MAX, "block %d damaged after recovery", i);
    rel_free(blocks[i]);
  }
}

static int child(void)
{
  rel_watchdog(WATCHDOG);
#ifdef REL_HAVE_STATS
  long long blocks0 = 0, bytes0 = 0;
  rel_live(&blocks0, &bytes0);
#endif
  const size_t limit = rel_vsize() + LIMIT_EXTRA + THREADS * (size_t)(STACK + 65536);
  struct rlimit rl = { limit, limit };
  REL_CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit(RLIMIT_AS) failed");
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, STACK);
  pthread_barrier_init(&start_line, NULL, THREADS + 1);
  pthread_t tid[THREADS];
  for (int i = 0; i < THREADS; i++)
    REL_CHECK(pthread_create(&tid[i], &attr, exhaust, NULL) == 0, "pthread_create %d failed under the limit", i);
  exhaust(NULL);
  for (int i = 0; i < THREADS; i++) pthread_join(tid[i], NULL);
#ifndef REL_OVERRIDE
  mi_collect(true);
#endif
  still_works();
#ifdef REL_HAVE_STATS
  rel_check_live(blocks0, bytes0, "after freeing all");
#endif
  printf("rel_oom [%s]: limit %zu MiB, %d threads x %d functions, %ld failures each with ENOMEM; works again after freeing\n",
         REL_API, limit >> 20, THREADS + 1, F_COUNT, atomic_load(&failures_seen));
  REL_CHECK(atomic_load(&failures_seen) >= F_COUNT, "only %ld allocation failures: the limit was never reached",
            atomic_load(&failures_seen));
  fflush(stdout);
  return REL_PASS;
}

int main(void)
{
  rel_name = "rel_oom";
  rel_watchdog(WATCHDOG + 10);
  fflush(stdout);
  const pid_t pid = fork();
  REL_CHECK(pid >= 0, "fork failed");
  if (pid == 0) _exit(child());
  int status = 0;
  REL_CHECK(waitpid(pid, &status, 0) == pid, "waitpid failed");
  if (WIFSIGNALED(status)) rel_fail("the child died of signal %d under the address-space limit", WTERMSIG(status));
  return WIFEXITED(status) ? WEXITSTATUS(status) : REL_ERROR;
}
