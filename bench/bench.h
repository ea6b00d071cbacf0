/* SPDX-License-Identifier: MIT */
/* Shared helpers for the bench workloads: arguments, PRNG, clock, block marks, result line. */
#ifndef MIRT_BENCH_H
#define MIRT_BENCH_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every workload ends with exactly one line the runner parses:
 *   RESULT ok <name> key=value ...      (exit status 0)
 *   RESULT FAIL <name> <reason>         (exit status 3)
 * A key `rtime=` (seconds) replaces the wall time for fixed-time workloads. */

static const char *bench_name = "bench";

static inline __attribute__((noreturn, format(printf, 1, 2)))
void bench_fail(const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  printf("RESULT FAIL %s ", bench_name);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  exit(3);
}

static inline __attribute__((format(printf, 1, 2)))
void bench_ok(const char *fmt, ...)
{
  va_list ap;
  printf("RESULT ok %s ", bench_name);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

/* Positional argument i (1-based) as a long, default `def` when absent. */
static inline long bench_arg(int argc, char **argv, int i, long def)
{
  char *end;
  long v;
  if (i >= argc) return def;
  errno = 0;
  v = strtol(argv[i], &end, 0);
  if (errno != 0 || *end != '\0' || v < 0) {
    fprintf(stderr, "%s: bad argument %d: '%s'\n", bench_name, i, argv[i]);
    exit(2);
  }
  return v;
}

static inline double bench_arg_double(int argc, char **argv, int i, double def)
{
  char *end;
  double v;
  if (i >= argc) return def;
  v = strtod(argv[i], &end);
  if (*end != '\0' || v < 0) {
    fprintf(stderr, "%s: bad argument %d: '%s'\n", bench_name, i, argv[i]);
    exit(2);
  }
  return v;
}

static inline double bench_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64: small, fast, good enough to pick sizes and slots. */
static inline uint64_t rng_next(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) without a division. */
static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
  return (uint64_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

/* Uniform in [lo, hi]. */
static inline uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
  return lo + rng_below(s, hi - lo + 1);
}

/* A hash used to derive the tag written into a block from its identity. */
static inline uint64_t bench_mix(uint64_t x)
{
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

/* malloc that turns NULL into a reported failure (never a silent crash). */
static inline void *bench_malloc(size_t n)
{
  void *p = malloc(n);
  if (p == NULL) bench_fail("malloc(%zu) returned NULL", n);
  if (((uintptr_t)p & 7) != 0) bench_fail("malloc(%zu) returned misaligned %p", n, p);
  return p;
}

/* Write a tag at both ends of a block of n >= 1 bytes; blk_check verifies
 * it. Overlapping or recycled-while-live blocks overwrite each other's marks. */
static inline void blk_mark(void *p, size_t n, uint64_t tag)
{
  unsigned char *b = (unsigned char *)p;
  if (n >= 16) {
    uint64_t t2 = ~tag;
    memcpy(b, &tag, 8);
    memcpy(b + n - 8, &t2, 8);
  } else {
    b[0] = (unsigned char)tag;
    if (n > 1) b[n - 1] = (unsigned char)((tag >> 8) ^ n);
  }
}

static inline int blk_ok(const void *p, size_t n, uint64_t tag)
{
  const unsigned char *b = (const unsigned char *)p;
  if (n >= 16) {
    uint64_t a, z;
    memcpy(&a, b, 8);
    memcpy(&z, b + n - 8, 8);
    return a == tag && z == ~tag;
  }
  return b[0] == (unsigned char)tag && (n == 1 || b[n - 1] == (unsigned char)((tag >> 8) ^ n));
}

static inline void blk_check(const void *p, size_t n, uint64_t tag)
{
  if (!blk_ok(p, n, tag))
    bench_fail("block %p (%zu bytes) was overwritten while live", p, n);
}

/* Start n threads running fn(&args[i]) (args is an array of elements of
 * `size` bytes) and join them all. */
static inline void bench_run_threads(int n, void *(*fn)(void *), void *args, size_t size)
{
  pthread_t *tid = (pthread_t *)calloc((size_t)n, sizeof(pthread_t));
  if (tid == NULL) bench_fail("calloc for %d thread ids failed", n);
  for (int i = 0; i < n; i++) {
    int rc = pthread_create(&tid[i], NULL, fn, (char *)args + (size_t)i * size);
    if (rc != 0) bench_fail("pthread_create: %s", strerror(rc));
  }
  for (int i = 0; i < n; i++) pthread_join(tid[i], NULL);
  free(tid);
}

#endif
