/* SPDX-License-Identifier: MIT */
/* c02_overflow_16_1000.c -- C2: overflow by 16 bytes at malloc_usable_size(p) for a 1000 B block, then free. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  overflow_then_free(1000, 16);
  return 0;
}
