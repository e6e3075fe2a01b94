#!/usr/bin/env bash
# The Debian package (packaging/CMakeLists.txt), made by cpack from a build
# tree that is already built and installed with dpkg into a throwaway root:
# it holds the binary, the codec module, the systemd user unit and the man
# page, says what it is and what it needs; the installed hearth prints the
# project's version and imports a track with the installed module.
#   package_test.sh BUILD_DIR VERSION
# cpack installs the tree as it is (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY): this
# test never builds anything.
set -euo pipefail
build=$1 version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# gzip: the sanitizer build's binary is large, and xz would take most of the time.
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" \
           -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log" >&2
  fail "cpack failed"
fi
arch=$(dpkg --print-architecture)
deb=$work/out/hearth_${version}_${arch}.deb
[[ -f $deb ]] || { ls -l "$work/out" >&2; fail "no $(basename "$deb")"; }
echo "made $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# What it says it is.
field() { dpkg-deb --field "$deb" "$1"; }
[[ $(field Package) == hearth ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || fail "Version: $(field Version)"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
[[ $(field Section) == sound ]] || fail "Section: $(field Section)"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
# Depends comes from dpkg-shlibdeps: libc6 and every library hearth links.
depends=$(field Depends)
for lib in libc6 libsodium libsqlite3 libtorrent-rasterbar libavcodec libopusenc; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

# What it holds.
dpkg-deb --contents "$deb" >"$work/contents"
multiarch=$(dpkg-architecture --query DEB_HOST_MULTIARCH)
module_path=/usr/lib/$multiarch/hearth/libhearth_codec.so
for path in ./usr/bin/hearth ".$module_path" ./usr/lib/systemd/user/hearth.service ./usr/share/man/man1/hearth.1.gz; do
  grep -q " $path\$" "$work/contents" || { cat "$work/contents" >&2; fail "the package lacks $path"; }
done

# No maintainer scripts: nothing to run as root at install (CPack would add
# ldconfig calls for a library where the dynamic linker looks).
grep -q -E ' (preinst|postinst|prerm|postrm) ' <(dpkg-deb --info "$deb") && fail "the package has maintainer scripts"

# Installed with dpkg into an empty root: a dpkg database of its own, nothing
# else installed (so its dependencies are forced), a log of its own, and
# maintainer scripts (should any appear) run outside a chroot.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
if ! dpkg --root="$root" --log="$work/dpkg.log" --force-not-root --force-depends --force-script-chrootless \
          -i "$deb" >"$work/dpkg.out" 2>&1; then
  cat "$work/dpkg.out" >&2
  fail "dpkg -i failed"
fi
dpkg --root="$root" --status hearth | grep -qx 'Status: install ok installed' || fail "hearth is not installed"

got=$(env -i PATH=/usr/bin:/bin "$root/usr/bin/hearth" --version)
[[ $got == "hearth $version" ]] || fail "hearth --version printed '$got', not 'hearth $version'"
echo "installed: $got"

# An import needs the codec module: the installed one, not the build tree's
# (which this machine also has). The loader says which file it opened.
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i 'sine=frequency=440:duration=1' "$work/tone.flac" ||
  fail "ffmpeg could not make a test file"
env -i PATH=/usr/bin:/bin "$root/usr/bin/hearth" --home "$work/home" init --name Test --device-name pc \
  >/dev/null || fail "hearth init failed"
if ! env -i PATH=/usr/bin:/bin LD_DEBUG=files LD_DEBUG_OUTPUT="$work/ld" \
       "$root/usr/bin/hearth" --home "$work/home" import "$work/tone.flac" >"$work/import" 2>&1; then
  cat "$work/import" >&2
  fail "hearth import failed"
fi
module=$(sed -n 's/.*file=\([^ ]*libhearth_codec\.so\) .*dynamically loaded.*/\1/p' "$work"/ld.* | head -n 1) || true
[[ $module == "$root$module_path" ]] || fail "import loaded the codec module '$module', not $root$module_path"
echo "imported with $module"

unit=$root/usr/lib/systemd/user/hearth.service
grep -qx 'ExecStart=/usr/bin/hearth serve' "$unit" || { cat "$unit" >&2; fail "the unit does not run /usr/bin/hearth"; }
grep -q '%h/.local/bin' "$unit" && fail "the unit still names ~/.local/bin"
if command -v systemd-analyze >/dev/null; then
  # It checks that ExecStart's binary exists (so: the installed one), warns
  # of unknown keys, and wants a runtime directory for a user manager.
  sed "s|=/usr/bin/hearth|=$root/usr/bin/hearth|" "$unit" >"$work/hearth.service"
  mkdir -m 700 "$work/run"
  if ! XDG_RUNTIME_DIR=$work/run systemd-analyze verify --user "$work/hearth.service" >"$work/verify" 2>&1 ||
     [[ -s $work/verify ]]; then
    cat "$work/verify" >&2
    fail "systemd-analyze verify finds fault with the unit"
  fi
fi

man=$root/usr/share/man/man1/hearth.1.gz
gzip -t "$man" || fail "the man page is not gzip"
page=$(MANWIDTH=80 man -l "$man" 2>"$work/man.err") || { cat "$work/man.err" >&2; fail "man -l failed"; }
[[ -s $work/man.err ]] && { cat "$work/man.err" >&2; fail "man warns about the page"; }
for want in 'hearth - your household' 'SYNOPSIS' 'serve' 'HEARTH_HOME' "hearth $version"; do
  grep -q -- "$want" <<<"$page" || { echo "$page" >&2; fail "the man page lacks '$want'"; }
done
echo "ok"
