/* SPDX-License-Identifier: MIT */
/* b08_free_ptr_minus16.c -- B8: free((void*)(intptr_t)-16), a negative value cast to a pointer (kernel half). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  x_free((void*)(intptr_t)-16);
  not_caught();
  return 0;
}
