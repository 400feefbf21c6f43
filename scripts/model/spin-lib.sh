# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the check-*-model.sh scripts: copy MODEL into a scratch
# directory and verify it there with spin.
#   spin_setup MODEL            cd into a scratch copy (removed at exit);
#                               exits 77 when spin is not installed
#   spin_verify "PAN_CFLAGS" "PAN_ARGS" DEFINE...
#                               generate, compile and run pan; its output
#                               in ./pan.out; 2 when spin or cc fails
#   spin_errors                 N from pan's "errors: N", or ""

spin_setup() {
	command -v spin >/dev/null || { echo "spin is not installed: run 'make deps'"; exit 77; }
	spin_model=$(basename "$1")
	spin_tmp=$(mktemp -d)
	trap 'rm -rf "$spin_tmp"' EXIT
	cp "$1" "$spin_tmp/"
	cd "$spin_tmp" || exit 1
}

spin_verify() {
	local cflags=$1 args=$2
	shift 2
	rm -f pan pan.* "$spin_model.trail"
	spin "$@" -a "$spin_model" >spin.out 2>&1 || { cat spin.out; return 2; }
	# shellcheck disable=SC2086
	"${CC:-gcc}" -O2 $cflags -o pan pan.c >cc.out 2>&1 || { cat cc.out; return 2; }
	# shellcheck disable=SC2086
	./pan $args >pan.out 2>&1
	return 0
}

spin_errors() {
	sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | tail -n 1
}
