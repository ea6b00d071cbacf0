/* SPDX-License-Identifier: MIT */
/* b01_double_free.c -- B1: a 16 B block freed twice in a row. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* p = x_malloc(16);
  CHECK(p != NULL, "malloc failed");
  x_free(p);
  x_free(p);
  not_caught();
  return 0;
}
