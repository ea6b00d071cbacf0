/* SPDX-License-Identifier: MIT */
/* b07_free_interior_16.c -- B7: free(p + 16) inside a 64 B block (16-aligned, but not a block start). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(64);
  CHECK(p != NULL, "malloc failed");
  x_free(p + 16);
  not_caught();
  return 0;
}
