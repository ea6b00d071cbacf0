/* SPDX-License-Identifier: MIT */
/* shim-glibc.c -- the mi_* functions runtime/rc uses, on glibc malloc: the benchmark baseline (and a TSan-friendly backend).
 *
 * Heaps are only tokens: every block comes from malloc.  What glibc cannot
 * do is emulated or left out:
 *  - heartbeat: the deferred-free hook is called every SHIM_HEARTBEAT_PERIOD
 *    allocations of a thread (and by mi_collect / mi_heap_collect with their
 *    force), so bounded release drains as it would under mimalloc;
 *  - mi_heap_destroy cannot free live blocks at once: it behaves like
 *    mi_heap_delete (what mimalloc does for heaps that do not allow destroy),
 *    and blocks left in a task arena leak;
 *  - mi_heap_contains_block / mi_is_in_heap_region say false and
 *    mi_heap_visit_blocks visits nothing, so task results are never copied
 *    (their arena is never destroyed) and the arena check finds nothing.
 */
#include <mimalloc.h>
#include <malloc.h>         /* malloc_usable_size, malloc_trim */
#include <stdio.h>          /* fopen: current RSS */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>   /* getrusage: peak RSS */
#include <unistd.h>         /* sysconf */

#define SHIM_HEARTBEAT_PERIOD 1024

struct mi_heap_s { int unused; };

static mi_deferred_free_fun* volatile shim_hook;
static void* volatile shim_hook_arg;
static _Thread_local unsigned long long shim_allocs, shim_beat;
static _Thread_local int shim_in_hook;

static void shim_heartbeat(bool force) {
  mi_deferred_free_fun* fn = shim_hook;
  if (fn == NULL || shim_in_hook) return;
  shim_in_hook = 1;
  fn(force, ++shim_beat, shim_hook_arg);
  shim_in_hook = 0;
}

static inline void shim_count(void) {
  if ((++shim_allocs % SHIM_HEARTBEAT_PERIOD) == 0) shim_heartbeat(false);
}

void mi_register_deferred_free(mi_deferred_free_fun* fn, void* arg) {
  shim_hook_arg = arg;
  shim_hook = fn;
}

mi_heap_t* mi_heap_new(void) { return (mi_heap_t*)calloc(1, sizeof(mi_heap_t)); }
void mi_heap_delete(mi_heap_t* heap) { free(heap); }
void mi_heap_destroy(mi_heap_t* heap) { free(heap); }

void* mi_heap_malloc(mi_heap_t* heap, size_t size) { (void)heap; shim_count(); return malloc(size); }
void* mi_heap_malloc_small(mi_heap_t* heap, size_t size) { (void)heap; shim_count(); return malloc(size); }
void* mi_malloc(size_t size) { shim_count(); return malloc(size); }
void* mi_zalloc(size_t size) { shim_count(); return calloc(1, size); }
void mi_free(void* p) { free(p); }
size_t mi_usable_size(const void* p) { return (p == NULL ? 0 : malloc_usable_size((void*)p)); }

void mi_heap_collect(mi_heap_t* heap, bool force) {
  (void)heap;
  shim_heartbeat(force);
  if (force) malloc_trim(0);
}
void mi_collect(bool force) { mi_heap_collect(NULL, force); }

bool mi_is_in_heap_region(const void* p) { (void)p; return false; }
bool mi_heap_contains_block(mi_heap_t* heap, const void* p) { (void)heap; (void)p; return false; }
bool mi_heap_visit_blocks(const mi_heap_t* heap, bool all, mi_block_visit_fun* visitor, void* arg) {
  (void)heap; (void)all; (void)visitor; (void)arg;
  return true;
}

void mi_process_info(size_t* elapsed_msecs, size_t* user_msecs, size_t* system_msecs,
                     size_t* current_rss, size_t* peak_rss, size_t* current_commit,
                     size_t* peak_commit, size_t* page_faults) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  size_t cur = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f != NULL) {
    unsigned long pages = 0, resident = 0;
    if (fscanf(f, "%lu %lu", &pages, &resident) == 2) cur = (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
    fclose(f);
  }
  if (elapsed_msecs) *elapsed_msecs = 0;
  if (user_msecs) *user_msecs = (size_t)ru.ru_utime.tv_sec * 1000 + (size_t)ru.ru_utime.tv_usec / 1000;
  if (system_msecs) *system_msecs = (size_t)ru.ru_stime.tv_sec * 1000 + (size_t)ru.ru_stime.tv_usec / 1000;
  if (current_rss) *current_rss = cur;
  if (peak_rss) *peak_rss = (size_t)ru.ru_maxrss * 1024;
  if (current_commit) *current_commit = cur;
  if (peak_commit) *peak_commit = (size_t)ru.ru_maxrss * 1024;
  if (page_faults) *page_faults = (size_t)ru.ru_majflt;
}
