/* SPDX-License-Identifier: MIT */
/* b08_free_global.c -- B8: free of a global (a 16-aligned array in .bss). */
#include "bad.h"

_Alignas(16) char global_block[256];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  x_free(global_block);
  not_caught();
  return 0;
}
