/* SPDX-License-Identifier: MIT */
/* b10_realloc_freed.c -- B10: realloc of a block that was already freed. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  char* p = x_malloc(24);
  CHECK(p != NULL, "malloc failed");
  x_free(p);
  void* q = x_realloc(p, 32);
  not_caught();
  bad_say("realloc returned %p (p = %p)", q, (void*)p);
  return 0;
}
