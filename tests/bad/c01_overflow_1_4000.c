/* SPDX-License-Identifier: MIT */
/* c01_overflow_1_4000.c -- C1: overflow by 1 byte at malloc_usable_size(p) for a 4000 B block, then free. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  overflow_then_free(4000, 1);
  return 0;
}
