/* SPDX-License-Identifier: MIT */
/* bench.c -- shared driver of the Perceus workloads (see bench.h). */
#include "bench.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>  /* getrusage: peak RSS, whatever the allocator */
#include <unistd.h>        /* sysconf */

typedef struct job_s {
  bench_t*   b;
  bench_fun* run;
  size_t     live;   /* blocks left in the thread heap after the run */
} job_t;

static bool count_block(const mi_heap_t* h, const mi_heap_area_t* a, void* block, size_t bs, void* arg) {
  (void)h; (void)a; (void)bs;
  if (block != NULL) (*(size_t*)arg)++;
  return true;
}

static void* job_thread(void* arg) {
  job_t* job = (job_t*)arg;
  job->b->ctx = rt_thread_attach();
  if (job->b->ctx == NULL) { fprintf(stderr, "bench: cannot attach\n"); exit(2); }
  job->run(job->b);
  /* Leak check that needs no inline statistics: once everything pending is
     released, the thread heap (objects only) has no block left. */
  rt_collect(job->b->ctx);
  mi_heap_visit_blocks(job->b->ctx->thread_heap, true, &count_block, &job->live);
  rt_thread_detach(job->b->ctx);
  job->b->ctx = NULL;
  return NULL;
}

static bool opt_size(const char* arg, const char* name, size_t* out) {
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *out = (strcmp(arg + n + 1, "inf") == 0 ? RC_BUDGET_UNBOUNDED : (size_t)strtoull(arg + n + 1, NULL, 10));
  return true;
}

static void usage(const char* prog) {
  fprintf(stderr, "usage: %s [size] [--no-reuse] [--eager|--bounded] [--drop-budget=N] [--tick-budget=N]\n"
                  "          [--soft-limit=N] [--pause-us=N] [--time-drops] [--stats] [--threads=N]\n", prog);
  exit(2);
}

int bench_main(int argc, char** argv, const char* name, long default_size, bench_fun* run) {
  bench_t b;
  memset(&b, 0, sizeof b);
  b.size = default_size;
  b.reuse = true;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  b.threads = (int)(cpus < 1 ? 1 : cpus);
  bool stats = false;
  rt_config_t cfg;
  rt_config_default(&cfg);
  size_t v;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (i == 1 && a[0] >= '0' && a[0] <= '9') b.size = atol(a);
    else if (strcmp(a, "--no-reuse") == 0) b.reuse = false;
    else if (strcmp(a, "--reuse") == 0) b.reuse = true;
    else if (strcmp(a, "--eager") == 0) cfg.drop_budget = RC_BUDGET_UNBOUNDED;
    else if (strcmp(a, "--bounded") == 0) cfg.drop_budget = RT_DEFAULT_DROP_BUDGET;
    else if (opt_size(a, "--drop-budget", &v)) cfg.drop_budget = v;
    else if (opt_size(a, "--tick-budget", &v)) cfg.tick_budget = v;
    else if (opt_size(a, "--soft-limit", &v)) cfg.pending_soft_limit = v;
    else if (opt_size(a, "--pause-us", &v)) cfg.pause_us = (v == RC_BUDGET_UNBOUNDED ? 0 : v);
    else if (opt_size(a, "--threads", &v)) b.threads = (int)(v < 1 ? 1 : v);
    else if (strcmp(a, "--time-drops") == 0) cfg.time_drops = true;
    else if (strcmp(a, "--stats") == 0) stats = true;
    else usage(argv[0]);
  }
  if (rt_init(&cfg) != 0) { fprintf(stderr, "bench: rt_init failed\n"); return 2; }

  /* Deep recursion in the workloads themselves (cfold, deriv) needs a big
     stack; it is reserved, and only what is used becomes resident. */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)1 << 30);
  job_t job = { &b, run, 0 };
  pthread_t th;
  if (pthread_create(&th, &attr, &job_thread, &job) != 0) { fprintf(stderr, "bench: no thread\n"); return 2; }
  pthread_join(th, NULL);
  pthread_attr_destroy(&attr);

  rt_stats_t st;
  rt_stats(&st);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
#if RC_STATS
  uint64_t leaked = st.rc.allocs - st.rc.frees;
#else
  uint64_t leaked = job.live;
#endif
  if (stats) {
    fprintf(stderr, "rc-stats: bench=%s size=%ld reuse=%d drop_budget=%lld allocs=%llu frees=%llu "
                    "reuse_hits=%llu reuse_tokens=%llu atomic_ops=%llu pushed=%llu max_pending=%llu max_drop=%llu "
                    "drops_timed=%llu drop_p999_us=%.2f drop_max_us=%.1f beat_max_us=%.1f tick_max_us=%.1f ticks=%llu heartbeats=%llu assists=%llu "
                    "tasks=%llu peak_rss_kb=%ld\n",
            name, b.size, b.reuse ? 1 : 0,
            cfg.drop_budget == RC_BUDGET_UNBOUNDED ? -1LL : (long long)cfg.drop_budget,
            (unsigned long long)st.rc.allocs, (unsigned long long)st.rc.frees,
            (unsigned long long)st.rc.reuse_hits, (unsigned long long)st.rc.reuse_tokens, (unsigned long long)st.rc.atomic_ops,
            (unsigned long long)st.rc.pushed, (unsigned long long)st.rc.max_pending,
            (unsigned long long)st.rc.max_drop, (unsigned long long)st.rc.drops_timed,
            (double)st.drop_p999_ns / 1000.0, (double)st.rc.max_drop_ns / 1000.0,
            (double)st.rc.max_beat_ns / 1000.0, (double)st.rc.max_tick_ns / 1000.0, (unsigned long long)st.rc.ticks,
            (unsigned long long)st.rc.heartbeats, (unsigned long long)st.rc.assists,
            (unsigned long long)st.rc.tasks, (long)ru.ru_maxrss);
  }
  rt_shutdown();
  if (leaked != 0) {
    fprintf(stderr, "%s: %llu objects were not released\n", name, (unsigned long long)leaked);
    return 1;
  }
  return 0;
}
