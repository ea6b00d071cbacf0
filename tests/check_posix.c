/* SPDX-License-Identifier: MIT */
/* check_posix.c -- the POSIX/BSD-compatible entry points: error codes, alignment, sizes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mimalloc.h>

#include "check_main.h"

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* A pointer value no allocator returns: *p must still hold it after an error. */
static void *const SENTINEL = (void *)(uintptr_t)0x5E47140;

#define EXPECT_NULL_ERRNO(call, err, what, arg) ck_assert_null_errno(call, err, what, arg)

/* Runs the fast path once and clears errno, so that a stale value cannot pass. */
static void prime(void)
{
  mi_free(mi_malloc(16));
  errno = 0;
}

/* Write the whole block when it is small, its two ends otherwise. */
static void touch(void *p, size_t n)
{
  unsigned char *b = check_launder(p);
  if (n <= (1u << 20)) {
    memset(b, 0x3C, n);
  } else if (n > 0) {
    b[0] = 1;
    b[n - 1] = 2;
  }
}

/* ------------------------------------------------------------------------
   posix_memalign
------------------------------------------------------------------------ */

/* A6 + A8: every valid alignment from sizeof(void*) up to 2^23, sizes around it. */
START_TEST(test_posix_memalign_sweep)
{
  const size_t a = (size_t)1 << _i;
  const size_t sizes[] = {0, 1, a - 1, a, a + 1, 3 * a};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k];
    void *p = SENTINEL;
    int rc = mi_posix_memalign(&p, a, n);
    ck_assert_msg(rc == 0, "posix_memalign(align %zu, size %zu) = %d", a, n, rc);
    ck_assert_msg(p != NULL && p != SENTINEL, "posix_memalign(%zu, %zu) gave %p", a, n, p);
    ck_assert_msg(check_is_aligned(p, a), "posix_memalign(%zu, %zu) gave %p", a, n, p);
    ck_assert_uint_ge(mi_usable_size(p), n);
    touch(p, mi_usable_size(p));
    mi_free(p);

    void *m = mi_memalign(a, n);
    ck_assert_msg(m != NULL && check_is_aligned(m, a), "memalign(%zu, %zu) gave %p", a, n, m);
    ck_assert_uint_ge(mi_usable_size(m), n);
    touch(m, mi_usable_size(m));
    void *c = mi_aligned_alloc(a, n);
    ck_assert_msg(c != NULL && check_is_aligned(c, a), "aligned_alloc(%zu, %zu) gave %p", a, n, c);
    ck_assert_uint_ge(mi_usable_size(c), n);
    touch(c, mi_usable_size(c));
    ck_assert_ptr_ne(m, c);
    mi_free(m);
    mi_free(c);
  }
}
END_TEST

/* A6: a bad alignment is EINVAL and *p keeps its old value. */
START_TEST(test_posix_memalign_einval)
{
  size_t bad[64];
  size_t nbad = 0;
  static const size_t fixed[] = {0, 1, 2, 3, 4, 5, 6, 7, 12, 24, 48, 100, 4097, 3u << 20, SIZE_MAX};
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) bad[nbad++] = fixed[i];
  for (int k = 2; k < 23; k++) bad[nbad++] = ((size_t)1 << k) + 1;
  static const size_t sizes[] = {0, 1, 16, 4096, 1u << 20};
  for (size_t i = 0; i < nbad; i++) {
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
      void *p = SENTINEL;
      int rc = mi_posix_memalign(&p, check_opaque(bad[i]), sizes[k]);
      ck_assert_msg(rc == EINVAL, "posix_memalign(align %zu, size %zu) = %d, want EINVAL", bad[i], sizes[k], rc);
      ck_assert_msg(p == SENTINEL, "posix_memalign(align %zu) changed *p to %p", bad[i], p);
    }
  }
  ck_assert_int_eq(mi_posix_memalign(NULL, 16, 16), EINVAL);
}
END_TEST

/* A6: impossible sizes give ENOMEM and leave *p alone. */
START_TEST(test_posix_memalign_enomem)
{
  static const size_t cases[][2] = {
    {16, SIZE_MAX}, {8, SIZE_MAX - 8}, {16, (size_t)PTRDIFF_MAX + 1}, {4096, SIZE_MAX / 2},
    {(size_t)1 << 63, (size_t)1 << 63}, {1u << 20, SIZE_MAX - (1u << 20)}, {64, (size_t)1 << 50},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    void *p = SENTINEL;
    int rc = mi_posix_memalign(&p, cases[i][0], check_opaque(cases[i][1]));
    ck_assert_msg(rc == ENOMEM, "posix_memalign(align %#zx, size %#zx) = %d, want ENOMEM", cases[i][0], cases[i][1],
                  rc);
    ck_assert_msg(p == SENTINEL, "posix_memalign failure changed *p to %p", p);
  }
}
END_TEST

START_TEST(test_posix_memalign_zero_size)
{
  void *p = SENTINEL, *q = SENTINEL;
  ck_assert_int_eq(mi_posix_memalign(&p, 64, 0), 0);
  ck_assert_int_eq(mi_posix_memalign(&q, 64, 0), 0);
  ck_assert_msg(p != NULL && p != SENTINEL && check_is_aligned(p, 64), "posix_memalign(64, 0) gave %p", p);
  ck_assert_ptr_ne(p, q);
  mi_free(p);
  mi_free(q);
}
END_TEST

/* ------------------------------------------------------------------------
   memalign, valloc, pvalloc, aligned_alloc
------------------------------------------------------------------------ */

START_TEST(test_posix_memalign_function_bad_alignment)
{
  static const size_t bad[] = {0, 3, 24, 48, 100, 4097, 3u << 20};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    EXPECT_NULL_ERRNO(mi_memalign(check_opaque(bad[i]), 64), EINVAL, "mi_memalign", bad[i]);
  /* small powers of two are valid alignments */
  for (size_t a = 1; a <= 8; a *= 2) {
    void *p = mi_memalign(a, 24);
    ck_assert_ptr_nonnull(p);
    ck_assert_msg(check_is_aligned(p, 16), "memalign(%zu, 24) = %p not 16-byte aligned", a, p);
    mi_free(p);
  }
}
END_TEST

START_TEST(test_posix_valloc)
{
  const size_t pg = page_size();
  const size_t sizes[] = {0, 1, pg - 1, pg, pg + 1, 10 * pg + 3, 1u << 20, 9u << 20};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    void *p = mi_valloc(sizes[k]);
    ck_assert_msg(p != NULL && check_is_aligned(p, pg), "valloc(%zu) = %p", sizes[k], p);
    ck_assert_uint_ge(mi_usable_size(p), sizes[k]);
    touch(p, sizes[k]);
    mi_free(p);
  }
  EXPECT_NULL_ERRNO(mi_valloc(check_opaque(SIZE_MAX)), ENOMEM, "mi_valloc", SIZE_MAX);
  EXPECT_NULL_ERRNO(mi_valloc(check_opaque(SIZE_MAX - pg)), ENOMEM, "mi_valloc", SIZE_MAX - pg);
  EXPECT_NULL_ERRNO(mi_valloc(check_opaque((size_t)PTRDIFF_MAX + 1)), ENOMEM, "mi_valloc", (size_t)PTRDIFF_MAX + 1);
}
END_TEST

START_TEST(test_posix_pvalloc)
{
  const size_t pg = page_size();
  const size_t sizes[] = {1, pg - 1, pg, pg + 1, 10 * pg + 3, 1u << 20, (9u << 20) + 5};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k], rounded = (n + pg - 1) / pg * pg;
    void *p = mi_pvalloc(n);
    ck_assert_msg(p != NULL && check_is_aligned(p, pg), "pvalloc(%zu) = %p", n, p);
    ck_assert_msg(mi_usable_size(p) >= rounded, "pvalloc(%zu): usable %zu < %zu", n, mi_usable_size(p), rounded);
    touch(p, rounded);
    mi_free(p);
  }
  void *z = mi_pvalloc(0);
  ck_assert_msg(z != NULL && check_is_aligned(z, pg), "pvalloc(0) = %p", z);
  mi_free(z);
  /* rounding up must not wrap around (jemalloc once returned a tiny block) */
  const size_t bad[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - pg + 1, SIZE_MAX - pg, (size_t)PTRDIFF_MAX + 1,
                        (size_t)1 << 50};
  for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
    EXPECT_NULL_ERRNO(mi_pvalloc(check_opaque(bad[k])), ENOMEM, "mi_pvalloc", bad[k]);
}
END_TEST

/* A7: aligned_alloc rejects bad alignments with EINVAL and accepts sizes that
   are not a multiple of the alignment (C17 DR460). */
START_TEST(test_posix_aligned_alloc)
{
  static const size_t bad[][2] = {{0, 64}, {3, 16}, {24, 48}, {65, 64}, {48, 96}, {4097, 8192}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    EXPECT_NULL_ERRNO(mi_aligned_alloc(check_opaque(bad[i][0]), bad[i][1]), EINVAL, "mi_aligned_alloc", bad[i][0]);
  /* 2^63 is a power of two but cannot be honoured: either code is fine */
  prime();
  void *r = mi_aligned_alloc(check_opaque(SIZE_MAX / 2 + 1), 64);
  int e = errno;
  ck_assert_ptr_null(r);
  ck_assert_msg(e == EINVAL || e == ENOMEM, "aligned_alloc(2^63, 64): errno %d", e);

  for (size_t a = 1; a <= 4096; a *= 2) {
    void *p = mi_aligned_alloc(a, 100); /* 100 is not a multiple of most of these */
    ck_assert_msg(p != NULL && check_is_aligned(p, a) && check_is_aligned(p, 16), "aligned_alloc(%zu, 100) = %p", a, p);
    ck_assert_uint_ge(mi_usable_size(p), 100);
    touch(p, 100);
    mi_free(p);
  }
  void *z = mi_aligned_alloc(64, 0);
  ck_assert_ptr_nonnull(z);
  mi_free(z);
  EXPECT_NULL_ERRNO(mi_aligned_alloc(16, check_opaque(SIZE_MAX)), ENOMEM, "mi_aligned_alloc(16)", SIZE_MAX);
  EXPECT_NULL_ERRNO(mi_aligned_alloc(4096, check_opaque((size_t)PTRDIFF_MAX + 1)), ENOMEM, "mi_aligned_alloc(4096)",
                    (size_t)PTRDIFF_MAX + 1);
}
END_TEST

/* A2 for the posix family: impossible sizes at every power-of-two alignment. */
START_TEST(test_posix_huge_sizes_enomem)
{
  static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 4096, (size_t)PTRDIFF_MAX + 1, (size_t)1 << 50};
  for (size_t i = 0; i < 4; i++) {
    size_t n = check_opaque(sizes[i]);
    for (size_t a = 8; a != 0 && a <= ((size_t)1 << 40); a *= 2) {
      EXPECT_NULL_ERRNO(mi_memalign(a, n), ENOMEM, "mi_memalign", n);
      EXPECT_NULL_ERRNO(mi_aligned_alloc(a, n), ENOMEM, "mi_aligned_alloc", n);
      void *p = SENTINEL;
      ck_assert_int_eq(mi_posix_memalign(&p, a, n), ENOMEM);
      ck_assert_ptr_eq(p, SENTINEL);
    }
  }
}
END_TEST

/* ------------------------------------------------------------------------
   reallocarray, reallocarr
------------------------------------------------------------------------ */

START_TEST(test_posix_reallocarray)
{
  errno = 0;
  void *z = mi_reallocarray(NULL, 0, 16);
  ck_assert_ptr_nonnull(z);
  ck_assert_int_eq(errno, 0);
  mi_free(z);

  int *a = mi_reallocarray(NULL, 10, sizeof(int));
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_ge(mi_usable_size(a), 10 * sizeof(int));
  for (int i = 0; i < 10; i++) a[i] = i * 7;
  a = mi_reallocarray(a, 100000, sizeof(int));
  ck_assert_ptr_nonnull(a);
  for (int i = 0; i < 10; i++) ck_assert_int_eq(a[i], i * 7);
  a[99999] = 1;
  a = mi_reallocarray(a, 5, sizeof(int));
  ck_assert_ptr_nonnull(a);
  for (int i = 0; i < 5; i++) ck_assert_int_eq(a[i], i * 7);

  /* A4: overflow and impossible sizes: NULL + ENOMEM, block intact */
  static const size_t bad[][2] = {
    {SIZE_MAX - 1, SIZE_MAX - 1}, {(size_t)1 << 32, (size_t)1 << 32}, {SIZE_MAX, 2}, {2, SIZE_MAX},
    {(size_t)PTRDIFF_MAX / 2 + 1, 2}, {1, SIZE_MAX},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    EXPECT_NULL_ERRNO(mi_reallocarray(a, check_opaque(bad[i][0]), bad[i][1]), ENOMEM, "mi_reallocarray", bad[i][0]);
    EXPECT_NULL_ERRNO(mi_reallocarray(NULL, check_opaque(bad[i][0]), bad[i][1]), ENOMEM, "mi_reallocarray(NULL)",
                      bad[i][0]);
    for (int k = 0; k < 5; k++) ck_assert_int_eq(a[k], k * 7);
  }
  void *zero = mi_reallocarray(a, 0, sizeof(int)); /* like realloc(p, 0): a block */
  ck_assert_ptr_nonnull(zero);
  mi_free(zero);
}
END_TEST

START_TEST(test_posix_reallocarr)
{
  long *p = NULL;
  ck_assert_int_eq(mi_reallocarr(&p, 16, sizeof(long)), 0);
  ck_assert_ptr_nonnull(p);
  for (int i = 0; i < 16; i++) p[i] = -i;
  ck_assert_int_eq(mi_reallocarr(&p, 200000, sizeof(long)), 0);
  ck_assert_ptr_nonnull(p);
  for (int i = 0; i < 16; i++) ck_assert_int_eq(p[i], -i);
  long *keep = p;
  static const size_t bad[][2] = {{SIZE_MAX, 2}, {(size_t)1 << 32, (size_t)1 << 32}, {1, (size_t)PTRDIFF_MAX + 1}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int rc = mi_reallocarr(&p, check_opaque(bad[i][0]), bad[i][1]);
    ck_assert_msg(rc == ENOMEM, "reallocarr(%#zx, %#zx) = %d, want ENOMEM", bad[i][0], bad[i][1], rc);
    ck_assert_ptr_eq(p, keep);
    for (int k = 0; k < 16; k++) ck_assert_int_eq(p[k], -k);
  }
  /* total size 0: success, and *p is either NULL or a block to free */
  ck_assert_int_eq(mi_reallocarr(&p, 0, sizeof(long)), 0);
  mi_free(p);
}
END_TEST

/* ------------------------------------------------------------------------
   cfree, size queries
------------------------------------------------------------------------ */

static int global_block[16];

/* mi_cfree frees our blocks and ignores pointers the allocator does not own. */
START_TEST(test_posix_cfree)
{
  mi_cfree(NULL);
  for (size_t n = 1; n <= (4u << 20); n *= 4) {
    void *p = mi_malloc(n);
    memset(p, 1, n);
    errno = 1789;
    mi_cfree(p);
    ck_assert_int_eq(errno, 1789);
  }
  int on_stack[16] = {0};
  mi_cfree(on_stack);
  mi_cfree(global_block);
  char *libc_block = malloc(100); /* glibc's: libmirt does not replace malloc */
  memset(libc_block, 7, 100);
  mi_cfree(libc_block);
  ck_assert_int_eq(libc_block[99], 7);
  free(libc_block);
  on_stack[3] = 3;
  ck_assert_int_eq(on_stack[3], 3);
}
END_TEST

START_TEST(test_posix_malloc_size)
{
  ck_assert_uint_eq(mi_malloc_size(NULL), 0);
  ck_assert_uint_eq(mi_malloc_usable_size(NULL), 0);
  for (size_t n = 0; n <= (8u << 20); n = n < 64 ? n + 1 : n * 2 - 3) {
    void *p = mi_malloc(n);
    size_t u = mi_usable_size(p);
    ck_assert_uint_ge(u, n);
    ck_assert_uint_eq(mi_malloc_size(p), u);
    ck_assert_uint_eq(mi_malloc_usable_size(p), u);
    ck_assert_uint_eq(mi_malloc_good_size(n), mi_good_size(n));
    touch(p, u);
    mi_free(p);
  }
  void *a = mi_memalign(4096, 5000);
  ck_assert_uint_ge(mi_malloc_usable_size(a), 5000);
  ck_assert_uint_eq(mi_malloc_usable_size(a), mi_usable_size(a));
  touch(a, mi_malloc_usable_size(a));
  mi_free(a);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *posix_suite(void)
{
  Suite *s = suite_create("posix");

  TCase *pm = check_tcase(s, "posix_memalign", 20);
  tcase_add_loop_test(pm, test_posix_memalign_sweep, 3, 24);
  tcase_add_test(pm, test_posix_memalign_einval);
  tcase_add_test(pm, test_posix_memalign_enomem);
  tcase_add_test(pm, test_posix_memalign_zero_size);

  TCase *al = check_tcase(s, "aligned", 20);
  tcase_add_test(al, test_posix_memalign_function_bad_alignment);
  tcase_add_test(al, test_posix_valloc);
  tcase_add_test(al, test_posix_pvalloc);
  tcase_add_test(al, test_posix_aligned_alloc);
  tcase_add_test(al, test_posix_huge_sizes_enomem);

  TCase *ra = check_tcase(s, "reallocarray", 0);
  tcase_add_test(ra, test_posix_reallocarray);
  tcase_add_test(ra, test_posix_reallocarr);

  TCase *misc = check_tcase(s, "misc", 0);
  tcase_add_test(misc, test_posix_cfree);
  tcase_add_test(misc, test_posix_malloc_size);

  return s;
}

CHECK_MAIN(posix_suite)
