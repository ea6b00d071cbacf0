/* SPDX-License-Identifier: MIT */
/* c05_freelist_next_to_global.c -- C5: a freed block's link overwritten with a plausible pointer (a global array): malloc must not hand the global out. */
#include "bad.h"

#define TRIES 70000

_Alignas(64) static unsigned char target[4096];
static void* got[TRIES];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  unsigned char* a = x_malloc(32);
  volatile uintptr_t* c = x_malloc(32);
  CHECK(a != NULL && c != NULL, "malloc failed");
  x_free(a);
  x_free((void*)c);
  c[0] = (uintptr_t)target;   /* plaintext pointer: what an attacker would write */
  size_t n = 0;
  int escaped = 0;
  while (n < TRIES && !escaped) {
    got[n] = x_malloc(32);
    if (got[n] == NULL) break;
    escaped = ((unsigned char*)got[n] >= target && (unsigned char*)got[n] < target + sizeof target);
    n++;
  }
  not_caught();
  bad_say("%zu allocations; %s", n, escaped ? "malloc returned the global array" : "the global was never returned");
  return 0;
}
