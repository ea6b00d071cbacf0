/* SPDX-License-Identifier: MIT
 * stats.c -- statistics: per-thread counters (plain adds on slow paths),
 * merged into the process totals at thread exit and by mi_stats_merge;
 * printing.  Ground floor: every file may use it.
 */
#include "internal.h"
#include <pthread.h>
#include <stdio.h>    /* snprintf (does not allocate for the formats used) */
#include <stdarg.h>

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static mi_stats_internal_t stats_process;               /* merged totals */
static mi_decl_tls mi_stats_internal_t* stats_thread;   /* the calling thread's counters */

static const char* const stat_names[MI_STAT_COUNT_LAST] = {
  "reserved", "committed", "segments", "pages", "abandoned", "threads", "heaps",
  "large", "huge", "normal"
};
static const bool stat_is_bytes[MI_STAT_COUNT_LAST] = {
  true, true, false, false, false, false, false, true, true, true
};
static const char* const counter_names[MI_CTR_COUNT_LAST] = {
  "mmaps", "purges", "purged", "slow-paths", "heartbeats", "searches", "extends",
  "retired", "reclaimed-pages", "abandoned-segs", "reclaimed-segs", "cached-segs",
  "notifications", "remote-frees", "large-allocs", "huge-allocs"
};

void _mi_stats_set_thread(mi_stats_internal_t* st) {
  stats_thread = st;
}

static void stats_add_into(mi_stats_internal_t* to, const mi_stats_internal_t* from) {
  for (int i = 0; i < MI_STAT_COUNT_LAST; i++) {
    mi_stat_count_t* t = &to->count[i];
    const mi_stat_count_t* f = &from->count[i];
    t->total += f->total;
    t->current += f->current;
    /* a merged thread could have peaked while others were low: bound by the sum */
    if (t->current > t->peak) t->peak = t->current;
    if (f->peak > t->peak) t->peak = f->peak;
  }
  for (int i = 0; i < MI_CTR_COUNT_LAST; i++) to->counter[i] += from->counter[i];
  for (int i = 0; i < MI_BIN_COUNT; i++) to->page_bins[i] += from->page_bins[i];
}

void _mi_stats_merge_thread(mi_stats_internal_t* st) {
  if (st == NULL) return;
  pthread_mutex_lock(&stats_lock);
  stats_add_into(&stats_process, st);
  pthread_mutex_unlock(&stats_lock);
  /* keep the thread's peaks relative to zero from now on */
  memset(st, 0, sizeof(*st));
}

void _mi_stats_process_add(mi_stat_t which, int64_t amount) {
  pthread_mutex_lock(&stats_lock);
  mi_stat_add(&stats_process, which, amount);
  pthread_mutex_unlock(&stats_lock);
}

/* Committed memory changes hands between threads (a segment committed by one
   thread is purged by another, or by nobody's thread while abandoned or
   cached), so it is one process-wide gauge, not a per-thread stat. */
static mi_atomic_t committed_current, committed_peak, committed_total;

void _mi_stats_committed_add(int64_t amount) {
  const intptr_t now = (intptr_t)mi_atomic_add_relaxed(&committed_current, (intptr_t)amount) + (intptr_t)amount;
  if (amount > 0) {
    mi_atomic_add_relaxed(&committed_total, (intptr_t)amount);
    uintptr_t peak = mi_atomic_load_relaxed(&committed_peak);
    while (now > (intptr_t)peak && !mi_atomic_cas_acq_rel(&committed_peak, &peak, (uintptr_t)now)) { }
  }
}

static mi_stat_count_t committed_gauge(void) {
  const mi_stat_count_t c = { (int64_t)mi_atomic_load_relaxed(&committed_total),
                              (int64_t)mi_atomic_load_relaxed(&committed_peak),
                              (int64_t)mi_atomic_load_relaxed(&committed_current) };
  return c;
}

/* The process totals with the committed gauge in place (under stats_lock). */
static void stats_process_copy(mi_stats_internal_t* out) {
  *out = stats_process;
  out->count[MI_STAT_COMMITTED] = committed_gauge();
}

void _mi_stats_process_counter(mi_counter_t which, int64_t amount) {
  pthread_mutex_lock(&stats_lock);
  mi_counter_add(&stats_process, which, amount);
  pthread_mutex_unlock(&stats_lock);
}

void mi_stats_merge(void) {
  _mi_stats_merge_thread(stats_thread);
}

void mi_stats_reset(void) {
  if (stats_thread != NULL) memset(stats_thread, 0, sizeof(*stats_thread));
  pthread_mutex_lock(&stats_lock);
  /* keep the current levels (memory still in use), restart totals and peaks */
  for (int i = 0; i < MI_STAT_COUNT_LAST; i++) {
    stats_process.count[i].total = 0;
    stats_process.count[i].peak = stats_process.count[i].current;
  }
  memset(stats_process.counter, 0, sizeof(stats_process.counter));
  pthread_mutex_unlock(&stats_lock);
  mi_atomic_store_relaxed(&committed_total, 0);
  mi_atomic_store_relaxed(&committed_peak, mi_atomic_load_relaxed(&committed_current));
}

/* ------------------------------------------------------------------------
   Printing
------------------------------------------------------------------------ */
static void fmt_amount(char* buf, size_t n, int64_t v, bool bytes) {
  const char* unit = "";
  double d = (double)v;
  if (bytes) {
    const char* units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    double a = (d < 0 ? -d : d);
    while (a >= 1024.0 && u < 4) { a /= 1024.0; d /= 1024.0; u++; }
    unit = units[u];
    if (u == 0) { snprintf(buf, n, "%lld %s", (long long)v, unit); return; }
    snprintf(buf, n, "%.1f %s", d, unit);
    return;
  }
  snprintf(buf, n, "%lld%s", (long long)v, unit);
}

static void stats_print(const mi_stats_internal_t* st, const char* title, mi_output_fun* out, void* arg) {
  char a[32], b[32], c[32];
  _mi_fprintf(out, arg, "mirt: %s\n", title);
  _mi_fprintf(out, arg, "%14s %14s %14s %14s\n", "", "peak", "total", "current");
  for (int i = 0; i < MI_STAT_COUNT_LAST; i++) {
    const mi_stat_count_t* s = &st->count[i];
    if (s->total == 0 && s->current == 0 && s->peak == 0) continue;
    fmt_amount(a, sizeof(a), s->peak, stat_is_bytes[i]);
    fmt_amount(b, sizeof(b), s->total, stat_is_bytes[i]);
    fmt_amount(c, sizeof(c), s->current, stat_is_bytes[i]);
    _mi_fprintf(out, arg, "%14s %14s %14s %14s\n", stat_names[i], a, b, c);
  }
  for (int i = 0; i < MI_CTR_COUNT_LAST; i++) {
    if (st->counter[i] == 0) continue;
    fmt_amount(a, sizeof(a), st->counter[i], i == MI_CTR_PURGED_BYTES);
    _mi_fprintf(out, arg, "%14s %14s\n", counter_names[i], a);
  }
  fmt_amount(a, sizeof(a), (int64_t)_mi_purge_unused(), true);
  fmt_amount(b, sizeof(b), (int64_t)_mi_purge_budget(), true);
  _mi_fprintf(out, arg, "%14s %14s (budget %s, delay x%zu, %zu wasted purges)\n", "unused", a, b, _mi_purge_mult(), _mi_purge_wasted());
  size_t elapsed, utime, stime, rss, peak_rss, faults;
  _mi_os_process_info(&elapsed, &utime, &stime, &rss, &peak_rss, &faults);
  fmt_amount(a, sizeof(a), (int64_t)rss, true);
  fmt_amount(b, sizeof(b), (int64_t)peak_rss, true);
  _mi_fprintf(out, arg, "%14s %14s (peak %s)\n", "rss", a, b);
  _mi_fprintf(out, arg, "%14s %zu.%03zu s (user %zu.%03zu s, system %zu.%03zu s)\n", "elapsed",
              elapsed / 1000, elapsed % 1000, utime / 1000, utime % 1000, stime / 1000, stime % 1000);
}

void mi_stats_print_out(mi_output_fun* out, void* arg) {
  mi_stats_merge();
  mi_stats_internal_t copy;
  pthread_mutex_lock(&stats_lock);
  stats_process_copy(&copy);
  pthread_mutex_unlock(&stats_lock);
  stats_print(&copy, "process statistics", out, arg);
}

void mi_stats_print(void* out) {
  (void)out;
  mi_stats_print_out(NULL, NULL);
}

void mi_thread_stats_print_out(mi_output_fun* out, void* arg) {
  if (stats_thread == NULL) {
    _mi_fprintf(out, arg, "mirt: thread statistics: none (thread not initialised)\n");
    return;
  }
  stats_print(stats_thread, "thread statistics", out, arg);
}

void _mi_stats_reinit_child(void) {
  pthread_mutex_init(&stats_lock, NULL);
}

void _mi_stats_print_exit(void) {
  mi_stats_print_out(NULL, NULL);
}

void mi_process_info(size_t* elapsed_msecs, size_t* user_msecs, size_t* system_msecs,
                     size_t* current_rss, size_t* peak_rss,
                     size_t* current_commit, size_t* peak_commit, size_t* page_faults) {
  _mi_os_process_info(elapsed_msecs, user_msecs, system_msecs, current_rss, peak_rss, page_faults);
  if (current_commit != NULL || peak_commit != NULL) {
    const mi_stat_count_t c = committed_gauge();   /* process-wide: no merge needed */
    if (current_commit != NULL) *current_commit = (c.current < 0 ? 0 : (size_t)c.current);
    if (peak_commit != NULL) *peak_commit = (c.peak < 0 ? 0 : (size_t)c.peak);
  }
}

/* ------------------------------------------------------------------------
   The public struct and JSON
------------------------------------------------------------------------ */
void _mi_stats_snapshot(mi_stats_internal_t* out) {
  mi_stats_merge();
  pthread_mutex_lock(&stats_lock);
  stats_process_copy(out);
  pthread_mutex_unlock(&stats_lock);
}

static mi_stat_counter_t ctr(const mi_stats_internal_t* in, mi_counter_t c) {
  mi_stat_counter_t r = { in->counter[c] };
  return r;
}

static mi_stat_count_t level(int64_t v) {
  mi_stat_count_t c = { v, v, v };
  return c;
}

void _mi_stats_to_public(const mi_stats_internal_t* in, const mi_live_t* live, mi_stats_t* out) {
  const size_t size = out->size, version = out->version;
  memset(out, 0, sizeof(*out));
  out->size = size;
  out->version = version;
  out->reserved = in->count[MI_STAT_RESERVED];
  out->committed = in->count[MI_STAT_COMMITTED];
  out->purged.total = in->counter[MI_CTR_PURGED_BYTES];
  out->malloc_normal = level((int64_t)live->normal_bytes);
  out->malloc_huge = level((int64_t)live->huge_bytes);
  out->malloc_blocks = level((int64_t)live->blocks);
  out->segments = in->count[MI_STAT_SEGMENTS];
  out->pages = in->count[MI_STAT_PAGES];
  out->pages_abandoned = in->count[MI_STAT_PAGES_ABANDONED];
  out->threads = in->count[MI_STAT_THREADS];
  out->heaps = in->count[MI_STAT_HEAPS];
  out->mmap_calls = ctr(in, MI_CTR_MMAP_CALLS);
  out->purge_calls = ctr(in, MI_CTR_PURGE_CALLS);
  out->page_searches = ctr(in, MI_CTR_PAGE_SEARCHES);
  out->pages_extended = ctr(in, MI_CTR_PAGES_EXTENDED);
  out->pages_retired = ctr(in, MI_CTR_PAGES_RETIRED);
  out->pages_reclaimed = ctr(in, MI_CTR_PAGES_RECLAIMED);
  out->segments_abandoned = ctr(in, MI_CTR_SEGMENTS_ABANDONED);
  out->segments_reclaimed = ctr(in, MI_CTR_SEGMENTS_RECLAIMED);
  out->generic_calls = ctr(in, MI_CTR_GENERIC_CALLS);
  out->heartbeats = ctr(in, MI_CTR_HEARTBEATS);
  out->notifications = ctr(in, MI_CTR_NOTIFICATIONS);
  out->large_allocs = ctr(in, MI_CTR_LARGE_ALLOCS);
  out->huge_allocs = ctr(in, MI_CTR_HUGE_ALLOCS);
  for (size_t b = 0; b < MI_BIN_COUNT && b < MI_STAT_BIN_COUNT; b++) out->page_bins[b] = level(in->page_bins[b]);
}

/* A bounded writer: counts every byte, stores what fits. */
typedef struct json_out_s { char* buf; size_t size; size_t len; } json_out_t;

static void json_put(json_out_t* o, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void json_put(json_out_t* o, const char* fmt, ...) {
  char tmp[160];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, args);
  va_end(args);
  if (n <= 0) return;
  for (int i = 0; i < n && i < (int)sizeof(tmp) - 1; i++) {
    if (o->buf != NULL && o->len + 1 < o->size) o->buf[o->len] = tmp[i];
    o->len++;
  }
}

static void json_count(json_out_t* o, const char* name, mi_stat_count_t c, bool last) {
  json_put(o, "  \"%s\": { \"total\": %lld, \"peak\": %lld, \"current\": %lld }%s\n",
           name, (long long)c.total, (long long)c.peak, (long long)c.current, last ? "" : ",");
}

static void json_counter(json_out_t* o, const char* name, mi_stat_counter_t c) {
  json_put(o, "  \"%s\": { \"total\": %lld },\n", name, (long long)c.total);
}

size_t _mi_stats_json(const mi_stats_t* st, char* buf, size_t size) {
  json_out_t o = { buf, size, 0 };
  size_t elapsed, utime, stime, rss, peak_rss, faults;
  _mi_os_process_info(&elapsed, &utime, &stime, &rss, &peak_rss, &faults);
  json_put(&o, "{\n  \"version\": %d,\n  \"mimalloc_version\": %d,\n  \"allocator\": \"mirt %d.%d.%d\",\n",
           MI_STAT_VERSION, MI_MALLOC_VERSION, MIRT_VERSION_MAJOR, MIRT_VERSION_MINOR, MIRT_VERSION_PATCH);
  json_put(&o, "  \"process\": { \"elapsed_msecs\": %zu, \"user_msecs\": %zu, \"system_msecs\": %zu, \"rss\": %zu, \"peak_rss\": %zu, \"page_faults\": %zu },\n",
           elapsed, utime, stime, rss, peak_rss, faults);
  json_count(&o, "reserved", st->reserved, false);
  json_count(&o, "committed", st->committed, false);
  json_count(&o, "purged", st->purged, false);
  json_count(&o, "malloc_normal", st->malloc_normal, false);
  json_count(&o, "malloc_huge", st->malloc_huge, false);
  json_count(&o, "malloc_blocks", st->malloc_blocks, false);
  json_count(&o, "segments", st->segments, false);
  json_count(&o, "pages", st->pages, false);
  json_count(&o, "pages_abandoned", st->pages_abandoned, false);
  json_count(&o, "threads", st->threads, false);
  json_count(&o, "heaps", st->heaps, false);
  json_counter(&o, "mmap_calls", st->mmap_calls);
  json_counter(&o, "purge_calls", st->purge_calls);
  json_counter(&o, "page_searches", st->page_searches);
  json_counter(&o, "pages_extended", st->pages_extended);
  json_counter(&o, "pages_retired", st->pages_retired);
  json_counter(&o, "pages_reclaimed", st->pages_reclaimed);
  json_counter(&o, "segments_abandoned", st->segments_abandoned);
  json_counter(&o, "segments_reclaimed", st->segments_reclaimed);
  json_counter(&o, "generic_calls", st->generic_calls);
  json_counter(&o, "heartbeats", st->heartbeats);
  json_counter(&o, "notifications", st->notifications);
  json_counter(&o, "large_allocs", st->large_allocs);
  json_counter(&o, "huge_allocs", st->huge_allocs);
  json_put(&o, "  \"page_bins\": [");
  for (size_t b = 0; b < MI_STAT_BIN_COUNT; b++) {
    json_put(&o, "%s{ \"block_size\": %zu, \"current\": %lld }", b == 0 ? "" : ", ",
             (b >= 1 && b <= MI_BIN_MEDIUM_MAX ? _mi_bin_size(b) : 0), (long long)st->page_bins[b].current);
  }
  json_put(&o, "]\n}\n");
  if (buf != NULL && size > 0) buf[o.len < size ? o.len : size - 1] = 0;
  return o.len;
}
