#include "node/mesh/local_room.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

namespace hearth::mesh {

std::expected<DiskSpace, std::string> StatDisk(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return std::unexpected("cannot see free space of " + path + ": " + std::strerror(errno));
  return DiskSpace{static_cast<uint64_t>(st.f_bavail) * st.f_frsize, static_cast<uint64_t>(st.f_blocks) * st.f_frsize};
}

uint64_t FreeSpaceFloor::On(const DiskSpace& disk) const {
  if (bytes) return *bytes;
  return static_cast<uint64_t>(static_cast<long double>(disk.total) * permille / 1000);
}

std::expected<FreeSpaceFloor, std::string> ParseFreeSpaceFloor(const std::string& text) {
  // Only the percent form is parsed here; sizes go through the CLI's parser.
  if (text.empty() || text.back() != '%') return std::unexpected("expected a share of the disk such as 5%");
  const std::string number = text.substr(0, text.size() - 1);
  size_t dot = number.find('.');
  const std::string whole = number.substr(0, dot);
  const std::string tenths = dot == std::string::npos ? "0" : number.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 3 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(whole) || !digits(tenths) || tenths.size() != 1)
    return std::unexpected("a share of the disk is written like 5% or 2.5%, not " + text);
  const int permille = std::stoi(whole) * 10 + std::stoi(tenths);
  if (permille > 900) return std::unexpected("keeping more than 90% of the disk free leaves nothing to hold music");
  FreeSpaceFloor f;
  f.permille = static_cast<uint16_t>(permille);
  return f;
}

DeviceState LocalState(uint16_t availability, uint64_t held, uint64_t arriving, std::optional<uint64_t> capacity,
                       const DiskSpace& disk, const FreeSpaceFloor& floor) {
  DeviceState s;
  s.availability = std::min<uint16_t>(availability, 1000);
  s.held_bytes = held;
  const uint64_t floor_bytes = floor.On(disk);
  const uint64_t above = disk.free > floor_bytes ? disk.free - floor_bytes : 0;
  s.disk_full = above == 0;
  const uint64_t ours = held > UINT64_MAX - arriving ? UINT64_MAX : held + arriving;
  uint64_t room = ours > UINT64_MAX - above ? UINT64_MAX : ours + above;
  // Rounded down to a 32nd of its order of magnitude (at least 1 MiB), so the
  // small ups and downs of free space do not change what the others compute.
  const uint64_t step = std::max<uint64_t>(uint64_t{1} << 20, std::bit_floor(room) / 32);
  room -= room % step;
  if (capacity) room = std::min(room, *capacity);
  s.room = room;
  return s;
}

bool Fits(uint64_t bytes, const DiskSpace& disk, const FreeSpaceFloor& floor) {
  const uint64_t floor_bytes = floor.On(disk);
  return disk.free > floor_bytes && disk.free - floor_bytes >= bytes;
}

}  // namespace hearth::mesh
