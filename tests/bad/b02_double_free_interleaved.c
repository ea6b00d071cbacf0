/* SPDX-License-Identifier: MIT */
/* b02_double_free_interleaved.c -- B2: a double free after other frees (p, q, then p again). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* p = x_malloc(48);
  void* q = x_malloc(48);
  void* r = x_malloc(48);
  CHECK(p != NULL && q != NULL && r != NULL, "malloc failed");
  x_free(p);
  x_free(q);
  x_free(r);
  x_free(p);
  not_caught();
  return 0;
}
