// The importer's parts (importer.h): what the household already has, shared
// by the workers and the committer, and the workers' part of each file --
// read, hash, probe, tag, seal (or record the original in place) -- which
// decides the file's outcome before the committer writes it. Internal to
// node/library.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "node/library/audio_probe.h"
#include "node/library/dir_walker.h"
#include "node/library/importer.h"
#include "node/library/tag_reader.h"
#include "node/store/home.h"

namespace hearth::library {

// What the household already has, shared between workers and the committer.
struct Known {
  struct Track {
    EntryId claim;
    BlobId blob;
    uint64_t length = 0;
    FileId sealed_file;  // whose key seals the blob
  };
  struct File {
    EntryId claim;
    BlobId blob;
    FileId sealed_file;
  };
  std::mutex mu;
  std::unordered_map<FileId, File, Id32Hash> files;
  std::unordered_map<TrackId, Track, Id32Hash> tracks;
  std::unordered_set<BlobId, Id32Hash> blobs;  // every blob a known claim uses
};

struct Result {
  size_t index = 0;  // position in walk order; results are committed in this order
  FoundFile file;
  Outcome outcome = Outcome::kFailed;
  std::string detail;
  FileId file_id;
  AudioInfo audio;
  TagList tags;
  std::optional<crypto::Digest> cover;
  BlobId blob;
  Bytes torrent;  // for a newly sealed blob
  uint64_t length = 0;
  FileId sealed_file;
  std::optional<EntryId> related;  // duplicate of / matched to
  std::optional<EntryId> replaces;  // a new version of the file at this path: the claim it replaces
  bool kept_in_place = false;       // a duplicate that is now the blob's original here
};

// The worker's part for one file: everything but writing the ledger and
// database. `previous_claim`: the claim this path's file was recorded under
// by an earlier import, if any. Thread-safe for distinct files (`known`
// under its mutex).
Result Process(const FoundFile& file, const std::optional<EntryId>& previous_claim, const ImportOptions& options,
               store::Home& home, Known& known);

}  // namespace hearth::library
