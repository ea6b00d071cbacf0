/* SPDX-License-Identifier: MIT */
/* b06_free_unaligned_4k.c -- B6: free(p + 15) for a 4096 B block (a pointer that is not 16-byte aligned). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(4096);
  CHECK(p != NULL, "malloc failed");
  x_free(p + 15);
  not_caught();
  return 0;
}
