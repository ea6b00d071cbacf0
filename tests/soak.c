/* SPDX-License-Identifier: MIT */
/* soak.c -- minutes of a Larson-style mix over libmirt (threads, heaps created and destroyed, blocks up to MiBs, all pattern-checked, thread churn), with RSS and live bytes sampled each second and the trend asserted. */

/*
 * Usage: tests/soak [OUTDIR]   (default tests/soak-results; `make soak`)
 * Environment: SOAK_SECONDS (300: the measured phase), SOAK_THREADS (4), SOAK_LIVE_MB (256),
 *              SOAK_CHURN_SECONDS (10: each worker's thread is replaced
 *              this often; its live blocks pass to the new thread),
 *              SOAK_RATE (10000 operations a second per thread, so that
 *              the load, and the memory waiting for its purge delay, does
 *              not depend on the speed of the machine; 0: unpaced),
 *              SOAK_WARMUP_OPS (20000000), SOAK_WARMUP_MAX_SECONDS (600).
 * First a warm-up runs unpaced until SOAK_WARMUP_OPS operations: RSS
 * climbs while fragmentation settles (the order of ten million random
 * replacements; glibc climbs too, far more), and a run of minutes would
 * otherwise judge that climb.  It is sampled (column `measured` = 0, dots
 * in the plot) but not judged; then SOAK_SECONDS of paced load are.
 * Writes OUTDIR/soak.csv (one line a second), soak.gp and, when gnuplot is
 * installed, soak.svg.  Fails (exit 1) when:
 *   - a block's pattern is damaged, or an allocation fails;
 *   - RSS grows over the second half of the measured phase: the Theil-Sen
 *     slope (the median of the slopes of all pairs of samples, robust to
 *     the spikes that large blocks make) minus two standard errors is
 *     above 1 MiB/min.  A run of minutes thus fails on clear growth (a
 *     leak of a few MiB a minute), not on noise; longer runs shrink the
 *     error towards the bare 1 MiB/min of the 30-minute soak (D12);
 *   - peak RSS > 1.6 x peak live bytes + 32 MiB in the measured phase;
 *   - after everything is freed, mi_stats_get's live blocks differ from
 *     the start.
 * The load is stationary by construction: each worker owns a fixed set
 * of slots in four size classes (tiny 8-256 B, small to 8 KiB, medium to
 * 256 KiB, large 1-4 MiB), all filled before sampling starts, and every
 * replacement draws its size from the slot's class.  So the live set is
 * flat from the first sample (SOAK_LIVE_MB, split 10/25/35/30% between the
 * classes), and a rising RSS is the allocator's doing.  Live bytes are the
 * harness's own sum of usable sizes.
 */
#include "rel_common.h"   /* mi_* API, rel_fail, rel_rss */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define MAX_THREADS 64
#define INBOX 64                 /* blocks in flight to a worker at most */
#define HANDOFF_MAX (64 * 1024)  /* only blocks up to this size travel */
#define SLOPE_MAX_MIB_MIN 1.0
#define RSS_FACTOR 1.6
#define RSS_SLACK (32 * MiB)

typedef struct block_s {
  uint8_t *p;
  size_t size;                   /* usable size: the whole of it carries the pattern */
  uint64_t seed;
} block_t;

/* Size classes: each worker has share * its budget / mean size slots of a
   class, and picks the class of an operation by its weight (per mille). */
typedef struct sclass_s {
  size_t lo, hi;
  double share;
  unsigned weight;
} sclass_t;

static const sclass_t classes[] = {
  { 8, 256, 0.10, 560 },
  { 257, 8 * 1024, 0.25, 390 },
  { 8 * 1024 + 1, 256 * 1024, 0.35, 49 },
  { 1 << 20, 4 << 20, 0.30, 1 },
};
#define NCLASSES ((int)(sizeof classes / sizeof classes[0]))

typedef struct worker_s {
  int index;
  pthread_t thread;
  block_t *slots;
  size_t nslots;
  size_t class_first[NCLASSES + 1];   /* slots of class c: [class_first[c], class_first[c + 1]) */
  uint64_t rng;
  pthread_mutex_t lock;          /* guards the inbox */
  block_t inbox[INBOX];
  int inbox_n;
  atomic_bool retire;            /* the thread should exit (churn) */
} worker_t;

static worker_t workers[MAX_THREADS];
static int nworkers = 4;
static size_t budget;            /* live bytes per worker */
static atomic_int filled;        /* workers whose slots are all filled */
static atomic_size_t live_bytes;
static atomic_ullong ops, heaps_done, threads_started, handoffs;
static atomic_bool stop;
static long rate;                /* ops a second per thread; 0: unpaced */
static atomic_bool measuring;    /* false during the warm-up, which is never paced */

static uint64_t next(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static size_t class_size(uint64_t *rng, int c)
{
  return classes[c].lo + next(rng) % (classes[c].hi - classes[c].lo + 1);
}

/* ---- patterns over whole usable sizes ----------------------------------- */
static inline uint64_t pat(uint64_t seed, size_t i) { return (seed + i) * 0xD6E8FEB86659FD93ull; }

static void fill(uint8_t *p, size_t from, size_t to, uint64_t seed)
{
  size_t i = from & ~(size_t)7;
  for (; i < to; i += 8) {
    uint64_t w = pat(seed, i / 8);
    if (i >= from && i + 8 <= to) memcpy(p + i, &w, 8);
    else for (size_t j = 0; j < 8; j++) if (i + j >= from && i + j < to) p[i + j] = (uint8_t)(w >> (8 * j));
  }
}

static void verify(const block_t *b, size_t upto, const char *when)
{
  const size_t n = upto < b->size ? upto : b->size;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, b->p + i, 8);
    if (w != pat(b->seed, i / 8)) break;
  }
  for (; i < n; i++)
    if (b->p[i] != (uint8_t)(pat(b->seed, i / 8) >> (8 * (i % 8))))
      rel_fail("%s: block %p of %zu bytes damaged at offset %zu", when, (void *)b->p, b->size, i);
}

static void block_new(block_t *b, void *p, size_t req, uint64_t seed, const char *what)
{
  if (p == NULL) rel_fail("%s(%zu) returned NULL (errno %d)", what, req, errno);
  b->p = p;
  b->size = mi_usable_size(p);
  if (b->size < req) rel_fail("%s(%zu): usable size %zu", what, req, b->size);
  b->seed = seed;
  fill(b->p, 0, b->size, seed);
  atomic_fetch_add(&live_bytes, b->size);
}

static void block_free(block_t *b, const char *when)
{
  verify(b, SIZE_MAX, when);
  atomic_fetch_sub(&live_bytes, b->size);
  mi_free(b->p);
  b->p = NULL;
}

/* ---- the worker ---------------------------------------------------------- */
static void drain_inbox(worker_t *w)
{
  block_t got[INBOX];
  pthread_mutex_lock(&w->lock);
  const int n = w->inbox_n;
  memcpy(got, w->inbox, (size_t)n * sizeof got[0]);
  w->inbox_n = 0;
  pthread_mutex_unlock(&w->lock);
  for (int i = 0; i < n; i++) block_free(&got[i], "free of a block from another thread");
}

/* Frees the block in a slot, or hands it to another worker to free. */
static void release(worker_t *w, block_t *b)
{
  if (b->size <= HANDOFF_MAX && next(&w->rng) % 8 == 0 && nworkers > 1) {
    worker_t *o = &workers[(w->index + 1 + (int)(next(&w->rng) % (uint64_t)(nworkers - 1))) % nworkers];
    pthread_mutex_lock(&o->lock);
    if (o->inbox_n < INBOX) {
      o->inbox[o->inbox_n++] = *b;
      pthread_mutex_unlock(&o->lock);
      b->p = NULL;
      atomic_fetch_add(&handoffs, 1);
      return;
    }
    pthread_mutex_unlock(&o->lock);
  }
  block_free(b, "free");
}

/* A first-class heap: a batch of blocks, checked, then destroyed at once or
   freed one by one and the heap deleted. */
static void heap_round(worker_t *w)
{
  mi_heap_t *heap = mi_heap_new();
  if (heap == NULL) rel_fail("mi_heap_new returned NULL");
  const size_t n = 200 + next(&w->rng) % 1800;
  block_t *bs = mi_malloc(n * sizeof *bs);   /* the list itself comes from the default heap */
  if (bs == NULL) rel_fail("mi_malloc of the batch list failed");
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) {
    size_t req = class_size(&w->rng, next(&w->rng) % 4 == 0 ? 1 : 0);
    if (bytes + req > budget / 16) req = 16;             /* a batch stays small next to the live set */
    block_new(&bs[i], mi_heap_malloc(heap, req), req, next(&w->rng), "mi_heap_malloc");
    bytes += bs[i].size;
    if (!mi_heap_contains_block(heap, bs[i].p)) rel_fail("mi_heap_contains_block is false for a block of the heap");
  }
  for (size_t i = 0; i < n; i++) verify(&bs[i], SIZE_MAX, "heap batch");
  if (next(&w->rng) & 1) {
    for (size_t i = 0; i < n; i++) atomic_fetch_sub(&live_bytes, bs[i].size);
    mi_heap_destroy(heap);
  } else {
    for (size_t i = 0; i < n; i++) block_free(&bs[i], "heap batch free");
    mi_heap_delete(heap);
  }
  mi_free(bs);
  atomic_fetch_add(&heaps_done, 1);
}

/* Fills slot b with a new block of class c. */
static void allocate(worker_t *w, block_t *b, int c)
{
  const size_t req = class_size(&w->rng, c);
  const uint64_t r = next(&w->rng) % 100;
  if (r < 15) {
    block_new(b, mi_zalloc(req), req, next(&w->rng), "mi_zalloc");
  } else if (r < 20) {
    const size_t align = (size_t)16 << (next(&w->rng) % 9);
    block_new(b, mi_malloc_aligned(req, align), req, next(&w->rng), "mi_malloc_aligned");
    if ((uintptr_t)b->p % align != 0) rel_fail("mi_malloc_aligned(%zu, %zu) = %p", req, align, (void *)b->p);
  } else {
    block_new(b, mi_malloc(req), req, next(&w->rng), "mi_malloc");
  }
}

static void step(worker_t *w)
{
  unsigned pick = (unsigned)(next(&w->rng) % 1000);
  int c = 0;
  while (c < NCLASSES - 1 && pick >= classes[c].weight) pick -= classes[c++].weight;
  const size_t first = w->class_first[c], count = w->class_first[c + 1] - first;
  block_t *b = &w->slots[first + next(&w->rng) % count];
  if (b->p != NULL && next(&w->rng) % 10 == 0) {   /* realloc within the class: the prefix survives */
    const size_t req = class_size(&w->rng, c), old = b->size;
    verify(b, SIZE_MAX, "before realloc");
    uint8_t *q = mi_realloc(b->p, req);
    if (q == NULL) rel_fail("mi_realloc(%zu) returned NULL", req);
    block_t nb = { q, mi_usable_size(q), b->seed };
    if (nb.size < req) rel_fail("mi_realloc(%zu): usable size %zu", req, nb.size);
    verify(&nb, old < req ? old : req, "after realloc");
    fill(q, old < req ? old : req, nb.size, b->seed);
    atomic_fetch_add(&live_bytes, nb.size);
    atomic_fetch_sub(&live_bytes, old);
    *b = nb;
    return;
  }
  if (b->p != NULL) release(w, b);
  allocate(w, b, c);
}

static double now_s(void);

static void *worker_main(void *arg)
{
  worker_t *w = arg;
  atomic_fetch_add(&threads_started, 1);
  unsigned long n = 0;
  if (w->slots[0].p == NULL) {                     /* the first thread of this worker fills every slot */
    for (int c = 0; c < NCLASSES; c++)
      for (size_t k = w->class_first[c]; k < w->class_first[c + 1]; k++) allocate(w, &w->slots[k], c);
    atomic_fetch_add(&filled, 1);
  }
  double t0 = 0;
  unsigned long n0 = 0;
  bool paced = false;
  while (!atomic_load(&stop) && !atomic_load(&w->retire)) {
    step(w);
    if ((++n & 63) == 0) drain_inbox(w);
    if ((n % 50000) == 0) heap_round(w);
    if ((n & 1023) == 0) {
      atomic_fetch_add(&ops, 1024);
      if (rate <= 0 || !atomic_load(&measuring)) continue;
      if (!paced) { paced = true; t0 = now_s(); n0 = n; }
      const double ahead = (double)(n - n0) / (double)rate - (now_s() - t0);
      if (ahead > 0.001) usleep((useconds_t)(ahead * 1e6));
    }
  }
  drain_inbox(w);
  return NULL;   /* mirt's thread exit: live blocks are abandoned to whoever frees them */
}

/* ---- sampling and the verdict --------------------------------------------- */
static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Least-squares slope of y over x. */
static double slope(const double *x, const double *y, int n)
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i]; }
  const double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

/* Standard error of the least-squares slope, with the sample count cut
   down for the lag-1 autocorrelation of the residuals (RSS samples a
   second apart are not independent). */
static double slope_stderr(const double *x, const double *y, int n)
{
  if (n < 4) return 0;
  double xb = 0, yb = 0;
  for (int i = 0; i < n; i++) { xb += x[i]; yb += y[i]; }
  xb /= n; yb /= n;
  double sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) { sxx += (x[i] - xb) * (x[i] - xb); sxy += (x[i] - xb) * (y[i] - yb); }
  if (sxx == 0) return 0;
  const double b = sxy / sxx;
  double see = 0, lag = 0, prev = 0;
  for (int i = 0; i < n; i++) {
    const double e = y[i] - (yb + b * (x[i] - xb));
    see += e * e;
    if (i > 0) lag += e * prev;
    prev = e;
  }
  double rho = see > 0 ? lag / see : 0;
  if (rho < 0) rho = 0;
  if (rho > 0.95) rho = 0.95;
  const double inflate = (1 + rho) / (1 - rho);   /* n / effective n */
  return sqrt(see / (n - 2) / sxx * inflate);
}

static int cmp_double(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Theil-Sen slope: the median of (y[j] - y[i]) / (x[j] - x[i]) over all
   pairs; one spike moves it little. */
static double slope_robust(const double *x, const double *y, int n)
{
  if (n < 2) return 0;
  const int step = (n + 1999) / 2000;              /* long runs: every step-th sample, 2000 at most */
  const size_t np = (size_t)((n + step - 1) / step);
  double *s = malloc(sizeof(double) * np * (np - 1) / 2 + sizeof(double));
  if (s == NULL) rel_fail("malloc failed");
  size_t k = 0;
  for (int i = 0; i < n; i += step)
    for (int j = i + step; j < n; j += step)
      if (x[j] != x[i]) s[k++] = (y[j] - y[i]) / (x[j] - x[i]);
  qsort(s, k, sizeof *s, cmp_double);
  const double m = k == 0 ? 0 : (k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2);
  free(s);
  return m;
}

static long env_long(const char *name, long dflt)
{
  const char *v = getenv(name);
  return (v != NULL && *v != 0) ? strtol(v, NULL, 10) : dflt;
}

static void write_plot(const char *dir)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/soak.gp", dir);
  FILE *f = fopen(path, "w");
  if (f == NULL) rel_fail("cannot write %s", path);
  fprintf(f, "set datafile separator ','\nset terminal svg size 900,500 dynamic\nset output '%s/soak.svg'\n"
             "set title 'mirt soak: RSS and live bytes'\nset xlabel 'seconds'\nset ylabel 'MiB'\nset key left top\nset grid\n"
             "plot '%s/soak.csv' using 1:3 with lines lw 2 title 'RSS', '' using 1:4 with lines lw 2 title 'live (harness)', "
             "'' using 1:($2 == 0 ? $3 : 1/0) with points pt 7 ps 0.3 title 'warm-up (not judged)'\n",
          dir, dir);
  fclose(f);
  char cmd[3 * sizeof path + 200];
  snprintf(cmd, sizeof cmd, "command -v gnuplot >/dev/null 2>&1 && gnuplot '%s' && echo 'soak: plot in %s/soak.svg' "
                            "|| echo 'soak: gnuplot not found; plot with: gnuplot %s'", path, dir, path);
  if (system(cmd) != 0) fprintf(stderr, "soak: gnuplot failed\n");
}

int main(int argc, char **argv)
{
  rel_name = "soak";
  const char *dir = argc > 1 ? argv[1] : "tests/soak-results";
  const long seconds = env_long("SOAK_SECONDS", 300);
  nworkers = (int)env_long("SOAK_THREADS", 4);
  const size_t live_target = (size_t)env_long("SOAK_LIVE_MB", 256) * MiB;
  const long churn = env_long("SOAK_CHURN_SECONDS", 10);
  rate = env_long("SOAK_RATE", 10000);
  const long warmup_ops = env_long("SOAK_WARMUP_OPS", 20000000);
  const long warmup_s_max = env_long("SOAK_WARMUP_MAX_SECONDS", 600);
  if (seconds < 4 || nworkers < 1 || nworkers > MAX_THREADS || live_target < 8 * MiB) rel_fail("bad parameters");
  mkdir(dir, 0777);
  char path[4096];
  snprintf(path, sizeof path, "%s/soak.csv", dir);
  FILE *csv = fopen(path, "w");
  if (csv == NULL) rel_fail("cannot write %s", path);
  fprintf(csv, "seconds,measured,rss_mib,live_mib,ops,threads_started,heaps_done,handoffs\n");

  mi_collect(true);
  mi_stats_t_decl(st0);
  mi_stats_get(&st0);
  budget = live_target / (size_t)nworkers;
  for (int i = 0; i < nworkers; i++) {
    worker_t *w = &workers[i];
    w->index = i;
    w->nslots = 0;
    for (int c = 0; c < NCLASSES; c++) {
      w->class_first[c] = w->nslots;
      const size_t k = (size_t)(classes[c].share * (double)budget / (double)((classes[c].lo + classes[c].hi) / 2));
      w->nslots += k > 0 ? k : 1;
    }
    w->class_first[NCLASSES] = w->nslots;
    w->slots = calloc(w->nslots, sizeof *w->slots);
    if (w->slots == NULL) rel_fail("calloc of the slots failed");
    w->rng = 0xC0FFEEull * (uint64_t)(i + 1);
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) rel_fail("pthread_create failed");
  }
  while (atomic_load(&filled) < nworkers) usleep(10000);
  printf("soak: %ld s, %d threads at %ld ops/s each, live set %zu MiB in %zu blocks, thread churn every %ld s; CSV in %s\n",
         seconds, nworkers, rate, atomic_load(&live_bytes) / MiB, workers[0].nslots * (size_t)nworkers, churn, path);
  fflush(stdout);

  /* the warm-up: unpaced until warmup_ops operations, sampled (phase 0)
     but not judged; then SOAK_SECONDS of paced load, judged (phase 1) */
  const long total = warmup_s_max + seconds + 2;
  double *ts = calloc((size_t)total, sizeof *ts), *rss = calloc((size_t)total, sizeof *rss);
  double *live = calloc((size_t)total, sizeof *live);
  if (ts == NULL || rss == NULL || live == NULL) rel_fail("calloc failed");
  const double t0 = now_s();
  int n = 0, next_churn = 0, first = -1;
  long measured = 0;
  for (long s = 1; measured < seconds; s++) {
    const double target = t0 + (double)s;
    double t;
    while ((t = now_s()) < target) usleep((useconds_t)((target - t) * 1e6) + 1000);
    if (first < 0 && (atomic_load(&ops) >= (unsigned long long)warmup_ops || s > warmup_s_max)) {
      first = n;
      atomic_store(&measuring, true);
      printf("soak: warm-up done after %ld s and %llu ops; now %ld s paced\n", s - 1, atomic_load(&ops), seconds);
      fflush(stdout);
    }
    ts[n] = t - t0;
    rss[n] = (double)rel_rss() / MiB;
    live[n] = (double)atomic_load(&live_bytes) / MiB;
    fprintf(csv, "%.1f,%d,%.2f,%.2f,%llu,%llu,%llu,%llu\n", ts[n], first >= 0, rss[n], live[n], atomic_load(&ops),
            atomic_load(&threads_started), atomic_load(&heaps_done), atomic_load(&handoffs));
    fflush(csv);
    n++;
    if (first >= 0) measured++;
    if (churn > 0 && s % churn == 0) {             /* replace one worker's thread */
      worker_t *w = &workers[next_churn++ % nworkers];
      atomic_store(&w->retire, true);
      pthread_join(w->thread, NULL);
      atomic_store(&w->retire, false);
      if (pthread_create(&w->thread, NULL, worker_main, w) != 0) rel_fail("pthread_create failed (churn)");
    }
  }
  atomic_store(&stop, true);
  for (int i = 0; i < nworkers; i++) pthread_join(workers[i].thread, NULL);
  for (int i = 0; i < nworkers; i++) {
    worker_t *w = &workers[i];
    drain_inbox(w);
    for (size_t k = 0; k < w->nslots; k++)
      if (w->slots[k].p != NULL) block_free(&w->slots[k], "final free");
  }
  fclose(csv);
  mi_collect(true);
  mi_stats_t_decl(st);
  mi_stats_get(&st);

  /* the verdict, on the measured phase [first, n) */
  double peak_rss = 0, peak_live = 0, warm_peak = 0;
  for (int i = 0; i < n; i++) {
    if (i < first) { if (rss[i] > warm_peak) warm_peak = rss[i]; continue; }
    if (rss[i] > peak_rss) peak_rss = rss[i];
    if (live[i] > peak_live) peak_live = live[i];
  }
  const int half = first + (n - first) / 2;
  const double rss_slope = slope_robust(ts + half, rss + half, n - half) * 60.0;
  const double rss_ls = slope(ts + half, rss + half, n - half) * 60.0;
  const double rss_se = slope_stderr(ts + half, rss + half, n - half) * 60.0;
  const double rss_low = rss_slope - 2 * rss_se;   /* about the 95% lower bound */
  const double live_slope = slope(ts + half, live + half, n - half) * 60.0;
  double *over = calloc((size_t)n + 1, sizeof *over);
  if (over == NULL) rel_fail("calloc failed");
  for (int i = 0; i < n; i++) over[i] = rss[i] - live[i];
  const double over_slope = slope(ts + half, over + half, n - half) * 60.0;
  printf("soak: %llu ops, %llu threads, %llu heaps, %llu cross-thread frees; all blocks checked\n", atomic_load(&ops),
         atomic_load(&threads_started), atomic_load(&heaps_done), atomic_load(&handoffs));
  printf("soak: second half: RSS slope %+.3f +- %.3f MiB/min (Theil-Sen +- 2 standard errors; least squares %+.3f), "
         "lower bound %+.3f (fails above %.1f); live %+.3f MiB/min, RSS-live %+.3f MiB/min\n", rss_slope, 2 * rss_se, rss_ls,
         rss_low, SLOPE_MAX_MIB_MIN, live_slope, over_slope);
  printf("soak: peak RSS %.1f MiB (warm-up %.1f), peak live %.1f MiB, bound %.1f MiB; RSS after freeing all %.1f MiB; "
         "live blocks %lld (start %lld)\n", peak_rss, warm_peak, peak_live, RSS_FACTOR * peak_live + (double)RSS_SLACK / MiB,
         (double)rel_rss() / MiB, (long long)st.malloc_blocks.current, (long long)st0.malloc_blocks.current);
  write_plot(dir);
  if (rss_low > SLOPE_MAX_MIB_MIN)
    rel_fail("RSS grows over the second half: %+.3f MiB/min, at least %+.3f with 95%% confidence", rss_slope, rss_low);
  if (peak_rss > RSS_FACTOR * peak_live + (double)RSS_SLACK / MiB)
    rel_fail("peak RSS %.1f MiB exceeds 1.6 x peak live (%.1f MiB) + 32 MiB", peak_rss, peak_live);
  if (st.malloc_blocks.current != st0.malloc_blocks.current)
    rel_fail("%lld live blocks after freeing everything, %lld at the start", (long long)st.malloc_blocks.current,
         (long long)st0.malloc_blocks.current);
  if (atomic_load(&live_bytes) != 0) rel_fail("harness accounting: %zu live bytes left", atomic_load(&live_bytes));
  printf("soak: PASS\n");
  return 0;
}
