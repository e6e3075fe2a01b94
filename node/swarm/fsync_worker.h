// FsyncWorker: makes fetched blobs durable -- fsync of the file, then of its
// directory -- on a thread of its own, so the mesh's thread never waits on
// the disk (200 fetched blobs cost ~1-2 s of fsyncs, during which no new
// fetch could start).
//
// Thread-safe: Submit() and TakeDone() may be called from any thread.
// `notify` runs on the worker's thread after each job. The destructor
// finishes the jobs already queued, then joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/ids.h"

namespace hearth::swarm {

class FsyncWorker {
 public:
  struct Job {
    BlobId blob;
    std::string file;         // fsynced first
    std::string dir;          // then the directory that names it
    uint64_t downloaded = 0;  // carried through for the caller
    bool ok = false;          // set by the worker
  };

  explicit FsyncWorker(std::function<void()> notify);
  ~FsyncWorker();
  FsyncWorker(const FsyncWorker&) = delete;
  FsyncWorker& operator=(const FsyncWorker&) = delete;

  void Submit(Job job);
  // Jobs finished since the last call, in the order they were submitted.
  std::vector<Job> TakeDone();

 private:
  void Run();

  std::function<void()> notify_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queued_;
  std::vector<Job> done_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace hearth::swarm
