#include "node/codec/codec.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <cstring>
#include <memory>

#include "crypto/hash.h"

namespace hearth::codec {

using library::AudioInfo;
using library::CoverArt;
namespace {

// A read-only AVIOContext over bytes in memory.
struct MemoryInput {
  ByteSpan data;
  int64_t pos = 0;

  static int Read(void* opaque, uint8_t* buf, int size) {
    auto* in = static_cast<MemoryInput*>(opaque);
    int64_t left = static_cast<int64_t>(in->data.size()) - in->pos;
    if (left <= 0) return AVERROR_EOF;
    int n = static_cast<int>(std::min<int64_t>(size, left));
    std::memcpy(buf, in->data.data() + in->pos, static_cast<size_t>(n));
    in->pos += n;
    return n;
  }
  static int64_t Seek(void* opaque, int64_t offset, int whence) {
    auto* in = static_cast<MemoryInput*>(opaque);
    int64_t size = static_cast<int64_t>(in->data.size());
    if (whence == AVSEEK_SIZE) return size;
    int64_t to = (whence & ~AVSEEK_FORCE) == SEEK_CUR   ? in->pos + offset
                 : (whence & ~AVSEEK_FORCE) == SEEK_END ? size + offset
                                                         : offset;
    if (to < 0 || to > size) return AVERROR(EINVAL);
    in->pos = to;
    return to;
  }
};

std::string Err(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

// Our short format name, or "" for containers Hearth does not take.
std::string FormatName(const char* demuxer, AVCodecID codec) {
  std::string d = demuxer;
  if (d == "mp3") return "mp3";
  if (d == "flac") return "flac";
  if (d == "wav") return "wav";
  if (d.find("mp4") != std::string::npos || d.find("m4a") != std::string::npos) {
    return codec == AV_CODEC_ID_AAC || codec == AV_CODEC_ID_ALAC ? "m4a" : "";
  }
  if (d == "ogg") {
    if (codec == AV_CODEC_ID_VORBIS) return "ogg";
    if (codec == AV_CODEC_ID_OPUS) return "opus";
    if (codec == AV_CODEC_ID_FLAC) return "flac";
  }
  return "";
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

struct FormatCloser {
  void operator()(AVFormatContext* fc) const { avformat_close_input(&fc); }
};
struct IoCloser {
  void operator()(AVIOContext* io) const {
    av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

}  // namespace

std::expected<AudioInfo, std::string> Probe(ByteSpan file) {
  if (file.empty()) return std::unexpected("empty file");
  av_log_set_level(AV_LOG_FATAL);
  MemoryInput input{file};
  constexpr int kIoBuffer = 64 * 1024;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBuffer));
  std::unique_ptr<AVIOContext, IoCloser> io(avio_alloc_context(
      buffer, kIoBuffer, 0, &input, &MemoryInput::Read, nullptr, &MemoryInput::Seek));
  if (!io) return std::unexpected("out of memory");

  AVFormatContext* raw = avformat_alloc_context();
  raw->pb = io.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  // A PCM stream in WAV asks FFmpeg to keep probing its packets for other
  // codecs hidden inside (DTS); left alone that runs every format probe over
  // the first MiB of audio, the largest cost of a small WAV file.
  raw->max_probe_packets = 8;
  int opened = avformat_open_input(&raw, nullptr, nullptr, nullptr);
  if (opened < 0) return std::unexpected("not an audio file (" + Err(opened) + ")");
  std::unique_ptr<AVFormatContext, FormatCloser> fc(raw);
  int best = av_find_best_stream(fc.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  // Most containers describe their audio in the header; only when they do
  // not is it worth decoding the start of the stream to find out.
  if (best < 0 || fc->streams[best]->codecpar->sample_rate <= 0 ||
      fc->streams[best]->codecpar->ch_layout.nb_channels <= 0) {
    if (int rc = avformat_find_stream_info(fc.get(), nullptr); rc < 0) {
      return std::unexpected("unreadable audio (" + Err(rc) + ")");
    }
    best = av_find_best_stream(fc.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  }
  if (best < 0) return std::unexpected("no audio stream");
  AVStream* st = fc->streams[best];
  const AVCodecParameters* par = st->codecpar;

  AudioInfo info;
  info.format = FormatName(fc->iformat->name, par->codec_id);
  if (info.format.empty()) {
    return std::unexpected(std::string("unsupported format (") + fc->iformat->name + ", " +
                           avcodec_get_name(par->codec_id) + ")");
  }
  info.codec = avcodec_get_name(par->codec_id);
  info.sample_rate = par->sample_rate;
  info.channels = par->ch_layout.nb_channels;

  for (unsigned i = 0; i < fc->nb_streams; ++i) {
    AVStream* s = fc->streams[i];
    if ((s->disposition & AV_DISPOSITION_ATTACHED_PIC) && s->attached_pic.size > 0 && !info.cover) {
      CoverArt cover;
      cover.bytes.assign(s->attached_pic.data, s->attached_pic.data + s->attached_pic.size);
      AVCodecID id = s->codecpar->codec_id;
      cover.mime = id == AV_CODEC_ID_MJPEG ? "image/jpeg" : id == AV_CODEC_ID_PNG ? "image/png" : "";
      info.cover = std::move(cover);
    }
  }
  const AVDictionaryEntry* tag = nullptr;
  while ((tag = av_dict_get(fc->metadata, "", tag, AV_DICT_IGNORE_SUFFIX))) {
    std::string key = tag->key;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.tags.emplace_back(key, tag->value);
  }
  tag = nullptr;
  while ((tag = av_dict_get(st->metadata, "", tag, AV_DICT_IGNORE_SUFFIX))) {
    std::string key = tag->key;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.tags.emplace_back(key, tag->value);
  }

  crypto::Blake2bStream identity;
  const char kDomain[] = "hearth/track/v1";
  identity.Update(ByteSpan(reinterpret_cast<const uint8_t*>(kDomain), sizeof kDomain));
  identity.Update(AsBytes(info.codec));
  identity.Update(Bytes{0});

  std::unique_ptr<AVPacket, PacketFree> packet(av_packet_alloc());
  int64_t first = AV_NOPTS_VALUE, end = 0, packets = 0, payload = 0;
  int rc;
  while ((rc = av_read_frame(fc.get(), packet.get())) >= 0) {
    if (packet->stream_index == best) {
      identity.Update(ByteSpan(packet->data, static_cast<size_t>(packet->size)));
      if (packet->pts != AV_NOPTS_VALUE) {
        if (first == AV_NOPTS_VALUE) first = packet->pts;
        end = std::max(end, packet->pts + packet->duration);
      }
      ++packets;
      payload += packet->size;
    }
    av_packet_unref(packet.get());
  }
  if (rc != AVERROR_EOF) return std::unexpected("damaged audio (" + Err(rc) + ")");
  if (packets == 0) return std::unexpected("no audio in the file");
  info.track = TrackId{identity.Finish()};

  double tb = av_q2d(st->time_base);
  double measured = first == AV_NOPTS_VALUE ? 0 : static_cast<double>(end - first) * tb;
  double declared = st->duration != AV_NOPTS_VALUE ? static_cast<double>(st->duration) * tb : 0;
  // Only a duration read from the file's header is a promise; one estimated
  // from the bitrate is not.
  if (fc->duration_estimation_method == AVFMT_DURATION_FROM_STREAM && declared > 0 &&
      declared - measured > std::max(0.5, declared * 0.02)) {
    return std::unexpected("truncated: its header declares " + Seconds(declared) +
                           " of audio but it holds " + Seconds(measured));
  }
  double seconds = measured > 0 ? measured : declared;
  info.duration_ms = static_cast<uint64_t>(seconds * 1000.0 + 0.5);
  info.bitrate = seconds > 0 ? static_cast<int64_t>(static_cast<double>(payload) * 8 / seconds)
                             : par->bit_rate;
  return info;
}

}  // namespace hearth::codec
