#!/bin/sh
# install-deps.sh - install the Debian packages that mic's build and tests
# need, as root or through sudo. The one list of them: the README's quick
# start and .ci/run both call this.
#
# Usage: tests/install-deps.sh [--all]
#   (none)  what `meson setup`, `meson compile`, `meson test` and
#           tests/demo.sh need: compiler, meson, the libraries, bats, git,
#           python3, and what the man page and completion tests use
#           (scdoc, mandoc, man, zsh, bash-completion)
#   --all   also what the stress suite and .ci/run need beyond that:
#           valgrind, clang with libFuzzer and the sanitizer runtimes,
#           and clang-format (tests/lint.sh)
#
# Only the packages of the list that are not installed yet are given to
# apt-get install, without the ones they merely recommend; installed
# packages are not upgraded, except where a new package needs a newer
# version of one it depends on (libssl-dev and libssl3 go together). When
# every package is installed already, apt-get is not run at all, so
# neither root nor the network is needed.
set -eu

pkgs="build-essential meson ninja-build pkg-config
	libsqlite3-dev libssl-dev zlib1g-dev
	bats git python3 strace
	scdoc mandoc man-db zsh bash-completion"
case ${1:-} in
'') ;;
--all) pkgs="$pkgs ca-certificates valgrind clang libclang-rt-dev clang-format" ;;
*)
	echo "usage: tests/install-deps.sh [--all]" >&2
	exit 2
	;;
esac

missing=
for p in $pkgs; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps.sh: all installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null; then
	sudo=sudo
else
	echo "install-deps.sh: not root and no sudo; as root run: apt-get install$missing" >&2
	exit 1
fi
echo "install-deps.sh: installing$missing"
# sudo drops most of the environment: pass DEBIAN_FRONTEND through env(1)
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086  # $missing is a list of names
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	-o Dpkg::Use-Pty=0 --no-install-recommends $missing
