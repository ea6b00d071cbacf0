/* SPDX-License-Identifier: MIT */
/* b11_usable_size_ptr_1.c -- B11: malloc_usable_size((void*)1), a pointer the allocator never returned. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  size_t n = x_usable_size((void*)1);
  not_caught();
  bad_say("malloc_usable_size returned %zu", n);
  return 0;
}
