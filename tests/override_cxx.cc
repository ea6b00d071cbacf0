// SPDX-License-Identifier: MIT
// override_cxx.cc -- C++ new/delete workload for override.sh; prints a checksum ("where" prints symbol owners).
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

struct alignas(64) Line {
  unsigned char bytes[64];
};

struct alignas(256) Wide {
  double v[40];
};

struct Node {
  Node *next;
  std::uint64_t value;
};

std::uint64_t mix(std::uint64_t h, std::uint64_t x)
{
  h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

int failures = 0;

void expect(bool ok, const char *what)
{
  if (!ok) {
    std::fprintf(stderr, "override_cxx: %s\n", what);
    ++failures;
  }
}

bool aligned(const void *p, std::size_t a) { return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0; }

// Scalar new/delete: a linked list of 200000 nodes.
std::uint64_t scalar_objects()
{
  Node *head = nullptr;
  for (std::uint64_t i = 0; i < 200000; i++) head = new Node{head, i * 3};
  std::uint64_t h = 0;
  while (head != nullptr) {
    Node *n = head->next;
    h = mix(h, head->value);
    delete head;
    head = n;
  }
  return h;
}

// new[]/delete[] of many sizes, up to 4 MiB.
std::uint64_t arrays()
{
  std::uint64_t h = 0;
  for (std::size_t n = 1; n <= (1u << 20); n = n * 3 + 1) {
    int *a = new int[n];
    for (std::size_t i = 0; i < n; i++) a[i] = static_cast<int>(i ^ n);
    int *b = new int[n / 2 + 1]();
    for (std::size_t i = 0; i <= n / 2; i++) expect(b[i] == 0, "new int[]() not zeroed");
    h = mix(h, static_cast<std::uint64_t>(a[n - 1]) + n);
    delete[] a;
    delete[] b;
  }
  return h;
}

// Over-aligned types, explicit aligned operator new, sized delete, nothrow.
std::uint64_t aligned_and_sized()
{
  std::uint64_t h = 0;
  std::vector<Line *> lines;
  for (int i = 0; i < 5000; i++) {
    Line *l = new Line;
    expect(aligned(l, 64), "new Line not 64-byte aligned");
    std::memset(l->bytes, i & 0xFF, sizeof(l->bytes));
    lines.push_back(l);
  }
  for (Line *l : lines) {
    h = mix(h, l->bytes[63]);
    delete l;
  }
  Wide *w = new Wide[33];
  expect(aligned(w, 256), "new Wide[] not 256-byte aligned");
  w[32].v[39] = 1.5;
  h = mix(h, static_cast<std::uint64_t>(w[32].v[39] * 2));
  delete[] w;
  for (std::size_t a = 16; a <= (1u << 16); a *= 4) {
    void *p = ::operator new(1000, std::align_val_t(a));
    expect(aligned(p, a), "operator new(align_val_t) misaligned");
    std::memset(p, 1, 1000);
    ::operator delete(p, 1000, std::align_val_t(a));
    void *q = ::operator new[](3000, std::align_val_t(a), std::nothrow);
    expect(q != nullptr && aligned(q, a), "operator new[](align, nothrow) failed");
    ::operator delete[](q, std::align_val_t(a));
  }
  for (std::size_t n = 8; n <= (1u << 22); n *= 8) {
    void *p = ::operator new(n);
    std::memset(p, 2, n);
    ::operator delete(p, n);  // sized delete
    char *c = new (std::nothrow) char[n];
    expect(c != nullptr, "nothrow new failed");
    c[n - 1] = 3;
    delete[] c;
  }
  // an impossible size: the nothrow forms give nullptr, the others throw
  volatile std::size_t huge = static_cast<std::size_t>(PTRDIFF_MAX) + 1;
  expect(::operator new(huge, std::nothrow) == nullptr, "nothrow new of an impossible size returned a block");
  expect(::operator new[](huge, std::align_val_t(64), std::nothrow) == nullptr,
         "aligned nothrow new[] of an impossible size returned a block");
  int thrown = 0;
  try {
    ::operator delete(::operator new(huge));
  } catch (const std::bad_alloc &) {
    thrown++;
  }
  try {
    ::operator delete(::operator new(huge, std::align_val_t(4096)), std::align_val_t(4096));
  } catch (const std::bad_alloc &) {
    thrown++;
  }
  expect(thrown == 2, "operator new of an impossible size did not throw std::bad_alloc");
  return h;
}

// Standard containers: strings, vectors, a map.
std::uint64_t containers()
{
  std::map<std::string, std::vector<int>> m;
  for (int i = 0; i < 50000; i++) {
    std::string key = "key-" + std::to_string(i * 7919 % 50000) + std::string(static_cast<std::size_t>(i % 40), 'x');
    m[key].push_back(i);
    m[key].resize(static_cast<std::size_t>(i % 17) + 1, i);
  }
  std::uint64_t h = 0;
  for (const auto &kv : m) h = mix(h, kv.first.size() * 31 + kv.second.size() + static_cast<std::uint64_t>(kv.second[0]));
  std::string big;
  for (int i = 0; i < 200000; i++) big += static_cast<char>('a' + i % 26);
  h = mix(h, big.size() + static_cast<unsigned char>(big[123456]));
  return h;
}

// Objects created on worker threads and destroyed on the main thread.
std::uint64_t cross_thread()
{
  std::mutex lock;
  std::vector<std::unique_ptr<std::vector<std::uint64_t>>> made;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([t, &lock, &made] {
      for (int i = 0; i < 2000; i++) {
        auto v = std::make_unique<std::vector<std::uint64_t>>(static_cast<std::size_t>(i % 300) + 1,
                                                               static_cast<std::uint64_t>(t * 100000 + i));
        std::lock_guard<std::mutex> g(lock);
        made.push_back(std::move(v));
      }
    });
  }
  for (auto &th : threads) th.join();
  std::uint64_t sum = 0;
  for (const auto &v : made) sum += v->size() + v->back();
  made.clear();  // deleted by this thread
  return sum;
}

// Prints, for each allocation symbol, the object that defines the
// definition the program uses, so override.sh can check the preload.
int where()
{
  static const char *const names[] = {
    "malloc", "free", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign", "valloc",
    "pvalloc", "malloc_usable_size", "reallocarray", "strdup", "strndup",
    "_Znwm", "_Znam", "_ZdlPv", "_ZdaPv", "_ZdlPvm", "_ZdaPvm", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
    "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t", "_ZdlPvSt11align_val_t", "_ZdaPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t", "_ZnwmSt11align_val_tRKSt9nothrow_t",
  };
  for (const char *name : names) {
    void *sym = dlsym(RTLD_DEFAULT, name);
    Dl_info info;
    const char *file = "-";
    if (sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr) file = info.dli_fname;
    std::printf("%s %s\n", name, file);
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv)
{
  if (argc > 1 && std::strcmp(argv[1], "where") == 0) return where();
  std::uint64_t h = 0;
  for (int round = 0; round < 3; round++) {
    h = mix(h, scalar_objects());
    h = mix(h, arrays());
    h = mix(h, aligned_and_sized());
    h = mix(h, containers());
    h = mix(h, cross_thread());
  }
  std::printf("checksum %016llx\n", static_cast<unsigned long long>(h));
  if (failures != 0) {
    std::printf("%d failures\n", failures);
    return 1;
  }
  return 0;
}
