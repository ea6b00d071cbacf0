/* SPDX-License-Identifier: MIT */
/* Launcher for bench/run: runs one command (optionally with LD_PRELOAD), reports elapsed time, peak RSS and page faults from wait4. */

/*
 * usage: spawn RESULT_FILE TIMEOUT_SECONDS PRELOAD|- PROGRAM [ARGS...]
 *
 * Why a C launcher: Linux counts the memory of the process that forked a
 * child into the child's peak RSS (the high-water mark of the address space
 * it replaced at exec is kept). Forking from the Python runner would add
 * the runner's own tens of MiB to every figure; forking from this small
 * program adds well under 1 MiB.
 *
 * The child gets its own process group, LD_PRELOAD=PRELOAD (or none for
 * "-"), and is killed with its group after TIMEOUT_SECONDS. RESULT_FILE
 * receives one line:
 *   elapsed=<s> maxrss_kib=<KiB> minflt=<n> majflt=<n> user=<s> sys=<s>
 *   status=exit:<n>|signal:<n>|timeout
 * (one line). The peak RSS is the largest of the child and the descendants
 * it waited for (for gcc that includes cc1); the page faults (minor: a page
 * mapped without I/O, e.g. first touch of anonymous memory or touch after
 * an madvise(DONTNEED); major: with I/O) and CPU times are the child's and
 * those descendants' sums. Exit status: the child's, 128+signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
  (void)sig;
  timed_out = 1;
  kill(-child, SIGKILL);
}

int main(int argc, char **argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: spawn RESULT_FILE TIMEOUT_SECONDS PRELOAD|- PROGRAM [ARGS...]\n");
    return 2;
  }
  FILE *res = fopen(argv[1], "w");
  if (res == NULL) {
    perror(argv[1]);
    return 2;
  }
  double timeout = strtod(argv[2], NULL);
  const char *preload = argv[3];

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  child = fork();
  if (child < 0) {
    perror("fork");
    return 2;
  }
  if (child == 0) {
    setpgid(0, 0);
    if (strcmp(preload, "-") == 0) unsetenv("LD_PRELOAD");
    else setenv("LD_PRELOAD", preload, 1);
    execvp(argv[4], argv + 4);
    fprintf(stderr, "spawn: cannot run %s: %s\n", argv[4], strerror(errno));
    _exit(127);
  }
  setpgid(child, child);   /* also here: no race with the child's own call */

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  if (timeout > 0) {
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)timeout;
    it.it_value.tv_usec = (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6);
    setitimer(ITIMER_REAL, &it, NULL);
  }

  int st = 0;
  struct rusage ru;
  while (wait4(child, &st, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  signal(SIGALRM, SIG_IGN);
  kill(-child, SIGKILL);   /* leftovers of the group, if any */

  double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
  int rc;
  fprintf(res, "elapsed=%.6f maxrss_kib=%ld minflt=%ld majflt=%ld user=%.6f sys=%.6f status=", elapsed,
          ru.ru_maxrss, ru.ru_minflt, ru.ru_majflt,
          (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6,
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6);
  if (timed_out) {
    fprintf(res, "timeout\n");
    rc = 124;
  } else if (WIFSIGNALED(st)) {
    fprintf(res, "signal:%d\n", WTERMSIG(st));
    rc = 128 + WTERMSIG(st);
  } else {
    fprintf(res, "exit:%d\n", WEXITSTATUS(st));
    rc = WEXITSTATUS(st);
  }
  fclose(res);
  return rc;
}
