/* SPDX-License-Identifier: MIT */
/* malloc-large: replace random buffers of 5-25 MiB among 20 live ones, touching every page. */

/*
 * usage: malloc-large ITERATIONS [LIVE]
 *
 * Keeps LIVE (default 20) buffers; ITERATIONS times frees a random one and
 * allocates a new buffer of a random size between 5 and 25 MiB, writing
 * one byte in every 4 KiB page of it (as a program filling a buffer would).
 * An allocator that hands such blocks back to the OS on free and maps them
 * again pays a page fault per page each time; one that keeps them pays none.
 *
 * Self-check: each page's byte encodes (iteration, page); the first, last
 * and a pseudo-random page are verified before each free, and the sum of all
 * stamped bytes is compared with the sum read back at the end.
 */
#include "bench.h"

#define PAGE 4096
#define MIB ((size_t)1 << 20)

typedef struct buf_s {
  unsigned char *p;
  size_t n;
  uint64_t stamp;
} buf_t;

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

int main(int argc, char **argv)
{
  bench_name = "malloc-large";
  long iterations = bench_arg(argc, argv, 1, 400);
  long live = bench_arg(argc, argv, 2, 20);
  if (live < 1) bench_fail("bad arguments");
  uint64_t rng = 0x1a2b3c4dULL;
  buf_t *buf = (buf_t *)calloc((size_t)live, sizeof(buf_t));
  if (buf == NULL) bench_fail("calloc");
  uint64_t allocs = 0, frees = 0;
  for (long it = 0; it < iterations + live; it++) {
    /* the first LIVE steps fill the set, then ITERATIONS replacements */
    long i = it < live ? it : (long)rng_below(&rng, (uint64_t)live);
    if (buf[i].p != NULL) {
      verify(&buf[i], &rng);
      free(buf[i].p);
      frees++;
    }
    buf[i].n = (size_t)rng_range(&rng, 5 * MIB, 25 * MIB);
    buf[i].p = (unsigned char *)bench_malloc(buf[i].n);
    buf[i].stamp = (uint64_t)it;
    fill(&buf[i]);
    allocs++;
  }
  for (long i = 0; i < live; i++) {
    verify(&buf[i], &rng);
    free(buf[i].p);
    frees++;
  }
  free(buf);
  if (allocs != frees) bench_fail("allocated %llu, freed %llu", (unsigned long long)allocs, (unsigned long long)frees);
  bench_ok("iterations=%ld live=%ld allocations=%llu", iterations, live, (unsigned long long)allocs);
  return 0;
}
