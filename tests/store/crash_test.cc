// Kill a writer at random points (SIGKILL) while it stores encrypted blobs
// and their ledger claims, many times over; afterwards there must be no
// half-written blob, no partial entry, and nothing written before is lost.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "crypto/blob_cipher.h"
#include "crypto/hash.h"
#include "node/store/live_claims.h"
#include "node/store/home.h"
#include "protocol/claim_details.h"
#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

// The child: store blobs of varied sizes and claim each one, forever.
[[noreturn]] void WriteForever(const std::string& dir, uint32_t seed) {
  auto home = Home::Open(dir);
  if (!home) _exit(2);
  std::mt19937 rng(seed);
  for (uint32_t i = 0;; ++i) {
    Bytes file(std::uniform_int_distribution<size_t>(0, 400000)(rng));
    for (auto& b : file) b = static_cast<uint8_t>(rng());
    FileId file_id{crypto::Blake2b256(file)};
    auto key = home->content_secret()->BlobKey(file_id.bytes);
    auto writer = home->blobs().Create();
    if (!writer) _exit(3);
    crypto::Blake2bStream blob_hash;
    crypto::BlobEncryptor enc(key, file.size(), [&](ByteSpan chunk) {
      blob_hash.Update(chunk);
      return writer->Write(chunk).has_value();
    });
    if (!enc.Write(file) || !enc.Finish()) _exit(4);
    BlobId blob{blob_hash.Finish()};
    if (!writer->Commit(blob)) _exit(5);
    ClaimDetails d;
    d.file = file_id;
    d.format = "test";
    TrackClaim claim{blob, file.size(),
                     SealClaimDetails(*home->content_secret(), home->household(), home->device_id(),
                                      blob, d)};
    if (!home->ledger().Author(home->device_key(), claim, i)) _exit(6);
  }
}

TEST(Crash, KillingTheWriterAtRandomPointsLosesAndCorruptsNothing) {
  hearth::testing::TempDir dir;
  ASSERT_TRUE(Home::Init(dir.path(), InitOptions{"Home", "pc"}));
  std::mt19937 rng(1234);
  size_t claims_before = 0;
  for (int round = 0; round < 15; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) WriteForever(dir.path(), static_cast<uint32_t>(round));
    ::usleep(std::uniform_int_distribution<useconds_t>(5000, 120000)(rng));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited by itself with " << WEXITSTATUS(status);

    auto home = Home::Open(dir.path());
    ASSERT_TRUE(home) << home.error().message;
    // No temp file survives opening; every stored blob is whole.
    EXPECT_TRUE(std::filesystem::is_empty(dir / "tmp"));
    auto blobs = home->blobs().List();
    ASSERT_TRUE(blobs);
    for (const BlobId& id : *blobs) {
      Bytes content = home->blobs().Read(id, 0, home->blobs().SizeOf(id).value()).value();
      ASSERT_EQ(crypto::Blake2b256(content), id.bytes) << "blob " << id.ShortHex() << " is partial";
    }
    // The ledger verifies, lost nothing, and every claim's blob is there and opens.
    auto report = VerifyStoredLedger(home->db(), home->household());
    ASSERT_TRUE(report);
    ASSERT_TRUE(report->ok()) << report->problems.front().message;
    const auto claims = AllLiveClaims(home->db()).value();
    EXPECT_GE(claims.size(), claims_before);
    claims_before = claims.size();
    for (const auto& c : claims) {
      const TrackClaim tc = LoadClaimBody(home->db(), c.entry).value().value();
      ASSERT_TRUE(home->blobs().Has(tc.blob));
      auto d = OpenClaimDetails(*home->content_secret(), home->household(), c.author, tc.blob,
                                tc.sealed_details);
      ASSERT_TRUE(d);
      Bytes blob = home->blobs().Read(tc.blob, 0, crypto::SealedLength(tc.plaintext_length)).value();
      auto plain = crypto::OpenBlob(home->content_secret()->BlobKey(d->file.bytes), blob);
      ASSERT_TRUE(plain);
      EXPECT_EQ(crypto::Blake2b256(*plain), d->file.bytes);
    }
  }
  EXPECT_GT(claims_before, 0u) << "the writer never got far enough to test anything";
}

}  // namespace
}  // namespace hearth::store
