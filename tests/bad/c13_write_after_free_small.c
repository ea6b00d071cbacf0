/* SPDX-License-Identifier: MIT */
/* c13_write_after_free_small.c -- C13: a byte written into a freed 128-byte block is seen when the block is handed out again (S). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char* p = x_malloc(128);
  CHECK(p != NULL, "malloc(128) failed");
  memset((void*)p, 'x', 128);
  x_free((void*)p);
  p[64] ^= 0x41;   /* write after free, in the middle of the block */
  /* churn the size class until the slot comes back */
  for (int i = 0; i < 100000; i++) x_free(x_malloc(128));
  not_caught();
  return 0;
}
