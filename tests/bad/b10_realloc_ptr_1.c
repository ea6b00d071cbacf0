/* SPDX-License-Identifier: MIT */
/* b10_realloc_ptr_1.c -- B10: realloc((void*)1, 16), a pointer the allocator never returned. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* q = x_realloc((void*)1, 16);
  not_caught();
  bad_say("realloc returned %p", q);
  if (q != NULL && q != (void*)1) x_free(q);
  return 0;
}
