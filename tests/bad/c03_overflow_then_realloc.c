/* SPDX-License-Identifier: MIT */
/* c03_overflow_then_realloc.c -- C3: overflow by 1 byte, then realloc(p, 2n): reported inside realloc, before the contents are copied. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile unsigned char* p = x_malloc(100);
  CHECK(p != NULL, "malloc failed");
  const size_t usable = x_usable_size((void*)p);
  p[usable] ^= 1;
  void* q = x_realloc((void*)p, 200);
  not_caught();
  p[usable] ^= 1;   /* undo the flip (in the neighbour, or inside the grown block) */
  (void)q;
  return 0;
}
