/* SPDX-License-Identifier: MIT */
/* a05_calloc_zeroes_recycled.c -- A5: calloc returns zeroed memory when it recycles dirty blocks (own and remote frees, large pages, MADV_FREE purges). */
#include "bad.h"
#include <pthread.h>
#include <sys/wait.h>

#define ROUNDS 4
#define BATCH 16

static void* batch[BATCH];

static const unsigned char zeros[4096];

static void check_zero(const unsigned char* p, size_t n) {
  for (size_t at = 0; at < n; at += sizeof zeros) {
    const size_t len = n - at < sizeof zeros ? n - at : sizeof zeros;
    if (memcmp(p + at, zeros, len) == 0) continue;
    for (size_t i = at; i < at + len; i++) CHECK(p[i] == 0, "calloc(1, %zu): byte %zu is %#x", n, i, p[i]);
  }
}

static void* free_batch(void* arg) {
  (void)arg;
  for (size_t i = 0; i < BATCH; i++) x_free(batch[i]);
  return NULL;
}

/* Dirty blocks of size n, free them (by this thread or by another one),
   then calloc the same size and check every byte. */
static void round_trip(size_t n, int remote) {
  size_t count = n >= ((size_t)16 << 20) ? 1 : n > ((size_t)1 << 20) ? 2 : BATCH;
  for (size_t i = 0; i < count; i++) {
    batch[i] = x_malloc(n);
    CHECK(batch[i] != NULL, "malloc(%zu) failed", n);
    memset(batch[i], 0xAA, n);
  }
  if (remote && count == BATCH) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, free_batch, NULL) == 0, "pthread_create failed");
    pthread_join(t, NULL);
  }
  else {
    for (size_t i = 0; i < count; i++) x_free(batch[i]);
  }
  for (size_t i = 0; i < count; i++) {
    batch[i] = x_calloc(1, n);
    CHECK(batch[i] != NULL, "calloc(1, %zu) failed", n);
    check_zero(batch[i], n);
    memset(batch[i], 0xAA, n < 4096 ? n : 4096);
  }
  for (size_t i = 0; i < count; i++) x_free(batch[i]);
}

static void run_all(void) {
  /* every small size (stride 8), then up to 4 x 64 KiB with a prime stride,
     then large and huge blocks */
  for (size_t n = 1; n <= 1024; n += (n < 8 ? 1 : 8)) {
    for (int r = 0; r < ROUNDS; r++) round_trip(n, r & 1);
  }
  for (size_t n = 1024; n <= ((size_t)256 << 10); n += 4093) round_trip(n, (int)(n & 1));
  const size_t big[] = {(size_t)1 << 20, (size_t)4 << 20, ((size_t)4 << 20) + 1, (size_t)20 << 20, (size_t)64 << 20};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) round_trip(big[i], 0);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  run_all();
  if (argc > 2 && strcmp(argv[2], "child") == 0) return 0;
  /* again in a process that purges at once with MADV_FREE (the options are
     read at start-up; other allocators ignore them) */
  pid_t pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    setenv("MIMALLOC_PURGE_DELAY", "0", 1);
    setenv("MIMALLOC_PURGE_DECOMMITS", "0", 1);
    char* args[] = {"/proc/self/exe", argc > 1 ? argv[1] : "F", "child", NULL};
    execv(args[0], args);
    _exit(127);
  }
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid, "waitpid failed");
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the run with purge_delay=0, purge_decommits=0 failed: status %#x", st);
  return 0;
}
