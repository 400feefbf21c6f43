#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test kernel from Debian's linux-source-6.12 and cache it.
#
#   scripts/build-kernel.sh [--print-dir] [debug|kcsan|bench]
#
# debug (default): tinyconfig + base.config + debug.config (KASAN, lockdep):
#                  the kernel every guest test runs on.
# kcsan:           tinyconfig + base.config + kcsan.config: KUnit and the
#                  concurrent guest tests again, under the data-race detector.
# bench:           tinyconfig + base.config: no debug options, for benchmarks.
#
# The tree is cached in $DISRUPTOR_CACHE (default ~/.cache/disruptor), keyed by
# the source package version and the hash of the fragments, so a second run
# only checks a stamp. The last line printed is the tree's path (KDIR).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
print_only=0
if [ "${1:-}" = "--print-dir" ]; then
	print_only=1
	shift
fi
flavor=${1:-debug}

case "$flavor" in
debug) fragments=("$here/kconfig/base.config" "$here/kconfig/debug.config") ;;
kcsan) fragments=("$here/kconfig/base.config" "$here/kconfig/kcsan.config") ;;
bench) fragments=("$here/kconfig/base.config") ;;
*) echo "build-kernel: unknown flavor '$flavor' (want debug, kcsan or bench)" >&2; exit 2 ;;
esac

tarball=/usr/src/linux-source-6.12.tar.xz
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
if [ -z "$srcver" ] || [ ! -f "$tarball" ]; then
	echo "build-kernel: linux-source-6.12 is not installed (run scripts/install-deps.sh)" >&2
	exit 1
fi

cache=${DISRUPTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/disruptor}
hash=$(cat "${fragments[@]}" | sha256sum | cut -c1-12)
kdir="$cache/kernel/linux-${srcver//[~+]/_}-$flavor-$hash"
stamp="$kdir/.disruptor-built"

if [ "$print_only" = 1 ]; then
	echo "$kdir"
	exit 0
fi

mkdir -p "$cache/kernel"
# One lock per tree: a build of one flavour does not hold up another's.
exec 9>"$kdir.lock"
flock 9

if [ -f "$stamp" ]; then
	echo "build-kernel: cached $kdir" >&2
	echo "$kdir"
	exit 0
fi

start=$(date +%s)
rm -rf "$kdir" "$kdir.tmp"
mkdir -p "$kdir.tmp"
echo "build-kernel: unpacking $tarball" >&2
tar -xJf "$tarball" -C "$kdir.tmp" --strip-components=1
mv "$kdir.tmp" "$kdir"

cd "$kdir"
make -s tinyconfig >&2
KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "${fragments[@]}" >&2
make -s olddefconfig >&2

# merge_config only warns: refuse a kernel that silently lost an option.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx -- "$line" .config || { echo "build-kernel: not applied: $line" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" .config || { echo "build-kernel: not applied: $line" >&2; bad=1; } ;;
	esac
done < <(cat "${fragments[@]}")
[ "$bad" = 0 ] || exit 1

# The compiler's output (hundreds of the kernel's own warnings) goes to a
# log; the terminal gets a progress line every 30 s.
log="$kdir/build.log"
echo "build-kernel: building $flavor kernel in $kdir (takes ~7 min on 2 cores; log: $log)" >&2
make -j"$(nproc)" bzImage modules >"$log" 2>&1 &
mpid=$!
while kill -0 "$mpid" 2>/dev/null; do
	sleep 30
	echo "build-kernel: $(grep -c '^  CC' "$log") files compiled, $(( $(date +%s) - start )) s" >&2
done
if ! wait "$mpid"; then
	echo "build-kernel: the build failed; the end of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
fi
touch "$stamp"
echo "build-kernel: built in $(( $(date +%s) - start )) s" >&2
echo "$kdir"
