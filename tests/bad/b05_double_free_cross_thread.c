/* SPDX-License-Identifier: MIT */
/* b05_double_free_cross_thread.c -- B5: thread A allocates, thread B frees (a remote free), main frees the same block again while A is alive. */
#include "bad.h"
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static void* volatile block;
static int stage;   /* 1: A allocated, 2: main is done with the block */

static void wait_stage(int s) {
  pthread_mutex_lock(&lock);
  while (stage < s) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
}

static void set_stage(int s) {
  pthread_mutex_lock(&lock);
  stage = s;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

static void* owner(void* arg) {
  (void)arg;
  void* keep = x_malloc(48);   /* the page stays in use after the frees */
  block = x_malloc(48);
  CHECK(keep != NULL && block != NULL, "malloc failed");
  set_stage(1);
  wait_stage(2);   /* stay alive (and away from the allocator) meanwhile */
  x_free(keep);
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
  wait_stage(1);
  CHECK(pthread_create(&b, NULL, remote_free, NULL) == 0, "pthread_create failed");
  pthread_join(b, NULL);
  x_free(block);
  not_caught();
  set_stage(2);
  pthread_join(a, NULL);
  return 0;
}
