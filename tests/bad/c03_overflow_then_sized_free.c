/* SPDX-License-Identifier: MIT */
/* c03_overflow_then_sized_free.c -- C3: overflow by 1 byte, then a sized free (free_sized or mi_free_size): reported like a plain free. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  bad_free_sized_fn sized = bad_free_sized();
  volatile unsigned char* p = x_malloc(100);
  CHECK(p != NULL, "malloc failed");
  const size_t usable = x_usable_size((void*)p);
  p[usable] ^= 1;
  if (sized != NULL) sized((void*)p, 100);
  else x_free((void*)p);
  not_caught();
  p[usable] ^= 1;
  return 0;
}
