// A MeshNode running on its own thread, for tests and benchmarks that need a
// node inside their process (to observe it, or to build a lying peer).
// Destroying it stops the node and joins the thread.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include "node/mesh/mesh_node.h"

namespace hearth::testing {

class ThreadedNode {
 public:
  ThreadedNode(const std::string& home_dir, mesh::MeshOptions options) : home_(OpenOrDie(home_dir)) {
    node_ = std::make_unique<mesh::MeshNode>(io_, home_, std::move(options));
    if (auto r = node_->Start(); !r) {
      std::fprintf(stderr, "cannot start a node on %s: %s\n", home_dir.c_str(), r.error().message.c_str());
      std::abort();
    }
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ThreadedNode() {
    boost::asio::post(io_, [this] {
      node_->Stop();
      io_.stop();
    });
    thread_.join();
  }
  ThreadedNode(const ThreadedNode&) = delete;
  ThreadedNode& operator=(const ThreadedNode&) = delete;

  // Runs `fn(node)` on the node's thread and returns its result.
  template <typename Fn>
  auto Call(Fn fn) {
    std::promise<decltype(fn(*node_))> p;
    boost::asio::post(io_, [&] { p.set_value(fn(*node_)); });
    return p.get_future().get();
  }
  std::string address() { return "127.0.0.1:" + std::to_string(Call([](auto& n) { return n.control_port(); })); }
  store::Home& home() { return home_; }
  mesh::MeshNode& node() { return *node_; }
  boost::asio::io_context& io() { return io_; }

 private:
  static store::Home OpenOrDie(const std::string& dir) {
    auto h = store::Home::Open(dir);
    if (!h) {
      std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(), h.error().message.c_str());
      std::abort();
    }
    return std::move(*h);
  }
  boost::asio::io_context io_;
  store::Home home_;
  std::unique_ptr<mesh::MeshNode> node_;
  std::thread thread_;
};

}  // namespace hearth::testing
