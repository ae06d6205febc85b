#!/bin/sh
# Install the build tree into a temporary prefix, then build a separate C
# project against it twice: with CMake (find_package) and with pkg-config.
# $1 = build directory, $2 = source directory.
set -eu
b="$1" src="$2"
d=$(mktemp -d /tmp/pt_install_XXXXXX)
trap 'rm -rf "$d"' EXIT
cmake --install "$b" --prefix "$d/prefix" >/dev/null
cmake -S "$src/tests/install" -B "$d/cm" -DCMAKE_PREFIX_PATH="$d/prefix" >/dev/null
cmake --build "$d/cm" >/dev/null
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/cm/consumer" | grep -q "pulsetrain 0.1"
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/cm/consumer_cxx" | grep -q "pulsetrain 0.1.* (C++)"
PKG_CONFIG_PATH="$d/prefix/lib/pkgconfig:$d/prefix/lib64/pkgconfig" 
export PKG_CONFIG_PATH
cc "$src/tests/install/consumer.c" $(pkg-config --cflags --libs pulsetrain) -o "$d/pc"
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/pc" | grep -q "pulsetrain 0.1"
c++ -std=c++11 -Wall -Wextra -Werror "$src/tests/install/consumer.cpp" $(pkg-config --cflags --libs pulsetrain) -o "$d/pcxx"
LD_LIBRARY_PATH="$d/prefix/lib:$d/prefix/lib64" "$d/pcxx" | grep -q "(C++)"
[ -x "$d/prefix/bin/pulsetrain" ]
echo "ok: installed library found by CMake and pkg-config from C and C++; CLI installed"
