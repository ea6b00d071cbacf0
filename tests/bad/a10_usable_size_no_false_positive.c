/* SPDX-License-Identifier: MIT */
/* a10_usable_size_no_false_positive.c -- A10: writing exactly malloc_usable_size bytes is legal and is never reported (free, realloc, sized free). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  CHECK(x_usable_size(NULL) == 0, "malloc_usable_size(NULL) is not 0");
  bad_free_sized_fn sized = bad_free_sized();
  for (size_t n = 0; n <= ((size_t)64 << 10); n += (n < 1024 ? 1 : 251)) {
    unsigned char* p = x_malloc(n);
    CHECK(p != NULL, "malloc(%zu) failed", n);
    size_t u = x_usable_size(p);
    CHECK(u >= n, "malloc_usable_size(malloc(%zu)) = %zu", n, u);
    memset(p, 0xC3, u);
    switch (n % 3) {
    case 0:
      x_free(p);
      break;
    case 1: {
      unsigned char* q = x_realloc(p, n + 7);
      CHECK(q != NULL, "realloc(%zu) failed", n + 7);
      for (size_t i = 0; i < n && i < u; i++) CHECK(q[i] == 0xC3, "realloc lost byte %zu", i);
      memset(q, 0x3C, x_usable_size(q));
      x_free(q);
      break;
    }
    default:
      if (sized != NULL) sized(p, n);
      else x_free(p);
      break;
    }
  }
  return 0;
}
