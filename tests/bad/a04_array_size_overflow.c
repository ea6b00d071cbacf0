/* SPDX-License-Identifier: MIT */
/* a04_array_size_overflow.c -- A4: count*size overflow in calloc/reallocarray gives NULL and ENOMEM (not EOVERFLOW). */
#include "bad.h"

static void expect_calloc_fails(size_t n, size_t s) {
  errno = 0;
  void* r = x_calloc(n, s);
  CHECK(r == NULL, "calloc(%#zx, %#zx) returned %p", n, s, r);
  CHECK(errno == ENOMEM, "calloc(%#zx, %#zx): errno %d, want ENOMEM %d", n, s, errno, ENOMEM);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  expect_calloc_fails(SIZE_MAX, 2);
  expect_calloc_fails(2, SIZE_MAX);
  expect_calloc_fails((size_t)1 << 32, (size_t)1 << 32);
  expect_calloc_fails(((size_t)1 << 32) + 1, ((size_t)1 << 32) - 1);
  expect_calloc_fails((size_t)LONG_MAX + 1, 2);
  expect_calloc_fails(SIZE_MAX, SIZE_MAX);
  expect_calloc_fails(SIZE_MAX / 16 + 1, 16);

  char* p = x_malloc(32);
  CHECK(p != NULL, "malloc(32) failed");
  memcpy(p, "reallocarray keeps this", 24);
  const size_t pairs[][2] = {
    {SIZE_MAX - 1, SIZE_MAX - 1}, {SIZE_MAX, 2}, {(size_t)1 << 32, (size_t)1 << 32}, {2, SIZE_MAX / 2 + 1}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    errno = 0;
    void* r = x_reallocarray(p, pairs[i][0], pairs[i][1]);
    CHECK(r == NULL, "reallocarray(p, %#zx, %#zx) returned %p", pairs[i][0], pairs[i][1], r);
    CHECK(errno == ENOMEM, "reallocarray(p, %#zx, %#zx): errno %d, want ENOMEM %d (not EOVERFLOW %d)",
          pairs[i][0], pairs[i][1], errno, ENOMEM, EOVERFLOW);
    CHECK(memcmp(p, "reallocarray keeps this", 24) == 0, "the block changed");
  }
  x_free(p);

  /* a zero product is not an overflow */
  errno = 1789;
  void* z = x_reallocarray(NULL, 0, 16);
  CHECK(z != NULL, "reallocarray(NULL, 0, 16) returned NULL");
  CHECK(errno == 1789, "reallocarray(NULL, 0, 16) changed errno to %d", errno);
  x_free(z);
  errno = 1789;
  z = x_calloc(0, SIZE_MAX);
  CHECK(z != NULL, "calloc(0, SIZE_MAX) returned NULL");
  CHECK(errno == 1789, "calloc(0, SIZE_MAX) changed errno to %d", errno);
  x_free(z);
  return 0;
}
