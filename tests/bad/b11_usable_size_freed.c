/* SPDX-License-Identifier: MIT */
/* b11_usable_size_freed.c -- B11: malloc_usable_size of a block that was already freed. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(40);
  CHECK(p != NULL, "malloc failed");
  x_free(p);
  size_t n = x_usable_size(p);
  not_caught();
  bad_say("malloc_usable_size returned %zu", n);
  return 0;
}
