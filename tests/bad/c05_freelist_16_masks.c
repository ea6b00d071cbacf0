/* SPDX-License-Identifier: MIT */
/* c05_freelist_16_masks.c -- C5: 16 forked children each corrupt a freed block with a random byte mask and allocate; S: every child aborts. */
#include "bad.h"
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define RUNS 16
#define TRIES 70000

static void* got[TRIES];

static void child(unsigned char mask) {
  alarm(2);
  unsigned char* a = x_malloc(32);
  unsigned char* b = x_malloc(32);
  volatile unsigned char* c = x_malloc(32);
  CHECK(a != NULL && b != NULL && c != NULL, "malloc failed");
  x_free(a);
  x_free(b);
  x_free((void*)c);
  for (int i = 0; i < 32; i++) c[i] = mask;
  size_t n = 0;
  int after_c = -1;
  while (n < TRIES && after_c < 8) {
    got[n] = x_malloc(32);
    if (got[n] == NULL) break;
    if (got[n] == (void*)c) after_c = 0;
    else if (after_c >= 0) after_c++;
    n++;
  }
  not_caught();
  _exit(0);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const char* env = getenv("MIRT_BAD_SEED");
  unsigned seed = env != NULL ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
  srand(seed);
  bad_say("seed %u (set MIRT_BAD_SEED to repeat)", seed);
  int aborted = 0, segv = 0, survived = 0, hung = 0, other = 0;
  for (int r = 0; r < RUNS; r++) {
    unsigned char mask = (unsigned char)(1 + rand() % 255);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork failed");
    if (pid == 0) child(mask);
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid failed");
    const char* what;
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) { aborted++; what = "ABRT"; }
    else if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS)) { segv++; what = "SEGV"; }
    else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) { hung++; what = "hang"; }
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) { survived++; what = "exit 0"; }
    else { other++; what = "other"; }
    bad_say("run %2d: mask %#04x: %s", r, mask, what);
  }
  bad_say("%d aborted, %d SEGV, %d survived, %d hung, %d other", aborted, segv, survived, hung, other);
  CHECK(hung == 0 && other == 0, "a child hung or failed");
  if (bad_secure()) CHECK(aborted == RUNS, "secure build: only %d of %d corruptions aborted", aborted, RUNS);
  return 0;
}
