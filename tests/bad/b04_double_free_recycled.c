/* SPDX-License-Identifier: MIT */
/* b04_double_free_recycled.c -- B4: free(p), 1024 x free(malloc(same size)) (p's slot reused and freed again), then free(p). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* p = x_malloc(64);
  CHECK(p != NULL, "malloc failed");
  x_free(p);
  int reused = 0;
  for (int i = 0; i < 1024; i++) {
    void* q = x_malloc(64);
    CHECK(q != NULL, "malloc failed");
    if (q == p) reused++;
    x_free(q);
  }
  bad_say("p's slot was handed out %d times in between (and freed each time)", reused);
  x_free(p);
  not_caught();
  return 0;
}
