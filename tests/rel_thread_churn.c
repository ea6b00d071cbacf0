/* SPDX-License-Identifier: MIT */
/* rel_thread_churn.c -- 10,000 short-lived threads in waves, each leaving live blocks for a later thread to free: RSS and abandoned memory stay bounded (D7). */
#include "rel_common.h"
#include <pthread.h>

#define THREADS 10000          /* threads in all (REL_CHURN_THREADS overrides) */
#define WAVE 8                 /* threads alive at once */
#define LEFT 4                 /* blocks each thread leaves behind */
#define WARMUP 1000            /* threads before the RSS baseline */
#define RSS_GROWTH_MAX ((size_t)4 << 20)   /* allowed RSS growth after the warm-up (D7) */
#define WATCHDOG 120

static const size_t left_size[LEFT] = { 32, 500, 5000, 70000 };

/* left[w][k]: block k left by the last thread of wave slot w; the thread
   in the same slot of the next wave frees it (another thread). */
static void *left[WAVE][LEFT];

typedef struct job_s {
  int slot;
  unsigned serial;
  void *ret;                 /* a block for the main thread to free */
  int bad;                   /* non-zero: what went wrong */
} job_t;

static void *churn_thread(void *arg)
{
  job_t *job = arg;
  static const size_t pairs[] = { 32, 1000, 70000 };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    uint8_t *p = rel_malloc(pairs[i]);
    if (p == NULL) { job->bad = 1; return NULL; }
    p[0] = p[pairs[i] - 1] = 0x5a;
    rel_free(p);
  }
  for (int k = 0; k < LEFT; k++) {
    void *old = left[job->slot][k];
    if (old != NULL) {
      if (rel_first_bad(old, left_size[k], (uintptr_t)k) != SIZE_MAX) { job->bad = 2; return NULL; }
      rel_free(old);
    }
    void *p = rel_malloc(left_size[k]);
    if (p == NULL) { job->bad = 1; return NULL; }
    rel_fill(p, left_size[k], (uintptr_t)k);
    left[job->slot][k] = p;
  }
  job->ret = rel_malloc(32);
  if (job->ret == NULL) job->bad = 1;
  else memcpy(job->ret, &job->serial, sizeof job->serial);
  return NULL;
}

#ifdef REL_HAVE_STATS
static long long stat_abandoned(void)
{
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  return st.pages_abandoned.current;
}
#endif

int main(void)
{
  rel_name = "rel_thread_churn";
  rel_watchdog(WATCHDOG);
  const char *env = getenv("REL_CHURN_THREADS");
  const unsigned total = env ? (unsigned)strtoul(env, NULL, 10) : THREADS;
  REL_CHECK(total > WARMUP, "REL_CHURN_THREADS must exceed %d", WARMUP);
#ifdef REL_HAVE_STATS
  long long blocks0 = 0, bytes0 = 0;
  rel_live(&blocks0, &bytes0);
  long long abandoned_warm = 0;
#endif
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  const size_t rss_start = rel_rss();
  size_t rss_warm = 0, rss_peak = 0;
  job_t jobs[WAVE];
  pthread_t tid[WAVE];
  unsigned done = 0;
  while (done < total) {
    const int n = (total - done < WAVE) ? (int)(total - done) : WAVE;
    for (int i = 0; i < n; i++) {
      jobs[i] = (job_t){ .slot = i, .serial = done + (unsigned)i };
      REL_CHECK(pthread_create(&tid[i], &attr, churn_thread, &jobs[i]) == 0, "pthread_create failed at thread %u", done + i);
    }
    for (int i = 0; i < n; i++) {
      pthread_join(tid[i], NULL);
      REL_CHECK(jobs[i].bad == 0, "thread %u: %s", jobs[i].serial,
                jobs[i].bad == 1 ? "an allocation returned NULL" : "a block left by an earlier thread was damaged");
      unsigned serial;
      memcpy(&serial, jobs[i].ret, sizeof serial);
      REL_CHECK(serial == jobs[i].serial, "the block returned by thread %u was overwritten", jobs[i].serial);
      rel_free(jobs[i].ret);
    }
    done += (unsigned)n;
    const size_t rss = rel_rss();
    if (rss > rss_peak) rss_peak = rss;
    if (done == WARMUP) {
      rss_warm = rss;
#ifdef REL_HAVE_STATS
      abandoned_warm = stat_abandoned();
#endif
    }
  }
  const size_t rss_end = rel_rss();
  printf("rel_thread_churn [%s]: %u threads, %d at a time; RSS start %zu KiB, after %d threads %zu KiB, end %zu KiB, peak %zu KiB\n",
         REL_API, total, WAVE, rss_start >> 10, WARMUP, rss_warm >> 10, rss_end >> 10, rss_peak >> 10);
  REL_CHECK(rss_end <= rss_warm + RSS_GROWTH_MAX, "RSS grew by %zu KiB after the warm-up (bound %zu KiB)",
            (rss_end - rss_warm) >> 10, RSS_GROWTH_MAX >> 10);
  REL_CHECK(rss_peak <= rss_warm + RSS_GROWTH_MAX, "RSS peaked %zu KiB above the warm-up level (bound %zu KiB)",
            (rss_peak - rss_warm) >> 10, RSS_GROWTH_MAX >> 10);
  for (int w = 0; w < WAVE; w++)
    for (int k = 0; k < LEFT; k++) {
      REL_CHECK(left[w][k] == NULL || rel_first_bad(left[w][k], left_size[k], (uintptr_t)k) == SIZE_MAX,
                "a block left by the last wave was damaged");
      rel_free(left[w][k]);
    }
#ifdef REL_HAVE_STATS
  const long long abandoned_end = stat_abandoned();
  long long blocks = 0, bytes = 0;
  rel_live(&blocks, &bytes);
  printf("rel_thread_churn: abandoned pages after warm-up %lld, at the end %lld, after collect %lld; live blocks %lld (start %lld), bytes %lld (start %lld)\n",
         abandoned_warm, abandoned_end, stat_abandoned(), blocks, blocks0, bytes, bytes0);
  REL_CHECK(abandoned_end <= abandoned_warm + WAVE * LEFT, "abandoned pages grew from %lld to %lld", abandoned_warm, abandoned_end);
  REL_CHECK(blocks == blocks0, "%lld live blocks after freeing everything, %lld at the start", blocks, blocks0);
  REL_CHECK(bytes == bytes0, "%lld live bytes after freeing everything, %lld at the start", bytes, bytes0);
#endif
  pthread_attr_destroy(&attr);
  return REL_PASS;
}
