/* SPDX-License-Identifier: MIT */
/* b06_free_unaligned_256k.c -- B6: free(p + 8) for a 262144 B block (a pointer that is not 16-byte aligned). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(262144);
  CHECK(p != NULL, "malloc failed");
  x_free(p + 8);
  not_caught();
  return 0;
}
