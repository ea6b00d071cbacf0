/* SPDX-License-Identifier: MIT */
/* b08_free_literal.c -- B8: free of a string literal (read-only memory). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const char* volatile s = "a string literal, in .rodata";
  x_free((void*)s);
  not_caught();
  return 0;
}
