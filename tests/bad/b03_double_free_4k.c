/* SPDX-License-Identifier: MIT */
/* b03_double_free_4k.c -- B3: a double free of a 4 KiB block (small page). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(4096);
  CHECK(p != NULL, "malloc(4096) failed");
  p[0] = 1;
  x_free(p);
  x_free(p);
  not_caught();
  return 0;
}
