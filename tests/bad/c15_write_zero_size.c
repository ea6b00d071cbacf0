/* SPDX-License-Identifier: MIT */
/* c15_write_zero_size.c -- C15: writing the block malloc(0) returned faults (S: zero-size blocks are slots of an inaccessible region). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char* p = x_malloc(0);
  CHECK(p != NULL, "malloc(0) returned NULL");
  p[0] = 'A';   /* write into a zero-size block */
  not_caught();
  x_free((void*)p);
  return 0;
}
