/* SPDX-License-Identifier: MIT
 * options.c -- options from MIMALLOC_<NAME> variables, the output and error
 * hooks, and message formatting.  Ground floor: every file may use it.
 */
#include "internal.h"

#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* vsnprintf (does not allocate for the formats used) */
#include <ctype.h>    /* toupper */
#include <limits.h>   /* LONG_MAX */

/* ------------------------------------------------------------------------
   The option table
------------------------------------------------------------------------ */
typedef enum mi_init_e { MI_UNINIT, MI_DEFAULTED, MI_INITIALIZED } mi_init_t;

typedef struct mi_option_desc_s {
  long        value;       /* current value */
  mi_init_t   init;        /* MI_INITIALIZED once set by the environment or a call */
  mi_option_t option;      /* for checking the table order */
  const char* name;        /* MIMALLOC_<name> */
  const char* legacy;      /* older name, accepted with a warning */
  bool        is_kib;      /* value kept in KiB; the variable may use K/M/G/T suffixes */
} mi_option_desc_t;

#define MI_OPT(opt, dflt)               { dflt, MI_UNINIT, mi_option_##opt, #opt, NULL, false }
#define MI_OPT_LEGACY(opt, dflt, old)   { dflt, MI_UNINIT, mi_option_##opt, #opt, #old, false }
#define MI_OPT_KIB(opt, dflt)           { dflt, MI_UNINIT, mi_option_##opt, #opt, NULL, true }

static mi_option_desc_t options[_mi_option_last] = {
  MI_OPT(show_errors, 1),                 /* mirt shows errors by default: bad input gets a clear message */
  MI_OPT(show_stats, 0),
  MI_OPT(verbose, 0),
  MI_OPT(eager_commit, 1),
  MI_OPT_LEGACY(arena_eager_commit, 2, eager_region_commit),
  MI_OPT_LEGACY(purge_decommits, 1, reset_decommits),
  MI_OPT_LEGACY(allow_large_os_pages, 0, large_os_pages),
  MI_OPT(reserve_huge_os_pages, 0),
  MI_OPT(reserve_huge_os_pages_at, -1),
  MI_OPT_KIB(reserve_os_memory, 0),
  MI_OPT(deprecated_segment_cache, 0),
  MI_OPT(deprecated_page_reset, 0),
  MI_OPT_LEGACY(abandoned_page_purge, 0, abandoned_page_reset),
  MI_OPT(deprecated_segment_reset, 0),
  MI_OPT(eager_commit_delay, 1),
  MI_OPT_LEGACY(purge_delay, 10, reset_delay),
  MI_OPT(use_numa_nodes, 0),
  MI_OPT_LEGACY(disallow_os_alloc, 0, limit_os_alloc),
  MI_OPT(os_tag, 100),
  MI_OPT(max_errors, 32),
  MI_OPT(max_warnings, 32),
  MI_OPT(max_segment_reclaim, 10),
  MI_OPT(destroy_on_exit, 0),
  MI_OPT_KIB(arena_reserve, 1024L * 1024L),
  MI_OPT(arena_purge_mult, 10),
  MI_OPT_LEGACY(purge_extend_delay, 1, decommit_extend_delay),
  MI_OPT(abandoned_reclaim_on_free, 0),
  MI_OPT(disallow_arena_alloc, 0),
  MI_OPT(retry_on_oom, 400),
  MI_OPT(visit_abandoned, 0),
  MI_OPT_KIB(guarded_min, 0),
  MI_OPT_KIB(guarded_max, 1024L * 1024L),
  MI_OPT(guarded_precise, 0),
  MI_OPT(guarded_sample_rate, 0),
  MI_OPT(guarded_sample_seed, 0),
  MI_OPT(target_segments_per_thread, 0),
  MI_OPT(generic_collect, 10000),
  MI_OPT(allow_thp, 1),
  MI_OPT(heartbeat_period, 16),
  MI_OPT(large_purge_delay, 250),
  MI_OPT(zero_freed, 0),
};

static void option_init(mi_option_desc_t* desc);

static mi_option_desc_t* option_desc(mi_option_t option) {
  if ((unsigned)option >= (unsigned)_mi_option_last) return NULL;
  mi_option_desc_t* desc = &options[option];
  if (mi_unlikely(desc->init == MI_UNINIT)) option_init(desc);
  return desc;
}

/* mi_option_zero_freed, read by the free paths without a call; secure
   builds fold it into the owner's inline-free compare (no page has an
   xowner without MI_PAGE_CHECKED there) */
bool _mi_zero_freed = false;
uintptr_t _mi_owner_inline_flags = MI_PAGE_INIT_FLAGS;

static void option_store(mi_option_desc_t* desc, long value) {
  desc->value = value;
  if (desc == &options[mi_option_zero_freed]) {
    _mi_zero_freed = (value != 0);
    _mi_owner_inline_flags = (value != 0 ? 0 : MI_PAGE_INIT_FLAGS);
  }
}

long _mi_option_get_fast(mi_option_t option) {
  return options[option].value;
}

long mi_option_get(mi_option_t option) {
  mi_option_desc_t* desc = option_desc(option);
  return (desc == NULL ? 0 : desc->value);
}

long mi_option_get_clamp(mi_option_t option, long min, long max) {
  long v = mi_option_get(option);
  return (v < min ? min : (v > max ? max : v));
}

size_t mi_option_get_size(mi_option_t option) {
  mi_option_desc_t* desc = option_desc(option);
  if (desc == NULL || desc->value <= 0) return 0;
  return desc->is_kib ? (size_t)desc->value * MI_KiB : (size_t)desc->value;
}

void mi_option_set(mi_option_t option, long value) {
  if ((unsigned)option >= (unsigned)_mi_option_last) return;
  option_store(&options[option], value);
  options[option].init = MI_INITIALIZED;
}

void mi_option_set_default(mi_option_t option, long value) {
  if ((unsigned)option >= (unsigned)_mi_option_last) return;
  if (options[option].init != MI_INITIALIZED) {
    option_store(&options[option], value);
    options[option].init = MI_DEFAULTED;   /* the environment may still override it */
  }
}

bool mi_option_is_enabled(mi_option_t option) { return mi_option_get(option) != 0; }
void mi_option_set_enabled(mi_option_t option, bool enable) { mi_option_set(option, enable ? 1 : 0); }
void mi_option_set_enabled_default(mi_option_t option, bool enable) { mi_option_set_default(option, enable ? 1 : 0); }
void mi_option_enable(mi_option_t option) { mi_option_set_enabled(option, true); }
void mi_option_disable(mi_option_t option) { mi_option_set_enabled(option, false); }

/* ------------------------------------------------------------------------
   Parsing MIMALLOC_<NAME>
------------------------------------------------------------------------ */
static bool str_ieq(const char* a, const char* b) {
  while (*a && *b) {
    if (toupper((unsigned char)*a) != toupper((unsigned char)*b)) return false;
    a++; b++;
  }
  return *a == *b;
}

/* Parse `s` into `*value`; false for anything that is not a boolean word or a number. */
static bool option_parse(const char* s, bool is_kib, long* value) {
  if (*s == 0 || str_ieq(s, "1") || str_ieq(s, "true") || str_ieq(s, "yes") || str_ieq(s, "on")) { *value = 1; return true; }
  if (str_ieq(s, "0") || str_ieq(s, "false") || str_ieq(s, "no") || str_ieq(s, "off")) { *value = 0; return true; }
  const char* p = s;
  bool neg = false;
  if (*p == '-') { neg = true; p++; }
  if (*p < '0' || *p > '9') return false;
  unsigned long long n = 0;
  while (*p >= '0' && *p <= '9') {
    n = n * 10 + (unsigned long long)(*p - '0');
    if (n > (unsigned long long)LONG_MAX) return false;
    p++;
  }
  unsigned long long mult = 1;
  bool has_suffix = false;
  switch (toupper((unsigned char)*p)) {
    case 'K': mult = 1ULL << 10; has_suffix = true; break;
    case 'M': mult = 1ULL << 20; has_suffix = true; break;
    case 'G': mult = 1ULL << 30; has_suffix = true; break;
    case 'T': mult = 1ULL << 40; has_suffix = true; break;
    default: break;
  }
  if (has_suffix) {
    if (!is_kib) return false;
    p++;
    if (toupper((unsigned char)*p) == 'I') p++;
    if (toupper((unsigned char)*p) == 'B') p++;
  }
  else if (toupper((unsigned char)*p) == 'B' && is_kib) {
    p++;
  }
  if (*p != 0) return false;
  if (is_kib) {
    /* bytes, rounded up to KiB */
    if (n > (unsigned long long)LONG_MAX / mult) return false;
    n = (n * mult + 1023) / 1024;
  }
  *value = (neg ? -(long)n : (long)n);
  return true;
}

static void option_init(mi_option_desc_t* desc) {
  char name[64] = "MIMALLOC_";
  char buf[64];
  size_t len = strlen(desc->name);
  for (size_t i = 0; i < len && i + 10 < sizeof(name); i++) name[9 + i] = (char)toupper((unsigned char)desc->name[i]);
  name[9 + len] = 0;
  bool found = _mi_os_getenv(name, buf, sizeof(buf));
  if (!found && desc->legacy != NULL) {
    char old[64] = "MIMALLOC_";
    size_t olen = strlen(desc->legacy);
    for (size_t i = 0; i < olen && i + 10 < sizeof(old); i++) old[9 + i] = (char)toupper((unsigned char)desc->legacy[i]);
    old[9 + olen] = 0;
    found = _mi_os_getenv(old, buf, sizeof(buf));
    if (found) _mi_warning_message("environment variable %s is deprecated; use %s\n", old, name);
  }
  if (!found) {
    if (desc->init == MI_UNINIT) desc->init = MI_DEFAULTED;
    return;
  }
  long value;
  if (option_parse(buf, desc->is_kib, &value)) {
    option_store(desc, value);
    desc->init = MI_INITIALIZED;
  }
  else {
    desc->init = MI_DEFAULTED;
    _mi_warning_message("environment variable %s has an invalid value \"%s\"; keeping the default %ld\n", name, buf, desc->value);
  }
}

void _mi_options_init(void) {
  for (int i = 0; i < _mi_option_last; i++) {
    mi_assert(options[i].option == (mi_option_t)i);
    if (options[i].init == MI_UNINIT) option_init(&options[i]);
  }
  if (mi_option_is_enabled(mi_option_verbose)) mi_options_print();
}

void mi_options_print(void) {
  _mi_message("mirt %d.%d.%d (mimalloc API %d), secure: %d, debug: %d\n",
              MIRT_VERSION_MAJOR, MIRT_VERSION_MINOR, MIRT_VERSION_PATCH, MI_MALLOC_VERSION, MI_SECURE, MI_DEBUG);
  for (int i = 0; i < _mi_option_last; i++) {
    const mi_option_desc_t* d = option_desc((mi_option_t)i);
    if (strncmp(d->name, "deprecated", 10) == 0) continue;
    _mi_message("option '%s': %ld%s%s\n", d->name, d->value, d->is_kib ? " KiB" : "",
                d->init == MI_INITIALIZED ? " (set)" : "");
  }
}

/* ------------------------------------------------------------------------
   Output
------------------------------------------------------------------------ */
/* the hook and its argument: the argument is stored first, the hook
   published after it (release), so a reader that sees the hook sees its
   argument */
static mi_atomic_t out_fun;
static mi_atomic_t out_arg;

static void out_stderr(const char* msg, void* arg) {
  (void)arg;
  if (msg != NULL) _mi_os_write_stderr(msg, strlen(msg));
}

void mi_register_output(mi_output_fun* out, void* arg) {
  mi_atomic_store_ptr_relaxed(&out_arg, arg);
  mi_atomic_store_ptr_release(&out_fun, out);
}

/* Write `prefix` + `msg` to `out` (NULL: the registered output). */
void _mi_fputs(mi_output_fun* out, void* arg, const char* prefix, const char* msg) {
  if (out == NULL) {
    out = mi_atomic_load_ptr_acquire(mi_output_fun, &out_fun);
    arg = mi_atomic_load_ptr_relaxed(void, &out_arg);
    if (out == NULL) out = &out_stderr;
  }
  if (prefix != NULL && *prefix != 0) {
    char buf[600];
    size_t pl = strlen(prefix), ml = strlen(msg);
    if (pl + ml < sizeof(buf)) {
      memcpy(buf, prefix, pl);
      memcpy(buf + pl, msg, ml + 1);
      out(buf, arg);
      return;
    }
    out(prefix, arg);
  }
  out(msg, arg);
}

static void vfprintf_prefix(mi_output_fun* out, void* arg, const char* prefix, const char* fmt, va_list args) {
  char buf[512];
  int saved = errno;
  vsnprintf(buf, sizeof(buf), fmt, args);
  errno = saved;
  _mi_fputs(out, arg, prefix, buf);
}

void _mi_fprintf(mi_output_fun* out, void* arg, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vfprintf_prefix(out, arg, NULL, fmt, args);
  va_end(args);
}

void _mi_message(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vfprintf_prefix(NULL, NULL, "mirt: ", fmt, args);
  va_end(args);
}

void _mi_verbose_message(const char* fmt, ...) {
  if (!mi_option_is_enabled(mi_option_verbose)) return;
  va_list args;
  va_start(args, fmt);
  vfprintf_prefix(NULL, NULL, "mirt: ", fmt, args);
  va_end(args);
}

static mi_atomic_t warning_count;
static mi_atomic_t error_count;

void _mi_warning_message(const char* fmt, ...) {
  if (!mi_option_is_enabled(mi_option_show_errors) && !mi_option_is_enabled(mi_option_verbose)) return;
  if ((long)mi_atomic_add_relaxed(&warning_count, 1) >= mi_option_get(mi_option_max_warnings)) return;
  va_list args;
  va_start(args, fmt);
  vfprintf_prefix(NULL, NULL, "mirt: warning: ", fmt, args);
  va_end(args);
}

/* ------------------------------------------------------------------------
   Errors: print (unless silenced), then the error hook decides; without a
   hook, secure builds abort on every detected misuse, debug builds on
   corruption, and the default build goes on (the bad operation is ignored).
------------------------------------------------------------------------ */
static mi_atomic_t error_fun;   /* published after error_arg, as out_fun */
static mi_atomic_t error_arg;

void mi_register_error(mi_error_fun* fun, void* arg) {
  mi_atomic_store_ptr_relaxed(&error_arg, arg);
  mi_atomic_store_ptr_release(&error_fun, fun);
}

void _mi_error_notify(int err) {
  mi_error_fun* fun = mi_atomic_load_ptr_acquire(mi_error_fun, &error_fun);
  if (fun != NULL) fun(err, mi_atomic_load_ptr_relaxed(void, &error_arg));
}

void _mi_error_message(int err, const char* fmt, ...) {
  const bool fatal_default =
#if MI_SECURE > 0
    (err == EFAULT || err == EAGAIN || err == EINVAL);
#elif MI_DEBUG > 0
    (err == EFAULT);
#else
    false;
#endif
  mi_error_fun* const fun = mi_atomic_load_ptr_acquire(mi_error_fun, &error_fun);
  const bool show = mi_option_is_enabled(mi_option_show_errors) || mi_option_is_enabled(mi_option_verbose) ||
                    (fatal_default && fun == NULL);
  if (show && (long)mi_atomic_add_relaxed(&error_count, 1) < mi_option_get(mi_option_max_errors)) {
    va_list args;
    va_start(args, fmt);
    vfprintf_prefix(NULL, NULL, "mirt: ", fmt, args);
    va_end(args);
  }
  if (fun != NULL) {
    fun(err, mi_atomic_load_ptr_relaxed(void, &error_arg));
  }
  else if (fatal_default) {
    _mi_os_abort();
  }
}

void _mi_assert_fail(const char* assertion, const char* fname, unsigned line, const char* func) {
  _mi_message("assertion failed: %s:%u, %s: %s\n", fname, line, func, assertion);
  _mi_os_abort();
}
