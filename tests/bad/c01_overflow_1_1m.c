/* SPDX-License-Identifier: MIT */
/* c01_overflow_1_1m.c -- C1: overflow by 1 byte at malloc_usable_size(p) for a 1 MiB + 1 block (large page), then free. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  overflow_then_free(((size_t)1 << 20) + 1, 1);
  return 0;
}
