/* SPDX-License-Identifier: MIT */
/* c09_randomized_order.c -- C9: S: consecutive small allocations are not mostly adjacent, and a freed block is not always the next one handed out. */
#include "bad.h"
#include <pthread.h>

#define N 1000

static void* blocks[N];
static double adjacent_fraction, reuse_fraction;

static void* measure(void* arg) {
  (void)arg;
  size_t adjacent = 0;
  for (int i = 0; i < N; i++) {
    blocks[i] = x_malloc(64);
    CHECK(blocks[i] != NULL, "malloc failed");
    if (i > 0 && (uintptr_t)blocks[i] - (uintptr_t)blocks[i - 1] == 64) adjacent++;
  }
  adjacent_fraction = (double)adjacent / (N - 1);
  size_t same = 0;
  for (int i = 0; i < N; i++) {
    void* p = blocks[i];
    x_free(p);
    blocks[i] = x_malloc(64);
    CHECK(blocks[i] != NULL, "malloc failed");
    if (blocks[i] == p) same++;
  }
  reuse_fraction = (double)same / N;
  for (int i = 0; i < N; i++) x_free(blocks[i]);
  return NULL;
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  pthread_t t;   /* a fresh thread: a fresh heap */
  CHECK(pthread_create(&t, NULL, measure, NULL) == 0, "pthread_create failed");
  pthread_join(t, NULL);
  bad_say("adjacent +64: %.3f of consecutive pairs; free(p) then malloc gave p back: %.3f of trials",
          adjacent_fraction, reuse_fraction);
  if (bad_secure()) {
    CHECK(adjacent_fraction < 0.5, "allocation order is not randomised (%.3f adjacent)", adjacent_fraction);
    CHECK(reuse_fraction <= 0.75, "a freed block comes straight back too often (%.3f)", reuse_fraction);
  }
  return 0;
}
