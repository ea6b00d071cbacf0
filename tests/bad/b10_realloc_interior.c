/* SPDX-License-Identifier: MIT */
/* b10_realloc_interior.c -- B10: realloc(p + 1, 32), an unaligned pointer inside a live block. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(24);
  CHECK(p != NULL, "malloc failed");
  void* q = x_realloc(p + 1, 32);
  not_caught();
  bad_say("realloc returned %p (p = %p)", q, (void*)p);
  return 0;
}
