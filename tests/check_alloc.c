/* SPDX-License-Identifier: MIT */
/* check_alloc.c -- malloc/calloc/realloc/free family: semantics, errno, usable size. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mimalloc.h>

#include "check_main.h"

/* A size for which every allocation must fail with ENOMEM. */
static const size_t huge_sizes[] = {
  (size_t)PTRDIFF_MAX + 1, (size_t)PTRDIFF_MAX + 4096, SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15,
  SIZE_MAX - 16, SIZE_MAX - 4095, SIZE_MAX - 4096, SIZE_MAX - 65535, SIZE_MAX - (1u << 20),
  SIZE_MAX / 2 + 2, (size_t)1 << 50, ((size_t)1 << 50) | (((size_t)1 << 50) - 1),
  (size_t)5 << 50, (size_t)64 << 50, ((size_t)4096 << 50) | (((size_t)1 << 50) - 1),
};
#define N_HUGE (sizeof(huge_sizes) / sizeof(huge_sizes[0]))

/* ------------------------------------------------------------------------
   core
------------------------------------------------------------------------ */

START_TEST(test_alloc_malloc_zero_unique)
{
  enum { N = 1000 };
  void *blocks[N];
  for (int i = 0; i < N; i++) {
    blocks[i] = mi_malloc(0);
    ck_assert_ptr_nonnull(blocks[i]);
    memset(check_launder(blocks[i]), 0x5A, mi_usable_size(blocks[i]));
  }
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      ck_assert_msg(blocks[i] != blocks[j], "malloc(0) returned %p twice", blocks[i]);
  for (int i = 0; i < N; i++) mi_free(blocks[i]);
}
END_TEST

/* A12 + A10: every block is 16-byte aligned and holds at least what was asked. */
START_TEST(test_alloc_every_block_16_aligned)
{
  enum { PER = 3 };
  static void *live[4097][PER];
  for (size_t n = 0; n <= 4096; n++) {
    for (int k = 0; k < PER; k++) {
      void *p = mi_malloc(n);
      ck_assert_ptr_nonnull(p);
      ck_assert_msg(check_is_aligned(p, 16), "mi_malloc(%zu) = %p is not 16-byte aligned", n, p);
      ck_assert_uint_ge(mi_usable_size(p), n);
      live[n][k] = p;
    }
  }
  for (size_t n = 0; n <= 4096; n++)
    for (int k = 0; k < PER; k++) mi_free(live[n][k]);
  /* the other entry points and larger sizes */
  for (size_t n = 1; n <= 300000; n = n < 64 ? n + 1 : n + n / 3) {
    void *a = mi_zalloc(n), *b = mi_calloc(1, n), *c = mi_mallocn(1, n);
    void *d = mi_realloc(NULL, n), *e = mi_realloc(mi_malloc(1), n);
    void *all[5] = {a, b, c, d, e};
    for (int k = 0; k < 5; k++) {
      ck_assert_ptr_nonnull(all[k]);
      ck_assert_msg(check_is_aligned(all[k], 16), "function #%d size %zu gave %p", k, n, all[k]);
    }
    for (int k = 0; k < 5; k++) mi_free(all[k]);
  }
  for (size_t n = 0; n <= MI_SMALL_SIZE_MAX; n++) {
    void *p = mi_malloc_small(n), *q = mi_zalloc_small(n);
    ck_assert_msg(check_is_aligned(p, 16) && check_is_aligned(q, 16), "malloc_small(%zu) = %p / %p", n, p, q);
    mi_free(p);
    mi_free(q);
  }
  char *s = mi_strdup("x");
  ck_assert_msg(check_is_aligned(s, 16), "strdup gave %p", (void *)s);
  mi_free(s);
}
END_TEST

/* Many live blocks of mixed sizes never overlap and keep their contents. */
START_TEST(test_alloc_blocks_distinct)
{
  enum { N = 20000 };
  static void *ptr[N];
  static size_t len[N];
  uint64_t rnd = 0x1234567;
  for (int i = 0; i < N; i++) {
    rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
    len[i] = (size_t)(rnd >> 33) % 2049;
    if (i % 500 == 0) len[i] = 70000 + (size_t)i;
    ptr[i] = mi_malloc(len[i]);
    ck_assert_ptr_nonnull(ptr[i]);
    check_fill(ptr[i], len[i], (uint64_t)i);
  }
  for (int i = 0; i < N; i++) ck_assert_intact(ptr[i], len[i], (uint64_t)i);
  /* free every other block, reallocate, and check again */
  for (int i = 0; i < N; i += 2) mi_free(ptr[i]);
  for (int i = 0; i < N; i += 2) {
    ptr[i] = mi_malloc(len[i]);
    check_fill(ptr[i], len[i], (uint64_t)i + N);
  }
  for (int i = 0; i < N; i++) ck_assert_intact(ptr[i], len[i], (uint64_t)i + (i % 2 ? 0 : N));
  for (int i = N - 1; i >= 0; i--) mi_free(ptr[i]);
}
END_TEST

/* A11: free(NULL) is fine, and free preserves errno whatever the block
   (small, medium, large, huge). */
START_TEST(test_alloc_free_preserves_errno)
{
  errno = 1789;
  mi_free(NULL);
  mi_ufree(NULL, NULL);
  ck_assert_int_eq(errno, 1789);
  ck_assert_uint_eq(mi_usable_size(NULL), 0);
  static const size_t sizes[] = {0, 16, 1000, 8192, 70000, 600000, 1u << 20, 20u << 20, 100u << 20};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    void *p = mi_malloc(sizes[i]);
    ck_assert_ptr_nonnull(p);
    memset(p, 1, sizes[i] < 4096 ? sizes[i] : 4096);
    errno = 1789;
    mi_free(p);
    ck_assert_msg(errno == 1789, "free of a %zu-byte block changed errno to %d", sizes[i], errno);
  }
  void *a = mi_malloc_aligned(100, 1u << 20);
  errno = 1789;
  mi_free(a);
  ck_assert_int_eq(errno, 1789);
  size_t bs = 0;
  void *u = mi_malloc(300);
  errno = 1789;
  mi_ufree(u, &bs);
  ck_assert_int_eq(errno, 1789);
  /* freeing the last block of many pages (retire, purge) keeps errno too */
  enum { N = 4096 };
  static void *many[N];
  for (int i = 0; i < N; i++) many[i] = mi_malloc(2048);
  for (int i = 0; i < N; i++) {
    errno = 1789;
    mi_free(many[i]);
    ck_assert_int_eq(errno, 1789);
  }
}
END_TEST

START_TEST(test_alloc_zalloc_zeroes)
{
  for (size_t n = 1; n <= (1u << 20); n = n * 2 + 3) {
    void *dirty = mi_malloc(n);
    memset(check_launder(dirty), 0xAA, mi_usable_size(dirty));
    mi_free(dirty);
    unsigned char *p = mi_zalloc(n);
    ck_assert_ptr_nonnull(p);
    ck_assert_zeroed(p, n);
    mi_free(p);
  }
  for (size_t n = 0; n <= MI_SMALL_SIZE_MAX; n++) {
    void *dirty = mi_malloc_small(n);
    memset(check_launder(dirty), 0xAA, mi_usable_size(dirty));
    mi_free(dirty);
    void *p = mi_zalloc_small(n);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), n);
    ck_assert_zeroed(p, n);
    mi_free(p);
  }
}
END_TEST

/* A5: calloc zeroes memory that was dirtied and freed before, at every size. */
static void calloc_recycled_at(size_t n, int count)
{
  void *blocks[16];
  for (int i = 0; i < count; i++) {
    blocks[i] = mi_malloc(n);
    ck_assert_ptr_nonnull(blocks[i]);
    memset(check_launder(blocks[i]), 0xAA, mi_usable_size(blocks[i]));
  }
  for (int i = 0; i < count; i++) mi_free(blocks[i]);
  for (int i = 0; i < count; i++) {
    blocks[i] = (i % 2) ? mi_calloc(1, n) : mi_calloc(n, 1);
    ck_assert_ptr_nonnull(blocks[i]);
    ck_assert_msg(check_first_nonzero(blocks[i], n) == SIZE_MAX, "calloc(%zu) byte %zu not zero", n,
                  check_first_nonzero(blocks[i], n));
  }
  for (int i = 0; i < count; i++) mi_free(blocks[i]);
}

START_TEST(test_alloc_calloc_zeroes_recycled)
{
  for (size_t n = 1; n <= 256; n++) calloc_recycled_at(n, 16);
  for (size_t n = 264; n <= 4096; n += 56) calloc_recycled_at(n, 16);
  for (size_t n = 4096; n <= (512u << 10); n += n / 4) calloc_recycled_at(n + 8, n < 65536 ? 16 : 4);
  calloc_recycled_at(1u << 20, 2);
  calloc_recycled_at(4u << 20, 2);
  calloc_recycled_at(64u << 20, 2);
  /* and after the freed memory went back to the OS */
  for (size_t n = 64; n <= (4u << 20); n *= 8) {
    void *dirty[16];
    for (int i = 0; i < 16; i++) memset(dirty[i] = mi_malloc(n), 0xAA, n);
    for (int i = 0; i < 16; i++) mi_free(dirty[i]);
    mi_collect(true);
    for (int i = 0; i < 16; i++) {
      dirty[i] = mi_calloc(n, 1);
      ck_assert_zeroed(dirty[i], n);
    }
    for (int i = 0; i < 16; i++) mi_free(dirty[i]);
  }
}
END_TEST

START_TEST(test_alloc_calloc_zero_size)
{
  void *a = mi_calloc(0, 1000), *b = mi_calloc(1000, 0), *c = mi_calloc(0, 0);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_nonnull(c);
  ck_assert_ptr_ne(a, b);
  ck_assert_ptr_ne(b, c);
  ck_assert_ptr_ne(a, c);
  ck_assert_uint_le(mi_usable_size(a), 16);
  mi_free(a);
  mi_free(b);
  mi_free(c);
  void *m = mi_mallocn(0, 100);
  ck_assert_ptr_nonnull(m);
  mi_free(m);
}
END_TEST

START_TEST(test_alloc_malloc_small)
{
  void *blocks[MI_SMALL_SIZE_MAX + 1];
  for (size_t n = 0; n <= MI_SMALL_SIZE_MAX; n++) {
    blocks[n] = mi_malloc_small(n);
    ck_assert_ptr_nonnull(blocks[n]);
    ck_assert_uint_ge(mi_usable_size(blocks[n]), n);
    check_fill(blocks[n], n, n);
  }
  for (size_t n = 0; n <= MI_SMALL_SIZE_MAX; n++) {
    ck_assert_intact(blocks[n], n, n);
    mi_free(blocks[n]);
  }
}
END_TEST

START_TEST(test_alloc_mallocn)
{
  void *p = mi_mallocn(10, 100);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 1000);
  check_fill(p, 1000, 7);
  void *q = mi_reallocn(p, 30, 100);
  ck_assert_ptr_nonnull(q);
  ck_assert_uint_ge(mi_usable_size(q), 3000);
  ck_assert_intact(q, 1000, 7);
  mi_free(q);
  void *r = mi_reallocn(NULL, 4, 4);
  ck_assert_ptr_nonnull(r);
  mi_free(r);
}
END_TEST

START_TEST(test_alloc_large_blocks)
{
  size_t n = (64u << 20) + 8;
  unsigned char *p = mi_malloc(n);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), n);
  for (size_t i = 0; i < n; i += 4096) p[i] = (unsigned char)(i >> 12);
  p[n - 1] = 0x77;
  for (size_t i = 0; i < n; i += 4096) ck_assert_uint_eq(p[i], (unsigned char)(i >> 12));
  mi_free(p);
  size_t g = (size_t)1 << 30;
  unsigned char *h = mi_malloc(g);
  ck_assert_ptr_nonnull(h);
  h[0] = 1;
  h[g / 2] = 2;
  h[g - 1] = 3;
  ck_assert_uint_eq(h[0] + h[g / 2] + h[g - 1], 6);
  mi_free(h);
}
END_TEST

/* ------------------------------------------------------------------------
   realloc family
------------------------------------------------------------------------ */

START_TEST(test_alloc_realloc_null_is_malloc)
{
  static const size_t sizes[] = {0, 1, 16, 100, 5000, 70000, 1u << 20, 40u << 20};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    void *p = mi_realloc(NULL, sizes[i]);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), sizes[i]);
    check_fill(p, sizes[i], i);
    ck_assert_intact(p, sizes[i], i);
    mi_free(p);
  }
}
END_TEST

START_TEST(test_alloc_realloc_zero_returns_block)
{
  void *p = mi_malloc(100);
  check_fill(p, 100, 1);
  errno = 0;
  void *q = mi_realloc(p, 0);
  ck_assert_ptr_nonnull(q);
  void *r = mi_malloc(0);
  ck_assert_ptr_nonnull(r);
  ck_assert_ptr_ne(q, r);
  void *s = mi_realloc(NULL, 0);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_ne(s, q);
  ck_assert_ptr_ne(s, r);
  void *big = mi_malloc(1u << 20);
  void *t = mi_realloc(big, 0);
  ck_assert_ptr_nonnull(t);
  mi_free(q);
  mi_free(r);
  mi_free(s);
  mi_free(t);
}
END_TEST

/* A9: grow from 1 byte to a huge block and shrink back, crossing every kind
   of size class; the common prefix survives every step. */
START_TEST(test_alloc_realloc_grow_shrink_preserves)
{
  const uint64_t seed = 0xfeed;
  size_t n = 1;
  unsigned char *p = mi_malloc(n);
  check_fill(p, n, seed);
  /* fine steps through the small classes */
  while (n < 4096) {
    size_t m = n + 1 + n / 16;
    p = mi_realloc(p, m);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), m);
    ck_assert_intact(p, n, seed);
    check_fill_range(p, n, m, seed);
    n = m;
  }
  /* coarse steps up to 80 MiB */
  while (n < (80u << 20)) {
    size_t m = n + n / 2 + 13;
    p = mi_realloc(p, m);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), m);
    ck_assert_intact(p, n, seed);
    check_fill_range(p, n, m, seed);
    n = m;
  }
  /* shrink back to one byte */
  while (n > 1) {
    size_t m = n / 3 + (n > 3 ? 1 : 0);
    if (m < 1) m = 1;
    p = mi_realloc(p, m);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), m);
    ck_assert_intact(p, m, seed);
    n = m;
  }
  mi_free(p);
}
END_TEST

/* Growing into the block's own slack or shrinking a little keeps the block. */
START_TEST(test_alloc_realloc_in_place)
{
  for (size_t n = 1; n <= (1u << 20); n = n * 3 / 2 + 1) {
    void *p = mi_malloc(n);
    size_t u = mi_usable_size(p);
    check_fill(p, n, n);
    void *q = mi_realloc(p, u);
    ck_assert_msg(q == p, "realloc(%zu-byte block, usable %zu) moved", n, u);
    ck_assert_intact(q, n, n);
    void *r = mi_realloc(q, u - u / 4);
    ck_assert_msg(r == p, "realloc shrink of %zu to %zu moved", u, u - u / 4);
    mi_free(r);
  }
}
END_TEST

START_TEST(test_alloc_expand)
{
  for (size_t n = 1; n <= (1u << 20); n = n * 2 + 7) {
    void *p = mi_malloc(n);
    size_t u = mi_usable_size(p);
    check_fill(p, n, 3);
    ck_assert_ptr_eq(mi_expand(p, u), p);
    ck_assert_ptr_eq(mi_expand(p, n), p);
    ck_assert_ptr_eq(mi_expand(p, n / 2), p);
    ck_assert_ptr_null(mi_expand(p, u + 1));
    ck_assert_ptr_null(mi_expand(p, check_opaque(SIZE_MAX)));
    ck_assert_uint_eq(mi_usable_size(p), u);
    ck_assert_intact(p, n, 3);
    mi_free(p);
  }
}
END_TEST

START_TEST(test_alloc_reallocf)
{
  void *p = mi_reallocf(NULL, 64);
  ck_assert_ptr_nonnull(p);
  check_fill(p, 64, 9);
  p = mi_reallocf(p, 100000);
  ck_assert_ptr_nonnull(p);
  ck_assert_intact(p, 64, 9);
  errno = 0;
  void *q = mi_reallocf(p, check_opaque(SIZE_MAX)); /* p is freed */
  ck_assert_ptr_null(q);
  ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* mi_rezalloc / mi_recalloc: bytes past the old size of a zeroed block read zero. */
START_TEST(test_alloc_rezalloc_recalloc)
{
  size_t n = 3;
  unsigned char *p = mi_zalloc(n);
  ck_assert_ptr_nonnull(p);
  check_fill(p, n, 5);
  while (n < (8u << 20)) {
    size_t m = n * 2 + 5;
    p = mi_rezalloc(p, m);
    ck_assert_ptr_nonnull(p);
    ck_assert_intact(p, n, 5);
    ck_assert_msg(check_first_nonzero(p + n, m - n) == SIZE_MAX, "rezalloc %zu->%zu: byte %zu not zero",
                  n, m, n + check_first_nonzero(p + n, m - n));
    check_fill_range(p, n, m, 5);
    n = m;
  }
  mi_free(p);
  size_t count = 1;
  int *a = mi_recalloc(NULL, count, sizeof(int));
  ck_assert_ptr_nonnull(a);
  a[0] = 1;
  while (count < 500000) {
    size_t c2 = count * 3;
    a = mi_recalloc(a, c2, sizeof(int));
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < count; i++) ck_assert_int_eq(a[i], (int)i + 1);
    ck_assert_zeroed(a + count, (c2 - count) * sizeof(int));
    for (size_t i = count; i < c2; i++) a[i] = (int)i + 1;
    count = c2;
  }
  mi_free(a);
}
END_TEST

/* A block that started life as mi_rezalloc(NULL, n) / mi_recalloc(NULL, ...)
   is zero-initialised too: growing it shows zeros past the first size. */
START_TEST(test_alloc_rezalloc_from_null)
{
  for (size_t n = 1; n <= 5000; n = n * 2 + 1) {
    void *dirty[4];
    for (int k = 0; k < 4; k++) memset(dirty[k] = mi_malloc(n), 0xAB, n);
    for (int k = 0; k < 4; k++) mi_free(dirty[k]);
    unsigned char *p = mi_rezalloc(NULL, n);
    ck_assert_ptr_nonnull(p);
    ck_assert_zeroed(p, n);
    check_fill(p, n, 11);
    size_t m = n * 3 + 8;
    p = mi_rezalloc(p, m);
    ck_assert_ptr_nonnull(p);
    ck_assert_intact(p, n, 11);
    ck_assert_msg(check_first_nonzero(p + n, m - n) == SIZE_MAX, "rezalloc(NULL,%zu) grown to %zu: byte %zu not zero",
                  n, m, n + check_first_nonzero(p + n, m - n));
    mi_free(p);
    short *c = mi_recalloc(NULL, n, sizeof(short));
    ck_assert_ptr_nonnull(c);
    ck_assert_zeroed(c, n * sizeof(short));
    c[0] = 1;
    c = mi_recalloc(c, 4 * n, sizeof(short));
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c[0], 1);
    ck_assert_zeroed(c + 1, (4 * n - 1) * sizeof(short));
    mi_free(c);
  }
}
END_TEST

/* ------------------------------------------------------------------------
   limits
------------------------------------------------------------------------ */

#define EXPECT_ENOMEM(call, what, size) ck_assert_null_errno(call, ENOMEM, what, size)

/* A2: every size above PTRDIFF_MAX or beyond the address space gives NULL + ENOMEM. */
START_TEST(test_alloc_huge_sizes_enomem)
{
  void *p16 = mi_malloc(16);
  check_fill(p16, 16, 16);
  size_t bs = 77, pre = 77, post = 77;
  for (size_t i = 0; i < N_HUGE; i++) {
    size_t s = check_opaque(huge_sizes[i]);
    EXPECT_ENOMEM(mi_malloc(s), "mi_malloc", s);
    EXPECT_ENOMEM(mi_zalloc(s), "mi_zalloc", s);
    EXPECT_ENOMEM(mi_calloc(1, s), "mi_calloc(1,s)", s);
    EXPECT_ENOMEM(mi_mallocn(1, s), "mi_mallocn(1,s)", s);
    for (size_t k = 2; k <= 8; k *= 2) {
      EXPECT_ENOMEM(mi_calloc(s / k, k), "mi_calloc(s/k,k)", s);
      EXPECT_ENOMEM(mi_calloc(k, s / k), "mi_calloc(k,s/k)", s);
    }
    EXPECT_ENOMEM(mi_realloc(p16, s), "mi_realloc", s);
    EXPECT_ENOMEM(mi_reallocn(p16, 1, s), "mi_reallocn", s);
    EXPECT_ENOMEM(mi_rezalloc(p16, s), "mi_rezalloc", s);
    EXPECT_ENOMEM(mi_realloc(NULL, s), "mi_realloc(NULL)", s);
    EXPECT_ENOMEM(mi_umalloc(s, &bs), "mi_umalloc", s);
    EXPECT_ENOMEM(mi_ucalloc(1, s, &bs), "mi_ucalloc", s);
    EXPECT_ENOMEM(mi_urealloc(p16, s, &pre, &post), "mi_urealloc", s);
    ck_assert_intact(p16, 16, 16);
  }
  mi_free(p16);
}
END_TEST

/* A3: a failed realloc leaves the old block valid and unchanged. */
START_TEST(test_alloc_realloc_failure_keeps_block)
{
  static const size_t sizes[] = {16, 3000, 1u << 20, 48u << 20};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    size_t n = sizes[i];
    unsigned char *p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    check_fill(p, n, n);
    size_t u = mi_usable_size(p);
    static const size_t bad[] = {SIZE_MAX, (size_t)PTRDIFF_MAX + 1, (size_t)1 << 50};
    for (size_t k = 0; k < 3; k++) {
      EXPECT_ENOMEM(mi_realloc(p, check_opaque(bad[k])), "mi_realloc", bad[k]);
      EXPECT_ENOMEM(mi_reallocn(p, 2, check_opaque(bad[k] / 2 + 1)), "mi_reallocn", bad[k]);
      size_t pre = 0, post = 0;
      EXPECT_ENOMEM(mi_urealloc(p, check_opaque(bad[k]), &pre, &post), "mi_urealloc", bad[k]);
      ck_assert_uint_eq(mi_usable_size(p), u);
      ck_assert_intact(p, n, n);
    }
    unsigned char *q = mi_realloc(p, n + 1); /* still a live, reallocatable block */
    ck_assert_ptr_nonnull(q);
    ck_assert_intact(q, n, n);
    mi_free(q);
  }
}
END_TEST

/* A4: count x size overflow gives NULL + ENOMEM (not EOVERFLOW) and keeps the old block. */
START_TEST(test_alloc_count_overflow)
{
  static const size_t pairs[][2] = {
    {SIZE_MAX, 2}, {2, SIZE_MAX}, {(size_t)1 << 32, (size_t)1 << 32}, {(size_t)LONG_MAX + 1, 2},
    {SIZE_MAX, SIZE_MAX}, {(size_t)1 << 63, 2}, {3, SIZE_MAX / 3 + 1}, {SIZE_MAX / 16 + 1, 16},
  };
  void *p = mi_malloc(40);
  check_fill(p, 40, 40);
  size_t bs = 0;
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
    size_t c = check_opaque(pairs[i][0]), s = check_opaque(pairs[i][1]);
    EXPECT_ENOMEM(mi_calloc(c, s), "mi_calloc", c);
    EXPECT_ENOMEM(mi_mallocn(c, s), "mi_mallocn", c);
    EXPECT_ENOMEM(mi_ucalloc(c, s, &bs), "mi_ucalloc", c);
    EXPECT_ENOMEM(mi_reallocn(p, c, s), "mi_reallocn", c);
    EXPECT_ENOMEM(mi_recalloc(p, c, s), "mi_recalloc", c);
    EXPECT_ENOMEM(mi_reallocn(NULL, c, s), "mi_reallocn(NULL)", c);
    ck_assert_intact(p, 40, 40);
  }
  mi_free(p);
}
END_TEST

/* ------------------------------------------------------------------------
   strings
------------------------------------------------------------------------ */

START_TEST(test_alloc_strdup)
{
  char *e = mi_strdup("");
  ck_assert_ptr_nonnull(e);
  ck_assert_str_eq(e, "");
  mi_free(e);
  const char *lit = "hello, allocator";
  char *h = mi_strdup(lit);
  ck_assert_ptr_nonnull(h);
  ck_assert_ptr_ne(h, lit);
  ck_assert_str_eq(h, lit);
  ck_assert_uint_ge(mi_usable_size(h), strlen(lit) + 1);
  mi_free(h);
  ck_assert_ptr_null(mi_strdup(NULL));
  static const size_t lens[] = {100000, 5u << 20};
  for (int k = 0; k < 2; k++) {
    char *big = malloc(lens[k] + 1);
    for (size_t i = 0; i < lens[k]; i++) big[i] = (char)('a' + i % 26);
    big[lens[k]] = '\0';
    char *d = mi_strdup(big);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(strlen(d), lens[k]);
    ck_assert_int_eq(memcmp(d, big, lens[k] + 1), 0);
    mi_free(d);
    free(big);
  }
}
END_TEST

static void expect_strndup(const char *src, size_t n, const char *want)
{
  char *s = mi_strndup(src, n);
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s, want);
  ck_assert_uint_ge(mi_usable_size(s), strlen(want) + 1);
  mi_free(s);
}

START_TEST(test_alloc_strndup)
{
  expect_strndup("hello", 3, "hel");
  expect_strndup("hello", 5, "hello");
  expect_strndup("hello", 100, "hello");
  expect_strndup("hello", 0, "");
  ck_assert_ptr_null(mi_strndup(NULL, 4));
  /* an unterminated source that ends right before an inaccessible page:
     strndup must not read past n bytes */
  long pg = sysconf(_SC_PAGESIZE);
  char *map = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(map, MAP_FAILED);
  ck_assert_int_eq(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
  char *tail = map + pg - 4;
  memcpy(tail, "abcd", 4);
  expect_strndup(tail, 4, "abcd");
  expect_strndup(tail + 1, 3, "bcd");
  munmap(map, 2 * (size_t)pg);
}
END_TEST

START_TEST(test_alloc_realpath)
{
  static const char *paths[] = {".", "/", "/tmp/..", "/proc/self/exe", "/usr/../etc"};
  char want[PATH_MAX], buf[PATH_MAX];
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    ck_assert_ptr_nonnull(realpath(paths[i], want));
    char *got = mi_realpath(paths[i], NULL);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_uint_ge(mi_usable_size(got), strlen(want) + 1);
    mi_free(got);
    ck_assert_ptr_eq(mi_realpath(paths[i], buf), buf);
    ck_assert_str_eq(buf, want);
  }
  errno = 0;
  ck_assert_ptr_null(mi_realpath("/nonexistent-mirt-dir/file", NULL));
  ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ------------------------------------------------------------------------
   usable size and the mi_u* family
------------------------------------------------------------------------ */

START_TEST(test_alloc_usable_size_writable)
{
  for (size_t n = 0; n <= 65536; n += (n < 1024 ? 1 : 61)) {
    unsigned char *p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    size_t u = mi_usable_size(p);
    ck_assert_msg(u >= n, "usable %zu < requested %zu", u, n);
    memset(check_launder(p), 0xC3, u);
    unsigned char *q = mi_realloc(p, u);
    ck_assert_ptr_nonnull(q);
    if (u > 0) ck_assert_uint_eq(q[u - 1], 0xC3);
    mi_free(q);
  }
}
END_TEST

START_TEST(test_alloc_good_size)
{
  size_t prev = 0;
  for (size_t n = 0; n <= 65536; n++) {
    size_t g = mi_good_size(n);
    ck_assert_msg(g >= n, "good_size(%zu) = %zu", n, g);
    ck_assert_msg(g >= prev, "good_size(%zu) = %zu < good_size(%zu) = %zu", n, g, n - 1, prev);
    /* (checked builds pad blocks: their last 16 sizes here are large blocks) */
    if (n <= 65536 - 16) ck_assert_msg(g <= n + n / 4 + 16, "good_size(%zu) = %zu wastes more than 25%%", n, g);
    ck_assert_uint_eq(mi_good_size(g), g);
    if (n % 7 == 0) {
      void *p = mi_malloc(n);
      ck_assert_msg(mi_usable_size(p) <= g, "usable %zu > good_size(%zu) = %zu", mi_usable_size(p), n, g);
      mi_free(p);
    }
    prev = g;
  }
  for (size_t n = 65537; n < ((size_t)1 << 40); n = n * 3 + 1) ck_assert_uint_ge(mi_good_size(n), n);
}
END_TEST

/* The block-size-returning API reports exactly mi_usable_size. */
START_TEST(test_alloc_u_functions)
{
  for (size_t n = 1; n <= (32u << 20); n *= 2) {
    for (size_t d = 0; d <= 1; d++) {
      size_t want = n + d, bs = 0, pre = 0, post = 0, fs = 0;
      void *p = mi_umalloc(want, &bs);
      ck_assert_ptr_nonnull(p);
      ck_assert_uint_ge(bs, want);
      ck_assert_uint_eq(bs, mi_usable_size(p));
      check_fill(check_launder(p), bs < 65536 ? bs : want, want);
      void *q = mi_urealloc(p, 2 * want + 1, &pre, &post);
      ck_assert_ptr_nonnull(q);
      ck_assert_uint_eq(pre, bs);
      ck_assert_uint_ge(post, 2 * want + 1);
      ck_assert_uint_eq(post, mi_usable_size(q));
      ck_assert_intact(q, want, want);
      mi_ufree(q, &fs);
      ck_assert_uint_eq(fs, post);
    }
  }
  size_t bs = 0, pre = 99, post = 0;
  void *r = mi_urealloc(NULL, 100, &pre, &post);
  ck_assert_ptr_nonnull(r);
  ck_assert_uint_eq(pre, 0);
  ck_assert_uint_ge(post, 100);
  mi_free(r);
  for (size_t n = 0; n <= MI_SMALL_SIZE_MAX; n += 8) {
    void *dirty = mi_malloc(n);
    memset(check_launder(dirty), 0xEE, mi_usable_size(dirty));
    mi_free(dirty);
    void *s = mi_umalloc_small(n, &bs);
    ck_assert_uint_ge(bs, n);
    ck_assert_uint_eq(bs, mi_usable_size(s));
    void *z = mi_uzalloc_small(n, &bs);
    ck_assert_uint_eq(bs, mi_usable_size(z));
    ck_assert_zeroed(z, n);
    mi_free(s);
    mi_free(z);
  }
  for (size_t n = 1; n <= 100000; n = n * 5 + 3) {
    void *dirty = mi_malloc(n * 4);
    memset(check_launder(dirty), 0xEE, mi_usable_size(dirty));
    mi_free(dirty);
    void *c = mi_ucalloc(n, 4, &bs);
    ck_assert_uint_ge(bs, n * 4);
    ck_assert_uint_eq(bs, mi_usable_size(c));
    ck_assert_zeroed(c, n * 4);
    mi_free(c);
  }
  void *n1 = mi_umalloc(10, NULL), *n2 = mi_ucalloc(2, 5, NULL), *n3 = mi_urealloc(n1, 50, NULL, NULL);
  ck_assert_ptr_nonnull(n2);
  ck_assert_ptr_nonnull(n3);
  mi_ufree(n2, NULL);
  mi_ufree(n3, NULL);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *alloc_suite(void)
{
  Suite *s = suite_create("alloc");

  TCase *core = check_tcase(s, "core", 30);
  tcase_add_test(core, test_alloc_malloc_zero_unique);
  tcase_add_test(core, test_alloc_every_block_16_aligned);
  tcase_add_test(core, test_alloc_blocks_distinct);
  tcase_add_test(core, test_alloc_free_preserves_errno);
  tcase_add_test(core, test_alloc_zalloc_zeroes);
  tcase_add_test(core, test_alloc_calloc_zeroes_recycled);
  tcase_add_test(core, test_alloc_calloc_zero_size);
  tcase_add_test(core, test_alloc_malloc_small);
  tcase_add_test(core, test_alloc_mallocn);
  tcase_add_test(core, test_alloc_large_blocks);

  TCase *re = check_tcase(s, "realloc", 30);
  tcase_add_test(re, test_alloc_realloc_null_is_malloc);
  tcase_add_test(re, test_alloc_realloc_zero_returns_block);
  tcase_add_test(re, test_alloc_realloc_grow_shrink_preserves);
  tcase_add_test(re, test_alloc_realloc_in_place);
  tcase_add_test(re, test_alloc_expand);
  tcase_add_test(re, test_alloc_reallocf);
  tcase_add_test(re, test_alloc_rezalloc_recalloc);
  tcase_add_test(re, test_alloc_rezalloc_from_null);

  TCase *lim = check_tcase(s, "limits", 30);
  tcase_add_test(lim, test_alloc_huge_sizes_enomem);
  tcase_add_test(lim, test_alloc_realloc_failure_keeps_block);
  tcase_add_test(lim, test_alloc_count_overflow);

  TCase *str = check_tcase(s, "strings", 0);
  tcase_add_test(str, test_alloc_strdup);
  tcase_add_test(str, test_alloc_strndup);
  tcase_add_test(str, test_alloc_realpath);

  TCase *us = check_tcase(s, "usable_size", 30);
  tcase_add_test(us, test_alloc_usable_size_writable);
  tcase_add_test(us, test_alloc_good_size);
  tcase_add_test(us, test_alloc_u_functions);

  return s;
}

CHECK_MAIN(alloc_suite)
