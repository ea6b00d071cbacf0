/* SPDX-License-Identifier: MIT */
/* b03_double_free_64m.c -- B3: a double free of a 64 MiB block (a segment of its own). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(67108864);
  CHECK(p != NULL, "malloc(67108864) failed");
  p[0] = 1;
  x_free(p);
  x_free(p);
  not_caught();
  return 0;
}
