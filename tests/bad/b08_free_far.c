/* SPDX-License-Identifier: MIT */
/* b08_free_far.c -- B8: free(p + 1 GiB) for a small block p (far outside any block). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(32);
  CHECK(p != NULL, "malloc failed");
  x_free(p + ((size_t)1 << 30));
  not_caught();
  x_free(p);
  return 0;
}
