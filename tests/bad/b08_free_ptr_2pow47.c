/* SPDX-License-Identifier: MIT */
/* b08_free_ptr_2pow47.c -- B8: free((void*)((uintptr_t)1 << 47)), the first address above 47-bit user space. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  x_free((void*)((uintptr_t)1 << 47));
  not_caught();
  return 0;
}
