/* SPDX-License-Identifier: MIT */
/* b08_free_stack.c -- B8: free of a stack array. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char buf[64];
  buf[0] = 1;
  x_free((void*)buf);
  not_caught();
  return buf[0] == 1 ? 0 : 1;
}
