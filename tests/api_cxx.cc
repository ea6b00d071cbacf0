// SPDX-License-Identifier: MIT
// api_cxx.cc -- mimalloc.h compiled as C++17: typed macros (v2 order), mi_new*, mi_heap_alloc_new*, STL allocators.
#include <mimalloc-stats.h>
#include <mimalloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

// mimalloc v2's header defines these templates for C++; redeclaring them is
// harmless where they exist and lets the test report them where they do not.
template <class T> struct mi_stl_allocator;
template <class T> struct mi_heap_stl_allocator;
template <class T> struct mi_heap_destroy_stl_allocator;

namespace {

int failures = 0;

void expect(bool ok, const char *what)
{
  if (!ok) {
    std::printf("api_cxx: FAILED: %s\n", what);
    failures++;
  }
}

bool zeroed(const void *p, std::size_t n)
{
  const unsigned char *b = static_cast<const unsigned char *>(p);
  for (std::size_t i = 0; i < n; i++)
    if (b[i] != 0) return false;
  return true;
}

struct Point {
  double x, y;
  int tag;
};

std::size_t opaque(std::size_t x)
{
  volatile std::size_t v = x;
  return v;
}

void typed_macros()
{
  int *i = mi_malloc_tp(int);
  expect(i != nullptr, "mi_malloc_tp(int)");
  *i = 42;
  Point *pt = mi_zalloc_tp(Point);
  expect(pt != nullptr && zeroed(pt, sizeof(Point)), "mi_zalloc_tp(Point) is zeroed");
  int *c = mi_calloc_tp(int, 10);
  expect(c != nullptr && zeroed(c, 10 * sizeof(int)), "mi_calloc_tp(int, 10) is zeroed");
  int *n = mi_mallocn_tp(int, 10);
  expect(n != nullptr && mi_usable_size(n) >= 10 * sizeof(int), "mi_mallocn_tp(int, 10)");
  for (int k = 0; k < 10; k++) n[k] = k;
  n = mi_reallocn_tp(n, int, 1000); // v2 order: pointer, type, count
  expect(n != nullptr && n[9] == 9 && mi_usable_size(n) >= 1000 * sizeof(int), "mi_reallocn_tp(p, int, 1000)");
  c[3] = 7;
  c = mi_recalloc_tp(c, int, 5000);
  expect(c != nullptr && c[3] == 7 && zeroed(c + 10, 4990 * sizeof(int)), "mi_recalloc_tp(p, int, 5000)");
  expect(mi_mallocn_tp(int, opaque(SIZE_MAX / 2)) == nullptr, "mi_mallocn_tp overflow gives NULL");
  mi_free(i);
  mi_free(pt);
  mi_free(c);
  mi_free(n);

  mi_heap_t *h = mi_heap_new();
  int *hi = mi_heap_malloc_tp(h, int); // v2 order: heap, type
  Point *hp = mi_heap_zalloc_tp(h, Point);
  int *hc = mi_heap_calloc_tp(h, int, 8);
  int *hn = mi_heap_mallocn_tp(h, int, 8);
  expect(hi && hp && hc && hn, "mi_heap_*_tp allocate");
  expect(mi_heap_contains_block(h, hi) && mi_heap_contains_block(h, hp) && mi_heap_contains_block(h, hc) &&
             mi_heap_contains_block(h, hn),
         "mi_heap_*_tp allocate from the heap");
  expect(zeroed(hp, sizeof(Point)) && zeroed(hc, 8 * sizeof(int)), "mi_heap_zalloc_tp/calloc_tp are zeroed");
  hn[7] = 77;
  hn = mi_heap_reallocn_tp(h, hn, int, 4000);
  expect(hn != nullptr && hn[7] == 77 && mi_heap_contains_block(h, hn), "mi_heap_reallocn_tp(h, p, int, 4000)");
  hc[1] = 5;
  hc = mi_heap_recalloc_tp(h, hc, int, 3000);
  expect(hc != nullptr && hc[1] == 5 && zeroed(hc + 8, 2992 * sizeof(int)), "mi_heap_recalloc_tp(h, p, int, 3000)");
  // the v3 spelling of a thread-local heap
  mi_theap_t *th = mi_theap_get_default();
  void *tp = mi_theap_malloc(th, 24);
  expect(tp != nullptr && mi_heap_contains_block(mi_heap_get_default(), tp), "mi_theap_malloc");
  mi_free(tp);
  mi_heap_destroy(h);
}

int handler_calls = 0;
void counting_handler()
{
  handler_calls++;
  std::set_new_handler(nullptr); // the next failure throws
}

template <class F> bool throws_bad_alloc(F f)
{
  try {
    f();
  } catch (const std::bad_alloc &) {
    return true;
  }
  return false;
}

void new_functions()
{
  void *p = mi_new(100);
  expect(p != nullptr, "mi_new(100)");
  void *a = mi_new_aligned(100, 256);
  expect(a != nullptr && (reinterpret_cast<std::uintptr_t>(a) & 255) == 0, "mi_new_aligned(100, 256)");
  int *arr = static_cast<int *>(mi_new_n(10, sizeof(int)));
  expect(arr != nullptr && mi_usable_size(arr) >= 10 * sizeof(int), "mi_new_n(10, sizeof(int))");
  arr[9] = 9;
  arr = static_cast<int *>(mi_new_reallocn(arr, 100, sizeof(int)));
  expect(arr != nullptr && arr[9] == 9, "mi_new_reallocn");
  p = mi_new_realloc(p, 5000);
  expect(p != nullptr && mi_usable_size(p) >= 5000, "mi_new_realloc");
  expect(mi_new_nothrow(opaque(PTRDIFF_MAX)) == nullptr, "mi_new_nothrow(huge) gives nullptr");
  expect(mi_new_aligned_nothrow(opaque(PTRDIFF_MAX), 64) == nullptr, "mi_new_aligned_nothrow(huge) gives nullptr");
  expect(throws_bad_alloc([] { (void)mi_new(opaque(PTRDIFF_MAX)); }), "mi_new(huge) throws std::bad_alloc");
  expect(throws_bad_alloc([] { (void)mi_new_n(opaque(SIZE_MAX / 2), 4); }), "mi_new_n overflow throws std::bad_alloc");

  mi_heap_t *h = mi_heap_new();
  void *hp = mi_heap_alloc_new(h, 64);
  void *hn = mi_heap_alloc_new_n(h, 10, 8);
  expect(hp != nullptr && mi_heap_contains_block(h, hp), "mi_heap_alloc_new allocates from the heap");
  expect(hn != nullptr && mi_heap_contains_block(h, hn) && mi_usable_size(hn) >= 80, "mi_heap_alloc_new_n(h, 10, 8)");
  expect(throws_bad_alloc([h] { (void)mi_heap_alloc_new_n(h, opaque(SIZE_MAX / 4), 8); }),
         "mi_heap_alloc_new_n overflow throws std::bad_alloc");

  // the new-handler runs before the failure is final
  std::set_new_handler(counting_handler);
  expect(throws_bad_alloc([] { (void)mi_new(opaque(PTRDIFF_MAX)); }), "mi_new with a new-handler throws at last");
  expect(handler_calls == 1, "the new-handler ran once");
  std::set_new_handler(nullptr);

  mi_free(p);
  mi_free(a);
  mi_free(arr);
  mi_heap_destroy(h);
}

template <class T, class = void> struct is_complete : std::false_type {};
template <class T> struct is_complete<T, std::void_t<decltype(sizeof(T))>> : std::true_type {};

template <template <class> class Alloc> void stl_allocator(const char *name)
{
  if constexpr (is_complete<Alloc<int>>::value) {
    std::vector<int, Alloc<int>> v;
    for (int i = 0; i < 10000; i++) v.push_back(i);
    long sum = 0;
    for (int x : v) sum += x;
    char what[128];
    std::snprintf(what, sizeof(what), "std::vector with %s", name);
    expect(sum == 10000L * 9999 / 2 && mi_is_in_heap_region(v.data()), what);
  }
  else {
    std::printf("api_cxx: FAILED: mimalloc.h does not define %s (mimalloc v2's header does)\n", name);
    failures++;
  }
}

} // namespace

int main()
{
  typed_macros();
  new_functions();
  stl_allocator<mi_stl_allocator>("mi_stl_allocator");
  stl_allocator<mi_heap_stl_allocator>("mi_heap_stl_allocator");
  stl_allocator<mi_heap_destroy_stl_allocator>("mi_heap_destroy_stl_allocator");
  std::printf("api_cxx: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
