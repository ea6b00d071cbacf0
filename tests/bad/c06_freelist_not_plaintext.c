/* SPDX-License-Identifier: MIT */
/* c06_freelist_not_plaintext.c -- C6: S: a freed block's link is encoded (not a heap address, not NULL-looking) and malloc clears it. */
#include "bad.h"

#define TRIES 70000

static void* got[TRIES];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* a = x_malloc(32);
  volatile uintptr_t* b = x_malloc(32);
  CHECK(a != NULL && b != NULL, "malloc failed");
  x_free(a);
  x_free((void*)b);
  const uintptr_t link = b[0];   /* read after free, on purpose */
  const uintptr_t dist = link > (uintptr_t)a ? link - (uintptr_t)a : (uintptr_t)a - link;
  const bool heapish = dist < ((uintptr_t)1 << 32);
  bad_say("first word of a freed block: %#zx (a = %p): %s", (size_t)link, a,
          link == (uintptr_t)a ? "plaintext link" : link < 4096 ? "NULL-looking" : heapish ? "a heap address" : "encoded");
  /* allocate until a or b comes back: its first word must not leak the
     link (or the keys) */
  size_t n = 0;
  volatile uintptr_t* back = NULL;
  while (n < TRIES && back == NULL) {
    got[n] = x_malloc(32);
    CHECK(got[n] != NULL, "malloc failed");
    if (got[n] == (void*)a || got[n] == (void*)b) back = got[n];
    n++;
  }
  CHECK(back != NULL, "neither freed block came back in %d allocations", TRIES);
  bad_say("first word of the block when malloc returns it again: %#zx", (size_t)back[0]);
  if (bad_secure()) {
    CHECK(link != (uintptr_t)a && !heapish && link >= 4096, "the free-list link is not encoded: %#zx", (size_t)link);
    /* cleared, or (debug builds) filled with the 0xD0 uninitialised pattern */
    CHECK(back[0] == 0 || back[0] == (uintptr_t)0xD0D0D0D0D0D0D0D0ULL, "malloc left the link in the block: %#zx", (size_t)back[0]);
  }
  for (size_t i = 0; i < n; i++) x_free(got[i]);
  return 0;
}
