/* SPDX-License-Identifier: MIT */
/* b08_free_ptr_1.c -- B8: free((void*)1), a wild low address. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  x_free((void*)1);
  not_caught();
  return 0;
}
