/* SPDX-License-Identifier: MIT */
/* mstress-style: power-of-two sizes, objects migrating between threads, long-lived survivors, threads re-created per phase. */

/*
 * usage: mstress THREADS SCALE PHASES [SLOTS]
 *
 * Each of PHASES phases starts THREADS new threads and joins them. A thread
 * does SCALE*1000 steps on a private array of SLOTS slots (default
 * 256*SCALE/100+64; more slots: a larger live set per thread): allocate
 * a power-of-two block (16 B .. 4 KiB, 1 in 64 up to 256 KiB) into a random
 * slot, free a slot, or swap a slot with a random slot of a shared transfer
 * array (so blocks migrate and are freed by other threads). When it ends,
 * a thread moves a quarter of its blocks into the shared "survivor" array,
 * which outlives the phase and is freed piecemeal by later threads.
 *
 * Self-check: every block starts with its id and size and (from 32 bytes
 * on) ends with the id; each free checks both. Sum and count of ids freed must equal those made.
 */
#include "bench.h"

#include <stdatomic.h>

typedef struct obj_hdr_s {
  uint64_t id;
  uint64_t size;
} obj_hdr_t;

#define TRANSFER 1024
#define SURVIVORS 4096

static _Atomic(obj_hdr_t *) transfer[TRANSFER];
static _Atomic(obj_hdr_t *) survivors[SURVIVORS];
static long scale, slots_arg;
static atomic_ullong made_count, made_sum, freed_count, freed_sum;

typedef struct worker_s {
  int id;
  int phase;
} worker_t;

static obj_hdr_t *obj_new(uint64_t *rng, uint64_t id)
{
  unsigned shift = (unsigned)rng_range(rng, 4, 12);
  if (rng_below(rng, 64) == 0) shift = (unsigned)rng_range(rng, 13, 18);
  size_t n = (size_t)1 << shift;
  obj_hdr_t *o = (obj_hdr_t *)bench_malloc(n);
  o->id = id;
  o->size = n;
  if (n >= 32) memcpy((char *)o + n - 8, &id, 8);
  return o;
}

/* Verify and free; returns the id for the checksum. */
static void obj_free(obj_hdr_t *o, uint64_t *cnt, uint64_t *sum)
{
  if (o == NULL) return;
  uint64_t tail;
  size_t n = (size_t)o->size;
  if (n < 16 || n > ((size_t)1 << 18) || (n & (n - 1)) != 0)
    bench_fail("object %p has a corrupted size field %zu", (void *)o, n);
  memcpy(&tail, (char *)o + n - 8, 8);
  if (n >= 32 && tail != o->id) bench_fail("object %p (%zu bytes) overwritten while live", (void *)o, n);
  *cnt += 1;
  *sum += o->id;
  free(o);
}

static void *work(void *arg)
{
  worker_t *w = (worker_t *)arg;
  uint64_t rng = bench_mix(((uint64_t)w->phase << 20) ^ (uint64_t)w->id ^ 0x77);
  long nslots = slots_arg > 0 ? slots_arg : 256 * scale / 100 + 64;
  long steps = scale * 1000;
  obj_hdr_t **slot = (obj_hdr_t **)calloc((size_t)nslots, sizeof(obj_hdr_t *));
  if (slot == NULL) bench_fail("calloc");
  uint64_t next_id = ((uint64_t)w->phase << 40) | ((uint64_t)w->id << 32);
  uint64_t mc = 0, ms = 0, fc = 0, fs = 0;

  for (long s = 0; s < steps; s++) {
    long i = (long)rng_below(&rng, (uint64_t)nslots);
    uint64_t r = rng_below(&rng, 16);
    if (r < 9) {                      /* allocate (replacing the occupant) */
      obj_free(slot[i], &fc, &fs);
      slot[i] = obj_new(&rng, ++next_id);
      mc++;
      ms += next_id;
    } else if (r < 12) {              /* free */
      obj_free(slot[i], &fc, &fs);
      slot[i] = NULL;
    } else if (r < 15) {              /* migrate through the transfer array */
      long j = (long)rng_below(&rng, TRANSFER);
      slot[i] = atomic_exchange(&transfer[j], slot[i]);
    } else {                          /* free an old survivor of an earlier phase */
      long j = (long)rng_below(&rng, SURVIVORS);
      obj_free(atomic_exchange(&survivors[j], NULL), &fc, &fs);
    }
  }
  /* A quarter of the live blocks survive the thread (and the phase). */
  for (long i = 0; i < nslots; i++) {
    if (slot[i] == NULL) continue;
    if ((i & 3) == 0) {
      long j = (long)rng_below(&rng, SURVIVORS);
      obj_free(atomic_exchange(&survivors[j], slot[i]), &fc, &fs);
    } else {
      obj_free(slot[i], &fc, &fs);
    }
  }
  free(slot);
  atomic_fetch_add(&made_count, mc);
  atomic_fetch_add(&made_sum, ms);
  atomic_fetch_add(&freed_count, fc);
  atomic_fetch_add(&freed_sum, fs);
  return NULL;
}

int main(int argc, char **argv)
{
  bench_name = "mstress";
  int threads = (int)bench_arg(argc, argv, 1, 4);
  scale = bench_arg(argc, argv, 2, 50);
  long phases = bench_arg(argc, argv, 3, 25);
  slots_arg = bench_arg(argc, argv, 4, 0);
  if (threads < 1 || scale < 1 || phases < 1) bench_fail("bad arguments");
  worker_t *w = (worker_t *)calloc((size_t)threads, sizeof(worker_t));
  if (w == NULL) bench_fail("calloc");
  for (long p = 0; p < phases; p++) {
    for (int t = 0; t < threads; t++) {
      w[t].id = t;
      w[t].phase = (int)p;
    }
    bench_run_threads(threads, work, w, sizeof(worker_t));
  }
  free(w);
  uint64_t fc = 0, fs = 0;
  for (int j = 0; j < TRANSFER; j++) obj_free(atomic_exchange(&transfer[j], NULL), &fc, &fs);
  for (int j = 0; j < SURVIVORS; j++) obj_free(atomic_exchange(&survivors[j], NULL), &fc, &fs);
  fc += atomic_load(&freed_count);
  fs += atomic_load(&freed_sum);
  if (fc != atomic_load(&made_count) || fs != atomic_load(&made_sum))
    bench_fail("freed %llu objects, made %llu (or id checksum mismatch)", (unsigned long long)fc,
               (unsigned long long)atomic_load(&made_count));
  bench_ok("threads=%d scale=%ld phases=%ld slots=%ld objects=%llu", threads, scale, phases,
           slots_arg > 0 ? slots_arg : 256 * scale / 100 + 64, (unsigned long long)fc);
  return 0;
}
