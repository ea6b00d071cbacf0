/* SPDX-License-Identifier: MIT */
/* b11_usable_size_interior.c -- B11: malloc_usable_size(p + 1) inside a live block. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(40);
  CHECK(p != NULL, "malloc failed");
  size_t n = x_usable_size(p + 1);
  not_caught();
  bad_say("malloc_usable_size returned %zu", n);
  x_free(p);
  return 0;
}
