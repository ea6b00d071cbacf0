/* SPDX-License-Identifier: MIT */
/* b05_double_free_abandoned.c -- B5: thread A allocates and exits (its page is abandoned), thread B frees the block, main frees it again. */
#include "bad.h"
#include <pthread.h>

static void* block;
static void* keep;

static void* owner(void* arg) {
  (void)arg;
  keep = x_malloc(48);   /* the abandoned page stays in use after the frees */
  block = x_malloc(48);
  CHECK(keep != NULL && block != NULL, "malloc failed");
  return NULL;
}

static void* remote_free(void* arg) {
  (void)arg;
  x_free(block);
  return NULL;
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  pthread_t a, b;
  CHECK(pthread_create(&a, NULL, owner, NULL) == 0, "pthread_create failed");
  pthread_join(a, NULL);
  CHECK(pthread_create(&b, NULL, remote_free, NULL) == 0, "pthread_create failed");
  pthread_join(b, NULL);
  x_free(block);
  not_caught();
  x_free(keep);
  return 0;
}
