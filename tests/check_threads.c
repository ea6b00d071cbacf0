/* SPDX-License-Identifier: MIT */
/* check_threads.c -- cross-thread free, free-only threads, thread churn, fork with threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mimalloc.h>

#include "check_main.h"

/* ------------------------------------------------------------------------
   Blocks carry a pattern derived from their address and size
------------------------------------------------------------------------ */

#define SPARSE_FROM (64 * 1024) /* larger blocks get only their ends written */

static uint64_t blk_key(const void *p, size_t n)
{
  return (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull ^ (uint64_t)n * 0xC2B2AE3D27D4EB4Full;
}

static void fill_words(unsigned char *b, size_t from, size_t to, uint64_t key)
{
  size_t j = from & ~(size_t)7;
  for (; j + 8 <= to; j += 8) {
    uint64_t w = key + (j / 8) * 0x632BE59BD9B4E019ull;
    memcpy(b + j, &w, 8);
  }
  for (; j < to; j++) b[j] = (unsigned char)(key >> (j % 8) * 8) ^ (unsigned char)j;
}

static size_t bad_words(const unsigned char *b, size_t from, size_t to, uint64_t key)
{
  size_t j = from & ~(size_t)7;
  for (; j + 8 <= to; j += 8) {
    uint64_t w = key + (j / 8) * 0x632BE59BD9B4E019ull, got;
    memcpy(&got, b + j, 8);
    if (got != w) return j;
  }
  for (; j < to; j++)
    if (b[j] != ((unsigned char)(key >> (j % 8) * 8) ^ (unsigned char)j)) return j;
  return SIZE_MAX;
}

static void blk_fill(void *p, size_t n)
{
  uint64_t key = blk_key(p, n);
  if (n <= SPARSE_FROM) {
    fill_words(p, 0, n, key);
  } else {
    fill_words(p, 0, 4096, key);
    fill_words(p, n - 4096 - n % 8, n, key);
  }
}

/* SIZE_MAX when the block still holds its pattern, else the bad offset. */
static size_t blk_bad(const void *p, size_t n)
{
  uint64_t key = blk_key(p, n);
  if (n <= SPARSE_FROM) return bad_words(p, 0, n, key);
  size_t r = bad_words(p, 0, 4096, key);
  return r != SIZE_MAX ? r : bad_words(p, n - 4096 - n % 8, n, key);
}

static uint64_t rnd_next(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Mostly small sizes, some medium, a few large. */
static size_t rnd_size(uint64_t *s, size_t large_max)
{
  uint64_t r = rnd_next(s);
  unsigned pct = (unsigned)(r % 1000);
  r >>= 10;
  if (pct < 800) return 8 + (size_t)(r % 505);
  if (pct < 990) return 512 + (size_t)(r % (16 * 1024));
  return 16 * 1024 + (size_t)(r % large_max);
}

/* A failure seen by a helper thread, reported by the test thread. */
static struct {
  atomic_int count;
  char what[200];
} failure;

static void record_failure(const char *what, const void *p, size_t n, size_t off)
{
  if (atomic_fetch_add(&failure.count, 1) == 0)
    snprintf(failure.what, sizeof(failure.what), "%s: block %p size %zu broken at offset %zu", what, p, n, off);
}

#define ck_assert_no_failure() \
  ck_assert_msg(atomic_load(&failure.count) == 0, "%d failures, first: %s", atomic_load(&failure.count), failure.what)

static void check_and_free(const char *who, void *p, size_t n)
{
  size_t off = blk_bad(p, n);
  if (off != SIZE_MAX) record_failure(who, p, n, off);
  mi_free(p);
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------------
   Producer / consumer through a bounded queue
------------------------------------------------------------------------ */

enum { PC_PRODUCERS = 3, PC_CONSUMERS = 3, PC_ITEMS = 60000, PC_CAP = 256 };
#define PC_LARGE_MAX (112u * 1024)

struct item {
  void *p;
  size_t n;
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  struct item ring[PC_CAP];
  size_t head, count, taken;
  atomic_int producing;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

static void *producer(void *arg)
{
  uint64_t s = 0x5DEECE66Dull + (uintptr_t)arg * 7919;
  for (int i = 0; i < PC_ITEMS; i++) {
    size_t n = rnd_size(&s, PC_LARGE_MAX);
    void *p = mi_malloc(n);
    if (p == NULL) {
      record_failure("producer: mi_malloc returned NULL", NULL, n, 0);
      break;
    }
    blk_fill(p, n);
    pthread_mutex_lock(&q.lock);
    while (q.count == PC_CAP) pthread_cond_wait(&q.not_full, &q.lock);
    q.ring[(q.head + q.count) % PC_CAP] = (struct item){p, n};
    q.count++;
    pthread_cond_signal(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
  }
  pthread_mutex_lock(&q.lock);
  atomic_fetch_sub(&q.producing, 1);
  pthread_cond_broadcast(&q.not_empty);
  pthread_mutex_unlock(&q.lock);
  return NULL;
}

static void *consumer(void *arg)
{
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&q.lock);
    while (q.count == 0 && atomic_load(&q.producing) > 0) pthread_cond_wait(&q.not_empty, &q.lock);
    if (q.count == 0) {
      pthread_mutex_unlock(&q.lock);
      return NULL;
    }
    struct item it = q.ring[q.head];
    q.head = (q.head + 1) % PC_CAP;
    q.count--;
    q.taken++;
    pthread_cond_signal(&q.not_full);
    pthread_mutex_unlock(&q.lock);
    check_and_free("consumer", it.p, it.n);
  }
}

/* D10: blocks allocated by producers are freed by consumers; memory freed
   remotely must be reused, so RSS tracks the (small) live set, not the
   ~400 MiB that flow through the queue. */
START_TEST(test_threads_producer_consumer)
{
  const size_t bound = 96 * CHECK_MiB; /* live set is at most 256 x 128 KiB = 32 MiB */
  size_t base = check_rss_bytes(), peak = base;
  ck_assert_uint_gt(base, 0);
  pthread_t pt[PC_PRODUCERS], ct[PC_CONSUMERS];
  atomic_store(&q.producing, PC_PRODUCERS);
  for (intptr_t i = 0; i < PC_CONSUMERS; i++) ck_assert_int_eq(pthread_create(&ct[i], NULL, consumer, NULL), 0);
  for (intptr_t i = 0; i < PC_PRODUCERS; i++) ck_assert_int_eq(pthread_create(&pt[i], NULL, producer, (void *)i), 0);
  while (atomic_load(&q.producing) > 0) {
    size_t r = check_rss_bytes();
    if (r > peak) peak = r;
    sleep_ms(5);
  }
  for (int i = 0; i < PC_PRODUCERS; i++) pthread_join(pt[i], NULL);
  for (int i = 0; i < PC_CONSUMERS; i++) pthread_join(ct[i], NULL);
  ck_assert_no_failure();
  ck_assert_uint_eq(q.taken, (size_t)PC_PRODUCERS * PC_ITEMS);
  ck_assert_uint_eq(q.count, 0);
  mi_collect(true);
  size_t end = check_rss_bytes();
  if (end > peak) peak = end;
  ck_assert_msg(peak - base <= bound, "RSS grew by %zu MiB (bound %zu MiB)", (peak - base) / CHECK_MiB,
                bound / CHECK_MiB);
}
END_TEST

/* ------------------------------------------------------------------------
   Frees done by threads that never allocate
------------------------------------------------------------------------ */

enum { FO_ROUNDS = 20, FO_BLOCKS = 20000, FO_FREERS = 2 };

static struct item fo_blocks[FO_BLOCKS];
static size_t fo_bytes;

static void *fo_allocator(void *arg)
{
  uint64_t s = 0xA5A5A5A5ull + (uintptr_t)arg;
  size_t bytes = 0;
  for (int i = 0; i < FO_BLOCKS; i++) {
    size_t n = rnd_size(&s, 48 * 1024);
    void *p = mi_malloc(n);
    if (p == NULL) {
      record_failure("allocator: NULL", NULL, n, 0);
      n = 0;
    } else {
      blk_fill(p, n);
    }
    fo_blocks[i] = (struct item){p, n};
    bytes += n;
  }
  fo_bytes = bytes;
  return NULL; /* exits with every block live: its pages are abandoned */
}

static void *fo_freer(void *arg)
{
  intptr_t part = (intptr_t)arg;
  for (int i = (int)part; i < FO_BLOCKS; i += FO_FREERS)
    if (fo_blocks[i].p != NULL) check_and_free("free-only thread", fo_blocks[i].p, fo_blocks[i].n);
  return NULL; /* never called mi_malloc */
}

/* Each round a thread allocates ~40 MiB and exits; two threads that never
   allocate free all of it.  Memory freed into abandoned pages must be
   reclaimed: RSS stays within twice the per-round working set. */
START_TEST(test_threads_free_only_threads)
{
  size_t base = check_rss_bytes(), peak = base;
  for (intptr_t r = 0; r < FO_ROUNDS; r++) {
    pthread_t a, f[FO_FREERS];
    ck_assert_int_eq(pthread_create(&a, NULL, fo_allocator, (void *)r), 0);
    pthread_join(a, NULL);
    for (intptr_t k = 0; k < FO_FREERS; k++) ck_assert_int_eq(pthread_create(&f[k], NULL, fo_freer, (void *)k), 0);
    for (int k = 0; k < FO_FREERS; k++) pthread_join(f[k], NULL);
    size_t now = check_rss_bytes();
    if (now > peak) peak = now;
  }
  ck_assert_no_failure();
  const size_t bound = 2 * fo_bytes + 32 * CHECK_MiB;
  ck_assert_msg(peak - base <= bound, "RSS grew by %zu MiB over %d rounds of %zu MiB (bound %zu MiB)",
                (peak - base) / CHECK_MiB, FO_ROUNDS, fo_bytes / CHECK_MiB, bound / CHECK_MiB);
}
END_TEST

/* ------------------------------------------------------------------------
   Thread churn
------------------------------------------------------------------------ */

enum { CH_WAVES = 400, CH_WIDTH = 10, CH_LEFT = 8, CH_WARMUP = 20 };

struct churn_slot {
  struct item left[CH_LEFT]; /* blocks left behind for the next wave */
};

static struct churn_slot churn[CH_WIDTH];

static void *churn_thread(void *arg)
{
  struct churn_slot *slot = arg;
  static const size_t keep[CH_LEFT] = {16, 48, 100, 300, 1000, 5000, 20000, 70000};
  for (int k = 0; k < CH_LEFT; k++)
    if (slot->left[k].p != NULL) check_and_free("churn", slot->left[k].p, slot->left[k].n);
  static const size_t tmp[3] = {32, 1000, 70000};
  for (int k = 0; k < 3; k++) {
    void *p = mi_malloc(tmp[k]);
    if (p == NULL) {
      record_failure("churn: NULL", NULL, tmp[k], 0);
      continue;
    }
    blk_fill(p, tmp[k]);
    check_and_free("churn temporary", p, tmp[k]);
  }
  for (int k = 0; k < CH_LEFT; k++) {
    void *p = mi_malloc(keep[k]);
    if (p != NULL) blk_fill(p, keep[k]);
    slot->left[k] = (struct item){p, p ? keep[k] : 0};
  }
  return NULL;
}

/* D7: 4000 short-lived threads in waves of 10 (64 KiB stacks); each frees the
   blocks the previous wave left and leaves its own.  RSS measured after a
   warm-up may grow by at most 32 MiB: a leak of 8 KiB per thread fails. */
START_TEST(test_threads_churn)
{
  const size_t bound = 32 * CHECK_MiB;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  size_t base = 0, peak = 0;
  for (int w = 0; w < CH_WAVES; w++) {
    pthread_t t[CH_WIDTH];
    for (int i = 0; i < CH_WIDTH; i++) ck_assert_int_eq(pthread_create(&t[i], &attr, churn_thread, &churn[i]), 0);
    for (int i = 0; i < CH_WIDTH; i++) pthread_join(t[i], NULL);
    size_t now = check_rss_bytes();
    if (w == CH_WARMUP) base = peak = now;
    if (w > CH_WARMUP && now > peak) peak = now;
  }
  pthread_attr_destroy(&attr);
  for (int i = 0; i < CH_WIDTH; i++)
    for (int k = 0; k < CH_LEFT; k++)
      if (churn[i].left[k].p != NULL) check_and_free("main", churn[i].left[k].p, churn[i].left[k].n);
  mi_collect(true);
  ck_assert_no_failure();
  ck_assert_msg(peak - base <= bound, "RSS grew by %zu KiB over %d threads (bound %zu MiB)", (peak - base) / CHECK_KiB,
                (CH_WAVES - CH_WARMUP) * CH_WIDTH, bound / CHECK_MiB);
}
END_TEST

/* ------------------------------------------------------------------------
   Remote frees into full pages are noticed by the owner
------------------------------------------------------------------------ */

enum { RF_CYCLES = 8 };
#define RF_BYTES (64 * CHECK_MiB)

static struct {
  pthread_barrier_t bar;
  void **blocks;
  size_t count, size;
  size_t base, peak;
} rf;

static void *rf_owner(void *arg)
{
  (void)arg;
  for (int c = 0; c < RF_CYCLES; c++) {
    for (size_t i = 0; i < rf.count; i++) {
      rf.blocks[i] = mi_malloc(rf.size);
      if (rf.blocks[i] != NULL) memset(rf.blocks[i], c + 1, rf.size);
    }
    size_t now = check_rss_bytes();
    if (now > rf.peak) rf.peak = now;
    pthread_barrier_wait(&rf.bar); /* the other thread frees everything now */
    pthread_barrier_wait(&rf.bar);
  }
  return NULL;
}

static void *rf_freer(void *arg)
{
  (void)arg;
  for (int c = 0; c < RF_CYCLES; c++) {
    pthread_barrier_wait(&rf.bar);
    for (size_t i = 0; i < rf.count; i++) {
      unsigned char *b = rf.blocks[i];
      if (b == NULL || b[0] != c + 1 || b[rf.size - 1] != c + 1) record_failure("remote freer", b, rf.size, 0);
      mi_free(b);
    }
    pthread_barrier_wait(&rf.bar);
  }
  return NULL;
}

/* A thread fills 64 MiB of pages (all full), another thread frees every
   block, and this repeats 8 times (512 MiB in all).  The owner must get the
   remotely freed pages back each time: peak RSS growth <= 2 x 64 MiB + 32 MiB. */
START_TEST(test_threads_remote_free_full_pages)
{
  static const size_t sizes[] = {64, 4096};
  const size_t bound = 2 * RF_BYTES + 32 * CHECK_MiB;
  for (int k = 0; k < 2; k++) {
    rf.size = sizes[k];
    rf.count = RF_BYTES / rf.size;
    rf.blocks = calloc(rf.count, sizeof(void *));
    ck_assert_ptr_nonnull(rf.blocks);
    memset(rf.blocks, 0, rf.count * sizeof(void *));
    rf.base = rf.peak = check_rss_bytes();
    pthread_barrier_init(&rf.bar, NULL, 2);
    pthread_t owner, freer;
    ck_assert_int_eq(pthread_create(&owner, NULL, rf_owner, NULL), 0);
    ck_assert_int_eq(pthread_create(&freer, NULL, rf_freer, NULL), 0);
    pthread_join(owner, NULL);
    pthread_join(freer, NULL);
    pthread_barrier_destroy(&rf.bar);
    free(rf.blocks);
    ck_assert_no_failure();
    ck_assert_msg(rf.peak - rf.base <= bound, "%zu-byte blocks: RSS grew by %zu MiB over %d cycles (bound %zu MiB)",
                  rf.size, (rf.peak - rf.base) / CHECK_MiB, RF_CYCLES, bound / CHECK_MiB);
  }
}
END_TEST

/* A free from another thread preserves that thread's errno too. */
static void *errno_freer(void *arg)
{
  errno = 1789;
  mi_free(arg);
  return (void *)(intptr_t)errno;
}

START_TEST(test_threads_remote_free_preserves_errno)
{
  static const size_t sizes[] = {16, 5000, 300000, 40u << 20};
  for (int k = 0; k < 4; k++) {
    void *p = mi_malloc(sizes[k]), *ret = NULL;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, errno_freer, p), 0);
    pthread_join(t, &ret);
    ck_assert_int_eq((int)(intptr_t)ret, 1789);
  }
}
END_TEST

/* ------------------------------------------------------------------------
   fork() in a multi-threaded program
------------------------------------------------------------------------ */

enum { FK_SLOTS = 64, FK_WORKERS = 4, FK_FORKS = 40, FK_THREAD_FORKS = 20 };

static _Atomic(struct item *) fk_slot[FK_SLOTS];
static atomic_int fk_stop;

static struct item *fk_new(uint64_t *s)
{
  uint64_t r = rnd_next(s);
  size_t n = (r % 100 == 0) ? (size_t)(r >> 8) % (4u << 20) + 1 : rnd_size(s, 64 * 1024);
  struct item *it = mi_malloc(sizeof(*it));
  void *p = mi_malloc(n);
  if (it == NULL || p == NULL) {
    record_failure("fork worker: NULL", NULL, n, 0);
    mi_free(it);
    mi_free(p);
    return NULL;
  }
  blk_fill(p, n);
  it->p = p;
  it->n = n;
  return it;
}

static int fk_release(struct item *it)
{
  if (it == NULL) return 0;
  int bad = blk_bad(it->p, it->n) != SIZE_MAX;
  mi_free(it->p);
  mi_free(it);
  return bad;
}

static void *fk_worker(void *arg)
{
  uint64_t s = 0x1234567ull * ((uintptr_t)arg + 1);
  while (!atomic_load(&fk_stop)) {
    struct item *mine = fk_new(&s);
    struct item *old = atomic_exchange(&fk_slot[rnd_next(&s) % FK_SLOTS], mine);
    if (fk_release(old)) record_failure("fork worker", old, 0, 0);
    void *tmp = mi_malloc(rnd_size(&s, 256 * 1024));
    mi_free(tmp);
  }
  return NULL;
}

static void *fk_child_thread(void *arg)
{
  uint64_t s = 99;
  int bad = 0;
  for (int i = 0; i < 1000; i++) {
    struct item *it = fk_new(&s);
    if (it == NULL) return (void *)1;
    bad |= fk_release(it);
  }
  for (int i = 1; i < FK_SLOTS; i += 2) bad |= fk_release(atomic_exchange(&fk_slot[i], NULL));
  return (void *)(intptr_t)bad;
}

/* The child: allocates and frees, frees blocks the parent's threads
   allocated, starts a thread that does the same, and exits.  Exit status 0
   means success; SIGALRM ends a hang. */
static void fk_child(int use_exit)
{
  signal(SIGALRM, SIG_DFL); /* not Check's timeout handler */
  alarm(10);
  uint64_t s = (uint64_t)getpid();
  int bad = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t r = rnd_next(&s);
    size_t n = (r % 100 == 0) ? (size_t)(r >> 8) % (8u << 20) + 1 : rnd_size(&s, 64 * 1024);
    void *p = mi_malloc(n);
    if (p == NULL) _exit(4);
    blk_fill(p, n);
    if (blk_bad(p, n) != SIZE_MAX) bad = 1;
    mi_free(p);
  }
  for (int i = 0; i < FK_SLOTS; i += 2) bad |= fk_release(atomic_exchange(&fk_slot[i], NULL));
  pthread_t t;
  void *ret = (void *)1;
  if (pthread_create(&t, NULL, fk_child_thread, NULL) != 0 || pthread_join(t, &ret) != 0) _exit(5);
  if (bad || ret != NULL) _exit(3);
  if (use_exit) exit(0);
  _exit(0);
}

/* Fork `n` times from the calling thread; returns 0 when every child exited
   with status 0, else 1 with the first failure described in `why`. */
static int fk_fork_many(int n, char *why, size_t whylen)
{
  for (int i = 0; i < n; i++) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) fk_child(i % 2);
    if (pid < 0) {
      snprintf(why, whylen, "fork failed: %s", strerror(errno));
      return 1;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      snprintf(why, whylen, "child %d: %s %d%s", i, WIFEXITED(st) ? "exit status" : "signal",
               WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
               WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (hung)" : "");
      return 1; /* stop at the first failure: a hang costs 10 s each */
    }
  }
  return 0;
}

static void fk_start(pthread_t *w)
{
  atomic_store(&fk_stop, 0);
  for (intptr_t i = 0; i < FK_WORKERS; i++) ck_assert_int_eq(pthread_create(&w[i], NULL, fk_worker, (void *)i), 0);
  sleep_ms(20);
}

static void fk_finish(pthread_t *w)
{
  atomic_store(&fk_stop, 1);
  for (int i = 0; i < FK_WORKERS; i++) pthread_join(w[i], NULL);
  for (int i = 0; i < FK_SLOTS; i++)
    if (fk_release(atomic_exchange(&fk_slot[i], NULL))) record_failure("fork drain", NULL, 0, 0);
}

/* D5: fork while four threads allocate and free across threads. */
START_TEST(test_threads_fork_multithreaded)
{
  pthread_t w[FK_WORKERS];
  char why[160] = "";
  fk_start(w);
  int failed = fk_fork_many(FK_FORKS, why, sizeof(why));
  fk_finish(w);
  ck_assert_msg(failed == 0, "%d forks: %s", FK_FORKS, why);
  ck_assert_no_failure();
}
END_TEST

static char fk_thread_why[160];

static void *fk_forking_thread(void *arg)
{
  (void)arg;
  void *keep = mi_malloc(1000); /* this thread owns a heap too */
  int failed = fk_fork_many(FK_THREAD_FORKS, fk_thread_why, sizeof(fk_thread_why));
  mi_free(keep);
  return (void *)(intptr_t)failed;
}

/* The same, with fork() called from a thread that is not the main thread. */
START_TEST(test_threads_fork_from_thread)
{
  pthread_t w[FK_WORKERS], f;
  void *failed = NULL;
  fk_start(w);
  ck_assert_int_eq(pthread_create(&f, NULL, fk_forking_thread, NULL), 0);
  pthread_join(f, &failed);
  fk_finish(w);
  ck_assert_msg(failed == NULL, "%d forks from a thread: %s", FK_THREAD_FORKS, fk_thread_why);
  ck_assert_no_failure();
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *threads_suite(void)
{
  Suite *s = suite_create("threads");

  TCase *xf = check_tcase(s, "cross_thread", 60);
  tcase_add_test(xf, test_threads_producer_consumer);
  tcase_add_test(xf, test_threads_free_only_threads);
  tcase_add_test(xf, test_threads_remote_free_full_pages);
  tcase_add_test(xf, test_threads_remote_free_preserves_errno);

  TCase *churn_tc = check_tcase(s, "churn", 60);
  tcase_add_test(churn_tc, test_threads_churn);

  TCase *fork_tc = check_tcase(s, "fork", 60);
  tcase_add_test(fork_tc, test_threads_fork_multithreaded);
  tcase_add_test(fork_tc, test_threads_fork_from_thread);

  return s;
}

CHECK_MAIN(threads_suite)
