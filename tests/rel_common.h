/* SPDX-License-Identifier: MIT */
/* rel_common.h -- shared helpers of the reliability programs (rel_*.c): failure exits, a watchdog, RSS, patterns, and the allocator they test. */
#ifndef MIRT_TESTS_REL_COMMON_H
#define MIRT_TESTS_REL_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Built as is, a program tests libmirt through the mi_* API; built with
   -DREL_OVERRIDE and linked with libmirt-malloc, it tests the malloc
   override through the standard names (and has no mi_* statistics). */
#ifdef REL_OVERRIDE
#include <malloc.h>
#define rel_malloc(n)           malloc(n)
#define rel_calloc(n, s)        calloc(n, s)
#define rel_realloc(p, n)       realloc(p, n)
#define rel_free(p)             free(p)
#define rel_memalign(a, n)      memalign(a, n)
#define rel_aligned_alloc(a, n) aligned_alloc(a, n)
#define rel_posix_memalign      posix_memalign
#define rel_valloc(n)           valloc(n)
#define rel_pvalloc(n)          pvalloc(n)
#define rel_usable_size(p)      malloc_usable_size(p)
#define REL_API "malloc (libmirt-malloc)"
#else
#include <mimalloc.h>
#include <mimalloc-stats.h>
#define rel_malloc(n)           mi_malloc(n)
#define rel_calloc(n, s)        mi_calloc(n, s)
#define rel_realloc(p, n)       mi_realloc(p, n)
#define rel_free(p)             mi_free(p)
#define rel_memalign(a, n)      mi_memalign(a, n)
#define rel_aligned_alloc(a, n) mi_aligned_alloc(a, n)
#define rel_posix_memalign      mi_posix_memalign
#define rel_valloc(n)           mi_valloc(n)
#define rel_pvalloc(n)          mi_pvalloc(n)
#define rel_usable_size(p)      mi_usable_size(p)
#define REL_API "mi_* (libmirt)"
#define REL_HAVE_STATS 1
#endif

/* Exit statuses understood by the Automake test driver. */
#define REL_PASS 0
#define REL_FAIL 1
#define REL_SKIP 77
#define REL_ERROR 99

static const char *rel_name = "rel";

/* Reports a failure and exits with status 1 (not for signal handlers). */
static void rel_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void rel_fail(const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(buf, sizeof buf, "FAIL: %s: ", rel_name);
  if (n < 0) n = 0;
  vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  va_end(ap);
  fflush(stdout);   /* what the program printed so far comes first */
  size_t len = strlen(buf);
  if (len + 1 < sizeof buf) buf[len++] = '\n';
  if (write(STDERR_FILENO, buf, len) < 0) { /* nothing more to do */ }
  _exit(REL_FAIL);
}

#define REL_CHECK(cond, ...) do { if (!(cond)) rel_fail(__VA_ARGS__); } while (0)

static void rel_on_alarm(int sig)
{
  (void)sig;
  static const char msg[] = "FAIL: watchdog expired: the program hung (deadlock?)\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
  _exit(REL_FAIL);
}

/* A hang fails instead of blocking `make check`: after `seconds` the
   process exits with status 1.  (Inherited by fork()ed children, which
   set their own.) */
static inline void rel_watchdog(unsigned seconds)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = rel_on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(seconds);
}

/* Field `field` (0: virtual size, 1: resident set) of /proc/self/statm, in
   bytes; reads without allocating. */
static inline size_t rel_statm(int field)
{
  char buf[128];
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long v[2] = { 0, 0 };
  if (sscanf(buf, "%lu %lu", &v[0], &v[1]) != 2) return 0;
  return (size_t)v[field] * (size_t)sysconf(_SC_PAGESIZE);
}

/* Resident set size in bytes. */
static inline size_t rel_rss(void) { return rel_statm(1); }

/* Virtual size in bytes. */
static inline size_t rel_vsize(void) { return rel_statm(0); }

/* A cheap pattern: byte i of a block with tag t. */
static inline uint8_t rel_pat(uintptr_t tag, size_t i) { return (uint8_t)((tag * 31u) ^ (i * 7u) ^ (i >> 8)); }

static inline void rel_fill(void *p, size_t n, uintptr_t tag)
{
  uint8_t *b = p;
  for (size_t i = 0; i < n; i++) b[i] = rel_pat(tag, i);
}

/* Offset of the first byte that differs from the pattern, or SIZE_MAX. */
static inline size_t rel_first_bad(const void *p, size_t n, uintptr_t tag)
{
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != rel_pat(tag, i)) return i;
  return SIZE_MAX;
}

#ifdef REL_HAVE_STATS
/* Live blocks and bytes as mi_stats_get reports them after a forced
   collect (exact for the calling thread's heaps and abandoned memory). */
static inline void rel_live(long long *blocks, long long *bytes)
{
  mi_collect(true);
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  if (blocks != NULL) *blocks = st.malloc_blocks.current;
  if (bytes != NULL) *bytes = st.malloc_normal.current + st.malloc_huge.current;
}

/* Fails unless the live blocks and bytes are back at blocks0/bytes0
   (`when` names the moment, e.g. "at the end"). */
static inline void rel_check_live(long long blocks0, long long bytes0, const char *when)
{
  long long blocks = 0, bytes = 0;
  rel_live(&blocks, &bytes);
  REL_CHECK(blocks == blocks0 && bytes == bytes0, "live blocks %lld / bytes %lld %s, %lld / %lld at the start",
            blocks, bytes, when, blocks0, bytes0);
}
#endif

#endif /* MIRT_TESTS_REL_COMMON_H */
