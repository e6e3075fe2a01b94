// The codec module's one exported symbol: its table of functions
// (node/media/codecs.h states the contract).
#include "node/codec/codec.h"
#include "node/media/codecs.h"

extern "C" __attribute__((visibility("default"))) const hearth::media::CodecModule* hearth_codec_module() {
  static const hearth::media::CodecModule table{
      .abi = hearth::media::kCodecAbi,
      .probe_audio = &hearth::codec::Probe,
      .open_opus = &hearth::codec::OpenOpus,
      .extract_cover = &hearth::codec::Cover,
  };
  return &table;
}
