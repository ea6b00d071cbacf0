/* SPDX-License-Identifier: MIT */
/* check_size_class.c -- size classes: every size maps to a bin that fits it, with bounded waste. */
#include "internal.h"
#include "check_main.h"

/* Every size 0..64 KiB lands in a bin whose block holds it, wastes at most
   25% (plus 15 bytes of 16-byte rounding), and no smaller bin would do. */
START_TEST(test_size_class_fits_and_is_tight)
{
  for (size_t size = 0; size <= MI_MEDIUM_OBJ_SIZE_MAX; size++) {
    const size_t bin = _mi_bin(size);
    ck_assert_msg(bin >= 1 && bin <= MI_BIN_MEDIUM_MAX, "size %zu -> bin %zu out of range", size, bin);
    const size_t bsize = _mi_bin_size(bin);
    ck_assert_msg(bsize >= size, "size %zu -> bin %zu holds only %zu", size, bin, bsize);
    ck_assert_msg(bsize % 16 == 0, "bin %zu size %zu not a multiple of 16", bin, bsize);
    ck_assert_msg(bsize <= 16 || bsize <= size + size / 4 + 15, "size %zu -> block %zu wastes more than 25%%", size, bsize);
    if (bin > 1) ck_assert_msg(_mi_bin_size(bin - 1) < size, "size %zu would fit bin %zu", size, bin - 1);
  }
}
END_TEST

/* Bins are strictly increasing and map back to themselves. */
START_TEST(test_size_class_bins_monotonic)
{
  for (size_t bin = 1; bin <= MI_BIN_MEDIUM_MAX; bin++) {
    ck_assert_uint_eq(_mi_bin(_mi_bin_size(bin)), bin);
    if (bin > 1) ck_assert_uint_gt(_mi_bin_size(bin), _mi_bin_size(bin - 1));
  }
  ck_assert_uint_eq(_mi_bin_size(MI_BIN_MEDIUM_MAX), MI_MEDIUM_OBJ_SIZE_MAX);
  ck_assert_uint_eq(_mi_bin_size(MI_BIN_SMALL_MAX), MI_SMALL_OBJ_SIZE_MAX);
}
END_TEST

/* mi_good_size agrees with what an allocation of that size can use, up to 1 MiB. */
START_TEST(test_size_class_good_size_matches_usable)
{
  for (size_t size = 1; size <= MI_MiB; size += (size < 4096 ? 1 : 4093)) {
    void* p = mi_malloc(size);
    ck_assert_ptr_nonnull(p);
    const size_t good = mi_good_size(size);
    ck_assert_msg(good >= size, "good_size(%zu) = %zu", size, good);
    ck_assert_msg(mi_usable_size(p) >= good, "usable %zu < good_size %zu (size %zu)", mi_usable_size(p), good, size);
    mi_free(p);
  }
}
END_TEST

/* The direct table: a size's direct entry is its bin's queue. */
START_TEST(test_size_class_direct_index)
{
  for (size_t size = 0; size <= MI_SMALL_SIZE_MAX_; size++) {
    const size_t idx = (size + 15) >> 4;
    ck_assert_uint_lt(idx, MI_DIRECT_COUNT);
    const size_t bsize = _mi_bin_size(_mi_bin(size));
    /* every size sharing a direct slot must share the bin */
    ck_assert_uint_eq(_mi_bin(idx == 0 ? 1 : idx * 16), _mi_bin(size == 0 ? 1 : size));
    ck_assert_uint_ge(bsize, size);
  }
}
END_TEST

static Suite* size_class_suite(void)
{
  Suite* s = suite_create("size_class");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_size_class_fits_and_is_tight);
  tcase_add_test(tc, test_size_class_bins_monotonic);
  tcase_add_test(tc, test_size_class_good_size_matches_usable);
  tcase_add_test(tc, test_size_class_direct_index);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(size_class_suite)
