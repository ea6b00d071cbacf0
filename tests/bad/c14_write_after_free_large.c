/* SPDX-License-Identifier: MIT */
/* c14_write_after_free_large.c -- C14: a write into a freed 256 KiB block faults at once (S: the freed pages are PROT_NONE). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char* p = x_malloc(256 * 1024);
  CHECK(p != NULL, "malloc(256 KiB) failed");
  memset((void*)p, 1, 256 * 1024);
  x_free((void*)p);
  p[64 * 1024 + 1] = 'A';   /* write after free */
  not_caught();
  return 0;
}
