/* SPDX-License-Identifier: MIT */
/* check_options.c -- options: MIMALLOC_<NAME> parsing (in re-executed children) and the mi_option_* calls. */
#define _GNU_SOURCE
#include "config.h"   /* MI_SECURE, MI_DEBUG: zero_freed acts in checked builds */
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mimalloc.h>

#include "check_main.h"

extern char **environ;

/* ------------------------------------------------------------------------
   the option table, in enum order
------------------------------------------------------------------------ */

typedef struct {
  mi_option_t opt;
  const char *name;
  bool kib;      /* value kept in KiB: sizes with K/M/G/T suffixes */
  long dflt;     /* documented default; NO_DEFAULT: not checked */
} opt_info_t;

#define NO_DEFAULT (-999999)
static const opt_info_t opts[] = {
  {mi_option_show_errors, "show_errors", false, NO_DEFAULT},
  {mi_option_show_stats, "show_stats", false, 0},
  {mi_option_verbose, "verbose", false, 0},
  {mi_option_eager_commit, "eager_commit", false, 1},
  {mi_option_arena_eager_commit, "arena_eager_commit", false, 2},
  {mi_option_purge_decommits, "purge_decommits", false, 1},
  {mi_option_allow_large_os_pages, "allow_large_os_pages", false, 0},
  {mi_option_reserve_huge_os_pages, "reserve_huge_os_pages", false, 0},
  {mi_option_reserve_huge_os_pages_at, "reserve_huge_os_pages_at", false, -1},
  {mi_option_reserve_os_memory, "reserve_os_memory", true, 0},
  {mi_option_deprecated_segment_cache, "deprecated_segment_cache", false, 0},
  {mi_option_deprecated_page_reset, "deprecated_page_reset", false, 0},
  {mi_option_abandoned_page_purge, "abandoned_page_purge", false, 0},
  {mi_option_deprecated_segment_reset, "deprecated_segment_reset", false, 0},
  {mi_option_eager_commit_delay, "eager_commit_delay", false, 1},
  {mi_option_purge_delay, "purge_delay", false, 10},
  {mi_option_use_numa_nodes, "use_numa_nodes", false, 0},
  {mi_option_disallow_os_alloc, "disallow_os_alloc", false, 0},
  {mi_option_os_tag, "os_tag", false, 100},
  {mi_option_max_errors, "max_errors", false, 32},
  {mi_option_max_warnings, "max_warnings", false, 32},
  {mi_option_max_segment_reclaim, "max_segment_reclaim", false, 10},
  {mi_option_destroy_on_exit, "destroy_on_exit", false, 0},
  {mi_option_arena_reserve, "arena_reserve", true, 1024L * 1024L},
  {mi_option_arena_purge_mult, "arena_purge_mult", false, 10},
  {mi_option_purge_extend_delay, "purge_extend_delay", false, 1},
  {mi_option_abandoned_reclaim_on_free, "abandoned_reclaim_on_free", false, 0},
  {mi_option_disallow_arena_alloc, "disallow_arena_alloc", false, 0},
  {mi_option_retry_on_oom, "retry_on_oom", false, 400},
  {mi_option_visit_abandoned, "visit_abandoned", false, 0},
  {mi_option_guarded_min, "guarded_min", true, 0},
  {mi_option_guarded_max, "guarded_max", true, 1024L * 1024L},
  {mi_option_guarded_precise, "guarded_precise", false, 0},
  {mi_option_guarded_sample_rate, "guarded_sample_rate", false, 0},
  {mi_option_guarded_sample_seed, "guarded_sample_seed", false, 0},
  {mi_option_target_segments_per_thread, "target_segments_per_thread", false, 0},
  {mi_option_generic_collect, "generic_collect", false, 10000},
  {mi_option_allow_thp, "allow_thp", false, 1},
  {mi_option_heartbeat_period, "heartbeat_period", false, 16},
  {mi_option_large_purge_delay, "large_purge_delay", false, NO_DEFAULT},
  {mi_option_zero_freed, "zero_freed", false, 0},
};
#define N_OPTS ((int)(sizeof(opts) / sizeof(opts[0])))

/* ------------------------------------------------------------------------
   the child side: print every option's value, one "index value" per line
------------------------------------------------------------------------ */

static int child_main(int argc, char **argv)
{
  /* --dump [set-default INDEX VALUE]... */
  for (int i = 2; i + 2 < argc && strcmp(argv[i], "set-default") == 0; i += 3)
    mi_option_set_default((mi_option_t)atoi(argv[i + 1]), atol(argv[i + 2]));
  for (int i = 0; i < _mi_option_last; i++) printf("%d %ld\n", i, mi_option_get((mi_option_t)i));
  fflush(stdout);
  return 0;
}

/* ------------------------------------------------------------------------
   the parent side: run the test binary again with a chosen environment
------------------------------------------------------------------------ */

typedef struct {
  long val[64];
  char err[1 << 16];
  int status;
} child_t;

static bool is_mimalloc_var(const char *e)
{
  return strncasecmp(e, "MIMALLOC_", 9) == 0;
}

static void read_all(int fd, char *buf, size_t cap)
{
  ssize_t n = pread(fd, buf, cap - 1, 0);
  buf[n > 0 ? n : 0] = 0;
  close(fd);
}

static int tmp_fd(void)
{
  char path[] = "/tmp/mirt-check-options-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  unlink(path);
  return fd;
}

/* Runs the child with every MIMALLOC_* variable removed and `env` (NULL
   terminated "NAME=value" strings) added; `extra` arguments follow --dump. */
static void run_child(child_t *c, const char *const *env, const char *const *extra)
{
  static char out[1 << 14];
  const char *argv[16] = {"check_options", "--dump"};
  int argc = 2;
  for (; extra && *extra && argc < 15; extra++) argv[argc++] = *extra;
  argv[argc] = NULL;
  size_t n = 0;
  for (char **e = environ; *e; e++) n++;
  for (const char *const *e = env; e && *e; e++) n++;
  const char **envp = calloc(n + 1, sizeof(char *));
  size_t k = 0;
  for (char **e = environ; *e; e++)
    if (!is_mimalloc_var(*e)) envp[k++] = *e;
  for (const char *const *e = env; e && *e; e++) envp[k++] = *e;
  envp[k] = NULL;
  int ofd = tmp_fd(), efd = tmp_fd();
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(ofd, 1);
    dup2(efd, 2);
    execve("/proc/self/exe", (char *const *)argv, (char *const *)envp);
    _exit(127);
  }
  free(envp);
  waitpid(pid, &c->status, 0);
  read_all(ofd, out, sizeof(out));
  read_all(efd, c->err, sizeof(c->err));
  ck_assert_msg(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0, "child status %#x, stderr: %.300s", c->status, c->err);
  for (int i = 0; i < 64; i++) c->val[i] = NO_DEFAULT - 1;
  int seen = 0;
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    int idx;
    long v;
    if (sscanf(line, "%d %ld", &idx, &v) == 2 && idx >= 0 && idx < 64) {
      c->val[idx] = v;
      seen++;
    }
  }
  ck_assert_int_eq(seen, _mi_option_last);
}

/* "MIMALLOC_<NAME>=value" in a static pool (names upper-cased). */
static char pool[1 << 15];
static size_t pool_len;

static const char *env_var(const char *name, const char *value)
{
  char *s = pool + pool_len;
  int n = snprintf(s, sizeof(pool) - pool_len, "MIMALLOC_%s=%s", name, value);
  ck_assert(n > 0 && pool_len + (size_t)n + 1 < sizeof(pool));
  for (char *p = s; *p && *p != '='; p++) *p = (char)toupper((unsigned char)*p);
  pool_len += (size_t)n + 1;
  return s;
}

static child_t child;

/* ------------------------------------------------------------------------
   environment parsing
------------------------------------------------------------------------ */

START_TEST(test_options_env_defaults)
{
  ck_assert_msg(N_OPTS == _mi_option_last, "the test knows %d options, mimalloc.h declares %d: update opts[]", N_OPTS,
                (int)_mi_option_last);
  run_child(&child, NULL, NULL);
  for (int i = 0; i < N_OPTS; i++) {
    ck_assert_int_eq(opts[i].opt, i);
    if (opts[i].dflt != NO_DEFAULT)
      ck_assert_msg(child.val[i] == opts[i].dflt, "default of %s is %ld, want %ld", opts[i].name, child.val[i], opts[i].dflt);
  }
  ck_assert_msg(strstr(child.err, "warning") == NULL, "warnings without any variable set: %.300s", child.err);
}
END_TEST

static const char *const true_words[] = {"1", "true", "TRUE", "True", "yes", "YES", "on", "On", ""};
static const char *const false_words[] = {"0", "false", "FALSE", "no", "No", "off", "OFF"};
#define N_TRUE ((int)(sizeof(true_words) / sizeof(true_words[0])))
#define N_FALSE ((int)(sizeof(false_words) / sizeof(false_words[0])))

/* Every option takes the boolean words, in any case. */
START_TEST(test_options_env_bool_words)
{
  bool on = _i < N_TRUE;
  const char *word = on ? true_words[_i] : false_words[_i - N_TRUE];
  static const char *env[N_OPTS + 1];
  pool_len = 0;
  for (int i = 0; i < N_OPTS; i++) env[i] = env_var(opts[i].name, word);
  env[N_OPTS] = NULL;
  run_child(&child, env, NULL);
  for (int i = 0; i < N_OPTS; i++)
    ck_assert_msg(child.val[i] == (on ? 1 : 0), "MIMALLOC_%s=\"%s\" gave %ld", opts[i].name, word, child.val[i]);
}
END_TEST

/* Every option takes a number; KiB options take it as bytes, rounded up. */
START_TEST(test_options_env_numbers)
{
  static const char *env[N_OPTS + 1];
  long want[N_OPTS];
  char num[32];
  pool_len = 0;
  for (int i = 0; i < N_OPTS; i++) {
    long v = 3 + 7L * i;
    if (opts[i].opt == mi_option_reserve_huge_os_pages || opts[i].opt == mi_option_purge_delay) v = -1;
    if (opts[i].kib) {
      long bytes = 10000 + 1024L * i;
      snprintf(num, sizeof(num), "%ld", bytes);
      want[i] = (bytes + 1023) / 1024;
    }
    else {
      snprintf(num, sizeof(num), "%ld", v);
      want[i] = v;
    }
    env[i] = env_var(opts[i].name, num);
  }
  env[N_OPTS] = NULL;
  run_child(&child, env, NULL);
  for (int i = 0; i < N_OPTS; i++)
    ck_assert_msg(child.val[i] == want[i], "MIMALLOC_%s: got %ld, want %ld", opts[i].name, child.val[i], want[i]);
}
END_TEST

static const struct {
  const char *text;
  long kib;
} sizes[] = {
  {"4K", 4}, {"4k", 4}, {"4KiB", 4}, {"4kib", 4}, {"4KB", 4}, {"4kb", 4}, {"2M", 2048}, {"2MiB", 2048}, {"2mb", 2048},
  {"3G", 3L << 20}, {"3GiB", 3L << 20}, {"3gb", 3L << 20}, {"1T", 1L << 30}, {"1TiB", 1L << 30}, {"1536", 2},
  {"1024", 1}, {"2048B", 2}, {"100000", 98}, {"0", 0}, {"64M", 65536},
};
#define N_SIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))

/* The KiB-valued options take K/M/G/T suffixes, with an optional iB or B. */
START_TEST(test_options_env_size_suffixes)
{
  const char *env[5];
  int n = 0;
  pool_len = 0;
  env[n++] = env_var("arena_reserve", sizes[_i].text);
  env[n++] = env_var("guarded_min", sizes[_i].text);
  env[n++] = env_var("guarded_max", sizes[_i].text);
  bool small = sizes[_i].kib <= 65536; /* reserve_os_memory reserves it at start */
  if (small) env[n++] = env_var("reserve_os_memory", sizes[_i].text);
  env[n] = NULL;
  run_child(&child, env, NULL);
  ck_assert_msg(child.val[mi_option_arena_reserve] == sizes[_i].kib, "\"%s\" gave %ld KiB, want %ld", sizes[_i].text,
                child.val[mi_option_arena_reserve], sizes[_i].kib);
  ck_assert_int_eq(child.val[mi_option_guarded_min], sizes[_i].kib);
  ck_assert_int_eq(child.val[mi_option_guarded_max], sizes[_i].kib);
  if (small) ck_assert_int_eq(child.val[mi_option_reserve_os_memory], sizes[_i].kib);
  ck_assert_msg(strstr(child.err, "invalid") == NULL, "\"%s\": %.300s", sizes[_i].text, child.err);
}
END_TEST

static const struct {
  const char *legacy;
  mi_option_t opt;
  const char *value;
  long want;
} legacy[] = {
  {"LARGE_OS_PAGES", mi_option_allow_large_os_pages, "1", 1},
  {"EAGER_REGION_COMMIT", mi_option_arena_eager_commit, "0", 0},
  {"RESET_DECOMMITS", mi_option_purge_decommits, "0", 0},
  {"RESET_DELAY", mi_option_purge_delay, "77", 77},
  {"ABANDONED_PAGE_RESET", mi_option_abandoned_page_purge, "1", 1},
  {"LIMIT_OS_ALLOC", mi_option_disallow_os_alloc, "1", 1},
  {"DECOMMIT_EXTEND_DELAY", mi_option_purge_extend_delay, "5", 5},
};
#define N_LEGACY ((int)(sizeof(legacy) / sizeof(legacy[0])))

/* Legacy names still work, with a warning; the current name wins. */
START_TEST(test_options_env_legacy_names)
{
  const char *env[3] = {NULL, NULL, NULL};
  pool_len = 0;
  env[0] = env_var(legacy[_i].legacy, legacy[_i].value);
  run_child(&child, env, NULL);
  ck_assert_msg(child.val[legacy[_i].opt] == legacy[_i].want, "MIMALLOC_%s=%s gave %s = %ld", legacy[_i].legacy,
                legacy[_i].value, opts[legacy[_i].opt].name, child.val[legacy[_i].opt]);
  char name[64];
  snprintf(name, sizeof(name), "MIMALLOC_%s", legacy[_i].legacy);
  ck_assert_msg(strstr(child.err, name) != NULL, "no warning naming %s: \"%.300s\"", name, child.err);
  /* both set: the current name wins */
  env[1] = env_var(opts[legacy[_i].opt].name, "3");
  run_child(&child, env, NULL);
  ck_assert_int_eq(child.val[legacy[_i].opt], 3);
}
END_TEST

/* Variable names are matched without regard to case. */
START_TEST(test_options_env_name_case)
{
  const char *env[] = {"mimalloc_purge_delay=33", "MiMalloc_Arena_Reserve=2M", "mimalloc_VISIT_abandoned=yes",
                       "Mimalloc_Heartbeat_Period=5", NULL};
  run_child(&child, env, NULL);
  ck_assert_int_eq(child.val[mi_option_purge_delay], 33);
  ck_assert_int_eq(child.val[mi_option_arena_reserve], 2048);
  ck_assert_int_eq(child.val[mi_option_visit_abandoned], 1);
  ck_assert_int_eq(child.val[mi_option_heartbeat_period], 5);
}
END_TEST

/* An invalid value keeps the default and the warning names the variable:
   every option at once. */
START_TEST(test_options_env_invalid_all)
{
  static const char *env[N_OPTS + 2];
  child_t *dflt = malloc(sizeof(child_t));
  run_child(dflt, NULL, NULL);
  int n = 0;
  pool_len = 0;
  for (int i = 0; i < N_OPTS; i++) {
    if (opts[i].opt == mi_option_max_warnings) continue;
    env[n++] = env_var(opts[i].name, "bogus");
  }
  env[n++] = "MIMALLOC_MAX_WARNINGS=1000";
  env[n] = NULL;
  run_child(&child, env, NULL);
  for (int i = 0; i < N_OPTS; i++) {
    if (opts[i].opt == mi_option_max_warnings) continue;
    ck_assert_msg(child.val[i] == dflt->val[i], "MIMALLOC_%s=bogus changed it to %ld", opts[i].name, child.val[i]);
    char name[80];
    snprintf(name, sizeof(name), "MIMALLOC_%s", opts[i].name);
    for (char *p = name; *p; p++) *p = (char)toupper((unsigned char)*p);
    ck_assert_msg(strstr(child.err, name) != NULL, "no warning names %s", name);
  }
  free(dflt);
}
END_TEST

static const struct {
  const char *name;
  const char *value;
} invalid[] = {
  {"PURGE_DELAY", "abc"}, {"PURGE_DELAY", "12abc"}, {"PURGE_DELAY", "4K"}, {"PURGE_DELAY", "1.5"},
  {"PURGE_DELAY", "--3"}, {"PURGE_DELAY", "0x10"}, {"PURGE_DELAY", "tru"}, {"PURGE_DELAY", "onn"},
  {"ARENA_RESERVE", "5Q"}, {"ARENA_RESERVE", "K"}, {"ARENA_RESERVE", "4KiBB"}, {"ARENA_RESERVE", "M4"},
  {"ARENA_RESERVE", "-"}, {"ARENA_RESERVE", "4 K"},
};
#define N_INVALID ((int)(sizeof(invalid) / sizeof(invalid[0])))

START_TEST(test_options_env_invalid_values)
{
  const char *env[] = {NULL, NULL};
  pool_len = 0;
  env[0] = env_var(invalid[_i].name, invalid[_i].value);
  run_child(&child, env, NULL);
  mi_option_t o = strcmp(invalid[_i].name, "PURGE_DELAY") == 0 ? mi_option_purge_delay : mi_option_arena_reserve;
  ck_assert_msg(child.val[o] == opts[o].dflt, "MIMALLOC_%s=\"%s\" gave %ld", invalid[_i].name, invalid[_i].value, child.val[o]);
  char name[64];
  snprintf(name, sizeof(name), "MIMALLOC_%s", invalid[_i].name);
  ck_assert_msg(strstr(child.err, name) != NULL && strstr(child.err, "warning") != NULL, "\"%s\": stderr \"%.300s\"",
                invalid[_i].value, child.err);
}
END_TEST

/* mi_option_set_default does not override the environment. */
START_TEST(test_options_env_beats_set_default)
{
  const char *env[] = {"MIMALLOC_PURGE_DELAY=5", NULL};
  char a[16], b[16];
  snprintf(a, sizeof(a), "%d", (int)mi_option_purge_delay);
  snprintf(b, sizeof(b), "%d", (int)mi_option_arena_purge_mult);
  const char *extra[] = {"set-default", a, "99", "set-default", b, "7", NULL};
  run_child(&child, env, extra);
  ck_assert_int_eq(child.val[mi_option_purge_delay], 5);
  ck_assert_int_eq(child.val[mi_option_arena_purge_mult], 7);
}
END_TEST

/* MIMALLOC_VERBOSE=1 prints every option in force. */
START_TEST(test_options_env_verbose_prints)
{
  const char *env[] = {"MIMALLOC_VERBOSE=1", NULL};
  run_child(&child, env, NULL);
  int lines = 0;
  for (const char *p = child.err; (p = strstr(p, "mirt: option '")) != NULL; p++)
    if (p == child.err || p[-1] == '\n') lines++;
  for (int i = 0; i < N_OPTS; i++) {
    if (strncmp(opts[i].name, "deprecated", 10) == 0) continue;
    char want[80];
    snprintf(want, sizeof(want), "mirt: option '%s'", opts[i].name);
    ck_assert_msg(strstr(child.err, want) != NULL, "verbose output lacks \"%s\"", want);
  }
  ck_assert_int_ge(lines, N_OPTS - 3);
  const char *quiet[] = {"MIMALLOC_VERBOSE=0", NULL};
  run_child(&child, quiet, NULL);
  ck_assert_msg(strstr(child.err, "mirt: option '") == NULL, "options printed without verbose");
}
END_TEST

/* ------------------------------------------------------------------------
   the mi_option_* calls
------------------------------------------------------------------------ */

START_TEST(test_options_set_get)
{
  mi_option_set(mi_option_purge_delay, 123);
  ck_assert_int_eq(mi_option_get(mi_option_purge_delay), 123);
  ck_assert_int_eq(mi_option_get_clamp(mi_option_purge_delay, 0, 50), 50);
  ck_assert_int_eq(mi_option_get_clamp(mi_option_purge_delay, 200, 300), 200);
  ck_assert_int_eq(mi_option_get_clamp(mi_option_purge_delay, 100, 200), 123);
  mi_option_set(mi_option_purge_delay, -1);
  ck_assert_int_eq(mi_option_get(mi_option_purge_delay), -1);
  ck_assert_uint_eq(mi_option_get_size(mi_option_purge_delay), 0); /* negative: no size */
  mi_option_set(mi_option_arena_reserve, 4096);
  ck_assert_uint_eq(mi_option_get_size(mi_option_arena_reserve), 4096 * CHECK_KiB);
  mi_option_set(mi_option_guarded_max, 3);
  ck_assert_uint_eq(mi_option_get_size(mi_option_guarded_max), 3 * CHECK_KiB);
  mi_option_set(mi_option_heartbeat_period, 16);
  ck_assert_uint_eq(mi_option_get_size(mi_option_heartbeat_period), 16);
  /* out-of-range options are ignored */
  mi_option_set((mi_option_t)_mi_option_last, 5);
  ck_assert_int_eq(mi_option_get((mi_option_t)_mi_option_last), 0);
  ck_assert_int_eq(mi_option_get((mi_option_t)-1), 0);
}
END_TEST

START_TEST(test_options_enable_disable)
{
  mi_option_enable(mi_option_visit_abandoned);
  ck_assert(mi_option_is_enabled(mi_option_visit_abandoned));
  ck_assert_int_eq(mi_option_get(mi_option_visit_abandoned), 1);
  mi_option_disable(mi_option_visit_abandoned);
  ck_assert(!mi_option_is_enabled(mi_option_visit_abandoned));
  mi_option_set_enabled(mi_option_visit_abandoned, true);
  ck_assert(mi_option_is_enabled(mi_option_visit_abandoned));
  mi_option_set_enabled(mi_option_visit_abandoned, false);
  ck_assert_int_eq(mi_option_get(mi_option_visit_abandoned), 0);
  mi_option_set(mi_option_max_errors, 7); /* any non-zero value is enabled */
  ck_assert(mi_option_is_enabled(mi_option_max_errors));
}
END_TEST

START_TEST(test_options_set_default)
{
  /* untouched options take the new default */
  mi_option_set_default(mi_option_max_segment_reclaim, 20);
  ck_assert_int_eq(mi_option_get(mi_option_max_segment_reclaim), 20);
  mi_option_set_default(mi_option_max_segment_reclaim, 30); /* still a default: may change again */
  ck_assert_int_eq(mi_option_get(mi_option_max_segment_reclaim), 30);
  mi_option_set_enabled_default(mi_option_abandoned_reclaim_on_free, true);
  ck_assert(mi_option_is_enabled(mi_option_abandoned_reclaim_on_free));
  /* explicitly set ones keep their value */
  mi_option_set(mi_option_arena_purge_mult, 4);
  mi_option_set_default(mi_option_arena_purge_mult, 9);
  ck_assert_int_eq(mi_option_get(mi_option_arena_purge_mult), 4);
  mi_option_disable(mi_option_destroy_on_exit);
  mi_option_set_enabled_default(mi_option_destroy_on_exit, true);
  ck_assert(!mi_option_is_enabled(mi_option_destroy_on_exit));
}
END_TEST

/* ------------------------------------------------------------------------
   zero_freed: checked builds (secure, debug) zero a block when it is freed,
   by its owner or by another thread, on the inline and the checked paths
------------------------------------------------------------------------ */
#if ((defined(MI_SECURE) && MI_SECURE > 0) || (defined(MI_DEBUG) && MI_DEBUG > 1)) && !defined(__SANITIZE_ADDRESS__)
#define ZERO_FREED_ACTS 1

static void *free_in_thread(void *p)
{
  mi_free(p);
  return NULL;
}

/* Fills a block of n bytes, frees it (here or in another thread) and
   returns whether its bytes after the first word are all zero; `keep`
   holds the page in use so the freed block stays readable. */
static bool freed_block_zero(size_t n, bool remote, unsigned char *last)
{
  void *keep = mi_malloc(n);
  unsigned char *p = (unsigned char *)mi_malloc(n);
  ck_assert_ptr_nonnull(keep);
  ck_assert_ptr_nonnull(p);
  const size_t u = mi_usable_size(p);
  memset(p, 0xAB, u);
  if (remote) {
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, free_in_thread, p), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
  }
  else mi_free(p);
  bool zero = true;
  for (size_t i = sizeof(void *); i < u; i++) zero = zero && (p[i] == 0);
  *last = p[u - 1];
  mi_free(keep);
  return zero;
}
#endif

START_TEST(test_options_zero_freed)
{
#if defined(ZERO_FREED_ACTS)
  static const size_t sizes[] = { 24, 200, 3000, 20000 };
  unsigned char last;
  mi_option_enable(mi_option_zero_freed);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    ck_assert_msg(freed_block_zero(sizes[i], false, &last), "%zu B block freed by its owner not zeroed", sizes[i]);
    ck_assert_msg(freed_block_zero(sizes[i], true, &last), "%zu B block freed by another thread not zeroed", sizes[i]);
  }
  /* off again: the blocks keep their bytes (debug builds fill them) --
     beyond the first 136 bytes in secure builds, which zero those on every
     free to detect writes after free: the 24 B block is all zero there */
  mi_option_disable(mi_option_zero_freed);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
#if defined(MI_SECURE) && MI_SECURE > 0 && !(defined(MI_DEBUG) && MI_DEBUG > 1)
    if (sizes[i] <= 136) {
      ck_assert_msg(freed_block_zero(sizes[i], false, &last), "secure: %zu B block freed by its owner not zeroed", sizes[i]);
      ck_assert_msg(freed_block_zero(sizes[i], true, &last), "secure: %zu B block freed by another thread not zeroed", sizes[i]);
      continue;
    }
#endif
    ck_assert_msg(!freed_block_zero(sizes[i], false, &last) && last != 0, "%zu B block zeroed with the option off", sizes[i]);
    ck_assert_msg(!freed_block_zero(sizes[i], true, &last) && last != 0, "%zu B block zeroed by a remote free with the option off", sizes[i]);
  }
#else
  /* the default build ignores the option: setting it changes nothing else */
  mi_option_enable(mi_option_zero_freed);
  ck_assert(mi_option_is_enabled(mi_option_zero_freed));
  void *p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
  mi_option_disable(mi_option_zero_freed);
#endif
}
END_TEST

/* The VmFlags of the mapping holding `p` in /proc/self/smaps ("" if none). */
static void vm_flags_of(const void *p, char *out, size_t cap)
{
  out[0] = 0;
  FILE *f = fopen("/proc/self/smaps", "r");
  ck_assert_ptr_nonnull(f);
  char line[512];
  bool inside = false;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
      inside = ((uintptr_t)p >= lo && (uintptr_t)p < hi);
      continue;
    }
    if (inside && strncmp(line, "VmFlags:", 8) == 0) {
      snprintf(out, cap, "%s", line + 8);
      break;
    }
  }
  fclose(f);
}

static bool flags_have(const char *flags, const char *flag)
{
  char padded[520];
  snprintf(padded, sizeof padded, " %s", flags);
  char want[8];
  snprintf(want, sizeof want, " %s", flag);
  const char *at = strstr(padded, want);
  return at != NULL && (at[strlen(want)] == ' ' || at[strlen(want)] == '\n' || at[strlen(want)] == 0);
}

/* allow_large_os_pages: segments mapped while it is on ask the kernel for
   transparent huge pages (MADV_HUGEPAGE: the mapping's "hg" flag); off,
   they do not. */
START_TEST(test_options_large_os_pages)
{
  if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0) {
    printf("check_options: no transparent huge pages in this kernel: the hg flag is not checked\n");
  }
  const bool thp = (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0);
  char flags[512];
  const size_t size = 40 * 1024 * 1024;   /* a huge block: a segment of its own, mapped now */
  mi_option_disable(mi_option_allow_large_os_pages);
  void *p = mi_malloc(size);
  ck_assert_ptr_nonnull(p);
  vm_flags_of(p, flags, sizeof flags);
  ck_assert_msg(flags[0] != 0, "no smaps entry for %p", p);
  ck_assert_msg(!flags_have(flags, "hg"), "option off, yet the mapping asks for huge pages:%s", flags);
  mi_option_enable(mi_option_allow_large_os_pages);
  void *q = mi_malloc(size);
  ck_assert_ptr_nonnull(q);
  memset(q, 1, size);   /* usable as ever */
  vm_flags_of(q, flags, sizeof flags);
  if (thp) ck_assert_msg(flags_have(flags, "hg"), "option on, the mapping does not ask for huge pages:%s", flags);
  mi_free(q);
  mi_free(p);
  mi_option_disable(mi_option_allow_large_os_pages);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *options_suite(void)
{
  Suite *s = suite_create("options");

  TCase *env = check_tcase(s, "environment", 15);
  tcase_add_test(env, test_options_env_defaults);
  tcase_add_loop_test(env, test_options_env_bool_words, 0, N_TRUE + N_FALSE);
  tcase_add_test(env, test_options_env_numbers);
  tcase_add_loop_test(env, test_options_env_size_suffixes, 0, N_SIZES);
  tcase_add_loop_test(env, test_options_env_legacy_names, 0, N_LEGACY);
  tcase_add_test(env, test_options_env_name_case);
  tcase_add_test(env, test_options_env_invalid_all);
  tcase_add_loop_test(env, test_options_env_invalid_values, 0, N_INVALID);
  tcase_add_test(env, test_options_env_beats_set_default);
  tcase_add_test(env, test_options_env_verbose_prints);

  TCase *api = check_tcase(s, "api", 0);
  tcase_add_test(api, test_options_set_get);
  tcase_add_test(api, test_options_enable_disable);
  tcase_add_test(api, test_options_set_default);
  tcase_add_test(api, test_options_zero_freed);
  tcase_add_test(api, test_options_large_os_pages);

  return s;
}

int main(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "--dump") == 0) return child_main(argc, argv);
  return check_main_run(options_suite());
}
