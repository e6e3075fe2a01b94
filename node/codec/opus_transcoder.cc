#include "node/codec/codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <opus/opusenc.h>

#include "node/codec/av_input.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace hearth::codec {
namespace {

constexpr int kOutRate = 48000;
// A page is flushed at least every 250 ms of audio (libopusenc's default is
// a second), and the encoder looks ahead at most 200 ms before it commits a
// packet (its default, 2 s, made the first audio wait for two seconds of
// decoding and encoding): so playback starts within milliseconds.
constexpr int kMuxingDelay = kOutRate / 4;
constexpr int kDecisionDelay = kOutRate / 5;
constexpr int kMaxBadPackets = 200;  // in a row, before the source counts as corrupt

std::string AvError(int code) { return AvErrorText(code); }

}  // namespace

struct TranscoderState {
  std::unique_ptr<AvInput> input;
  AVFormatContext* fmt = nullptr;  // input's
  AVCodecContext* dec = nullptr;
  SwrContext* swr = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  OggOpusComments* comments = nullptr;
  OggOpusEnc* enc = nullptr;
  int stream = -1;
  int channels = 2;
  double start = 0;
  bool input_done = false;  // demuxer hit the end; decoder being drained
  bool finished = false;
  bool header_sent = false;
  int bad_packets = 0;
  Bytes* sink = nullptr;
  std::vector<float> pcm;

  ~TranscoderState() {
    if (enc) ope_encoder_destroy(enc);
    if (comments) ope_comments_destroy(comments);
    av_frame_free(&frame);
    av_packet_free(&packet);
    swr_free(&swr);
    avcodec_free_context(&dec);
  }

  static int Write(void* user, const unsigned char* ptr, opus_int32 len) {
    auto* s = static_cast<TranscoderState*>(user);
    if (s->sink) s->sink->insert(s->sink->end(), ptr, ptr + len);
    return 0;
  }
  static int Close(void*) { return 0; }

  std::string Why(int code) const { return input->Why(code); }

  // Converts and encodes one decoded frame, dropping what lies before start.
  std::expected<void, std::string> Encode(AVFrame* f) {
    int64_t skip = 0;
    if (start > 0 && f->best_effort_timestamp != AV_NOPTS_VALUE) {
      const double t = f->best_effort_timestamp * av_q2d(fmt->streams[stream]->time_base);
      if (t + static_cast<double>(f->nb_samples) / f->sample_rate <= start) return {};
      if (t < start) skip = static_cast<int64_t>((start - t) * f->sample_rate);
    }
    start = 0;  // only the first frame(s) after the seek are trimmed
    const int max_out = swr_get_out_samples(swr, f->nb_samples);
    if (max_out < 0) return std::unexpected("resampler: " + AvError(max_out));
    pcm.resize(static_cast<size_t>(max_out) * channels);
    uint8_t* out[] = {reinterpret_cast<uint8_t*>(pcm.data())};
    int got = swr_convert(swr, out, max_out, const_cast<const uint8_t**>(f->extended_data), f->nb_samples);
    if (got < 0) return std::unexpected("resampler: " + AvError(got));
    int64_t drop = skip * kOutRate / std::max(1, f->sample_rate);
    drop = std::min<int64_t>(drop, got);
    if (got - drop > 0 &&
        ope_encoder_write_float(enc, pcm.data() + drop * channels, static_cast<int>(got - drop)) != OPE_OK)
      return std::unexpected("the Opus encoder failed");
    return {};
  }

  std::expected<void, std::string> DrainDecoder() {
    while (true) {
      int r = avcodec_receive_frame(dec, frame);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return {};
      if (r < 0) {
        if (++bad_packets > kMaxBadPackets) return std::unexpected("the audio is damaged: " + AvError(r));
        return {};
      }
      auto e = Encode(frame);
      av_frame_unref(frame);
      if (!e) return e;
    }
  }

  // One demux + decode step.
  std::expected<void, std::string> Step() {
    if (!input_done) {
      int r = av_read_frame(fmt, packet);
      if (r == AVERROR_EOF) {
        input_done = true;
        avcodec_send_packet(dec, nullptr);
      } else if (r < 0) {
        if (!input->read_error().empty()) return std::unexpected("cannot read the track: " + input->read_error());
        if (++bad_packets > kMaxBadPackets) return std::unexpected("the file is damaged: " + AvError(r));
        return {};
      } else {
        if (packet->stream_index == stream) {
          int s = avcodec_send_packet(dec, packet);
          if (s < 0 && s != AVERROR(EAGAIN)) {
            if (++bad_packets > kMaxBadPackets) {
              av_packet_unref(packet);
              return std::unexpected("the audio is damaged: " + AvError(s));
            }
          } else {
            bad_packets = 0;
          }
        }
        av_packet_unref(packet);
      }
    }
    if (auto d = DrainDecoder(); !d) return d;
    if (input_done) {
      // Flush what the resampler holds, then the encoder.
      int max_out = swr_get_out_samples(swr, 0);
      if (max_out > 0) {
        pcm.resize(static_cast<size_t>(max_out) * channels);
        uint8_t* out[] = {reinterpret_cast<uint8_t*>(pcm.data())};
        int got = swr_convert(swr, out, max_out, nullptr, 0);
        if (got > 0) ope_encoder_write_float(enc, pcm.data(), got);
      }
      ope_encoder_drain(enc);
      finished = true;
    }
    return {};
  }
};

// The transcoder the module hands out; owns its state.
class FfmpegOpusTranscoder final : public media::OpusTranscoder {
 public:
  explicit FfmpegOpusTranscoder(std::unique_ptr<TranscoderState> s) : s_(std::move(s)) {}
  std::expected<bool, std::string> Produce(size_t want, Bytes& out) override;
  double duration_seconds() const override;

 private:
  std::unique_ptr<TranscoderState> s_;
};

std::expected<std::unique_ptr<media::OpusTranscoder>, std::string> OpenOpus(media::ByteSource source,
                                                                           const media::TranscodeOptions& o) {
  auto s = std::make_unique<TranscoderState>();
  auto input = AvInput::Open(std::move(source));
  if (!input) return std::unexpected(input.error());
  s->input = std::move(*input);
  s->fmt = s->input->format();
  s->fmt->max_analyze_duration = AV_TIME_BASE / 2;
  if (int r = avformat_find_stream_info(s->fmt, nullptr); r < 0)
    return std::unexpected("cannot read the stream info: " + s->Why(r));
  const AVCodec* codec = nullptr;
  s->stream = av_find_best_stream(s->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (s->stream < 0 || !codec) return std::unexpected("the file has no audio stream FFmpeg can decode");
  s->dec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(s->dec, s->fmt->streams[s->stream]->codecpar);
  s->dec->pkt_timebase = s->fmt->streams[s->stream]->time_base;
  if (int r = avcodec_open2(s->dec, codec, nullptr); r < 0)
    return std::unexpected("cannot open the " + std::string(codec->name) + " decoder: " + AvError(r));
  if (s->dec->ch_layout.nb_channels < 1 || s->dec->sample_rate <= 0)
    return std::unexpected("the audio stream has no channels or sample rate");

  s->channels = s->dec->ch_layout.nb_channels == 1 ? 1 : 2;
  AVChannelLayout out_layout;
  av_channel_layout_default(&out_layout, s->channels);
  if (int r = swr_alloc_set_opts2(&s->swr, &out_layout, AV_SAMPLE_FMT_FLT, kOutRate, &s->dec->ch_layout,
                                  s->dec->sample_fmt, s->dec->sample_rate, 0, nullptr);
      r < 0 || swr_init(s->swr) < 0)
    return std::unexpected("cannot set up the resampler");

  if (o.start_seconds > 0) {
    s->start = o.start_seconds;
    AVStream* st = s->fmt->streams[s->stream];
    const auto ts = static_cast<int64_t>(o.start_seconds / av_q2d(st->time_base));
    // A failed seek is not fatal: decoding from the top and dropping samples
    // still starts at the right instant, only later.
    if (av_seek_frame(s->fmt, s->stream, ts, AVSEEK_FLAG_BACKWARD) >= 0) avcodec_flush_buffers(s->dec);
  }

  s->packet = av_packet_alloc();
  s->frame = av_frame_alloc();
  s->comments = ope_comments_create();
  ope_comments_add(s->comments, "ENCODER", "hearth");
  if (!o.title.empty()) ope_comments_add(s->comments, "TITLE", o.title.c_str());
  if (!o.artist.empty()) ope_comments_add(s->comments, "ARTIST", o.artist.c_str());
  if (!o.album.empty()) ope_comments_add(s->comments, "ALBUM", o.album.c_str());
  OpusEncCallbacks callbacks{&TranscoderState::Write, &TranscoderState::Close};
  int err = 0;
  s->enc = ope_encoder_create_callbacks(&callbacks, s.get(), s->comments, kOutRate, s->channels, 0, &err);
  if (!s->enc) return std::unexpected(std::string("cannot create the Opus encoder: ") + ope_strerror(err));
  ope_encoder_ctl(s->enc, OPUS_SET_BITRATE(std::clamp(o.bitrate_kbps, 6, 510) * 1000));
  ope_encoder_ctl(s->enc, OPE_SET_MUXING_DELAY(kMuxingDelay));
  ope_encoder_ctl(s->enc, OPE_SET_DECISION_DELAY(kDecisionDelay));
  return std::make_unique<FfmpegOpusTranscoder>(std::move(s));
}

double FfmpegOpusTranscoder::duration_seconds() const {
  return s_->fmt->duration > 0 ? static_cast<double>(s_->fmt->duration) / AV_TIME_BASE : 0;
}

std::expected<bool, std::string> FfmpegOpusTranscoder::Produce(size_t want, Bytes& out) {
  s_->sink = &out;
  if (!s_->header_sent) {
    s_->header_sent = true;
    ope_encoder_flush_header(s_->enc);  // the headers go out before any audio
  }
  while (!s_->finished && out.size() < want) {
    if (auto r = s_->Step(); !r) {
      s_->sink = nullptr;
      s_->finished = true;
      return std::unexpected(r.error());
    }
  }
  s_->sink = nullptr;
  return !s_->finished;
}

}  // namespace hearth::codec
