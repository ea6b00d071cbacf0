/* SPDX-License-Identifier: MIT */
/* b03_double_free_8m.c -- B3: a double free of a 8 MiB block (large page of its own). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(8388608);
  CHECK(p != NULL, "malloc(8388608) failed");
  p[0] = 1;
  x_free(p);
  x_free(p);
  not_caught();
  return 0;
}
