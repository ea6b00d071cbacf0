/* SPDX-License-Identifier: MIT */
/* a06_posix_memalign_args.c -- A6: posix_memalign rejects bad alignments with EINVAL and impossible sizes with ENOMEM, leaving *p untouched. */
#include "bad.h"

static void expect_rc(size_t align, size_t size, int want) {
  void* sentinel = &sentinel;
  void* out = sentinel;
  int rc = x_posix_memalign(&out, align, size);
  CHECK(rc == want, "posix_memalign(%#zx, %#zx) = %d, want %d", align, size, rc, want);
  CHECK(out == sentinel, "posix_memalign(%#zx, %#zx) failed but changed *p to %p", align, size, out);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const size_t bad_align[] = {0, 1, 2, 3, 4, 5, 6, 7, 12, 24, 48, 96, 4097, 4095, SIZE_MAX, SIZE_MAX / 2};
  for (size_t i = 0; i < sizeof bad_align / sizeof bad_align[0]; i++) {
    if (bad_align[i] == 4 && sizeof(void*) == 4) continue;
    expect_rc(bad_align[i], 64, EINVAL);
    expect_rc(bad_align[i], 0, EINVAL);
  }
  for (int k = 2; k < 23; k++) expect_rc(((size_t)1 << k) + 1, 64, EINVAL);
  for (int k = 4; k < 23; k++) expect_rc(((size_t)1 << k) + 8, 64, EINVAL);

  expect_rc(16, SIZE_MAX, ENOMEM);
  expect_rc(4096, SIZE_MAX - 4096, ENOMEM);
  expect_rc(16, (size_t)PTRDIFF_MAX + 1, ENOMEM);
  expect_rc((size_t)1 << 63, (size_t)1 << 63, ENOMEM);

  /* size 0 succeeds and is freeable; a good alignment is honoured */
  for (size_t a = sizeof(void*); a <= ((size_t)1 << 20); a <<= 1) {
    void* p = NULL;
    int rc = x_posix_memalign(&p, a, 0);
    CHECK(rc == 0 && p != NULL, "posix_memalign(%zu, 0) = %d, %p", a, rc, p);
    CHECK(((uintptr_t)p & (a - 1)) == 0, "posix_memalign(%zu, 0) = %p is misaligned", a, p);
    x_free(p);
    rc = x_posix_memalign(&p, a, 100);
    CHECK(rc == 0 && p != NULL && ((uintptr_t)p & (a - 1)) == 0, "posix_memalign(%zu, 100) = %d, %p", a, rc, p);
    x_free(p);
  }
  return 0;
}
