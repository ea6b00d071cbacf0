/* SPDX-License-Identifier: MIT */
/* b03_double_free_memalign.c -- B3: a double free of a 4096-aligned block (interior-pointer page). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_memalign(4096, 100);
  CHECK(p != NULL && ((uintptr_t)p & 4095) == 0, "memalign(4096, 100) = %p", (void*)p);
  p[0] = 1;
  x_free(p);
  x_free(p);
  not_caught();
  return 0;
}
