/* SPDX-License-Identifier: MIT */
/* b07_free_interior_4096.c -- B7: free(p + 4096) inside a 256 KiB block (page-aligned, but not the block start). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(256 << 10);
  CHECK(p != NULL, "malloc failed");
  x_free(p + 4096);
  not_caught();
  return 0;
}
