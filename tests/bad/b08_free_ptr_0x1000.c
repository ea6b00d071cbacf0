/* SPDX-License-Identifier: MIT */
/* b08_free_ptr_0x1000.c -- B8: free((void*)0x1000), a wild address in the first (unmapped) pages. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  x_free((void*)0x1000);
  not_caught();
  return 0;
}
