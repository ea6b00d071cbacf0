/* SPDX-License-Identifier: MIT */
/* b13_free_sized_wrong_size.c -- B13: C23 free_sized with a size from another size class (S: "sized free mismatch"). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void (*sized)(void*, size_t) = (void (*)(void*, size_t))bad_sym("free_sized");
  if (sized == NULL) {
    bad_say("no free_sized in this process: nothing to test");
    return 0;
  }
  void* p = x_malloc(1000);
  CHECK(p != NULL, "malloc(1000) failed");
  sized(p, 100);   /* not the size asked for */
  not_caught();
  return 0;
}
