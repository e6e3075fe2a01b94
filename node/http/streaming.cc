// HttpService: originals with Range, Ogg Opus transcodes, cover images.
#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/blob_cipher.h"
#include "node/http/range.h"
#include "node/http/service.h"
#include "node/library/library_ops.h"
#include "node/store/mesh_tables.h"
#include "node/http/subsonic_format.h"
#include "node/media/cover_extract.h"
#include "node/media/transcoder.h"
#include "crypto/bytes.h"

namespace hearth::http {
namespace {

}  // namespace

std::string AudioMime(const std::string& format) {
  if (format == "mp3") return "audio/mpeg";
  if (format == "m4a" || format == "mp4" || format == "aac") return "audio/mp4";
  if (format == "flac") return "audio/flac";
  if (format == "ogg") return "audio/ogg";
  if (format == "opus") return "audio/ogg; codecs=opus";
  if (format == "wav") return "audio/wav";
  return "application/octet-stream";
}

namespace {

// Opus bytes produced per worker step: ~1 s of audio at 128 kbps, ~15 ms of
// one core. Small steps keep a new stream's start from queueing long behind
// the steps of streams already running (64 KiB steps made it ~60 ms).
constexpr size_t kTranscodeStep = 16 * 1024;

// A transcode in progress; shared between the HTTP coroutine and the worker
// step that runs it, so that a client going away mid-step frees it later.
struct TranscodeJob {
  media::ByteSource source;
  media::TranscodeOptions options;
  std::unique_ptr<media::OpusTranscoder> transcoder;
  Bytes out;
  std::string error;
  bool more = true;

  void Open() {
    auto t = media::OpusTranscoder::Open(source, options);
    if (!t) {
      error = t.error();
      more = false;
      return;
    }
    transcoder = std::move(*t);
  }
  void Step(size_t want) {
    out.clear();
    auto r = transcoder->Produce(want, out);
    if (!r) {
      error = r.error();
      more = false;
    } else {
      more = *r;
    }
  }
};

// Runs `fn` on `pool` and resumes the awaiting coroutine on its own
// executor. (Not a coroutine lambda: GCC 12 mishandles captures of those.)
template <typename Fn>
asio::awaitable<void> RunOn(asio::thread_pool& pool, asio::any_io_executor home, Fn fn) {
  return asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&pool, home](auto handler, Fn f) {
        asio::post(pool, [h = std::move(handler), f = std::move(f), home]() mutable {
          f();
          asio::post(home, std::move(h));
        });
      },
      asio::use_awaitable, std::move(fn));
}

// Reads one sealed chunk with `reader` and resumes the awaiting coroutine
// on its own executor. (Not a coroutine itself; see RunOn.)
asio::awaitable<media::SealedChunk> ReadChunkAsync(media::ChunkReader reader, BlobId blob, uint32_t index) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(media::SealedChunk)>(
      [](auto handler, media::ChunkReader r, BlobId b, uint32_t i) {
        auto executor = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        r(b, i, [h, executor](media::SealedChunk c) {
          asio::post(executor, [h, c = std::move(c)]() mutable { (*h)(std::move(c)); });
        });
      },
      asio::use_awaitable, std::move(reader), blob, index);
}

}  // namespace

asio::awaitable<media::SealedChunk> HttpService::ReadSealed(const BlobId& blob, uint32_t index) {
  // The same reader the transcoder uses (the store first, then the mesh).
  // Named, not a temporary in the co_await: GCC 12 destroys such lambdas twice.
  auto read = ReadChunkAsync(AnyThreadChunks(), blob, index);
  co_return co_await std::move(read);
}

asio::awaitable<media::SealedChunk> HttpService::ReadSealedElsewhere(const BlobId& blob, uint32_t index) {
  if (!options_.chunks_elsewhere) co_return std::unexpected(std::string("no other device can be asked"));
  auto read = ReadChunkAsync(options_.chunks_elsewhere, blob, index);
  co_return co_await std::move(read);
}

void HttpService::WithFallback(media::PlainBlob& plain) {
  if (!options_.chunks_elsewhere) return;
  plain.SetFallback(options_.chunks_elsewhere, [log = options_.log, damaged = options_.damaged_blob,
                                                blob = plain.blob()] {
    if (log) log("http: a chunk of blob " + blob.ShortHex() + " failed authentication; reading it from another device");
    if (damaged) damaged(blob);
  });
}

asio::awaitable<void> HttpService::Answer(Exchange& ex, Response res, const PlayAction& play) {
  if (play.cover) {
    auto image = co_await CoverFromTrack(*play.cover);
    if (image) {
      co_await ex.Send(ImageResponse(ex.request(), std::move(*image)));
    } else if (play.subsonic_format) {
      auto r = subsonic::Render(subsonic::Failed(subsonic::kNotFound, "cover art not found"), *play.subsonic_format);
      co_await ex.Send(TextResponse(ex.request(), bhttp::status::ok, std::move(r.body), r.content_type));
    } else {
      co_await ex.Send(TextResponse(ex.request(), bhttp::status::not_found,
                                    "{\"error\":\"no device could give this cover\"}\n", "application/json"));
    }
    co_return;
  }
  if (!play.song) co_await ex.Send(std::move(res));
  else if (play.opus) co_await StreamOpus(ex, *play.song, play.bitrate_kbps, play.start_seconds);
  else co_await StreamOriginal(ex, *play.song);
}

asio::awaitable<void> HttpService::StreamOriginal(Exchange& ex, library::TrackRecord r) {
  const Request& req = ex.request();
  (void)store::TouchBlob(home_->db(), r.blob, options_.clock());
  const uint64_t size = r.plaintext_length;
  auto range = ParseRange(std::string_view(req[bhttp::field::range].data(), req[bhttp::field::range].size()), size);
  if (!range && range.error() == RangeError::kMalformed) {
    co_await ex.Send(TextResponse(req, bhttp::status::bad_request,
                                  "malformed Range header (expected bytes=FIRST-LAST, bytes=FIRST- or bytes=-N)\n"));
    co_return;
  }
  if (!range) {
    Response res = TextResponse(req, bhttp::status::range_not_satisfiable,
                                "the range starts past the end of the track (" + std::to_string(size) + " bytes)\n");
    res.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
    co_await ex.Send(std::move(res));
    co_return;
  }
  auto key = BlobKeyOf(r);
  if (!key) {
    co_await ex.Send(TextResponse(req, bhttp::status::forbidden, "this device cannot decrypt music\n"));
    co_return;
  }
  const ByteRange span = range->value_or(ByteRange{0, size == 0 ? 0 : size - 1});
  const crypto::BlobCipher cipher(*key, size);
  const uint64_t first_chunk = span.first / crypto::kPlainChunkSize;
  const uint64_t last_chunk = size == 0 ? 0 : span.last / crypto::kPlainChunkSize;

  // The first chunk decides the status: when no device can send it, the
  // player hears why instead of a truncated 200.
  media::SealedChunk sealed = co_await ReadSealed(r.blob, static_cast<uint32_t>(first_chunk));
  if (!sealed) {
    co_await ex.Send(TextResponse(req, bhttp::status::service_unavailable,
                                  "no reachable device holds this track right now: " + sealed.error() + "\n"));
    co_return;
  }
  bhttp::response_header<> header;
  header.result(range->has_value() ? bhttp::status::partial_content : bhttp::status::ok);
  header.set(bhttp::field::content_type, AudioMime(r.format));
  header.set(bhttp::field::accept_ranges, "bytes");
  header.set(bhttp::field::cache_control, "private, max-age=3600");
  if (range->has_value()) header.set(bhttp::field::content_range, ContentRange(span, size));
  if (!co_await ex.Begin(std::move(header), size == 0 ? 0 : span.length()) || ex.is_head() || size == 0) {
    co_await ex.End();
    co_return;
  }
  Bytes plain(crypto::kPlainChunkSize);
  for (uint64_t chunk = first_chunk; chunk <= last_chunk; ++chunk) {
    if (chunk != first_chunk) sealed = co_await ReadSealed(r.blob, static_cast<uint32_t>(chunk));
    if (!ex.alive()) co_return;
    std::expected<size_t, crypto::BlobError> n =
        sealed ? cipher.OpenChunk(chunk, *sealed, plain) : std::unexpected(crypto::BlobError::kBadLength);
    if (!n && sealed && HeldHere(r.blob)) {
      // The copy here is damaged: the node sets it aside and repairs it;
      // this chunk comes from another holder meanwhile.
      if (options_.log)
        options_.log("http: chunk " + std::to_string(chunk) + " of blob " + r.blob.ShortHex() +
                     " here failed authentication (" + std::string(crypto::Describe(n.error())) +
                     "); reading it from another device");
      if (options_.damaged_blob) options_.damaged_blob(r.blob);
      sealed = co_await ReadSealedElsewhere(r.blob, static_cast<uint32_t>(chunk));
      if (!ex.alive()) co_return;
      n = sealed ? cipher.OpenChunk(chunk, *sealed, plain) : std::unexpected(crypto::BlobError::kBadLength);
    }
    if (!n) {
      if (options_.log)
        options_.log("http: stream of " + r.track.ShortHex() + " cut at chunk " + std::to_string(chunk) + ": " +
                     (sealed ? std::string(crypto::Describe(n.error())) : sealed.error()));
      // The length was promised; closing tells the player the body is short.
      ex.Abort();
      co_return;
    }
    const uint64_t chunk_start = chunk * crypto::kPlainChunkSize;
    const uint64_t from = std::max(span.first, chunk_start) - chunk_start;
    const uint64_t to = std::min(span.last + 1, chunk_start + *n) - chunk_start;
    if (!co_await ex.Write(ByteSpan(plain.data() + from, to - from))) co_return;
  }
  co_await ex.End();
}

asio::awaitable<void> HttpService::StreamOpus(Exchange& ex, library::TrackRecord r, int bitrate_kbps,
                                              double start_seconds) {
  const Request& req = ex.request();
  (void)store::TouchBlob(home_->db(), r.blob, options_.clock());
  auto key = BlobKeyOf(r);
  if (!key) {
    co_await ex.Send(TextResponse(req, bhttp::status::forbidden, "this device cannot decrypt music\n"));
    co_return;
  }
  auto plain = std::make_shared<media::PlainBlob>(AnyThreadChunks(), r.blob, *key, r.plaintext_length);
  WithFallback(*plain);
  auto job = std::make_shared<TranscodeJob>();
  const auto wait = options_.chunk_wait;
  job->source = media::ByteSource{
      [plain, wait](uint64_t offset, MutableByteSpan out) { return plain->ReadAt(offset, out, wait); },
      r.plaintext_length};
  job->options.bitrate_kbps = bitrate_kbps;
  job->options.start_seconds = start_seconds;
  job->options.title = r.title;
  job->options.artist = r.artist;
  job->options.album = r.album;
  // Open and the first step (headers and the first page) before the status
  // line, so that a file that cannot be played gets a clear error.
  auto home = co_await asio::this_coro::executor;
  auto open = [job] {
    job->Open();
    if (job->transcoder) job->Step(1);
  };
  co_await RunOn(workers_, home, open);
  if (!job->transcoder || (!job->error.empty() && job->out.empty())) {
    co_await ex.Send(TextResponse(req, bhttp::status::unprocessable_entity,
                                  "cannot transcode this track: " + job->error + "\n"));
    co_return;
  }
  bhttp::response_header<> header;
  header.result(bhttp::status::ok);
  header.set(bhttp::field::content_type, "audio/ogg; codecs=opus");
  header.set(bhttp::field::accept_ranges, "none");
  header.set(bhttp::field::cache_control, "no-store");
  if (!co_await ex.Begin(std::move(header), std::nullopt) || ex.is_head()) {
    co_await ex.End();
    co_return;
  }
  while (true) {
    if (!co_await ex.Write(job->out)) co_return;  // the client went away: the job ends with us
    if (!job->more) break;
    auto step = [job] { job->Step(kTranscodeStep); };
    co_await RunOn(workers_, home, step);
  }
  if (!job->error.empty()) {
    if (options_.log) options_.log("http: transcode of " + r.track.ShortHex() + " stopped: " + job->error);
    ex.Abort();
    co_return;
  }
  co_await ex.End();
}

asio::awaitable<std::optional<std::pair<Bytes, std::string>>> HttpService::CoverFromTrack(
    const crypto::Digest& digest) {
  // A value of its own: it lives across the awaits below.
  const std::optional<library::TrackRecord> track = library_->SongWithCover(digest);
  auto key = track ? BlobKeyOf(*track) : std::nullopt;
  if (!key) co_return std::nullopt;
  auto plain = std::make_shared<media::PlainBlob>(AnyThreadChunks(), track->blob, *key, track->plaintext_length);
  WithFallback(*plain);
  auto result = std::make_shared<std::expected<Bytes, std::string>>(std::unexpected(std::string()));
  const auto wait = options_.chunk_wait;
  auto extract = [plain, result, wait] {
    media::ByteSource src{[plain, wait](uint64_t off, MutableByteSpan out) { return plain->ReadAt(off, out, wait); },
                          plain->size()};
    *result = media::ExtractCover(src);
  };
  auto home = co_await asio::this_coro::executor;
  co_await RunOn(workers_, home, extract);
  if (!*result) co_return std::nullopt;
  // Keep it (sealed) only if it is the picture the claim names.
  if (auto saved = library::SaveCover(*home_, digest, **result); !saved) {
    if (options_.log) options_.log("http: cover " + ToHex(digest).substr(0, 12) + ": " + saved.error());
    co_return std::nullopt;
  }
  co_return CoverImage(LibraryIndex::CoverId(digest));
}

std::optional<std::pair<Bytes, std::string>> HttpService::CoverImage(const std::string& cover_id) {
  if (!cover_id.starts_with("co-")) return std::nullopt;
  auto digest = library::ParseHexDigest(cover_id.substr(3));
  if (!digest) return std::nullopt;
  auto image = library::ReadCover(*home_, *digest);
  if (!image) return std::nullopt;
  std::string mime = "application/octet-stream";
  if (image->size() > 3 && (*image)[0] == 0xFF && (*image)[1] == 0xD8) mime = "image/jpeg";
  else if (image->size() > 8 && (*image)[0] == 0x89 && (*image)[1] == 'P') mime = "image/png";
  else if (image->size() > 6 && (*image)[0] == 'G' && (*image)[1] == 'I') mime = "image/gif";
  else if (image->size() > 12 && (*image)[8] == 'W' && (*image)[9] == 'E') mime = "image/webp";
  return std::pair{std::move(*image), mime};
}

Response HttpService::ImageResponse(const Request& req, std::pair<Bytes, std::string> image) {
  Response res{bhttp::status::ok, req.version()};
  res.set(bhttp::field::content_type, image.second);
  res.set(bhttp::field::cache_control, "private, max-age=86400");
  res.body().assign(image.first.begin(), image.first.end());
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace hearth::http
