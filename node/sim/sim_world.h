// SimWorld: the simulated household's world -- its devices, the sessions
// and transfers between them, and the checks (see household.h for what is
// checked). Faults are injected from outside (sim_faults.h) through the
// public operations below. One thread; everything runs from its event queue.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "node/sim/event_queue.h"
#include "node/sim/household.h"
#include "node/sim/sim_device.h"

namespace hearth::sim {

class SimWorld final : public SimNetwork {
 public:
  explicit SimWorld(const SimOptions& options);
  SimReport Run();

  // --- SimNetwork -----------------------------------------------------------
  int64_t now() const override { return queue_.now(); }
  void After(int64_t delay_us, std::function<void()> fn) override { queue_.After(delay_us, std::move(fn)); }
  void Send(int from, int to, Message m) override;
  bool StartFetch(int to, int source, const BlobId& blob) override;
  void Trace(int device, const std::string& line) override;
  void WillDrop(int device, const BlobId& blob, bool short_of_room) override;
  void WillSendTo(int device, int to) override;
  void Close(int a, int b) override;

  // --- what faults do -------------------------------------------------------
  SimDevice& device(int i) { return *devices_[i]; }
  int size() const { return static_cast<int>(devices_.size()); }
  // Devices that are (or may come back as) household members: not revoked,
  // not gone for good, booted at least once.
  bool InHousehold(int i) const;
  bool Booted(int i) const { return booted_[i]; }  // false: reserved to join later
  void Down(int i);  // stops (a laptop leaves, a crash): sessions end
  void Up(int i);
  void Partition(const std::set<int>& side);  // cut from everyone else
  void HealNetwork();
  // Fills the disk with other files up to just above the free-space floor,
  // or gives that space back.
  void FillDisk(int i);
  void FreeDisk(int i);
  // Whether every blob `i` holds has a verified copy on another device in
  // the household (so losing `i` loses nothing).
  bool SafeToLose(int i) const;
  void LeaveForGood(int i);
  void Revoke(int i);  // written by the founder
  void Join(int i);    // a reserved device is added by the founder and boots
  // `i` imports `count` new tracks (claims them and holds them).
  void ImportTracks(int i, int count);
  // The founder sets copies (and perhaps a capacity for a device).
  void SetPolicy(uint8_t copies, bool capacity);
  void Note(const std::string& line) { Trace(-1, line); }
  SimRandom& random() { return random_; }
  const std::map<BlobId, uint64_t>& library() const { return sealed_sizes_; }

  // Every member's placement is the same and every assigned device holds
  // its blobs; nothing is being fetched.
  bool Settled() const;

 private:
  struct Link {
    bool up = false;
    uint64_t epoch = 0;
    int64_t last_delivery[2] = {0, 0};  // per direction: sessions stay in order
    int64_t bytes_per_s = 0;
  };
  void Setup();
  Link& LinkOf(int a, int b);
  bool CanReach(int a, int b) const;
  void DialLoop();
  void Fail(const std::string& what);
  void CheckHealed();
  void RunLeave();
  void RunJoin();
  int founder() const { return 0; }

  SimOptions options_;
  SimRandom random_;
  SimRandom net_random_;
  EventQueue queue_;
  SimReport report_;
  std::vector<std::unique_ptr<SimDevice>> devices_;
  std::vector<bool> booted_;
  std::vector<int> side_;  // partition side per device
  std::set<int> gone_;     // left for good
  std::set<int> revoked_;
  std::map<std::pair<int, int>, Link> links_;
  std::map<BlobId, uint64_t> sealed_sizes_;
  std::deque<std::string> trace_;
  bool frozen_trace_ = false;
};

}  // namespace hearth::sim
