/* SPDX-License-Identifier: MIT */
/* c11_error_hook.c -- C11: with an error hook (mi_register_error) each detected misuse calls it once with its code, and the process goes on. */
#include "bad.h"

/* Runs `what`; `want` is the code the build must report (0: must not
   call the hook; -1: either nothing or `alt` once). */
static int failures;
static void expect(const char* what, int want, int alt) {
  bool ok;
  if (want > 0) ok = (bad_hook_calls == 1 && bad_hook_last == want);
  else if (want == 0) ok = (bad_hook_calls == 0);
  else ok = (bad_hook_calls == 0 || (bad_hook_calls == 1 && bad_hook_last == alt));
  bad_say("%-28s hook calls %d, last code %d: %s", what, bad_hook_calls, bad_hook_calls > 0 ? bad_hook_last : 0, ok ? "ok" : "WRONG");
  if (!ok) failures++;
  bad_hook_reset();
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  if (!bad_hook_set(true)) {
    bad_say("no mi_register_error in this process: nothing to test");
    return 0;
  }
  const bool s = bad_secure();

  /* invalid pointers the segment map can tell: EINVAL in both builds */
  x_free((void*)1);
  expect("free((void*)1)", EINVAL, 0);
  char local[32];
  x_free(local);
  expect("free(stack)", EINVAL, 0);

  if (s) {
    /* a double free and an interior pointer: EAGAIN and EINVAL in S (F
       does not look, and the damage would outlive the test) */
    void* p = x_malloc(48);
    x_free(p);
    x_free(p);
    expect("double free", EAGAIN, 0);
    char* q = x_malloc(64);
    x_free(q + 16);
    expect("free(p + 16)", EINVAL, 0);
    x_free(q);
    expect("free(p) after that", 0, 0);
  }

  /* overflow into the slack: EFAULT in S, optional in F */
  volatile unsigned char* r = x_malloc(100);
  size_t u = x_usable_size((void*)r);
  r[u] ^= 1;
  x_free((void*)r);
  expect("overflow by 1", s ? EFAULT : -1, EFAULT);
  r[u] ^= 1;

  /* impossible sizes are plain failures: errno only, or the hook with ENOMEM */
  errno = 0;
  void* big = x_malloc(SIZE_MAX);
  CHECK(big == NULL && errno == ENOMEM, "malloc(SIZE_MAX) = %p, errno %d", big, errno);
  expect("malloc(SIZE_MAX)", -1, ENOMEM);

  /* the process carries on normally */
  void* blocks[100];
  for (int i = 0; i < 100; i++) blocks[i] = x_malloc((size_t)i * 40);
  for (int i = 0; i < 100; i++) x_free(blocks[i]);
  expect("normal use afterwards", 0, 0);
  bad_hook_set(false);
  CHECK(failures == 0, "%d detections called the hook wrongly", failures);
  return 0;
}
