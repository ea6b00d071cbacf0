/* SPDX-License-Identifier: MIT
 * os.c -- the only file that talks to the operating system (Linux).
 *
 * Address space: aligned anonymous mappings, purge (MADV_DONTNEED / MADV_FREE),
 * protection for guard pages, transparent huge page advice.  Also randomness,
 * clocks, the environment, stderr, process information.  Nothing here calls
 * back into the allocator or allocates with malloc; errors are returned to
 * the caller, which reports them.
 */
#include "internal.h"

#include <sys/mman.h>       /* mmap, madvise, mprotect */
#include <sys/resource.h>   /* getrusage */
#include <sys/syscall.h>    /* SYS_getrandom */
#include <sys/prctl.h>      /* PR_SET_THP_DISABLE */
#include <fcntl.h>          /* open */
#include <unistd.h>         /* write, read, sysconf */
#include <time.h>           /* clock_gettime */
#include <sched.h>          /* sched_yield */
#include <signal.h>         /* abort path */
#include <stdlib.h>         /* abort, realpath */
#include <limits.h>         /* PATH_MAX */
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define MI_HAVE_SINGLE_THREADED 1
#endif

extern char** environ;

/* ------------------------------------------------------------------------
   Page size
------------------------------------------------------------------------ */
static size_t os_page_size = 4096;
#if MI_SECURE > 0
size_t _mi_page_guard_size = 4096;
#endif

size_t _mi_os_page_size(void) {
  return os_page_size;
}

void _mi_os_init(void) {
  const long ps = sysconf(_SC_PAGESIZE);
  if (ps > 0 && mi_is_power_of_two((uintptr_t)ps) && (size_t)ps <= MI_SLICE_SIZE) os_page_size = (size_t)ps;
#if MI_SECURE > 0
  _mi_page_guard_size = (os_page_size <= MI_SLICE_SIZE / 4 ? os_page_size : 0);
#endif
}
__attribute__((constructor(101))) static void os_load(void) { _mi_os_init(); }

/* ------------------------------------------------------------------------
   Aligned mappings.  First try a hint address in a region we bump through
   (2 TiB upwards), which gives aligned memory with no waste; if the kernel
   puts the mapping elsewhere, fall back to over-allocating and trimming.
------------------------------------------------------------------------ */
#define MI_HINT_BASE  ((uintptr_t)2 << 40)    /* 2 TiB */
#define MI_HINT_MAX   ((uintptr_t)30 << 40)   /* 30 TiB */
static mi_atomic_t os_hint_next;

static void* os_mmap(void* addr, size_t size) {
  void* p = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return (p == MAP_FAILED ? NULL : p);
}

static void* os_hint_alloc(size_t size, size_t alignment) {
  if (alignment < MI_SEGMENT_SIZE || (alignment & MI_SEGMENT_MASK) != 0) return NULL;
  uintptr_t hint = mi_atomic_load_relaxed(&os_hint_next);
  if (hint == 0) {
    uintptr_t start = MI_HINT_BASE;
#if MI_SECURE > 0
    uint64_t r = 0;
    _mi_os_random_buf(&r, sizeof(r));
    start += (uintptr_t)(r % 4096) << MI_SEGMENT_SHIFT;  /* randomise the base */
#endif
    uintptr_t expected = 0;
    mi_atomic_cas_acq_rel(&os_hint_next, &expected, start);
    hint = mi_atomic_load_relaxed(&os_hint_next);
  }
  const size_t step = mi_align_up(size, alignment);
  hint = mi_atomic_add_relaxed(&os_hint_next, (intptr_t)step);
  hint = mi_align_up(hint, alignment);
  if (hint + step > MI_HINT_MAX) {
    uintptr_t expected = hint + step;
    mi_atomic_cas_acq_rel(&os_hint_next, &expected, MI_HINT_BASE);   /* wrap around */
    return NULL;
  }
  void* p = os_mmap((void*)hint, size);
  if (p == NULL) return NULL;
  if (((uintptr_t)p & (alignment - 1)) != 0) {
    munmap(p, size);
    return NULL;
  }
  return p;
}

void* _mi_os_alloc_aligned(size_t size, size_t alignment, bool* is_zero) {
  size = mi_align_up(size, os_page_size);
  if (size == 0) { errno = ENOMEM; return NULL; }
  if (is_zero) *is_zero = true;
  void* p = os_hint_alloc(size, alignment);
  if (p != NULL) return p;
  /* over-allocate and trim both ends */
  if (size + alignment < size) { errno = ENOMEM; return NULL; }
  uint8_t* q = (uint8_t*)os_mmap(NULL, size + alignment);
  if (q == NULL) { errno = ENOMEM; return NULL; }
  uint8_t* aligned = (uint8_t*)mi_align_up((uintptr_t)q, alignment);
  const size_t pre = (size_t)(aligned - q);
  const size_t post = alignment - pre;
  if (pre > 0) munmap(q, pre);
  if (post > 0) munmap(aligned + size, post);
  return aligned;
}

/* 1 GiB pages from the huge page pool, 1 GiB aligned; NULL if unavailable. */
void* _mi_os_alloc_huge_pages(size_t size) {
#if defined(MAP_HUGETLB) && defined(MAP_HUGE_SHIFT)
  int saved = errno;
  void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (30 << MAP_HUGE_SHIFT), -1, 0);
  errno = saved;
  if (p == MAP_FAILED) return NULL;
  if (((uintptr_t)p & MI_SEGMENT_MASK) != 0) { munmap(p, size); return NULL; }
  return p;
#else
  (void)size;
  return NULL;
#endif
}

void _mi_os_free(void* p, size_t size) {
  if (p == NULL || size == 0) return;
  int saved = errno;
  munmap(p, mi_align_up(size, os_page_size));
  errno = saved;
}

bool _mi_os_purge(void* p, size_t size, bool decommit) {
  if (size == 0) return true;
  int saved = errno;
  int err = madvise(p, size, decommit ? MADV_DONTNEED : MADV_FREE);
  if (err != 0 && !decommit) err = madvise(p, size, MADV_DONTNEED);
  errno = saved;
  return err == 0;
}

bool _mi_os_purge_protect(void* p, size_t size) {
  if (size == 0) return true;
  int saved = errno;
  /* one call: fresh zero pages, inaccessible (the range is our own anonymous mapping) */
  void* q = mmap(p, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
  bool ok = (q == p);
  if (!ok) ok = (madvise(p, size, MADV_DONTNEED) == 0 && mprotect(p, size, PROT_NONE) == 0);
  errno = saved;
  return ok;
}

bool _mi_os_protect(void* p, size_t size) {
  int saved = errno;
  bool ok = (mprotect(p, size, PROT_NONE) == 0);
  errno = saved;
  return ok;
}

bool _mi_os_unprotect(void* p, size_t size) {
  int saved = errno;
  bool ok = (mprotect(p, size, PROT_READ | PROT_WRITE) == 0);
  errno = saved;
  return ok;
}

/* Resize a mapping without moving it; false if the neighbouring range is taken. */
bool _mi_os_remap(void* p, size_t oldsize, size_t newsize) {
  oldsize = mi_align_up(oldsize, os_page_size);
  newsize = mi_align_up(newsize, os_page_size);
  if (oldsize == newsize) return true;
  int saved = errno;
  void* q = mremap(p, oldsize, newsize, 0);
  errno = saved;
  return (q == p);
}

void _mi_os_hugepage_advise(void* p, size_t size, bool enable) {
#if defined(MADV_HUGEPAGE)
  int saved = errno;
  madvise(p, size, enable ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  errno = saved;
#else
  (void)p; (void)size; (void)enable;
#endif
}

void _mi_os_thp_disable(bool disable) {
#if defined(PR_SET_THP_DISABLE)
  int saved = errno;
  prctl(PR_SET_THP_DISABLE, disable ? 1 : 0, 0, 0, 0);
  errno = saved;
#else
  (void)disable;
#endif
}

bool _mi_os_has_huge_pages(void) {
  char buf[256];
  int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  const char* s = strstr(buf, "HugePages_Total:");
  if (s == NULL) return false;
  s += 16;
  while (*s == ' ') s++;
  return (*s >= '1' && *s <= '9');
}

int _mi_os_numa_node_count(void) {
  int count = 0;
  char path[64];
  for (int i = 0; i < 1024; i++) {
    memcpy(path, "/sys/devices/system/node/node", 29);
    int len = 29, v = i;
    char digits[8]; int nd = 0;
    do { digits[nd++] = (char)('0' + v % 10); v /= 10; } while (v > 0);
    while (nd > 0) path[len++] = digits[--nd];
    path[len] = 0;
    if (access(path, F_OK) != 0) break;
    count++;
  }
  return (count == 0 ? 1 : count);
}

/* ------------------------------------------------------------------------
   Randomness and time
------------------------------------------------------------------------ */
bool _mi_os_random_buf(void* buf, size_t len) {
  int saved = errno;
  uint8_t* out = (uint8_t*)buf;
  size_t got = 0;
  while (got < len) {
    long n = syscall(SYS_getrandom, out + got, len - got, 0x0001 /* GRND_NONBLOCK */);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    got += (size_t)n;
  }
  errno = saved;
  return got == len;
}

uint64_t _mi_os_clock_ms(void) {
  struct timespec t;
#if defined(CLOCK_MONOTONIC_COARSE)
  clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
#else
  clock_gettime(CLOCK_MONOTONIC, &t);
#endif
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

uint64_t _mi_os_clock_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------
   Environment: a case-insensitive scan of environ (getenv is case-sensitive
   and may not be usable this early).
------------------------------------------------------------------------ */
static char os_upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c; }

bool _mi_os_getenv(const char* name, char* buf, size_t buflen) {
  if (environ == NULL || name == NULL || buflen == 0) return false;
  const size_t len = strlen(name);
  for (char** e = environ; *e != NULL; e++) {
    const char* s = *e;
    size_t i = 0;
    while (i < len && s[i] != 0 && os_upper(s[i]) == os_upper(name[i])) i++;
    if (i == len && s[i] == '=') {
      const char* v = s + len + 1;
      size_t n = strlen(v);
      if (n >= buflen) n = buflen - 1;
      memcpy(buf, v, n);
      buf[n] = 0;
      return true;
    }
  }
  return false;
}

static int os_stderr_fd = 2;

/* Keep a private duplicate of stderr: programs like coreutils close stderr
   in an exit handler, before the statistics are printed at exit. */
void _mi_os_stderr_keep(void) {
  int saved = errno;
  int fd = fcntl(2, F_DUPFD_CLOEXEC, 100);
  if (fd >= 0) os_stderr_fd = fd;
  errno = saved;
}

void _mi_os_write_stderr(const char* msg, size_t len) {
  int saved = errno;
  while (len > 0) {
    ssize_t n = write(os_stderr_fd, msg, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    msg += n;
    len -= (size_t)n;
  }
  errno = saved;
}

void _mi_os_abort(void) {
  abort();
}

void _mi_os_yield(void) {
  sched_yield();
}

bool _mi_os_is_single_threaded(void) {
#if defined(MI_HAVE_SINGLE_THREADED)
  return __libc_single_threaded != 0;
#else
  return false;
#endif
}

bool _mi_os_realpath(const char* fname, char* buf, size_t buflen) {
  if (buflen < PATH_MAX) return false;
  return realpath(fname, buf) != NULL;
}

/* ------------------------------------------------------------------------
   Process information
------------------------------------------------------------------------ */
static uint64_t os_start_ms;
__attribute__((constructor(101))) static void os_clock_init(void) {
  os_start_ms = _mi_os_clock_now_ms();
}

size_t _mi_os_current_rss(void) {
  char buf[128];
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char* s = buf;
  while (*s && *s != ' ') s++;           /* skip total size */
  while (*s == ' ') s++;
  size_t pages = 0;
  while (*s >= '0' && *s <= '9') pages = pages * 10 + (size_t)(*s++ - '0');
  return pages * os_page_size;
}

void _mi_os_process_info(size_t* elapsed, size_t* utime, size_t* stime, size_t* rss, size_t* peak_rss, size_t* faults) {
  int saved = errno;
  struct rusage ru;
  memset(&ru, 0, sizeof(ru));
  getrusage(RUSAGE_SELF, &ru);
  if (elapsed) *elapsed = (size_t)(_mi_os_clock_now_ms() - os_start_ms);
  if (utime) *utime = (size_t)ru.ru_utime.tv_sec * 1000 + (size_t)ru.ru_utime.tv_usec / 1000;
  if (stime) *stime = (size_t)ru.ru_stime.tv_sec * 1000 + (size_t)ru.ru_stime.tv_usec / 1000;
  if (peak_rss) *peak_rss = (size_t)ru.ru_maxrss * 1024;
  if (faults) *faults = (size_t)ru.ru_majflt;
  const size_t cur = _mi_os_current_rss();
  if (rss) *rss = cur;
  if (peak_rss && *peak_rss < cur) *peak_rss = cur;   /* the kernel updates the two at different times */
  errno = saved;
}
