/* SPDX-License-Identifier: MIT */
/* a09_realloc_contract.c -- A9: realloc(NULL, n) allocates, growing and shrinking keep the prefix, realloc(p, 0) returns a unique block (README). */
#include "bad.h"

static void fill(unsigned char* p, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) p[i] = (unsigned char)(i * 131 + 7);
}

static void check_prefix(const unsigned char* p, size_t n, size_t at) {
  for (size_t i = 0; i < n; i++)
    CHECK(p[i] == (unsigned char)(i * 131 + 7), "byte %zu of %zu lost by realloc to %zu", i, n, at);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  unsigned char* p = x_realloc(NULL, 16);
  CHECK(p != NULL, "realloc(NULL, 16) failed");
  fill(p, 0, 16);

  /* grow from 16 B to a huge block, then shrink back to 1 B */
  size_t size = 16;
  const size_t grow[] = {17, 24, 100, 1000, 8192, 8193, 65536, 65537, 256 << 10, 1 << 20, 5 << 20, 40 << 20};
  for (size_t i = 0; i < sizeof grow / sizeof grow[0]; i++) {
    unsigned char* q = x_realloc(p, grow[i]);
    CHECK(q != NULL, "realloc to %zu failed", grow[i]);
    check_prefix(q, size, grow[i]);
    fill(q, size, grow[i]);
    p = q;
    size = grow[i];
  }
  for (size_t i = sizeof grow / sizeof grow[0]; i-- > 0;) {
    unsigned char* q = x_realloc(p, grow[i]);
    CHECK(q != NULL, "realloc down to %zu failed", grow[i]);
    check_prefix(q, grow[i], grow[i]);
    p = q;
  }
  p = x_realloc(p, 1);
  CHECK(p != NULL, "realloc to 1 failed");
  check_prefix(p, 1, 1);

  /* within the usable size, realloc stays in place */
  size_t usable = x_usable_size(p);
  unsigned char* same = x_realloc(p, usable);
  CHECK(same == p, "realloc(p, usable size %zu) moved the block", usable);

  /* realloc(p, 0): mirt documents a unique minimal block, not NULL */
  void* z = x_realloc(p, 0);
  CHECK(z != NULL, "realloc(p, 0) returned NULL (README: a unique minimal block)");
  void* z2 = x_malloc(0);
  CHECK(z2 != NULL && z2 != z, "malloc(0) after realloc(p, 0): %p vs %p", z2, z);
  x_free(z2);
  x_free(z);
  return 0;
}
