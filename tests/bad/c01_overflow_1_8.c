/* SPDX-License-Identifier: MIT */
/* c01_overflow_1_8.c -- C1: overflow by 1 byte at malloc_usable_size(p) for an 8 B block, then free. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  overflow_then_free(8, 1);
  return 0;
}
