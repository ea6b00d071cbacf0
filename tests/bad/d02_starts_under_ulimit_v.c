/* SPDX-License-Identifier: MIT */
/* d02_starts_under_ulimit_v.c -- D2: processes started under `ulimit -v 256M` start normally, run out with NULL + ENOMEM and recover. */
#include "bad.h"
#include <sys/resource.h>
#include <sys/wait.h>

#define LIMIT ((rlim_t)256 << 20)

/* The re-executed child: the allocator initialised under the limit. */
static int exhaust(void) {
  void** list = NULL;
  size_t count = 0;
  for (;;) {
    errno = 0;
    void** p = x_malloc(65536);
    if (p == NULL) break;
    p[0] = list;
    list = p;
    count++;
    CHECK(count < 100000, "malloc(64 KiB) never failed under the limit");
  }
  CHECK(errno == ENOMEM, "malloc failed after %zu blocks with errno %d, want ENOMEM", count, errno);
  CHECK(count >= 1024, "only %zu blocks of 64 KiB fit under a 256 MiB limit", count);
  while (list != NULL) {
    void** next = list[0];
    x_free(list);
    list = next;
  }
  void* again = x_malloc((size_t)32 << 20);
  CHECK(again != NULL, "malloc(32 MiB) fails after freeing everything");
  x_free(again);
  bad_say("child: %zu blocks of 64 KiB before ENOMEM, recovered", count);
  return 0;
}

/* fork, set the limit, exec; returns the wait status */
static int run_limited(char* const args[]) {
  pid_t pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    struct rlimit rl = {LIMIT, LIMIT};
    if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(126);
    execv(args[0], args);
    _exit(127);
  }
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid, "waitpid failed");
  return st;
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  if (argc > 2 && strcmp(argv[2], "child") == 0) return exhaust();
  char* self[] = {"/proc/self/exe", argv[1] != NULL ? argv[1] : "F", "child", NULL};
  int st = run_limited(self);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the limited child failed: status %#x", st);
  if (access("/bin/true", X_OK) == 0) {
    char* tru[] = {"/bin/true", NULL};
    st = run_limited(tru);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "/bin/true under the limit failed: status %#x", st);
  }
  return 0;
}
