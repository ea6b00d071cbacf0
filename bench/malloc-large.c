/* SPDX-License-Identifier: MIT */
/* malloc-large: replace random buffers of 5-25 MiB among 20 live ones, touching every page. */

/*
 * usage: malloc-large ITERATIONS [LIVE [THREADS [PHASES]]]
 *
 * Keeps LIVE (default 20) buffers; ITERATIONS times frees a random one and
 * allocates a new buffer of a random size between 5 and 25 MiB, writing
 * one byte in every 4 KiB page of it (as a program filling a buffer would).
 * An allocator that hands such blocks back to the OS on free and maps them
 * again pays a page fault per page each time; one that keeps them pays none.
 *
 * With THREADS > 1 the buffers are split into THREADS groups (at least one
 * each), each worked on by its own thread; with PHASES > 1 the iterations
 * are split into PHASES phases, each run by freshly started threads, and
 * the buffers stay live from one phase to the next: the next phase's thread
 * frees what a thread that has exited allocated. The defaults (1, 1) are
 * the single-threaded program.
 *
 * Self-check: each page's byte encodes (iteration, page); the first, last
 * and a pseudo-random page are verified before each free, and allocations
 * must equal frees at the end.
 */
#include "bench.h"

#include <stdatomic.h>

#define PAGE 4096
#define MIB ((size_t)1 << 20)

typedef struct buf_s {
  unsigned char *p;
  size_t n;
  uint64_t stamp;
} buf_t;

typedef struct group_s {
  buf_t *buf;          /* this group's buffers */
  long live;           /* how many */
  long steps;          /* iterations this phase */
  long done;           /* iterations of earlier phases (stamps stay unique) */
  uint64_t rng;
  int id;
} group_t;

static atomic_ullong allocs, frees;

static unsigned char page_byte(uint64_t stamp, size_t page) { return (unsigned char)(stamp * 31 + page * 7 + 1); }

static void fill(buf_t *b)
{
  for (size_t off = 0, pg = 0; off < b->n; off += PAGE, pg++) b->p[off] = page_byte(b->stamp, pg);
}

static void verify(const buf_t *b, uint64_t *rng)
{
  size_t pages = (b->n + PAGE - 1) / PAGE;
  size_t probe[3] = { 0, pages - 1, (size_t)rng_below(rng, pages) };
  for (int k = 0; k < 3; k++)
    if (b->p[probe[k] * PAGE] != page_byte(b->stamp, probe[k]))
      bench_fail("buffer %p (%zu bytes) page %zu overwritten while live", (void *)b->p, b->n, probe[k]);
}

static void *work(void *arg)
{
  group_t *g = (group_t *)arg;
  uint64_t a = 0, f = 0;
  for (long k = 0; k < g->steps; k++) {
    long it = g->done + k;
    /* the group's first LIVE steps fill its set, then replacements */
    long i = it < g->live ? it : (long)rng_below(&g->rng, (uint64_t)g->live);
    buf_t *b = &g->buf[i];
    if (b->p != NULL) {
      verify(b, &g->rng);
      free(b->p);
      f++;
    }
    b->n = (size_t)rng_range(&g->rng, 5 * MIB, 25 * MIB);
    b->p = (unsigned char *)bench_malloc(b->n);
    b->stamp = ((uint64_t)g->id << 40) + (uint64_t)it;
    fill(b);
    a++;
  }
  atomic_fetch_add(&allocs, a);
  atomic_fetch_add(&frees, f);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "malloc-large";
  long iterations = bench_arg(argc, argv, 1, 400);
  long live = bench_arg(argc, argv, 2, 20);
  int threads = (int)bench_arg(argc, argv, 3, 1);
  long phases = bench_arg(argc, argv, 4, 1);
  if (live < 1 || threads < 1 || phases < 1) bench_fail("bad arguments");
  if (live < threads) live = threads;
  buf_t *buf = (buf_t *)calloc((size_t)live, sizeof(buf_t));
  group_t *g = (group_t *)calloc((size_t)threads, sizeof(group_t));
  if (buf == NULL || g == NULL) bench_fail("calloc");
  long total = iterations + live, first = 0;
  for (int t = 0; t < threads; t++) {
    g[t].id = t;
    g[t].live = live / threads + (t < live % threads);
    g[t].buf = buf + first;
    first += g[t].live;
    g[t].rng = 0x1a2b3c4dULL ^ bench_mix((uint64_t)t);
  }
  for (long p = 0; p < phases; p++) {
    for (int t = 0; t < threads; t++) {
      /* the group's share of all steps (fill + replacements), spread over the phases */
      long share = g[t].live + iterations / threads + (t < iterations % threads);
      g[t].steps = share * (p + 1) / phases - share * p / phases;
    }
    bench_run_threads(threads, work, g, sizeof(group_t));
    for (int t = 0; t < threads; t++) g[t].done += g[t].steps;
  }
  uint64_t rng = 0x5151;
  uint64_t f = 0;
  for (long i = 0; i < live; i++) {
    if (buf[i].p == NULL) continue;
    verify(&buf[i], &rng);
    free(buf[i].p);
    f++;
  }
  free(buf);
  free(g);
  f += atomic_load(&frees);
  if (atomic_load(&allocs) != f || (long)f != total)
    bench_fail("allocated %llu, freed %llu, expected %ld", (unsigned long long)atomic_load(&allocs),
               (unsigned long long)f, total);
  bench_ok("iterations=%ld live=%ld threads=%d phases=%ld allocations=%llu", iterations, live, threads, phases,
           (unsigned long long)f);
  return 0;
}
