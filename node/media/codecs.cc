#include "node/media/codecs.h"

#include "node/media/cover_extract.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace hearth::media {
namespace {

constexpr char kModuleFile[] = "libhearth_codec.so";

struct LoadState {
  std::once_flag once;
  std::atomic<bool> loaded{false};
  const CodecModule* module = nullptr;
  CodecsError error = CodecsError::kNotFound;
  std::string path, detail;
};

LoadState& State() {
  static LoadState state;
  return state;
}

std::string ModulePath() {
  if (const char* env = std::getenv("HEARTH_CODEC_MODULE"); env && *env) return env;
  namespace fs = std::filesystem;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
#ifdef HEARTH_CODEC_INSTALL_DIR
  // Installed (PREFIX/bin/hearth): before the build's path, so that an
  // installed hearth never loads the module of a later build.
  if (!ec) {
    fs::path installed = self.parent_path().parent_path() / HEARTH_CODEC_INSTALL_DIR / kModuleFile;
    if (fs::exists(installed, ec)) return installed.string();
  }
#endif
#ifdef HEARTH_CODEC_MODULE_PATH
  if (fs::exists(HEARTH_CODEC_MODULE_PATH, ec)) return HEARTH_CODEC_MODULE_PATH;
#endif
  if (self.empty()) return kModuleFile;
  return (self.parent_path() / kModuleFile).string();
}

}  // namespace

std::expected<const CodecModule*, CodecsError> LoadCodecModule(const std::string& path, std::string* detail) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (detail) *detail = "no such file";
    return std::unexpected(CodecsError::kNotFound);
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    if (detail) *detail = dlerror();
    return std::unexpected(CodecsError::kNotLoadable);
  }
  using Entry = const CodecModule* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, kCodecEntry));
  const CodecModule* module = entry ? entry() : nullptr;
  if (!module || module->abi != kCodecAbi || !module->probe_audio || !module->open_opus ||
      !module->extract_cover) {
    if (detail) *detail = entry ? "it was built for another version of hearth" : "it has no codec table";
    dlclose(handle);
    return std::unexpected(CodecsError::kWrongAbi);
  }
  return module;  // never unloaded: transcoders made by it may outlive any caller
}

std::expected<const CodecModule*, CodecsError> Codecs() {
  LoadState& s = State();
  std::call_once(s.once, [&s] {
    s.path = ModulePath();
    auto m = LoadCodecModule(s.path, &s.detail);
    if (m) {
      s.module = *m;
      s.loaded.store(true, std::memory_order_release);
    } else {
      s.error = m.error();
    }
  });
  if (s.module) return s.module;
  return std::unexpected(s.error);
}

bool CodecsLoaded() { return State().loaded.load(std::memory_order_acquire); }

std::string CodecsErrorText(CodecsError error) {
  const LoadState& s = State();
  const std::string where = "the codec module " + (s.path.empty() ? std::string(kModuleFile) : s.path);
  switch (error) {
    case CodecsError::kNotFound:
      return where + " is missing (set HEARTH_CODEC_MODULE to its path)";
    case CodecsError::kNotLoadable:
      return where + " could not be loaded: " + s.detail;
    case CodecsError::kWrongAbi:
      return where + " does not fit this hearth: " + s.detail;
  }
  return where + " failed";
}

std::expected<std::unique_ptr<OpusTranscoder>, std::string> OpusTranscoder::Open(ByteSource source,
                                                                                const TranscodeOptions& options) {
  auto codecs = Codecs();
  if (!codecs) return std::unexpected(CodecsErrorText(codecs.error()));
  return (*codecs)->open_opus(std::move(source), options);
}

std::expected<Bytes, std::string> ExtractCover(const ByteSource& source) {
  auto codecs = Codecs();
  if (!codecs) return std::unexpected(CodecsErrorText(codecs.error()));
  return (*codecs)->extract_cover(source);
}

}  // namespace hearth::media
