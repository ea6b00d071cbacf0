/* SPDX-License-Identifier: MIT */
/* d01_oom_rlimit_threads.c -- D1: under RLIMIT_AS = 256 MiB, 9 threads exhaust memory with every allocation function: NULL + ENOMEM, then recovery. */
#include "bad.h"
#include <pthread.h>
#include <sys/resource.h>

#define THREADS 8
#define LIMIT ((rlim_t)256 << 20)

enum { F_MALLOC, F_REALLOC, F_ALIGNED_ALLOC, F_POSIX_MEMALIGN, F_MEMALIGN, F_VALLOC, F_PVALLOC, F_CALLOC, F_COUNT };
static const char* const names[F_COUNT] = {"malloc", "realloc", "aligned_alloc", "posix_memalign", "memalign", "valloc", "pvalloc", "calloc"};

struct node { struct node* next; };

static pthread_barrier_t barrier;

/* One allocation of kind f; NULL on failure with the error in *err. */
static void* one(int f, size_t* realloc_size, int* err) {
  void* p = NULL;
  errno = 0;
  switch (f) {
  case F_MALLOC: p = x_malloc(144); break;
  case F_REALLOC: {
    /* a chain 16 B -> N: a fresh block grown by realloc */
    p = x_malloc(16);
    if (p == NULL) break;
    *realloc_size = *realloc_size >= 4096 ? 32 : *realloc_size * 2;
    void* q = x_realloc(p, *realloc_size);
    if (q == NULL) { *err = errno; x_free(p); return NULL; }
    p = q;
    break;
  }
  case F_ALIGNED_ALLOC: p = x_aligned_alloc(128, 512); break;
  case F_POSIX_MEMALIGN: {
    int rc = x_posix_memalign(&p, 128, 4096);
    if (rc != 0) { *err = rc; return NULL; }
    break;
  }
  case F_MEMALIGN: p = x_memalign(128, 1024); break;
  case F_VALLOC: p = x_valloc(4096); break;
  case F_PVALLOC: p = x_pvalloc(100); break;
  case F_CALLOC: {
    p = x_calloc(1, 200);
    if (p == NULL) break;
    const unsigned char* c = p;
    for (int i = 0; i < 200; i++) CHECK(c[i] == 0, "calloc under OOM: byte %d is %#x", i, c[i]);
    break;
  }
  }
  *err = errno;
  return p;
}

/* Thread `id` uses function (id + round) % F_COUNT in each round: the 9
   threads cover all 8 functions at once, each allocating until it fails;
   then all free everything and the next round starts with other pairings. */
#define ROUNDS 2

static void* worker(void* arg) {
  const size_t id = (size_t)arg;
  size_t realloc_size = 16;
  for (int round = 0; round < ROUNDS; round++) {
    const int f = (int)((id + (size_t)round * 3) % F_COUNT);
    pthread_barrier_wait(&barrier);
    struct node* list = NULL;
    size_t count = 0;
    int err = 0;
    for (;;) {
      struct node* p = one(f, &realloc_size, &err);
      if (p == NULL) break;
      p->next = list;
      list = p;
      count++;
      CHECK(count < ((size_t)1 << 26), "thread %zu: %s never failed", id, names[f]);
    }
    CHECK(err == ENOMEM, "thread %zu: %s failed after %zu blocks with error %d, want ENOMEM", id, names[f], count, err);
    pthread_barrier_wait(&barrier);   /* everybody is out of memory */
    while (list != NULL) {
      struct node* next = list->next;
      x_free(list);
      list = next;
    }
  }
  return NULL;
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 << 10);
  pthread_barrier_init(&barrier, NULL, THREADS + 1);
  pthread_t t[THREADS];
  for (size_t i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], &attr, worker, (void*)(i + 1)) == 0, "pthread_create failed");
  struct rlimit rl = {LIMIT, LIMIT};
  CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit failed");
  worker((void*)0);
  for (size_t i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  /* recovered: big and small allocations work again */
  void* big = x_malloc((size_t)32 << 20);
  CHECK(big != NULL, "malloc(32 MiB) fails after everything was freed");
  memset(big, 1, (size_t)32 << 20);
  x_free(big);
  void* small = x_malloc(144);
  CHECK(small != NULL, "malloc(144) fails after everything was freed");
  x_free(small);
  return 0;
}
