// Real audio files for tests, made with the ffmpeg command-line tool.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/run_command.h"

namespace hearth::testing {

struct ToneOptions {
  int frequency = 440;
  double seconds = 2;
  std::string title = "Tone";
  std::string artist = "Tester";
  std::string album = "Test Album";
  std::string extra;  // more ffmpeg arguments, e.g. "-metadata genre=Jazz"
  std::string cover;  // path of an image to attach, if any
};

// Encodes a tone into `path`; the codec follows the extension:
// .mp3 .m4a (AAC) .alac.m4a (ALAC) .flac .ogg (Vorbis) .opus .wav
// Returns false (with ffmpeg's output in `error`) on failure.
inline bool MakeTone(const std::string& path, const ToneOptions& o = {}, std::string* error = nullptr) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::string codec;
  if (path.ends_with(".alac.m4a")) codec = "-c:a alac";
  else if (path.ends_with(".mp3")) codec = "-c:a libmp3lame -b:a 128k";
  else if (path.ends_with(".m4a")) codec = "-c:a aac -b:a 128k";
  else if (path.ends_with(".flac")) codec = "-c:a flac";
  else if (path.ends_with(".ogg")) codec = "-c:a libvorbis";
  else if (path.ends_with(".opus")) codec = "-c:a libopus -b:a 96k";
  else if (path.ends_with(".wav")) codec = "-c:a pcm_s16le";
  std::string cover = o.cover.empty() ? ""
      : " -i " + Quote(o.cover) + " -map 0:a -map 1:v -c:v copy -disposition:v attached_pic";
  auto r = RunCommand("ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i 'sine=frequency=" +
                      std::to_string(o.frequency) + ":duration=" + std::to_string(o.seconds) + "'" +
                      cover + " -ac 2 " + codec + " -metadata title=" + Quote(o.title) +
                      " -metadata artist=" + Quote(o.artist) + " -metadata album=" + Quote(o.album) +
                      " " + o.extra + " " + Quote(path));
  if (error) *error = r.err;
  return r.exit_code == 0;
}

// Makes a small JPEG image for cover art.
inline bool MakeImage(const std::string& path, const std::string& color = "0x3366cc") {
  return RunCommand("ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i color=c=" + color +
                    ":s=64x64 -frames:v 1 " + Quote(path)).exit_code == 0;
}

// A copy of `in` with new tags and the same audio packets.
inline bool Retag(const std::string& in, const std::string& out, const std::string& title) {
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  return RunCommand("ffmpeg -nostdin -hide_banner -loglevel error -y -i " + Quote(in) +
                    " -map 0 -c copy -metadata title=" + Quote(title) + " " + Quote(out)).exit_code == 0;
}

}  // namespace hearth::testing
