#include "node/library/catalog.h"

#include "node/library/catalog_views.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <set>
#include <unordered_set>

#include "protocol/ledger_entry.h"

namespace hearth::library {
namespace {

using store::StoreError;

constexpr const char* kColumns =
    "c.claim_id, c.track_id, c.file_id, c.blob_id, c.plaintext_length, c.author, c.claimed_us, "
    "c.format, c.codec, c.bitrate, c.sample_rate, c.channels, c.duration_ms, c.title, c.artist, "
    "c.album_artist, c.album, c.album_key, c.track_no, c.track_total, c.disc_no, c.disc_total, "
    "c.year, c.genre, c.cover, c.source_path, c.matched, c.tags_json";
constexpr const char* kListOrder = kSongListOrder;

template <typename Id>
Id IdFrom(const Bytes& b) {
  Id id;
  if (b.size() == 32) std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

TagList TagsFromJson(const std::string& text) {
  TagList tags;
  for (const auto& kv : nlohmann::json::parse(text, nullptr, false)) {
    if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string())
      tags.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  }
  return tags;
}

TrackRecord ReadTrackRow(const store::Statement& st) {
  TrackRecord r;
  r.claim = IdFrom<EntryId>(st.Blob(0));
  r.track = IdFrom<TrackId>(st.Blob(1));
  r.file = IdFrom<FileId>(st.Blob(2));
  r.blob = IdFrom<BlobId>(st.Blob(3));
  r.plaintext_length = static_cast<uint64_t>(st.Int(4));
  r.author = IdFrom<DeviceId>(st.Blob(5));
  r.claimed_us = st.Int(6);
  r.format = st.Text(7).value_or("");
  r.codec = st.Text(8).value_or("");
  r.bitrate = st.Int(9);
  r.sample_rate = static_cast<int>(st.Int(10));
  r.channels = static_cast<int>(st.Int(11));
  r.duration_ms = static_cast<uint64_t>(st.Int(12));
  r.title = st.Text(13).value_or("");
  r.artist = st.Text(14).value_or("");
  r.album_artist = st.Text(15).value_or("");
  r.album = st.Text(16).value_or("");
  r.album_key = st.Text(17).value_or("");
  r.track_no = static_cast<int>(st.Int(18));
  r.track_total = static_cast<int>(st.Int(19));
  r.disc_no = static_cast<int>(st.Int(20));
  r.disc_total = static_cast<int>(st.Int(21));
  r.year = static_cast<int>(st.Int(22));
  r.genre = st.Text(23).value_or("");
  Bytes cover = st.Blob(24);
  if (cover.size() == 32) {
    crypto::Digest d;
    std::copy(cover.begin(), cover.end(), d.begin());
    r.cover = d;
  }
  r.source_path = st.Text(25).value_or("");
  r.matched = st.Int(26) != 0;
  r.tags = TagsFromJson(st.Text(27).value_or("[]"));
  r.sealed_file = SealedFileOf(r.file, r.tags);
  return r;
}

// The two statements that add a record, prepared once per sync.
struct Inserter {
  std::expected<store::Statement, StoreError> row, fts, known;
  explicit Inserter(store::Database& db)
      : row(db.Prepare(
            "INSERT INTO catalog_claims (claim_id, track_id, file_id, blob_id, plaintext_length, author, "
            "claimed_us, format, codec, bitrate, sample_rate, channels, duration_ms, title, artist, "
            "album_artist, album, album_key, track_no, track_total, disc_no, disc_total, year, genre, "
            "cover, source_path, matched, tags_json, is_primary) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
        fts(db.Prepare("INSERT INTO catalog_search (rowid, title, artist, album, genre) VALUES (?,?,?,?,?)")),
        known(db.Prepare("SELECT 1 FROM catalog_claims WHERE track_id = ? LIMIT 1")) {}
};

// Inserts `r`. The first claim of its track is its primary at once
// (returns true); a further one goes in as not primary (returns false),
// for the caller to decide which of them is.
std::expected<bool, StoreError> Insert(store::Database& db, Inserter& ins, const TrackRecord& r) {
  if (!ins.row) return std::unexpected(ins.row.error());
  if (!ins.fts) return std::unexpected(ins.fts.error());
  if (!ins.known) return std::unexpected(ins.known.error());
  ins.known->Reset();
  ins.known->Bind(1, r.track.span());
  auto known = ins.known->Step();
  ins.known->Reset();
  if (!known) return std::unexpected(known.error());
  const bool first = !*known;
  store::Statement* st = &*ins.row;
  st->Reset();
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& [k, v] : r.tags) tags.push_back({k, v});
  st->Bind(1, r.claim.span()).Bind(2, r.track.span()).Bind(3, r.file.span()).Bind(4, r.blob.span());
  st->Bind(5, static_cast<int64_t>(r.plaintext_length)).Bind(6, r.author.span()).Bind(7, r.claimed_us);
  st->Bind(8, r.format).Bind(9, r.codec).Bind(10, r.bitrate).Bind(11, int64_t{r.sample_rate});
  st->Bind(12, int64_t{r.channels}).Bind(13, static_cast<int64_t>(r.duration_ms)).Bind(14, r.title);
  st->Bind(15, r.artist).Bind(16, r.album_artist).Bind(17, r.album).Bind(18, r.album_key);
  st->Bind(19, int64_t{r.track_no}).Bind(20, int64_t{r.track_total}).Bind(21, int64_t{r.disc_no});
  st->Bind(22, int64_t{r.disc_total}).Bind(23, int64_t{r.year}).Bind(24, r.genre);
  if (r.cover) {
    st->Bind(25, ByteSpan(*r.cover));
  } else {
    st->BindNull(25);
  }
  st->Bind(26, r.source_path).Bind(27, int64_t{r.matched ? 1 : 0}).Bind(28, tags.dump()).Bind(29, int64_t{first});
  auto ok = st->Run();
  st->Reset();
  if (!ok) return std::unexpected(ok.error());
  int64_t rowid = sqlite3_last_insert_rowid(db.raw());
  store::Statement* fts = &*ins.fts;
  fts->Reset();
  fts->Bind(1, rowid).Bind(2, r.title).Bind(3, r.artist + " " + r.album_artist).Bind(4, r.album).Bind(5, r.genre);
  auto done = fts->Run();
  fts->Reset();
  if (!done) return std::unexpected(done.error());
  return first;
}

// One primary claim for `track`: an original before matched copies, then
// the earliest.
std::expected<void, StoreError> RedecidePrimary(store::Database& db, ByteSpan track) {
  auto primary = db.PrepareCached(
      "UPDATE catalog_claims SET is_primary = (rowid = (SELECT c2.rowid FROM catalog_claims c2 "
      "WHERE c2.track_id = ?1 ORDER BY c2.matched, c2.claimed_us, c2.claim_id LIMIT 1)) "
      "WHERE track_id = ?1");
  if (!primary) return std::unexpected(primary.error());
  (*primary)->Bind(1, track);
  return (*primary)->Run();
}

}  // namespace

std::expected<void, StoreError> Catalog::AddAccepted(const std::vector<TrackRecord>& records) {
  if (records.empty()) return {};
  return db_->Transaction([&]() -> std::expected<void, StoreError> {
    auto albums = db_->PrepareCached("SELECT EXISTS (SELECT 1 FROM catalog_albums)");
    if (!albums) return std::unexpected(albums.error());
    auto has = (*albums)->Step();
    if (!has) return std::unexpected(has.error());
    const bool built = (*albums)->Int(0) != 0;
    (*albums)->Reset();
    if (built)
      return std::unexpected(StoreError{store::StoreErrc::kExists, "the catalog has albums already: sync it instead"});
    Inserter inserter(*db_);
    for (const TrackRecord& r : records) {
      auto first = Insert(*db_, inserter, r);
      if (!first) return std::unexpected(first.error());
      // A second claim of a track (a copy matched on another device) may
      // be the one to list: the arrival order is not the rule's order.
      if (!*first)
        if (auto p = RedecidePrimary(*db_, r.track.span()); !p) return p;
    }
    return {};
  });
}

// More albums touched than this and Sync rebuilds the views whole.
constexpr size_t kRefreshAllAbove = 5000;

std::expected<SyncStats, StoreError> Catalog::Sync(const LedgerState& state,
                                                   const crypto::ContentSecret* secret) {
  SyncStats stats;
  return db_->Transaction([&]() -> std::expected<SyncStats, StoreError> {
    // Rows whose claim is no longer live (ledger_claims, kept by the
    // ledger's index in this database), gathered first: deleting while
    // reading the same table is not safe.
    std::vector<EntryId> gone;
    {
      auto st = db_->Prepare(
          "SELECT k.claim_id FROM catalog_claims k WHERE NOT EXISTS (SELECT 1 FROM ledger_claims c "
          "WHERE c.entry = k.claim_id AND c.effective = 1 AND c.released = 0)");
      if (!st) return std::unexpected(st.error());
      auto done = st->ForEach([&](const store::Statement& row) { gone.push_back(IdFrom<EntryId>(row.Blob(0))); });
      if (!done) return std::unexpected(done.error());
    }
    std::set<Bytes> touched_tracks;
    std::set<std::string> touched_albums;
    bool whole = false;
    for (const EntryId& id : gone) {
      auto st = db_->Prepare(
          "DELETE FROM catalog_search WHERE rowid = (SELECT rowid FROM catalog_claims WHERE claim_id = ?1);");
      if (!st) return std::unexpected(st.error());
      st->Bind(1, id.span());
      if (auto r = st->Run(); !r) return std::unexpected(r.error());
      auto del = db_->Prepare("DELETE FROM catalog_claims WHERE claim_id = ? RETURNING track_id, album_key");
      if (!del) return std::unexpected(del.error());
      del->Bind(1, id.span());
      auto row = del->Step();
      if (!row) return std::unexpected(row.error());
      if (*row) {
        touched_tracks.insert(del->Blob(0));
        touched_albums.insert(del->Text(1).value_or(""));
      }
      (void)del->Run();
      ++stats.removed;
    }
    if (secret) {
      // Live claims the catalog lacks, a page at a time in entry order (a
      // claim whose details do not open is passed over, not met again).
      auto page = db_->Prepare(
          "SELECT c.entry, a.device, c.time_us, e.bytes FROM ledger_claims c "
          "JOIN ledger_authors a ON a.idx = c.author JOIN ledger_entries e ON e.arrival = c.arrival "
          "WHERE c.effective = 1 AND c.released = 0 AND c.entry > ?1 AND NOT EXISTS "
          "(SELECT 1 FROM catalog_claims k WHERE k.claim_id = c.entry) ORDER BY c.entry LIMIT 256");
      if (!page) return std::unexpected(page.error());
      EntryId after{};
      Inserter inserter(*db_);
      for (;;) {
        struct Missing {
          store::LiveClaim claim;
          Bytes sealed;
        };
        std::vector<Missing> batch;
        page->Reset();
        page->Bind(1, after.span());
        auto read = page->ForEach([&](const store::Statement& row) {
          auto entry = DecodeEntry(row.Blob(3));
          Missing m;
          m.claim.entry = IdFrom<EntryId>(row.Blob(0));
          m.claim.author = IdFrom<DeviceId>(row.Blob(1));
          m.claim.time_us = row.Int(2);
          if (entry) {
            const auto& tc = std::get<TrackClaim>(entry->entry.body);
            m.claim.blob = tc.blob;
            m.claim.plaintext_length = tc.plaintext_length;
            m.sealed = tc.sealed_details;
          }
          batch.push_back(std::move(m));
        });
        if (!read) return std::unexpected(read.error());
        if (batch.empty()) break;
        after = batch.back().claim.entry;
        for (const Missing& m : batch) {
          auto details = OpenClaimDetails(*secret, state.household, m.claim.author, m.claim.blob, m.sealed);
          if (!details) {
            ++stats.unreadable;
            continue;
          }
          TrackRecord r = MakeRecord(m.claim, *details);
          auto first = Insert(*db_, inserter, r);
          if (!first) return std::unexpected(first.error());
          // A track's first claim is its primary: only its album changes.
          // Another claim of a known track re-decides the primary. Past
          // kRefreshAllAbove everything is recomputed: stop collecting.
          if (*first) {
            if (touched_albums.size() <= kRefreshAllAbove) touched_albums.insert(r.album_key);
          } else if (!whole) {
            touched_tracks.insert(Bytes(r.track.bytes.begin(), r.track.bytes.end()));
          }
          whole = whole || touched_tracks.size() > kRefreshAllAbove;
          ++stats.added;
        }
      }
    }
    // One primary claim per touched track (every track after a large
    // change, such as a device joining): an original before matched copies,
    // then the earliest.
    if (whole) {
      auto all = db_->Exec(
          "UPDATE catalog_claims SET is_primary = (rowid = (SELECT c2.rowid FROM catalog_claims c2 "
          "WHERE c2.track_id = catalog_claims.track_id ORDER BY c2.matched, c2.claimed_us, c2.claim_id LIMIT 1))");
      if (!all) return std::unexpected(all.error());
      touched_tracks.clear();
    }
    auto keys = db_->Prepare("SELECT DISTINCT album_key FROM catalog_claims WHERE track_id = ?");
    if (!keys) return std::unexpected(keys.error());
    for (const Bytes& t : touched_tracks) {
      if (auto r = RedecidePrimary(*db_, t); !r) return std::unexpected(r.error());
      // Albums, artists and genres follow the tracks that changed; a large
      // change (a device joining) rebuilds them whole instead.
      if (touched_albums.size() > kRefreshAllAbove) continue;
      keys->Reset();
      keys->Bind(1, t);
      auto read = keys->ForEach([&](const store::Statement& row) { touched_albums.insert(row.Text(0).value_or("")); });
      if (!read) return std::unexpected(read.error());
    }
    auto views = db_->Prepare(
        "SELECT NOT EXISTS (SELECT 1 FROM catalog_albums) AND EXISTS (SELECT 1 FROM catalog_claims WHERE is_primary = 1)");
    if (!views) return std::unexpected(views.error());
    auto missing = views->Step();
    if (!missing) return std::unexpected(missing.error());
    const bool rebuild = whole || views->Int(0) != 0 || touched_albums.size() > kRefreshAllAbove;
    views->Reset();
    if (auto r = rebuild ? RefreshAllAlbums(*db_) : RefreshAlbums(*db_, touched_albums); !r)
      return std::unexpected(r.error());
    return stats;
  });
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::Query(
    const std::string& where_and_order, const std::vector<std::string>& text_args, ByteSpan blob_arg) {
  // Prepared afresh: callers embed limits and offsets that vary, which
  // would only churn the connection's statement cache.
  auto st = db_->Prepare(std::string("SELECT ") + kColumns + " FROM catalog_claims c " + where_and_order);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  for (const auto& a : text_args) st->Bind(i++, a);
  if (!blob_arg.empty()) st->Bind(i++, blob_arg);
  std::vector<TrackRecord> out;
  auto done = st->ForEach([&](const store::Statement& row) { out.push_back(ReadTrackRow(row)); });
  if (!done) return std::unexpected(done.error());
  return out;
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::List(const ListFilter& filter) {
  std::string where = "WHERE c.is_primary = 1";
  std::vector<std::string> args;
  if (!filter.album.empty()) {
    where += " AND c.album LIKE ?";
    args.push_back("%" + filter.album + "%");
  }
  if (!filter.artist.empty()) {
    where += " AND (c.artist LIKE ? OR c.album_artist LIKE ?)";
    args.push_back("%" + filter.artist + "%");
    args.push_back("%" + filter.artist + "%");
  }
  return Query(where + kListOrder, args);
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::Songs(size_t offset, size_t limit) {
  return Query(std::string("WHERE c.is_primary = 1") + kListOrder + " LIMIT " + std::to_string(limit) + " OFFSET " +
                   std::to_string(offset),
               {});
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::AlbumSongs(const std::string& album_key) {
  return Query(std::string("WHERE c.is_primary = 1 AND c.album_key = ?") + kListOrder, {album_key});
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::RandomSongs(size_t limit,
                                                                         const std::optional<std::string>& genre,
                                                                         std::optional<int> from,
                                                                         std::optional<int> to) {
  // Random rowids probe the table: no pass over a big catalog. Rows whose
  // claim went leave holes, so a few more probes than asked are made.
  std::string where = "WHERE c.is_primary = 1";
  std::vector<std::string> args;
  if (genre) {
    where += " AND ('; ' || c.genre || '; ') LIKE ?";
    args.push_back("%; " + *genre + "; %");
  }
  if (from) where += " AND c.year >= " + std::to_string(*from);
  if (to) where += " AND c.year <= " + std::to_string(*to);
  auto count = TrackCount();
  if (!count) return std::unexpected(count.error());
  if (genre || from || to || *count <= 20000)
    return Query(where + " ORDER BY random() LIMIT " + std::to_string(limit), args);
  return Query(where + " AND c.rowid IN (SELECT abs(random()) % (SELECT max(rowid) FROM catalog_claims) + 1 "
                       "FROM catalog_claims LIMIT " + std::to_string(limit * 4) + ") LIMIT " + std::to_string(limit),
               args);
}

std::expected<std::optional<TrackRecord>, StoreError> Catalog::SongWithCover(const crypto::Digest& digest) {
  auto rows = Query("WHERE c.cover = ? LIMIT 1", {}, ByteSpan(digest));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<TrackRecord>{};
  return std::optional<TrackRecord>(std::move(rows->front()));
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::Search(const std::string& query,
                                                                    size_t limit) {
  const std::string fts = FtsPrefixQuery(query);
  if (fts.empty()) return std::vector<TrackRecord>{};
  // Only the first kWindow matches are ordered, and not by bm25: ranking
  // every match of a common word, or even 500 of them by bm25, costs tens
  // of milliseconds on a million tracks. Titles starting with the query
  // come first, then shorter titles.
  constexpr int kWindow = 250;
  std::string starts;  // LIKE pattern
  for (char c : query) starts += (c == '%' || c == '_' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  while (!starts.empty() && std::isspace(static_cast<unsigned char>(starts.front()))) starts.erase(0, 1);
  starts += '%';
  return Query("JOIN (SELECT rowid FROM catalog_search WHERE catalog_search MATCH ? LIMIT " +
                   std::to_string(kWindow) + ") s ON s.rowid = c.rowid WHERE c.is_primary = 1 "
                   "ORDER BY c.title LIKE ? ESCAPE '\\' DESC, length(c.title), c.title LIMIT " + std::to_string(limit),
               {fts, starts});
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::FindTracks(const std::string& prefix) {
  std::string upper;
  for (char c : prefix) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::vector<TrackRecord>{};
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (upper.size() < 4) return std::vector<TrackRecord>{};
  return Query("WHERE c.is_primary = 1 AND hex(c.track_id) LIKE ? ORDER BY c.title", {upper + "%"});
}

std::expected<std::vector<TrackRecord>, StoreError> Catalog::ClaimsOf(const TrackId& track) {
  return Query("WHERE c.track_id = ? ORDER BY c.is_primary DESC, c.claimed_us", {}, track.span());
}

std::expected<std::optional<TrackRecord>, StoreError> Catalog::PrimaryOf(const TrackId& track) {
  auto rows = Query("WHERE c.track_id = ? AND c.is_primary = 1", {}, track.span());
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<TrackRecord>{};
  return std::optional<TrackRecord>(std::move(rows->front()));
}

std::expected<std::optional<TrackRecord>, StoreError> Catalog::AnyClaimOfFile(const FileId& file) {
  auto rows = Query("WHERE c.file_id = ? LIMIT 1", {}, file.span());
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<TrackRecord>{};
  return std::optional<TrackRecord>(std::move(rows->front()));
}

std::expected<std::optional<TrackRecord>, StoreError> Catalog::AnyClaimOfBlob(const BlobId& blob) {
  auto rows = Query("WHERE c.blob_id = ? ORDER BY c.is_primary DESC LIMIT 1", {}, blob.span());
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<TrackRecord>{};
  return std::optional<TrackRecord>(std::move(rows->front()));
}

std::expected<size_t, StoreError> Catalog::TrackCount() {
  auto st = db_->Prepare("SELECT count(*) FROM catalog_claims WHERE is_primary = 1");
  if (!st) return std::unexpected(st.error());
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return static_cast<size_t>(st->Int(0));
}

std::expected<std::vector<Catalog::ClaimIds>, StoreError> Catalog::AllClaimIds() {
  auto st = db_->Prepare(
      "SELECT claim_id, track_id, file_id, blob_id, plaintext_length, is_primary, tags_json "
      "FROM catalog_claims");
  if (!st) return std::unexpected(st.error());
  std::vector<ClaimIds> out;
  auto done = st->ForEach([&](const store::Statement& row) {
    ClaimIds ids{IdFrom<EntryId>(row.Blob(0)), IdFrom<TrackId>(row.Blob(1)),
                 IdFrom<FileId>(row.Blob(2)), IdFrom<BlobId>(row.Blob(3)),
                 static_cast<uint64_t>(row.Int(4)), row.Int(5) != 0, {}};
    ids.sealed_file = SealedFileOf(ids.file, TagsFromJson(row.Text(6).value_or("[]")));
    out.push_back(ids);
  });
  if (!done) return std::unexpected(done.error());
  return out;
}

}  // namespace hearth::library
