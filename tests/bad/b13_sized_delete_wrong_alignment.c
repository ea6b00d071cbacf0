/* SPDX-License-Identifier: MIT */
/* b13_sized_delete_wrong_alignment.c -- B13: operator delete(p, size, align) with an alignment the block does not have (S: "sized free mismatch"). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* (*op_new)(size_t, size_t) = (void* (*)(size_t, size_t))bad_sym("_ZnwmSt11align_val_t");
  void (*op_delete)(void*, size_t, size_t) = (void (*)(void*, size_t, size_t))bad_sym("_ZdlPvmSt11align_val_t");
  if (op_new == NULL || op_delete == NULL) {
    bad_say("no aligned operator new/delete in this process: nothing to test");
    return 0;
  }
  void* p = op_new(64, 64);
  CHECK(p != NULL, "operator new(64, align 64) failed");
  CHECK(((uintptr_t)p & 63) == 0, "operator new(64, align 64) returned %p", p);
  size_t wrong = 128;   /* the smallest alignment p does not have */
  while (((uintptr_t)p & (wrong - 1)) == 0) wrong <<= 1;
  op_delete(p, 64, wrong);
  not_caught();
  return 0;
}
