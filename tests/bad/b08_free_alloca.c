/* SPDX-License-Identifier: MIT */
/* b08_free_alloca.c -- B8: free of alloca() memory. */
#include "bad.h"
#include <alloca.h>

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile size_t n = 100;
  char* p = alloca(n);
  memset(p, 1, n);
  x_free(p);
  not_caught();
  return p[0] == 1 ? 0 : 1;
}
