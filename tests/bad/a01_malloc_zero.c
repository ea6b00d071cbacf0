/* SPDX-License-Identifier: MIT */
/* a01_malloc_zero.c -- A1: malloc(0) gives distinct, freeable, non-NULL blocks. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* p = x_malloc(0);
  void* q = x_malloc(0);
  CHECK(p != NULL && q != NULL, "malloc(0) returned NULL (%p, %p)", p, q);
  CHECK(p != q, "two malloc(0) returned the same block %p", p);
  (void)x_usable_size(p);
  void* r = x_calloc(0, 16);
  CHECK(r != NULL, "calloc(0, 16) returned NULL");
  x_free(r);
  x_free(q);
  x_free(p);
  return 0;
}
