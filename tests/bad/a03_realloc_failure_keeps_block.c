/* SPDX-License-Identifier: MIT */
/* a03_realloc_failure_keeps_block.c -- A3: a failed realloc returns NULL with ENOMEM and leaves the block intact. */
#include "bad.h"

static void check_fill(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++) CHECK(p[i] == 0x42, "byte %zu changed to %#x by a failed realloc", i, p[i]);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const size_t sizes[] = {16, 1000, 100000, 5u << 20};
  const size_t huge[] = {SIZE_MAX, (size_t)PTRDIFF_MAX + 1, SIZE_MAX - 4096, (size_t)1 << 50};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    unsigned char* p = x_malloc(sizes[i]);
    CHECK(p != NULL, "malloc(%zu) failed", sizes[i]);
    memset(p, 0x42, sizes[i]);
    for (size_t j = 0; j < sizeof huge / sizeof huge[0]; j++) {
      errno = 0;
      void* r = x_realloc(p, huge[j]);
      CHECK(r == NULL, "realloc(p, %#zx) returned %p", huge[j], r);
      CHECK(errno == ENOMEM, "realloc(p, %#zx): errno %d, want ENOMEM", huge[j], errno);
      check_fill(p, sizes[i]);
      errno = 0;
      r = x_reallocarray(p, huge[j], 2);
      CHECK(r == NULL && errno == ENOMEM, "reallocarray(p, %#zx, 2) = %p, errno %d", huge[j], r, errno);
      check_fill(p, sizes[i]);
    }
    /* the block is still live and usable */
    unsigned char* q = x_realloc(p, sizes[i] * 2);
    CHECK(q != NULL, "realloc(p, %zu) failed after the failures", sizes[i] * 2);
    check_fill(q, sizes[i]);
    x_free(q);
  }
  return 0;
}
