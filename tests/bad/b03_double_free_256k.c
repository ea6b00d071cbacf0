/* SPDX-License-Identifier: MIT */
/* b03_double_free_256k.c -- B3: a double free of a 256 KiB block (large page). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(262144);
  CHECK(p != NULL, "malloc(262144) failed");
  p[0] = 1;
  x_free(p);
  x_free(p);
  not_caught();
  return 0;
}
