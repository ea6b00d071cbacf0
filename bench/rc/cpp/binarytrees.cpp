// SPDX-License-Identifier: MIT
// binarytrees.cpp -- C++ reference for bench/rc/binarytrees: 8 tasks per depth on a thread pool, each tree in a bump pool reset per iteration.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

struct Node { Node* l; Node* r; };

// A bump allocator over 1 MiB chunks; reset() keeps the chunks for the next tree.
class Pool {
 public:
  ~Pool() { for (char* c : chunks_) std::free(c); }
  Node* make_node(Node* l, Node* r) {
    if (cur_ == end_) next_chunk();
    Node* n = cur_++;
    n->l = l; n->r = r;
    return n;
  }
  void reset() { used_ = 0; cur_ = end_ = nullptr; }
 private:
  static const size_t kNodes = (1u << 20) / sizeof(Node);
  void next_chunk() {
    if (used_ == chunks_.size()) {
      char* c = static_cast<char*>(std::malloc(kNodes * sizeof(Node)));
      if (c == nullptr) std::abort();
      chunks_.push_back(c);
    }
    cur_ = reinterpret_cast<Node*>(chunks_[used_++]);
    end_ = cur_ + kNodes;
  }
  std::vector<char*> chunks_;
  size_t used_ = 0;
  Node* cur_ = nullptr;
  Node* end_ = nullptr;
};

static Node* make(Pool& p, int d) {
  if (d == 0) return p.make_node(nullptr, nullptr);
  Node* l = make(p, d - 1);
  return p.make_node(l, make(p, d - 1));
}

static long check(const Node* t) {
  long n = 0;
  while (t != nullptr) { n += 1 + check(t->l); t = t->r; }
  return n;
}

struct Work { int depth; long iterations; long sum; };

int main(int argc, char** argv) {
  const int min_depth = 4, tasks_per_depth = 8;
  int max_depth = (argc > 1 ? std::atoi(argv[1]) : 21);
  if (max_depth < min_depth + 2) max_depth = min_depth + 2;
  {
    Pool p;
    std::printf("stretch tree of depth %d\t check: %ld\n", max_depth + 1, check(make(p, max_depth + 1)));
  }
  Pool long_pool;
  Node* long_lived = make(long_pool, max_depth);

  std::vector<Work> items;
  for (int d = min_depth; d <= max_depth; d += 2) {
    long iterations = 1L << (max_depth - d + min_depth);
    for (int k = 0; k < tasks_per_depth; k++)
      items.push_back(Work{ d, iterations / tasks_per_depth + (k < iterations % tasks_per_depth ? 1 : 0), 0 });
  }
  std::atomic<size_t> next(0);
  unsigned nth = std::thread::hardware_concurrency();
  if (nth == 0) nth = 1;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < nth; t++) {
    threads.emplace_back([&]() {
      Pool p;   // one pool per thread, reset for every tree
      for (size_t i; (i = next.fetch_add(1)) < items.size(); ) {
        long sum = 0;
        for (long k = 0; k < items[i].iterations; k++) {
          sum += check(make(p, items[i].depth));
          p.reset();
        }
        items[i].sum = sum;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t j = 0; j < items.size(); j += tasks_per_depth) {
    long sum = 0;
    for (int k = 0; k < tasks_per_depth; k++) sum += items[j + k].sum;
    std::printf("%ld\t trees of depth %d\t check: %ld\n", 1L << (max_depth - items[j].depth + min_depth), items[j].depth, sum);
  }
  std::printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
  return 0;
}
