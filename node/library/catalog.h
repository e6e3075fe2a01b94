// Catalog: this device's searchable index of the household's music, kept in
// the catalog_claims and catalog_search tables (schema/0002_library.sql).
//
// The ledger is the truth; Sync() makes the index match its live claims
// (opening each claim's sealed details with the content secret). A device
// without the content secret (storage) has an empty catalog.
//
// Borrows the Database; one thread.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "crypto/content_secret.h"
#include "node/library/track_record.h"
#include "node/store/database.h"

namespace hearth::library {

struct SyncStats {
  size_t added = 0;
  size_t removed = 0;
  size_t unreadable = 0;  // live claims whose details did not open
};

struct ListFilter {
  std::string album;   // case-insensitive substring; empty = any
  std::string artist;  // matches artist or album artist
};

// The order players list songs in (catalog_claims as c); catalog_song_order
// (schema 9) indexes it.
inline constexpr const char* kSongListOrder =
    " ORDER BY lower(CASE WHEN c.album_artist <> '' THEN c.album_artist ELSE c.artist END), "
    "lower(c.album), c.album_key, c.disc_no, c.track_no, lower(c.title)";

class Catalog {
 public:
  explicit Catalog(store::Database& db) : db_(&db) {}

  std::expected<SyncStats, store::StoreError> Sync(const LedgerState& state,
                                                   const crypto::ContentSecret* secret);

  // Lists the tracks of claims the ledger has just accepted (each made by
  // MakeRecord from its opened details), in one transaction, while the
  // catalog is being built from nothing: a joining device fills it as its
  // ledger arrives instead of after. Albums and artists wait for the next
  // Sync, which builds them whole (and drops any claim no longer live).
  // kExists when the catalog already has albums (use Sync); a claim listed
  // already fails the write, and nothing of `records` is kept.
  std::expected<void, store::StoreError> AddAccepted(const std::vector<TrackRecord>& records);

  // One record per track (the primary claim), sorted by album artist,
  // album, disc, track number and title.
  std::expected<std::vector<TrackRecord>, store::StoreError> List(const ListFilter& filter);
  // A page of that list (no filter): what players page through.
  std::expected<std::vector<TrackRecord>, store::StoreError> Songs(size_t offset, size_t limit);
  // The songs of one album (by album key), in list order.
  std::expected<std::vector<TrackRecord>, store::StoreError> AlbumSongs(const std::string& album_key);
  // Up to `limit` songs chosen at random, optionally of one genre and within
  // years [from, to].
  std::expected<std::vector<TrackRecord>, store::StoreError> RandomSongs(size_t limit,
                                                                         const std::optional<std::string>& genre,
                                                                         std::optional<int> from, std::optional<int> to);
  // A song whose cover is `digest` (any one), for reading the image from its blob.
  std::expected<std::optional<TrackRecord>, store::StoreError> SongWithCover(const crypto::Digest& digest);
  // Tracks matching every word of `query` as a prefix in title, artist,
  // album or genre. Among the first 250 matches, titles starting with the
  // query come first, then shorter titles. An empty query matches nothing.
  std::expected<std::vector<TrackRecord>, store::StoreError> Search(const std::string& query,
                                                                    size_t limit);
  // Tracks whose id (hex) starts with `prefix` (at least 4 hex digits).
  std::expected<std::vector<TrackRecord>, store::StoreError> FindTracks(const std::string& prefix);
  // Every claim of one track, primary first.
  std::expected<std::vector<TrackRecord>, store::StoreError> ClaimsOf(const TrackId& track);
  std::expected<std::optional<TrackRecord>, store::StoreError> PrimaryOf(const TrackId& track);
  std::expected<std::optional<TrackRecord>, store::StoreError> AnyClaimOfFile(const FileId& file);
  // The primary claim among those of `blob`, else any of them.
  std::expected<std::optional<TrackRecord>, store::StoreError> AnyClaimOfBlob(const BlobId& blob);
  std::expected<size_t, store::StoreError> TrackCount();

  // Every claim's ids, for building lookup tables in memory.
  struct ClaimIds {
    EntryId claim;
    TrackId track;
    FileId file;
    BlobId blob;
    uint64_t plaintext_length = 0;
    bool primary = false;
    FileId sealed_file;
  };
  std::expected<std::vector<ClaimIds>, store::StoreError> AllClaimIds();

 private:
  std::expected<std::vector<TrackRecord>, store::StoreError> Query(const std::string& where_and_order,
                                                                   const std::vector<std::string>& text_args,
                                                                   ByteSpan blob_arg = {});
  store::Database* db_;
};

}  // namespace hearth::library
