/* SPDX-License-Identifier: MIT */
/* b13_free_aligned_sized_wrong_alignment.c -- B13: C23 free_aligned_sized with an alignment the block does not have (S: "sized free mismatch"). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void (*fas)(void*, size_t, size_t) = (void (*)(void*, size_t, size_t))bad_sym("free_aligned_sized");
  if (fas == NULL) {
    bad_say("no free_aligned_sized in this process: nothing to test");
    return 0;
  }
  void* p = x_aligned_alloc(32, 256);
  CHECK(p != NULL, "aligned_alloc(32, 256) failed");
  size_t wrong = 64;   /* the smallest alignment p does not have */
  while (((uintptr_t)p & (wrong - 1)) == 0) wrong <<= 1;
  fas(p, wrong, 256);
  not_caught();
  return 0;
}
