/* SPDX-License-Identifier: MIT */
/* rel_tls_destructor.c -- allocation in pthread key destructors that run after mirt's own thread-exit hook, over several destructor rounds, with a thread that only frees (D8). */
#include "rel_common.h"
#include <limits.h>
#include <pthread.h>

/*
 * The program's key is created in main(), after libmirt's constructor made
 * mirt's thread key; glibc runs key destructors in the order of the keys,
 * so mirt's hook has already torn the thread down when ours runs.  Our
 * destructor allocates and frees, hands a 70000-byte block to a thread
 * that only frees, and re-sets the key so that it runs again (ROUNDS
 * rounds, within PTHREAD_DESTRUCTOR_ITERATIONS).  Memory the reborn thread
 * state holds must not be lost: RSS stays bounded and, with the mi_* API,
 * live blocks return to their starting count.
 */
#define THREADS 4000
#define WAVE 4
#define WARMUP 400             /* threads whose peak RSS is the baseline */
#define ROUNDS 3               /* destructor runs per thread: 2 re-sets of the key */
#define HANDOFF_SIZE 70000
/* 4 MiB, plus the unused memory mirt may keep resident before it purges
   (runtime/alloc/purge.c: a floor of 8 MiB): a plateau, where a leak of the
   reborn thread state grows with the 3600 threads after the warm-up */
#define RSS_GROWTH_MAX ((size_t)12 << 20)
#define WATCHDOG 120
#define QUEUE 16               /* blocks in flight to the free-only thread: about 1 MiB */

static pthread_key_t key;
static atomic_long dtor_calls;

/* ---- the free-only thread and its queue -------------------------------- */
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static void *queue[QUEUE];
static size_t q_head, q_tail;
static bool q_stop;
static long freed_by_other;

static void handoff(void *p)
{
  pthread_mutex_lock(&q_lock);
  while (q_tail - q_head == QUEUE) {
    pthread_mutex_unlock(&q_lock);
    usleep(100);
    pthread_mutex_lock(&q_lock);
  }
  queue[q_tail++ % QUEUE] = p;
  pthread_cond_signal(&q_cond);
  pthread_mutex_unlock(&q_lock);
}

static void *free_only_thread(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&q_lock);
  for (;;) {
    while (q_head == q_tail && !q_stop) pthread_cond_wait(&q_cond, &q_lock);
    if (q_head == q_tail) break;
    void *p = queue[q_head++ % QUEUE];
    pthread_mutex_unlock(&q_lock);
    REL_CHECK(rel_first_bad(p, HANDOFF_SIZE, 7) == SIZE_MAX, "a block allocated in a destructor was damaged");
    rel_free(p);
    freed_by_other++;
    pthread_mutex_lock(&q_lock);
  }
  pthread_mutex_unlock(&q_lock);
  return NULL;
}

/* ---- the destructor ----------------------------------------------------- */
typedef struct tls_s {
  int round;
  uint32_t check;
} tls_t;

static void tls_destructor(void *value)
{
  tls_t *t = value;
  atomic_fetch_add(&dtor_calls, 1);
  REL_CHECK(t->check == 0x7e57ab1e, "the key's value (a mirt block) was damaged before its destructor ran");
  for (size_t n = 16; n <= 4096; n *= 4) {         /* allocate and free on the torn-down thread */
    uint8_t *p = rel_malloc(n);
    REL_CHECK(p != NULL, "malloc(%zu) in a key destructor returned NULL", n);
    memset(p, 0xa5, n);
    p = rel_realloc(p, n * 3);
    REL_CHECK(p != NULL && p[n - 1] == 0xa5, "realloc in a key destructor failed or lost data");
    rel_free(p);
  }
  void *h = rel_malloc(HANDOFF_SIZE);
  REL_CHECK(h != NULL, "malloc(%d) in a key destructor returned NULL", HANDOFF_SIZE);
  rel_fill(h, HANDOFF_SIZE, 7);
  handoff(h);
  if (++t->round < ROUNDS) {
    REL_CHECK(pthread_setspecific(key, t) == 0, "pthread_setspecific in a destructor failed");
    return;
  }
  t->check = 0;
  rel_free(t);
}

static void *worker(void *arg)
{
  (void)arg;
  tls_t *t = rel_malloc(sizeof *t);
  REL_CHECK(t != NULL, "malloc returned NULL");
  *t = (tls_t){ 0, 0x7e57ab1e };
  REL_CHECK(pthread_setspecific(key, t) == 0, "pthread_setspecific failed");
  void *keep = rel_malloc(3000);                    /* live at exit: abandoned, then freed by the other thread */
  REL_CHECK(keep != NULL, "malloc returned NULL");
  rel_fill(keep, HANDOFF_SIZE < 3000 ? HANDOFF_SIZE : 3000, 7);
  void *big = rel_malloc(HANDOFF_SIZE);
  REL_CHECK(big != NULL, "malloc returned NULL");
  rel_fill(big, HANDOFF_SIZE, 7);
  handoff(big);
  rel_free(keep);
  return NULL;
}

int main(void)
{
  rel_name = "rel_tls_destructor";
  rel_watchdog(WATCHDOG);
  REL_CHECK(ROUNDS <= PTHREAD_DESTRUCTOR_ITERATIONS, "ROUNDS exceeds PTHREAD_DESTRUCTOR_ITERATIONS");
#ifdef REL_HAVE_STATS
  long long blocks0 = 0, bytes0 = 0;
  rel_live(&blocks0, &bytes0);
#endif
  REL_CHECK(pthread_key_create(&key, tls_destructor) == 0, "pthread_key_create failed");
  pthread_t other;
  REL_CHECK(pthread_create(&other, NULL, free_only_thread, NULL) == 0, "pthread_create failed");
  size_t rss_warm = 0, rss_peak = 0;
  for (int done = 0; done < THREADS; done += WAVE) {
    pthread_t tid[WAVE];
    for (int i = 0; i < WAVE; i++) REL_CHECK(pthread_create(&tid[i], NULL, worker, NULL) == 0, "pthread_create failed");
    for (int i = 0; i < WAVE; i++) pthread_join(tid[i], NULL);
    const size_t rss = rel_rss();
    if (done + WAVE <= WARMUP && rss > rss_warm) rss_warm = rss;
    if (done + WAVE > WARMUP && rss > rss_peak) rss_peak = rss;
  }
  pthread_mutex_lock(&q_lock);
  q_stop = true;
  pthread_cond_signal(&q_cond);
  pthread_mutex_unlock(&q_lock);
  pthread_join(other, NULL);
  const size_t rss_end = rel_rss();
  printf("rel_tls_destructor [%s]: %d threads, %ld destructor calls, %ld blocks freed by the free-only thread; "
         "peak RSS in the first %d threads %zu KiB, after them %zu KiB, end %zu KiB\n",
         REL_API, THREADS, atomic_load(&dtor_calls), freed_by_other, WARMUP, rss_warm >> 10, rss_peak >> 10, rss_end >> 10);
  REL_CHECK(atomic_load(&dtor_calls) == (long)THREADS * ROUNDS, "%ld destructor calls, expected %ld",
            atomic_load(&dtor_calls), (long)THREADS * ROUNDS);
  REL_CHECK(freed_by_other == (long)THREADS * (ROUNDS + 1), "the free-only thread freed %ld blocks, expected %ld",
            freed_by_other, (long)THREADS * (ROUNDS + 1));
  REL_CHECK(rss_peak <= rss_warm + RSS_GROWTH_MAX, "peak RSS grew by %zu KiB after the warm-up (bound %zu KiB): memory "
            "of threads reborn in destructors is lost", (rss_peak - rss_warm) >> 10, RSS_GROWTH_MAX >> 10);
#ifdef REL_HAVE_STATS
  rel_check_live(blocks0, bytes0, "at the end");
#endif
  return REL_PASS;
}
