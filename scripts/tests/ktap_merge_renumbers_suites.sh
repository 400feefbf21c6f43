#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ktap-merge.sh joins one-suite KTAP documents into one, renumbering the
# top-level results and keeping the nested ones.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for s in alpha beta; do
	printf '%s\n' 'KTAP version 1' '1..1' '    KTAP version 1' "    # Subtest: $s" \
		'    1..1' '    ok 1 case' "ok 1 $s" >"$tmp/$s.ktap"
done
"$here/ktap-merge.sh" "$tmp/alpha.ktap" "$tmp/beta.ktap" >"$tmp/merged.ktap"
want=$(printf '%s\n' 'KTAP version 1' '1..2' '    KTAP version 1' '    # Subtest: alpha' \
	'    1..1' '    ok 1 case' 'ok 1 alpha' '    KTAP version 1' '    # Subtest: beta' \
	'    1..1' '    ok 1 case' 'ok 2 beta')
if [ "$(cat "$tmp/merged.ktap")" != "$want" ]; then
	echo "FAIL: merged document differs:"
	diff <(echo "$want") "$tmp/merged.ktap"
	exit 1
fi
echo "merged two suites"
