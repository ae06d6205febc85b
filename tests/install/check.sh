#!/bin/sh
# Install the build tree into a temporary prefix, then build a separate C
# project against it twice: with CMake (find_package) and with pkg-config.
# $1 = build directory, $2 = source directory, $3 = the version (CMake's PROJECT_VERSION).
set -eu
b="$1" src="$2" v="$3"
d=$(mktemp -d /tmp/pt_install_XXXXXX)
trap 'rm -rf "$d"' EXIT
cmake --install "$b" --prefix "$d/prefix" >/dev/null
cmake -S "$src/tests/install" -B "$d/cm" -DCMAKE_PREFIX_PATH="$d/prefix" >/dev/null
cmake --build "$d/cm" >/dev/null
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/cm/consumer" | grep -qF "pulsetrain $v,"
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/cm/consumer_cxx" | grep -qF "pulsetrain $v (C++)"
PKG_CONFIG_PATH="$d/prefix/lib/pkgconfig:$d/prefix/lib64/pkgconfig" 
export PKG_CONFIG_PATH
cc "$src/tests/install/consumer.c" $(pkg-config --cflags --libs pulsetrain) -o "$d/pc"
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/pc" | grep -qF "pulsetrain $v,"
c++ -std=c++11 -Wall -Wextra -Werror "$src/tests/install/consumer.cpp" $(pkg-config --cflags --libs pulsetrain) -o "$d/pcxx"
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/pcxx" | grep -q "(C++)"
[ -x "$d/prefix/bin/pulsetrain" ]
echo "ok: installed library found by CMake and pkg-config from C and C++; CLI installed"
