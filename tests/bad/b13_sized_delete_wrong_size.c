/* SPDX-License-Identifier: MIT */
/* b13_sized_delete_wrong_size.c -- B13: operator delete(p, 16) of a 32-byte operator new block (a type-size mismatch; S: "sized free mismatch"). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* (*op_new)(size_t) = (void* (*)(size_t))bad_sym("_Znwm");
  void (*op_delete_sized)(void*, size_t) = (void (*)(void*, size_t))bad_sym("_ZdlPvm");
  if (op_new == NULL || op_delete_sized == NULL) {
    bad_say("no operator new/delete(void*, size_t) in this process: nothing to test");
    return 0;
  }
  void* p = op_new(32);
  CHECK(p != NULL, "operator new(32) failed");
  op_delete_sized(p, 16);   /* deleted as a smaller type */
  not_caught();
  return 0;
}
