#include "node/mesh/blob_repair.h"

#include "node/store/mesh_tables.h"

namespace hearth::mesh {

BlobRepair::~BlobRepair() { Stop(); }

void BlobRepair::Start() {
  if (!ctx_.options.scrub.enabled) return;
  scrubber_ = std::make_unique<Scrubber>(
      ctx_.home.blobs(), ctx_.options.scrub,
      [this, alive = std::weak_ptr<bool>(ctx_.alive)](const BlobId& blob, const std::string& why) {
        // The scrubber's thread: hop onto the node's.
        asio::post(ctx_.io, [this, alive, blob, why] {
          auto a = alive.lock();
          if (a && *a && !ctx_.stopping) Damaged(blob, why);
        });
      });
  scrubber_->Start();
}

void BlobRepair::Stop() {
  if (scrubber_) scrubber_->Stop();
}

void BlobRepair::CheckNow(const BlobId& blob) {
  if (scrubber_) scrubber_->CheckNow(blob);
}

void BlobRepair::Damaged(const BlobId& blob, const std::string& why) {
  store::BlobStore& blobs = ctx_.home.blobs();
  if (!blobs.Has(blob)) return;  // dropped or quarantined meanwhile
  if (swarm::BlobTransfer* t = fetcher_.transfer()) t->Remove(blob);  // seeds no more of it
  if (auto q = blobs.Quarantine(blob); !q)
    return ctx_.Log("blob " + blob.ShortHex() + " failed verification (" + why + ") but cannot be set aside: " +
                    q.error().message);
  have_.Forget(blob);
  have_.SendSetToAll();  // the others stop counting this copy
  if (auto w = store::AddWanted(ctx_.home.db(), blob, store::WantedReason::kRepair, ctx_.Now()); !w)
    ctx_.Log("cannot record blob " + blob.ShortHex() + " as wanted again: " + w.error().message);
  ctx_.Log("blob " + blob.ShortHex() + " failed verification (" + why +
           "): set aside in quarantine, fetching it again from another holder");
  fetcher_.DriveSoon();
}

void BlobRepair::Arrived(const BlobId& blob) {
  store::BlobStore& blobs = ctx_.home.blobs();
  if (!blobs.Quarantined(blob)) return;
  if (auto r = blobs.RemoveQuarantined(blob); !r)
    return ctx_.Log("cannot delete the quarantined copy of blob " + blob.ShortHex() + ": " + r.error().message);
  ctx_.Log("blob " + blob.ShortHex() + " is whole here again (every piece verified); its damaged copy is deleted");
}

}  // namespace hearth::mesh
