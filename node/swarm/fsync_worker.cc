#include "node/swarm/fsync_worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace hearth::swarm {
namespace {

bool FsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

FsyncWorker::FsyncWorker(std::function<void()> notify) : notify_(std::move(notify)), thread_([this] { Run(); }) {}

FsyncWorker::~FsyncWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void FsyncWorker::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(job));
  }
  cv_.notify_one();
}

std::vector<FsyncWorker::Job> FsyncWorker::TakeDone() {
  std::lock_guard lock(mu_);
  return std::exchange(done_, {});
}

void FsyncWorker::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, nothing left
      job = std::move(queued_.front());
      queued_.pop_front();
    }
    job.ok = FsyncPath(job.file, false) && FsyncPath(job.dir, true);
    {
      std::lock_guard lock(mu_);
      done_.push_back(std::move(job));
    }
    if (notify_) notify_();
  }
}

}  // namespace hearth::swarm
