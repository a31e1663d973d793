#!/usr/bin/env bash
# Builds LazyFS (https://github.com/dsrhaslab/lazyfs, a FUSE file system that keeps written data in its
# own cache until fsync and drops it on command: a power cut without a power cut) for the power-loss
# test (Tests/EndToEndTests/LazyFSPowerLossTests.swift), against Debian's libfuse3, toml11 and spdlog
# instead of the copies its CMake files download.
#   Usage: scripts/lazyfs/build.sh LAZYFS_SOURCE_DIR      (a clone of the repository above)
#   Then:  SCRAWL_LAZYFS=LAZYFS_SOURCE_DIR/lazyfs/build/lazyfs swift test --filter LazyFSPowerLossTests
# Needs root (or fuse3 with user_allow_other) and /dev/fuse when the test runs.
set -euo pipefail
src=${1:?usage: scripts/lazyfs/build.sh LAZYFS_SOURCE_DIR}
[ -f "$src/libs/libpcache/CMakeLists.txt" ] || { echo "build.sh: $src is not a LazyFS source tree" >&2; exit 2; }
if ! dpkg -s cmake libfuse3-dev fuse3 libtoml11-dev libspdlog-dev >/dev/null 2>&1; then
    sudo apt-get install -y cmake libfuse3-dev fuse3 libtoml11-dev libspdlog-dev
fi
python3 - "$src" <<'PY'
import sys
src = sys.argv[1]
p = src + '/libs/libpcache/CMakeLists.txt'
s = open(p).read()
if 'include(FetchContent)' in s:
    s = s[:s.index('include(FetchContent)')] + 'find_package(toml11 REQUIRED)\nfind_package(spdlog REQUIRED)\n\n' + s[s.index('set(warn_opts'):]
    s = s.replace('target_link_libraries(pcache toml11::toml11 spdlog)', 'target_link_libraries(pcache toml11::toml11 spdlog::spdlog)')
    open(p, 'w').write(s)
p = src + '/lazyfs/CMakeLists.txt'
s = open(p).read()
if 'find_package(spdlog' not in s:
    s = s.replace('find_package(Threads REQUIRED)', 'find_package(Threads REQUIRED)\nfind_package(spdlog REQUIRED)\nfind_package(toml11 REQUIRED)')
    s = s.replace('libpcache.so)', 'libpcache.so spdlog::spdlog toml11::toml11)')
    open(p, 'w').write(s)
# LazyFS has no statfs (FUSE then reports 0 bytes free, and scrawl pauses on a "full" disk): pass it
# through to the backing folder.
p = src + '/lazyfs/include/lazyfs/lazyfs.hpp'
s = open(p).read()
if 'lfs_statfs' not in s:
    s = s.replace('    static int lfs_access (const char* path, int mask);',
                  '    static int lfs_access (const char* path, int mask);\n\n    static int lfs_statfs (const char* path, struct statvfs* stbuf);')
    open(p, 'w').write(s)
p = src + '/lazyfs/src/lazyfs.cpp'
s = open(p).read()
if 'LazyFS::lfs_statfs' not in s:
    s = '#include <sys/statvfs.h>\n' + s + (
        '\nint lazyfs::LazyFS::lfs_statfs (const char* path, struct statvfs* stbuf) {\n'
        '    return statvfs (path, stbuf) == -1 ? -errno : 0;\n}\n')
    open(p, 'w').write(s)
PY
(cd "$src/libs/libpcache" && mkdir -p build && cd build && cmake -DCMAKE_BUILD_TYPE=Release .. >/dev/null && make -j"$(nproc)")
(cd "$src/lazyfs" && mkdir -p build && cd build && cmake -DLAZYFS_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release .. >/dev/null && make -j"$(nproc)")
echo "built $src/lazyfs/build/lazyfs"
