/* SPDX-License-Identifier: MIT */
/* b06_free_unaligned_8.c -- B6: free(p + 1) for a 8 B block (a pointer that is not 16-byte aligned). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(8);
  CHECK(p != NULL, "malloc failed");
  x_free(p + 1);
  not_caught();
  return 0;
}
