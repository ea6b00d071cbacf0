/* SPDX-License-Identifier: MIT */
/* c01_overflow_1_100.c -- C1: overflow by 1 byte at malloc_usable_size(p) for a 100 B block, then free. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  overflow_then_free(100, 1);
  return 0;
}
