/* SPDX-License-Identifier: MIT */
/* c08_large_trailing_guard.c -- C8: a write just past the page-rounded end of a 4 MiB + 1 block hits a guard page in S. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  unsigned char* p = x_malloc(((size_t)4 << 20) + 1);
  CHECK(p != NULL, "malloc failed");
  const size_t usable = x_usable_size(p);
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t end = (usable + page - 1) & ~(page - 1);
  bad_say("usable %zu, touching offset %zu", usable, end);
  volatile unsigned char* past = p + end;
  *past ^= 1;   /* S: SIGSEGV here */
  *past ^= 1;
  not_caught();
  x_free(p);
  return 0;
}
