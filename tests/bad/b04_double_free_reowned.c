/* SPDX-License-Identifier: MIT */
/* b04_double_free_reowned.c -- B4: free(p), the slot goes to a new owner, free(p) again (undetectable): later blocks are still never handed out twice. */
#include "bad.h"

#define LIVE 16384

static void* live[LIVE];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* p = x_malloc(64);
  CHECK(p != NULL, "malloc failed");
  x_free(p);
  /* allocate until the slot comes back, keeping everything live (a
     randomising build hands it out once the page's other slots are used) */
  size_t n = 0;
  int found = 0;
  while (n < LIVE && !found) {
    live[n] = x_malloc(64);
    CHECK(live[n] != NULL, "malloc failed");
    found = (live[n] == p);
    n++;
  }
  CHECK(found, "the freed slot was not reused within %d allocations", LIVE);
  /* the stale pointer frees the new owner's block: a plain free as far as
     the allocator can tell */
  x_free(p);
  n--;   /* live[n] == p is gone */
  for (size_t i = n; i < LIVE; i++) {
    live[i] = x_malloc(64);
    CHECK(live[i] != NULL, "malloc failed");
  }
  /* no block may be handed out twice */
  qsort(live, LIVE, sizeof live[0], bad_by_address);
  for (size_t i = 1; i < LIVE; i++) CHECK(live[i] != live[i - 1], "block %p handed out twice", live[i]);
  for (size_t i = 0; i < LIVE; i++) x_free(live[i]);
  return 0;
}
