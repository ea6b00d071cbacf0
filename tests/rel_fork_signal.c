/* SPDX-License-Identifier: MIT */
/* rel_fork_signal.c -- fork() from a signal handler that interrupts a single-threaded program in the middle of malloc and free (D6, after glibc's tst-mallocfork2). */
#include "rel_common.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define SIGNALS 2000           /* deliveries to wait for */
#define SLOTS 16
#define WATCHDOG 60            /* seconds: a deadlock in fork fails, it does not block */

static volatile sig_atomic_t delivered;
static volatile sig_atomic_t fork_errors;

/* The handler forks; the child leaves at once.  No allocation here: what
   is tested is that fork's handlers (mirt's atfork hooks among them) do not
   deadlock on, or damage, the allocation the handler interrupted. */
static void on_usr1(int sig)
{
  (void)sig;
  const int saved = errno;
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  if (pid < 0) fork_errors = fork_errors + 1;
  delivered = delivered + 1;
  errno = saved;
}

/* Reaps finished children; every one must have exited with status 0. */
static long reap(pid_t skip, int flags)
{
  long n = 0;
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, flags)) > 0) {
    if (pid == skip) continue;
    REL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a child forked in the handler ended with status %#x", status);
    n++;
  }
  return n;
}

int main(void)
{
  rel_name = "rel_fork_signal";
  rel_watchdog(WATCHDOG);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  REL_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction failed");

  const pid_t parent = getpid();
  const pid_t sender = fork();
  REL_CHECK(sender >= 0, "fork of the sender failed");
  if (sender == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) {
      if (kill(parent, SIGUSR1) != 0) _exit(0);
      usleep(100);
    }
  }

  void *slot[SLOTS] = { 0 };
  size_t size[SLOTS] = { 0 };
  uint64_t rng = 88172645463325252ull;
  long iterations = 0, children = 0;
  while (delivered < SIGNALS) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    const int i = (int)(rng % SLOTS);
    if (slot[i] != NULL) {
      const size_t bad = rel_first_bad(slot[i], size[i], (uintptr_t)i + size[i]);
      REL_CHECK(bad == SIZE_MAX, "block %p (%zu bytes) damaged at offset %zu", slot[i], size[i], bad);
      rel_free(slot[i]);
    }
    size[i] = (size_t)(rng >> 20) % 70000;
    slot[i] = rel_malloc(size[i]);
    REL_CHECK(slot[i] != NULL || size[i] == 0, "malloc(%zu) returned NULL", size[i]);
    if (slot[i] != NULL) rel_fill(slot[i], size[i], (uintptr_t)i + size[i]);
    if ((++iterations & 255) == 0) children += reap(sender, WNOHANG);
  }
  kill(sender, SIGKILL);
  int status;
  waitpid(sender, &status, 0);
  children += reap(sender, 0);
  for (int i = 0; i < SLOTS; i++) rel_free(slot[i]);
  REL_CHECK(fork_errors == 0, "%d forks in the handler failed", (int)fork_errors);
  printf("rel_fork_signal [%s]: %d signals, %ld children forked in the handler, %ld allocations: ok\n", REL_API,
         (int)delivered, children, iterations);
  return REL_PASS;
}
