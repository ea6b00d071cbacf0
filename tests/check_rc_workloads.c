/* SPDX-License-Identifier: MIT */
/* check_rc_workloads.c -- Check suite: every bench/rc workload at a small size, four release/reuse variants, known output. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>   /* WEXITSTATUS */

typedef struct workload_s {
  const char* name;
  const char* size;
  const char* expected;
} workload_t;

static const workload_t workloads[] = {
  { "rbtree", "10000", "1000\n" },
  { "rbtree-ck", "10000", "1000\n" },
  { "deriv", "7", "1 count: 6\n2 count: 22\n3 count: 90\n4 count: 420\n5 count: 2202\n"
                  "6 count: 12886\n7 count: 83648\ndone\n" },
  { "nqueens", "8", "92\n" },
#if defined(__SANITIZE_THREAD__)
  /* ThreadSanitizer's shadow call stack (64K frames) is shallower than
     cfold's recursion over the 65536-long chain of depth 16 */
  { "cfold", "12", "10426 10426\n" },
#else
  { "cfold", "16", "192457 192457\n" },   /* Lean's const_fold expected output */
#endif
  { "binarytrees", "10",
    "stretch tree of depth 11\t check: 4095\n"
    "1024\t trees of depth 4\t check: 31744\n"
    "256\t trees of depth 6\t check: 32512\n"
    "64\t trees of depth 8\t check: 32704\n"
    "16\t trees of depth 10\t check: 32752\n"
    "long lived tree of depth 10\t check: 2047\n" },
};
#define NWORKLOADS ((int)(sizeof workloads / sizeof workloads[0]))

static const char* variants[] = {
  "--eager",
  "--eager --no-reuse",
  "--drop-budget=1 --tick-budget=64",           /* bounded hard: almost all release on the heartbeat */
  "--drop-budget=1 --tick-budget=64 --no-reuse --soft-limit=1000",
};
#define NVARIANTS ((int)(sizeof variants / sizeof variants[0]))

/* Run one workload; its exit status also says whether every object was released. */
START_TEST(test_workload_output)
{
  const workload_t* w = &workloads[_i / NVARIANTS];
  const char* v = variants[_i % NVARIANTS];
  const char* top = getenv("top_builddir");
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s/bench/rc/%s %s %s --threads=3", top ? top : ".", w->name, w->size, v);
  FILE* p = popen(cmd, "r");
  ck_assert_msg(p != NULL, "cannot run %s", cmd);
  static char out[4096];
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  int status = pclose(p);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: exit status %d", cmd, status);
  ck_assert_msg(strcmp(out, w->expected) == 0, "%s printed:\n%s", cmd, out);
}
END_TEST

static Suite* workloads_suite(void) {
  Suite* s = suite_create("rc_workloads");
  TCase* tc = tcase_create("small");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_workload_output, 0, NWORKLOADS * NVARIANTS);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(workloads_suite)
