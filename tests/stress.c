/* SPDX-License-Identifier: MIT */
/* stress.c -- multi-threaded allocator stress: random sizes, blocks handed between threads, patterns checked. */
/*
 * Usage: stress [THREADS [SCALE [ITER]]]
 *   THREADS  threads per round (default 2 x online CPUs + 4: more than cores)
 *   SCALE    work per thread per round, in units of 1000 steps (default 100)
 *   ITER     rounds; every round starts fresh threads (default 25)
 *
 * Every block starts with its size (xor a key of its address) and is filled
 * with a pattern derived from its address and size; the pattern is checked
 * before every free and across realloc.  Blocks move between threads through
 * a shared array of atomic slots, and blocks of exited threads are freed by
 * later threads and by the main thread.  Any mismatch prints what was found
 * and exits with status 1; success is status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mimalloc.h>

#define TRANSFER_SLOTS 1000
#define LOCAL_SLOTS 2000
#define MIN_SIZE 16
#define MAX_SIZE ((size_t)40 << 20)
#define SPARSE_FROM ((size_t)64 << 10) /* larger blocks: only ends and a stride are checked */
#define STALL_SECONDS 120                /* no progress for this long = deadlock */

static int n_threads, scale, iterations;
static _Atomic(uintptr_t) transfer[TRANSFER_SLOTS];
static atomic_ullong progress, n_allocs, n_frees;
static atomic_int round_no;

/* ------------------------------------------------------------------------
   Reporting
------------------------------------------------------------------------ */

static void die(const char *what, const void *p, size_t size, size_t offset, uint64_t want, uint64_t got)
{
  fprintf(stderr,
          "stress: FAILED in round %d: %s: block %p size %zu, offset %zu: expected %#llx, found %#llx\n",
          atomic_load(&round_no), what, p, size, offset, (unsigned long long)want, (unsigned long long)got);
  fflush(stderr);
  _exit(1);
}

/* ------------------------------------------------------------------------
   Block patterns
------------------------------------------------------------------------ */

static uint64_t addr_key(uintptr_t a) { return (uint64_t)a * 0x9E3779B97F4A7C15ull ^ 0x5851F42D4C957F2Dull; }

/* Word j of the pattern of a block at address `a` with `size` bytes. */
static uint64_t word_at(uintptr_t a, size_t size, size_t j)
{
  return (addr_key(a) ^ (uint64_t)size * 0xC2B2AE3D27D4EB4Full) + (uint64_t)j * 0x632BE59BD9B4E019ull;
}

static void fill_span(unsigned char *b, uintptr_t key_a, size_t size, size_t from, size_t to)
{
  for (size_t j = from; j + 8 <= to; j += 8) {
    uint64_t w = word_at(key_a, size, j / 8);
    memcpy(b + j, &w, 8);
  }
}

/* Checks [from, to) (8-byte aligned offsets) against the pattern of a block
   that lived at address `key_a` with `size`; dies on a mismatch. */
static void check_span(const unsigned char *b, uintptr_t key_a, size_t size, size_t from, size_t to, const char *what)
{
  for (size_t j = from; j + 8 <= to; j += 8) {
    uint64_t w = word_at(key_a, size, j / 8), got;
    memcpy(&got, b + j, 8);
    if (got != w) die(what, b, size, j, w, got);
  }
}

/* Runs `stmt_from_to` with f_/t_ set to each checked range [f_, t_) of a
   block of `size` bytes: all of a small block, spans of a large one. */
#define FOR_SPANS(size, stmt_from_to) do { \
    size_t sz_ = (size) & ~(size_t)7; \
    if (sz_ <= SPARSE_FROM) { size_t f_ = 8, t_ = sz_; stmt_from_to; } \
    else { \
      { size_t f_ = 8, t_ = 4096; stmt_from_to; } \
      for (size_t o_ = SPARSE_FROM; o_ + 4096 < sz_ - 4096; o_ += SPARSE_FROM) { size_t f_ = o_, t_ = o_ + 64; stmt_from_to; } \
      { size_t f_ = sz_ - 4096, t_ = sz_; stmt_from_to; } \
    } \
  } while (0)

/* The bytes after the last whole word of the block. */
static unsigned char tail_byte(uintptr_t a, size_t size, size_t j) { return (unsigned char)(word_at(a, size, j / 8) >> (j % 8 * 8)); }

static void block_init(void *p, size_t size)
{
  unsigned char *b = p;
  uint64_t head = (uint64_t)size ^ addr_key((uintptr_t)p);
  memcpy(p, &head, 8);
  FOR_SPANS(size, fill_span(p, (uintptr_t)p, size, f_, t_));
  for (size_t j = size & ~(size_t)7; j < size; j++) b[j] = tail_byte((uintptr_t)p, size, j);
}

/* Returns the size recorded in a live block after checking all of it. */
static size_t block_check(const void *p, const char *what)
{
  uint64_t head;
  memcpy(&head, p, 8);
  size_t size = (size_t)(head ^ addr_key((uintptr_t)p));
  if (size < MIN_SIZE || size > MAX_SIZE) die(what, p, size, 0, addr_key((uintptr_t)p), head);
  size_t usable = mi_usable_size(p);
  if (usable < size) die("usable size below the requested size", p, size, 0, size, usable);
  FOR_SPANS(size, check_span(p, (uintptr_t)p, size, f_, t_, what));
  const unsigned char *b = p;
  for (size_t j = size & ~(size_t)7; j < size; j++)
    if (b[j] != tail_byte((uintptr_t)p, size, j)) die(what, p, size, j, tail_byte((uintptr_t)p, size, j), b[j]);
  return size;
}

static void block_free(void *p, const char *what)
{
  if (p == NULL) return;
  block_check(p, what);
  mi_free(p);
  atomic_fetch_add_explicit(&n_frees, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------------
   Random choices
------------------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* 90% 16..256 B, 9% up to 8 KiB, 0.9% up to 256 KiB, 0.1% up to 4 MiB,
   and one in 100000 a huge block of up to 40 MiB. */
static size_t rnd_size(uint64_t *s)
{
  uint64_t r = rnd(s);
  unsigned pct = (unsigned)(r % 100000);
  r >>= 17;
  if (pct < 90000) return MIN_SIZE + (size_t)(r % 241);
  if (pct < 99000) return 256 + (size_t)(r % (8 << 10));
  if (pct < 99900) return (8 << 10) + (size_t)(r % (248 << 10));
  if (pct < 99999) return (256 << 10) + (size_t)(r % (3840 << 10));
  return (4 << 20) + (size_t)(r % (MAX_SIZE - (4 << 20)));
}

static void *new_block(uint64_t *s)
{
  size_t size = rnd_size(s);
  unsigned how = (unsigned)(rnd(s) % 20);
  void *p;
  if (how < 14) {
    p = mi_malloc(size);
  } else if (how < 17) {
    p = (how == 14) ? mi_zalloc(size) : mi_calloc(1 + size / 64, 64);
    if (p != NULL) {
      const unsigned char *b = p;
      size_t n = how == 14 ? size : (1 + size / 64) * 64;
      for (size_t j = 0; j < n && j < 65536; j++)
        if (b[j] != 0) die("calloc/zalloc memory not zeroed", p, size, j, 0, b[j]);
    }
  } else {
    size_t align = (size_t)16 << (rnd(s) % 9); /* 16 .. 4096 */
    p = mi_malloc_aligned(size, align);
    if (p != NULL && ((uintptr_t)p & (align - 1)) != 0) die("misaligned mi_malloc_aligned", p, size, 0, align, (uintptr_t)p);
  }
  if (p == NULL) die("allocation returned NULL", NULL, size, 0, 0, (uint64_t)errno);
  block_init(p, size);
  atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
  return p;
}

/* Reallocates a live block to a random size: the preserved prefix must
   still carry the old block's pattern; then it gets a fresh pattern. */
static void *resize_block(void *p, uint64_t *s)
{
  size_t old = block_check(p, "before realloc");
  uintptr_t old_addr = (uintptr_t)p;
  size_t size = rnd_size(s);
  void *q = mi_realloc(p, size);
  if (q == NULL) die("realloc returned NULL", NULL, size, 0, 0, (uint64_t)errno);
  size_t keep = (old < size ? old : size) & ~(size_t)7;
  if (old > SPARSE_FROM && keep > 4096) keep = 4096; /* a large block is patterned sparsely */
  check_span(q, old_addr, old, 8, keep, "realloc lost contents");
  block_init(q, size);
  return q;
}

/* ------------------------------------------------------------------------
   Threads
------------------------------------------------------------------------ */

static void *worker(void *arg)
{
  uint64_t s = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 1) + (uint64_t)atomic_load(&round_no) * 7919;
  void **local = calloc(LOCAL_SLOTS, sizeof(void *));
  if (local == NULL) die("calloc of the local array failed", NULL, 0, 0, 0, 0);
  const long steps = 1000L * scale;
  for (long i = 0; i < steps; i++) {
    unsigned op = (unsigned)(rnd(&s) % 100);
    size_t k = (size_t)(rnd(&s) % LOCAL_SLOTS);
    if (op < 40) {
      block_free(local[k], "freeing a local block");
      local[k] = new_block(&s);
    } else if (op < 60) {
      block_free(local[k], "freeing a local block");
      local[k] = NULL;
    } else if (op < 85) {
      size_t t = (size_t)(rnd(&s) % TRANSFER_SLOTS);
      local[k] = (void *)atomic_exchange(&transfer[t], (uintptr_t)local[k]);
    } else if (local[k] != NULL) {
      local[k] = resize_block(local[k], &s);
    }
    if ((i & 1023) == 0) atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
  }
  /* leave a few blocks to outlive this thread, free the rest */
  for (size_t k = 0; k < LOCAL_SLOTS; k++) {
    if (local[k] != NULL && k % 16 == 0) {
      size_t t = (size_t)(rnd(&s) % TRANSFER_SLOTS);
      local[k] = (void *)atomic_exchange(&transfer[t], (uintptr_t)local[k]);
    }
    block_free(local[k], "freeing a block at thread exit");
  }
  free(local);
  return NULL;
}

static void *watchdog(void *arg)
{
  (void)arg;
  unsigned long long last = atomic_load(&progress);
  int still = 0;
  for (;;) {
    sleep(1);
    unsigned long long now = atomic_load(&progress);
    still = now == last ? still + 1 : 0;
    last = now;
    if (still >= STALL_SECONDS) {
      fprintf(stderr, "stress: FAILED: no progress for %d s in round %d (deadlock?)\n", STALL_SECONDS,
              atomic_load(&round_no));
      fflush(stderr);
      _exit(1);
    }
  }
  return NULL;
}

static long parse_arg(const char *s, const char *name)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v <= 0 || v > 100000) {
    fprintf(stderr, "stress: bad %s '%s' (usage: stress [THREADS [SCALE [ITER]]])\n", name, s);
    exit(2);
  }
  return v;
}

static size_t rss_kib(void)
{
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long total = 0, resident = 0;
  if (f != NULL) {
    if (fscanf(f, "%lu %lu", &total, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * (size_t)sysconf(_SC_PAGESIZE) / 1024;
}

int main(int argc, char **argv)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  n_threads = (int)(cpus > 0 ? 2 * cpus + 4 : 8);
  scale = 100;
  iterations = 25;
  if (argc > 1) n_threads = (int)parse_arg(argv[1], "THREADS");
  if (argc > 2) scale = (int)parse_arg(argv[2], "SCALE");
  if (argc > 3) iterations = (int)parse_arg(argv[3], "ITER");
  printf("stress: %d threads, scale %d, %d rounds\n", n_threads, scale, iterations);
  fflush(stdout);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t dog;
  if (pthread_create(&dog, NULL, watchdog, NULL) != 0) die("cannot start the watchdog", NULL, 0, 0, 0, 0);
  pthread_detach(dog);

  pthread_t *tids = calloc((size_t)n_threads, sizeof(pthread_t));
  if (tids == NULL) die("calloc failed", NULL, 0, 0, 0, 0);
  uint64_t s = 0xDEADBEEFCAFEull;
  for (int r = 0; r < iterations; r++) {
    atomic_store(&round_no, r);
    for (intptr_t t = 0; t < n_threads; t++) {
      int e = pthread_create(&tids[t], NULL, worker, (void *)t);
      if (e != 0) die("pthread_create failed", NULL, 0, 0, 0, (uint64_t)e);
    }
    for (int t = 0; t < n_threads; t++) pthread_join(tids[t], NULL);
    /* free about half of what the threads left behind (all of it at the end) */
    for (size_t k = 0; k < TRANSFER_SLOTS; k++)
      if (r == iterations - 1 || rnd(&s) % 2 == 0)
        block_free((void *)atomic_exchange(&transfer[k], (uintptr_t)0), "freeing a transferred block");
    atomic_fetch_add(&progress, 1);
  }
  free(tids);
  mi_collect(true);
  clock_gettime(CLOCK_MONOTONIC, &t1);

  unsigned long long a = atomic_load(&n_allocs), f = atomic_load(&n_frees);
  printf("stress: %llu allocations, %llu frees, %.2f s, RSS at end %zu KiB\n", a, f,
         (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9, rss_kib());
  if (a != f) {
    fprintf(stderr, "stress: FAILED: %llu blocks allocated but %llu freed\n", a, f);
    return 1;
  }
  printf("stress: ok\n");
  return 0;
}
