/* SPDX-License-Identifier: MIT */
/* c14_read_after_free_large.c -- C14: a read of a freed 256 KiB block faults at once (S: the freed pages are PROT_NONE). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char* p = x_malloc(256 * 1024);
  CHECK(p != NULL, "malloc(256 KiB) failed");
  memset((void*)p, 1, 256 * 1024);
  x_free((void*)p);
  volatile char c = p[128 * 1024];   /* read after free */
  (void)c;
  not_caught();
  return 0;
}
