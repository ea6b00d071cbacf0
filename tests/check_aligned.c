/* SPDX-License-Identifier: MIT */
/* check_aligned.c -- the mi_*_aligned[_at] family: alignment sweep, offsets, zeroing, realloc. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mimalloc.h>
#include <mimalloc-stats.h>
#include <pthread.h>

#include "check_main.h"

#define MAX_ALIGN_SHIFT 27 /* alignments up to 2^27 must work (DESIGN.md 4) */
#define FULL_TOUCH (1u << 20) /* blocks up to this size are written entirely */

/* Zero check of a block of any size: whole for small blocks, the first and
   last MiB plus one byte per page in between for large ones. */
static size_t first_nonzero_sampled(const void *p, size_t n)
{
  const uint8_t *b = p;
  if (n <= 2 * FULL_TOUCH) return check_first_nonzero(p, n);
  size_t r = check_first_nonzero(b, FULL_TOUCH);
  if (r != SIZE_MAX) return r;
  for (size_t j = FULL_TOUCH; j < n - FULL_TOUCH; j += 4096)
    if (b[j] != 0) return j;
  r = check_first_nonzero(b + n - FULL_TOUCH, FULL_TOUCH);
  return r == SIZE_MAX ? r : n - FULL_TOUCH + r;
}

/* ------------------------------------------------------------------------
   sweeps
------------------------------------------------------------------------ */

enum { SWEEP_SIZES = 9 };
#define SWEEP_BIG (16u << 20) /* above this only one size > alignment is tried */

/* Sizes tried with alignment `a`: small ones, sizes around the alignment and
   multiples of it (only one block past the alignment when it is huge, to
   keep the test's memory and time small).  Returns the count. */
static int sweep_sizes(size_t a, size_t sizes[SWEEP_SIZES])
{
  const size_t near[5] = {a > 1 ? a - 1 : 2, a, a + 1, 2 * a + a / 2, 3 * a};
  int n = 0;
  sizes[n++] = 1;
  sizes[n++] = 8;
  sizes[n++] = 16;
  sizes[n++] = 100;
  for (int k = 0; k < 5; k++)
    if (near[k] <= SWEEP_BIG) sizes[n++] = near[k];
  if (a > SWEEP_BIG) {
    sizes[n++] = 4095;
    sizes[n++] = (1u << 20) + 1;
    sizes[n++] = a + 1;
  }
  return n;
}

/* Writes and verifies every byte of small blocks, the ends of large ones. */
static void touch(void *p, size_t n, uint64_t seed)
{
  p = check_launder(p);
  if (n <= FULL_TOUCH) {
    check_fill_range(p, 0, n, seed);
  } else {
    check_fill_range(p, 0, 4096, seed);
    check_fill_range((uint8_t *)p + n - 4096, 0, 4096, seed);
  }
}

static size_t touched_bad(const void *p, size_t n, uint64_t seed)
{
  if (n <= FULL_TOUCH) return check_first_bad(p, n, seed);
  size_t r = check_first_bad(p, 4096, seed);
  if (r != SIZE_MAX) return r;
  r = check_first_bad((const uint8_t *)p + n - 4096, 4096, seed);
  return r == SIZE_MAX ? r : n - 4096 + r;
}

/* Alignment 2^_i with several sizes, for each aligned entry point; all
   blocks of one entry point are live together and are checked for overlap
   through their patterns (which also catches an over-reported usable size). */
START_TEST(test_aligned_pow2_sweep)
{
  const size_t a = (size_t)1 << _i;
  size_t sizes[SWEEP_SIZES];
  const int nsizes = sweep_sizes(a, sizes);
  enum { FUNCS = 5 };
  for (int f = 0; f < FUNCS; f++) {
    void *blk[SWEEP_SIZES];
    size_t use[SWEEP_SIZES];
    for (int k = 0; k < nsizes; k++) {
      size_t n = sizes[k], bs = 0;
      void *p = NULL;
      switch (f) {
      case 0: p = mi_malloc_aligned(n, a); break;
      case 1: p = mi_zalloc_aligned(n, a); break;
      case 2: p = mi_calloc_aligned(n, 1, a); break;
      case 3: p = mi_umalloc_aligned(n, a, &bs); break;
      default: p = mi_uzalloc_aligned(n, a, &bs); break;
      }
      ck_assert_msg(p != NULL, "function %d: size %zu alignment %zu failed", f, n, a);
      ck_assert_msg(check_is_aligned(p, a), "function %d: size %zu alignment %zu gave %p", f, n, a, p);
      ck_assert_msg(check_is_aligned(p, 16), "function %d: %p not 16-byte aligned", f, p);
      use[k] = mi_usable_size(p);
      ck_assert_msg(use[k] >= n, "function %d: usable %zu < %zu", f, use[k], n);
      if (f >= 3) ck_assert_uint_eq(bs, use[k]);
      if (f == 1 || f == 2 || f == 4)
        ck_assert_msg(first_nonzero_sampled(p, n) == SIZE_MAX, "function %d: size %zu align %zu not zeroed at %zu",
                      f, n, a, first_nonzero_sampled(p, n));
      touch(p, use[k], (uint64_t)k + 1);
      blk[k] = p;
    }
    for (int k = 0; k < nsizes; k++)
      ck_assert_msg(touched_bad(blk[k], use[k], (uint64_t)k + 1) == SIZE_MAX,
                    "function %d: block %d (size %zu, align %zu) overwritten at %zu", f, k, sizes[k], a,
                    touched_bad(blk[k], use[k], (uint64_t)k + 1));
    for (int k = 0; k < nsizes; k++) mi_free(blk[k]);
  }
}
END_TEST

/* Sizes 1..2048 with every power-of-two alignment up to the size, ten live
   blocks each. */
START_TEST(test_aligned_sizes_1_to_2048)
{
  void *blk[10];
  for (size_t n = 1; n <= 2048; n++) {
    for (size_t a = 1; a <= n; a *= 2) {
      for (int k = 0; k < 10; k++) {
        void *p = mi_malloc_aligned(n, a);
        ck_assert_msg(p != NULL && check_is_aligned(p, a), "size %zu align %zu gave %p", n, a, p);
        ck_assert_uint_ge(mi_usable_size(p), n);
        memset(p, (int)(k + 1), n);
        blk[k] = p;
      }
      for (int k = 0; k < 10; k++) {
        const uint8_t *b = blk[k];
        ck_assert_msg(b[0] == k + 1 && b[n - 1] == k + 1, "size %zu align %zu: block %d overwritten", n, a, k);
        mi_free(blk[k]);
      }
    }
  }
}
END_TEST

/* Alignments 1..16 are ordinary allocations: still 16-byte aligned. */
START_TEST(test_aligned_small_alignments)
{
  for (size_t a = 1; a <= 16; a *= 2) {
    for (size_t n = 0; n <= 300; n++) {
      void *p = mi_malloc_aligned(n, a);
      ck_assert_ptr_nonnull(p);
      ck_assert_msg(check_is_aligned(p, 16), "mi_malloc_aligned(%zu, %zu) = %p", n, a, p);
      ck_assert_uint_ge(mi_usable_size(p), n);
      mi_free(p);
    }
  }
}
END_TEST

/* _at: p + offset is aligned, for offsets below, at and above the alignment. */
START_TEST(test_aligned_at_offsets)
{
  for (size_t a = 8; a <= ((size_t)1 << 20); a *= 2) {
    const size_t offs[] = {0, 1, 8, 16, 24, 40, a / 2, a - 8, a, a + 16, 3 * a + 8};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
      size_t off = offs[i];
      const size_t sizes[] = {off + 1, off + a, 2 * off + 100};
      for (size_t k = 0; k < 3; k++) {
        size_t n = sizes[k];
        uint8_t *p = mi_malloc_aligned_at(n, a, off);
        ck_assert_msg(p != NULL && check_is_aligned(p + off, a), "malloc_aligned_at(%zu, %zu, %zu) = %p", n, a, off,
                      (void *)p);
        ck_assert_uint_ge(mi_usable_size(p), n);
        memset(p, 0xAA, n);
        mi_free(p);
        uint8_t *z = mi_zalloc_aligned_at(n, a, off);
        ck_assert_msg(z != NULL && check_is_aligned(z + off, a), "zalloc_aligned_at(%zu, %zu, %zu) = %p", n, a, off,
                      (void *)z);
        ck_assert_msg(check_first_nonzero(z, n) == SIZE_MAX, "zalloc_aligned_at(%zu,%zu,%zu) not zeroed", n, a, off);
        uint8_t *c = mi_calloc_aligned_at(n, 1, a, off);
        ck_assert_msg(c != NULL && check_is_aligned(c + off, a), "calloc_aligned_at(%zu, %zu, %zu) = %p", n, a, off,
                      (void *)c);
        ck_assert_msg(check_first_nonzero(c, n) == SIZE_MAX, "calloc_aligned_at(%zu,%zu,%zu) not zeroed", n, a, off);
        mi_free(z);
        mi_free(c);
      }
    }
  }
}
END_TEST

/* Zeroing forms give zeros on memory that was dirtied and freed before. */
START_TEST(test_aligned_zeroed_after_recycling)
{
  static const size_t aligns[] = {16, 64, 256, 4096, 65536, 1u << 20};
  for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
    size_t a = aligns[i];
    const size_t sizes[] = {1, a / 2 + 1, a, 3 * a + 5, 100000};
    for (size_t k = 0; k < 5; k++) {
      size_t n = sizes[k];
      void *dirty[8];
      for (int d = 0; d < 8; d++) {
        dirty[d] = mi_malloc_aligned(n, a);
        memset(check_launder(dirty[d]), 0xAA, mi_usable_size(dirty[d]));
      }
      for (int d = 0; d < 8; d++) mi_free(dirty[d]);
      void *z[4] = {mi_zalloc_aligned(n, a), mi_calloc_aligned(n, 1, a), mi_zalloc_aligned_at(n, a, 16),
                    mi_calloc_aligned_at(1, n, a, 16)};
      for (int f = 0; f < 4; f++) {
        ck_assert_ptr_nonnull(z[f]);
        ck_assert_msg(check_first_nonzero(z[f], n) == SIZE_MAX, "form %d size %zu align %zu: byte %zu not zero", f, n, a,
                      check_first_nonzero(z[f], n));
      }
      for (int f = 0; f < 4; f++) mi_free(z[f]);
    }
  }
}
END_TEST

/* ------------------------------------------------------------------------
   realloc / rezalloc / recalloc
------------------------------------------------------------------------ */

static const size_t realloc_aligns[] = {16, 32, 64, 4096, 65536, 1u << 20, 1u << 24, (size_t)1 << MAX_ALIGN_SHIFT};
#define N_RALIGN (sizeof(realloc_aligns) / sizeof(realloc_aligns[0]))

/* Grow and shrink with realloc_aligned[_at]: alignment and common prefix kept. */
START_TEST(test_aligned_realloc_keeps_alignment)
{
  const size_t a = realloc_aligns[_i];
  const size_t limit = a >= (1u << 24) ? (20u << 20) : (40u << 20);
  /* _at with a non-zero offset is only promised up to 16 MiB alignments
     (mimalloc's MI_BLOCK_ALIGNMENT_MAX); plain aligned realloc up to 2^27 */
  const int max_at = a <= (1u << 24) ? 1 : 0;
  for (int at = 0; at <= max_at; at++) {
    const size_t off = at ? 16 : 0;
    const uint64_t seed = a + (size_t)at;
    size_t n = 10;
    uint8_t *p = at ? mi_malloc_aligned_at(n, a, off) : mi_malloc_aligned(n, a);
    ck_assert_ptr_nonnull(p);
    check_fill_range(p, 0, n, seed);
    while (n < limit) {
      size_t m = n * 2 + n / 2 + 3;
      p = at ? mi_realloc_aligned_at(p, m, a, off) : mi_realloc_aligned(p, m, a);
      ck_assert_msg(p != NULL && check_is_aligned(p + off, a), "realloc to %zu (align %zu, offset %zu) = %p", m, a, off,
                    (void *)p);
      ck_assert_uint_ge(mi_usable_size(p), m);
      ck_assert_intact(p, n, seed);
      check_fill_range(p, n, m, seed);
      n = m;
    }
    while (n > 1) {
      size_t m = n / 4 + 1;
      p = at ? mi_realloc_aligned_at(p, m, a, off) : mi_realloc_aligned(p, m, a);
      ck_assert_msg(p != NULL && check_is_aligned(p + off, a), "shrink to %zu (align %zu, offset %zu) = %p", m, a, off,
                    (void *)p);
      ck_assert_intact(p, m, seed);
      n = m;
    }
    mi_free(p);
  }
  /* NULL behaves as the aligned malloc */
  void *q = mi_realloc_aligned(NULL, 100, a);
  ck_assert_msg(q != NULL && check_is_aligned(q, a), "realloc_aligned(NULL, 100, %zu) = %p", a, q);
  mi_free(q);
}
END_TEST

/* A block shifted by an _at allocation keeps no 16-byte alignment: an
   aligned realloc asking for 2..16 must not return it in place. */
START_TEST(test_aligned_realloc_small_alignment_of_at_block)
{
  for (size_t a = 2; a <= 16; a *= 2) {
    char *p = mi_malloc_aligned_at(97, 2, 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(((uintptr_t)p + 1) % 2, 0);
    memset(p, 0x3C, 97);
    char *q = mi_realloc_aligned(p, 90, a);
    ck_assert_msg(q != NULL && check_is_aligned(q, a), "realloc_aligned(odd block, 90, %zu) = %p", a, (void *)q);
    for (size_t i = 0; i < 90; i++) ck_assert_int_eq(q[i], 0x3C);
    char *z = mi_rezalloc_aligned(q, 200, a);
    ck_assert_msg(z != NULL && check_is_aligned(z, a), "rezalloc_aligned to 200 (align %zu) = %p", a, (void *)z);
    mi_free(z);
  }
}
END_TEST

/* Size 0 with an alignment beyond the segment size: a valid, aligned block
   (the huge page path needs a non-zero size). */
START_TEST(test_aligned_size0_huge_alignment)
{
  const size_t aligns[] = { (size_t)16 << 20, (size_t)32 << 20, (size_t)64 << 20 };
  for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
    void *p = mi_malloc_aligned(0, aligns[i]);
    ck_assert_msg(p != NULL && check_is_aligned(p, aligns[i]), "malloc_aligned(0, %zu) = %p", aligns[i], p);
    mi_free(p);
    p = mi_zalloc_aligned(0, aligns[i]);
    ck_assert_ptr_nonnull(p);
    mi_free(p);
    p = mi_realloc_aligned(NULL, 0, aligns[i]);
    ck_assert_msg(p != NULL && check_is_aligned(p, aligns[i]), "realloc_aligned(NULL, 0, %zu) = %p", aligns[i], p);
    mi_free(p);
  }
}
END_TEST

static long long live_blocks(void)
{
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  return st.malloc_blocks.current;
}

static void *free_elsewhere(void *p)
{
  mi_free(p);
  return NULL;
}

/* A block of a huge segment handed out beyond its first slice (an aligned
   pointer into an over-allocated huge block) is freed, by its owner and by
   another thread: the live count returns (found by the fuzzer: the free
   went to an empty descriptor and the 40 MiB were lost). */
START_TEST(test_aligned_huge_interior_free)
{
  const size_t aligns[] = { 64u << 10, 256u << 10, 1u << 20, 16u << 20 };
  const size_t offsets[] = { 0, 508 };
  for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
    for (size_t j = 0; j < 2; j++) {
      for (int remote = 0; remote <= 1; remote++) {
        const long long before = live_blocks();
        char *p = mi_malloc_aligned_at((size_t)40 << 20, aligns[i], offsets[j]);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(((uintptr_t)p + offsets[j]) % aligns[i], 0);
        p[0] = 1;
        p[((size_t)40 << 20) - 1] = 2;
        ck_assert_int_eq((int)(live_blocks() - before), 1);
        if (remote) {
          pthread_t t;
          ck_assert_int_eq(pthread_create(&t, NULL, free_elsewhere, p), 0);
          ck_assert_int_eq(pthread_join(t, NULL), 0);
          mi_collect(true);
        }
        else {
          mi_free(p);
        }
        ck_assert_msg(live_blocks() == before, "align %zu offset %zu %s free: %lld live blocks, %lld before",
                      aligns[i], offsets[j], remote ? "remote" : "owner", live_blocks(), before);
      }
    }
  }
}
END_TEST

/* rezalloc_aligned[_at] / recalloc_aligned[_at]: alignment, prefix, zero tail. */
START_TEST(test_aligned_rezalloc_recalloc)
{
  static const size_t aligns[] = {16, 64, 4096, 65536};
  for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
    const size_t a = aligns[i];
    for (int at = 0; at <= 1; at++) {
      const size_t off = at ? 16 : 0;
      size_t n = 5;
      uint8_t *p = at ? mi_zalloc_aligned_at(n, a, off) : mi_zalloc_aligned(n, a);
      ck_assert_ptr_nonnull(p);
      check_fill_range(p, 0, n, a);
      while (n < (4u << 20)) {
        size_t m = n * 3 + 1;
        p = at ? mi_rezalloc_aligned_at(p, m, a, off) : mi_rezalloc_aligned(p, m, a);
        ck_assert_msg(p != NULL && check_is_aligned(p + off, a), "rezalloc to %zu (align %zu off %zu) = %p", m, a, off,
                      (void *)p);
        ck_assert_intact(p, n, a);
        ck_assert_msg(check_first_nonzero(p + n, m - n) == SIZE_MAX, "rezalloc_aligned %zu->%zu (align %zu): byte %zu not zero",
                      n, m, a, n + check_first_nonzero(p + n, m - n));
        check_fill_range(p, n, m, a);
        n = m;
      }
      mi_free(p);
      size_t count = 3;
      uint32_t *c = at ? mi_calloc_aligned_at(count, 4, a, off) : mi_calloc_aligned(count, 4, a);
      ck_assert_ptr_nonnull(c);
      for (size_t k = 0; k < count; k++) c[k] = (uint32_t)k + 1;
      while (count < 300000) {
        size_t c2 = count * 4 + 1;
        c = at ? mi_recalloc_aligned_at(c, c2, 4, a, off) : mi_recalloc_aligned(c, c2, 4, a);
        ck_assert_msg(c != NULL && check_is_aligned((uint8_t *)c + off, a), "recalloc to %zu elements (align %zu) = %p", c2,
                      a, (void *)c);
        for (size_t k = 0; k < count; k++) ck_assert_uint_eq(c[k], k + 1);
        ck_assert_msg(check_first_nonzero(c + count, (c2 - count) * 4) == SIZE_MAX, "recalloc_aligned tail not zero");
        for (size_t k = count; k < c2; k++) c[k] = (uint32_t)k + 1;
        count = c2;
      }
      /* count x size overflow: NULL + ENOMEM, block intact */
      errno = 0;
      void *bad = at ? mi_recalloc_aligned_at(c, check_opaque(SIZE_MAX), 2, a, off) : mi_recalloc_aligned(c, check_opaque(SIZE_MAX), 2, a);
      ck_assert_ptr_null(bad);
      ck_assert_int_eq(errno, ENOMEM);
      ck_assert_uint_eq(c[count - 1], count);
      mi_free(c);
    }
  }
}
END_TEST

/* ------------------------------------------------------------------------
   failures
------------------------------------------------------------------------ */

#define EXPECT_FAIL(call, err, what, arg) ck_assert_null_errno(call, err, what, arg)

/* A non-power-of-two alignment is an error: NULL + EINVAL, old block intact. */
START_TEST(test_aligned_bad_alignment_fails)
{
  static const size_t bad[] = {0, 3, 5, 6, 7, 12, 24, 48, 100, 4097, 3u << 20, (1u << 20) + 1, SIZE_MAX};
  uint8_t *old = mi_malloc_aligned(64, 64);
  check_fill_range(old, 0, 64, 64);
  size_t bs = 0;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    size_t a = check_opaque(bad[i]);
    EXPECT_FAIL(mi_malloc_aligned(64, a), EINVAL, "mi_malloc_aligned", a);
    EXPECT_FAIL(mi_malloc_aligned_at(64, a, 8), EINVAL, "mi_malloc_aligned_at", a);
    EXPECT_FAIL(mi_zalloc_aligned(64, a), EINVAL, "mi_zalloc_aligned", a);
    EXPECT_FAIL(mi_zalloc_aligned_at(64, a, 8), EINVAL, "mi_zalloc_aligned_at", a);
    EXPECT_FAIL(mi_calloc_aligned(8, 8, a), EINVAL, "mi_calloc_aligned", a);
    EXPECT_FAIL(mi_calloc_aligned_at(8, 8, a, 8), EINVAL, "mi_calloc_aligned_at", a);
    EXPECT_FAIL(mi_umalloc_aligned(64, a, &bs), EINVAL, "mi_umalloc_aligned", a);
    EXPECT_FAIL(mi_uzalloc_aligned(64, a, &bs), EINVAL, "mi_uzalloc_aligned", a);
    if (a == 0) continue;
    EXPECT_FAIL(mi_realloc_aligned(old, 200, a), EINVAL, "mi_realloc_aligned", a);
    EXPECT_FAIL(mi_realloc_aligned_at(old, 200, a, 8), EINVAL, "mi_realloc_aligned_at", a);
    EXPECT_FAIL(mi_rezalloc_aligned(old, 200, a), EINVAL, "mi_rezalloc_aligned", a);
    EXPECT_FAIL(mi_recalloc_aligned(old, 50, 4, a), EINVAL, "mi_recalloc_aligned", a);
    ck_assert_intact(old, 64, 64);
  }
  mi_free(old);
}
END_TEST

/* Impossible sizes with a valid alignment: NULL + ENOMEM, old block intact. */
START_TEST(test_aligned_huge_size_enomem)
{
  static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 4096, (size_t)PTRDIFF_MAX + 1, (size_t)1 << 50};
  static const size_t aligns[] = {16, 4096, 1u << 20, (size_t)1 << MAX_ALIGN_SHIFT};
  uint8_t *old = mi_malloc_aligned(100, 4096);
  check_fill_range(old, 0, 100, 1);
  for (size_t i = 0; i < 4; i++) {
    for (size_t j = 0; j < 4; j++) {
      size_t n = check_opaque(sizes[i]), a = aligns[j];
      EXPECT_FAIL(mi_malloc_aligned(n, a), ENOMEM, "mi_malloc_aligned", n);
      EXPECT_FAIL(mi_zalloc_aligned(n, a), ENOMEM, "mi_zalloc_aligned", n);
      EXPECT_FAIL(mi_malloc_aligned_at(n, a, 16), ENOMEM, "mi_malloc_aligned_at", n);
      EXPECT_FAIL(mi_calloc_aligned(n / 2 + 1, 2, a), ENOMEM, "mi_calloc_aligned", n);
      EXPECT_FAIL(mi_calloc_aligned(2, n / 2 + 1, a), ENOMEM, "mi_calloc_aligned", n);
      EXPECT_FAIL(mi_realloc_aligned(old, n, a), ENOMEM, "mi_realloc_aligned", n);
      EXPECT_FAIL(mi_rezalloc_aligned(old, n, a), ENOMEM, "mi_rezalloc_aligned", n);
      ck_assert_intact(old, 100, 1);
    }
  }
  mi_free(old);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *aligned_suite(void)
{
  Suite *s = suite_create("aligned");

  TCase *sweep = check_tcase(s, "sweep", 30);
  tcase_add_loop_test(sweep, test_aligned_pow2_sweep, 0, MAX_ALIGN_SHIFT + 1);
  tcase_add_test(sweep, test_aligned_sizes_1_to_2048);
  tcase_add_test(sweep, test_aligned_small_alignments);
  tcase_add_test(sweep, test_aligned_at_offsets);
  tcase_add_test(sweep, test_aligned_zeroed_after_recycling);

  TCase *re = check_tcase(s, "realloc", 30);
  tcase_add_loop_test(re, test_aligned_realloc_keeps_alignment, 0, (int)N_RALIGN);
  tcase_add_test(re, test_aligned_rezalloc_recalloc);
  tcase_add_test(re, test_aligned_realloc_small_alignment_of_at_block);
  tcase_add_test(re, test_aligned_size0_huge_alignment);
  tcase_add_test(re, test_aligned_huge_interior_free);

  TCase *bad = check_tcase(s, "bad_input", 0);
  tcase_add_test(bad, test_aligned_bad_alignment_fails);
  tcase_add_test(bad, test_aligned_huge_size_enomem);

  return s;
}

CHECK_MAIN(aligned_suite)
