/* SPDX-License-Identifier: MIT */
/* a07_aligned_alloc_args.c -- A7: aligned_alloc with a bad alignment gives NULL and EINVAL; a size that is not a multiple is accepted. */
#include "bad.h"

static void expect_einval(size_t align, size_t size) {
  errno = 0;
  void* r = x_aligned_alloc(align, size);
  CHECK(r == NULL, "aligned_alloc(%#zx, %zu) returned %p", align, size, r);
  CHECK(errno == EINVAL, "aligned_alloc(%#zx, %zu): errno %d, want EINVAL %d", align, size, errno, EINVAL);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  expect_einval(0, 64);
  expect_einval(3, 16);
  expect_einval(24, 48);
  expect_einval(65, 64);
  expect_einval(48, 96);
  expect_einval(4097, 4097);
  expect_einval(SIZE_MAX, 64);

  /* 2^63 is a power of two but no block can have it: NULL, and EINVAL
     (security.md A7) or ENOMEM (glibc) */
  errno = 0;
  void* r = x_aligned_alloc(SIZE_MAX / 2 + 1, 64);
  CHECK(r == NULL, "aligned_alloc(SIZE_MAX/2+1, 64) returned %p", r);
  CHECK(errno == EINVAL || errno == ENOMEM, "aligned_alloc(SIZE_MAX/2+1, 64): errno %d", errno);

  /* C17 DR460: the size need not be a multiple of the alignment */
  const size_t ok[][2] = {{16, 100}, {64, 1}, {4096, 100}, {4096, 4097}, {256, 0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    void* p = x_aligned_alloc(ok[i][0], ok[i][1]);
    CHECK(p != NULL, "aligned_alloc(%zu, %zu) failed", ok[i][0], ok[i][1]);
    CHECK(((uintptr_t)p & (ok[i][0] - 1)) == 0, "aligned_alloc(%zu, %zu) = %p is misaligned", ok[i][0], ok[i][1], p);
    if (ok[i][1] > 0) memset(p, 1, ok[i][1]);
    x_free(p);
  }
  return 0;
}
