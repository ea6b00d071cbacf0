/* SPDX-License-Identifier: MIT */
/* fuzz_oracle.h -- what fuzz_alloc.c checks with: failure reports, the input reader, block patterns and the interval set of live blocks. */
#ifndef MIRT_FUZZ_ORACLE_H
#define MIRT_FUZZ_ORACLE_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FZ_SLOTS
#error "define FZ_SLOTS (live blocks at most) before including fuzz_oracle.h"
#endif

static size_t op_index;                 /* for failure messages */
static char last_msg[256];              /* the allocator's last message */

/* ------------------------------------------------------------------------
   Failure reports (libFuzzer saves the input that aborted)
------------------------------------------------------------------------ */
static void fz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fz_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fuzz_alloc: FAILED at op %zu: ", op_index);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nfuzz_alloc: last allocator message: %s\n", last_msg[0] ? last_msg : "(none)");
  abort();
}

#define FZ_CHECK(cond, ...) do { if (!(cond)) fz_fail(__VA_ARGS__); } while (0)

/* ------------------------------------------------------------------------
   Input: every read past the end gives 0, so any input is a valid program
------------------------------------------------------------------------ */
typedef struct reader_s {
  const uint8_t *d;
  size_t n, pos;
} reader_t;

static uint8_t rd8(reader_t *r) { return r->pos < r->n ? r->d[r->pos++] : 0; }
static uint16_t rd16(reader_t *r) { uint16_t lo = rd8(r); return (uint16_t)(lo | (rd8(r) << 8)); }
static bool rd_more(const reader_t *r) { return r->pos < r->n; }

/* ------------------------------------------------------------------------
   Patterns and the interval set
------------------------------------------------------------------------ */
/* The pattern loops touch every byte of every block, so they are kept out
   of the sanitizers' instrumentation (mirt's memory is not ASan-tracked). */
#if defined(__clang__) || defined(__GNUC__)
#define FZ_NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
#else
#define FZ_NO_SANITIZE
#endif

static inline uint64_t pat_word(uint64_t seed, size_t i)
{
  uint64_t x = seed + (uint64_t)i * 0x9E3779B97F4A7C15ull;
  return x ^ (x >> 31);
}

/* Fills bytes [from, to) of the block at p with the pattern of `seed`. */
FZ_NO_SANITIZE static void pat_fill(uint8_t *p, size_t from, size_t to, uint64_t seed)
{
  size_t j = from;
  for (; j < to && (j & 7) != 0; j++) { uint64_t w = pat_word(seed, j / 8); p[j] = (uint8_t)(w >> (8 * (j & 7))); }
  for (; j + 8 <= to; j += 8) { uint64_t w = pat_word(seed, j / 8); memcpy(p + j, &w, 8); }
  for (; j < to; j++) { uint64_t w = pat_word(seed, j / 8); p[j] = (uint8_t)(w >> (8 * (j & 7))); }
}

/* First offset in [0, n) that differs from the pattern, or SIZE_MAX. */
FZ_NO_SANITIZE static size_t pat_first_bad(const uint8_t *p, size_t n, uint64_t seed)
{
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    uint64_t w = pat_word(seed, j / 8), got;
    memcpy(&got, p + j, 8);
    if (got != w) break;
  }
  for (; j < n; j++)
    if (p[j] != (uint8_t)(pat_word(seed, j / 8) >> (8 * (j & 7)))) return j;
  return SIZE_MAX;
}

/* The interval set: [p, p + usable) of every live block, sorted. */
static pthread_mutex_t iv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { uintptr_t lo, hi; int slot; } iv[FZ_SLOTS];
static int iv_count;

static void iv_insert(uint8_t *p, size_t usable, int slot)
{
  const uintptr_t lo = (uintptr_t)p, hi = lo + (usable ? usable : 1);
  pthread_mutex_lock(&iv_lock);
  int a = 0, b = iv_count;
  while (a < b) { int m = (a + b) / 2; if (iv[m].lo < lo) a = m + 1; else b = m; }
  if (a > 0 && iv[a - 1].hi > lo)
    fz_fail("block %p+%zu (slot %d) overlaps live block [%#lx, %#lx) (slot %d)", (void *)p, usable, slot,
            (unsigned long)iv[a - 1].lo, (unsigned long)iv[a - 1].hi, iv[a - 1].slot);
  if (a < iv_count && iv[a].lo < hi)
    fz_fail("block %p+%zu (slot %d) overlaps live block [%#lx, %#lx) (slot %d)", (void *)p, usable, slot,
            (unsigned long)iv[a].lo, (unsigned long)iv[a].hi, iv[a].slot);
  memmove(&iv[a + 1], &iv[a], (size_t)(iv_count - a) * sizeof iv[0]);
  iv[a].lo = lo; iv[a].hi = hi; iv[a].slot = slot;
  iv_count++;
  pthread_mutex_unlock(&iv_lock);
}

static void iv_remove(uint8_t *p)
{
  pthread_mutex_lock(&iv_lock);
  int a = 0, b = iv_count;
  while (a < b) { int m = (a + b) / 2; if (iv[m].lo < (uintptr_t)p) a = m + 1; else b = m; }
  if (a >= iv_count || iv[a].lo != (uintptr_t)p) fz_fail("internal: %p missing from the interval set", (void *)p);
  memmove(&iv[a], &iv[a + 1], (size_t)(iv_count - a - 1) * sizeof iv[0]);
  iv_count--;
  pthread_mutex_unlock(&iv_lock);
}

static void iv_reslot(uint8_t *p, int slot)
{
  pthread_mutex_lock(&iv_lock);
  for (int i = 0; i < iv_count; i++)
    if (iv[i].lo == (uintptr_t)p) iv[i].slot = slot;
  pthread_mutex_unlock(&iv_lock);
}

FZ_NO_SANITIZE static size_t first_nonzero(const uint8_t *p, size_t from, size_t to)
{
  size_t j = from;
  for (; j < to && (j & 7) != 0; j++) if (p[j] != 0) return j;
  for (; j + 8 <= to; j += 8) { uint64_t w; memcpy(&w, p + j, 8); if (w != 0) break; }
  for (; j < to; j++) if (p[j] != 0) return j;
  return SIZE_MAX;
}

#endif /* MIRT_FUZZ_ORACLE_H */
