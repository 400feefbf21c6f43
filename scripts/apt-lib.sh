# SPDX-License-Identifier: GPL-2.0
# Sourced by the install scripts: which Debian packages are missing, and
# installing them. Root runs apt-get directly, anyone else through sudo.

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# apt_missing PKG...: print each package that is not installed, one a line.
apt_missing() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$st" = "install ok installed" ] || printf '%s\n' "$p"
	done
}

# apt_install PKG...: refresh the lists and install, without recommends.
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "$@"
}
