#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# apt-mirror.sh - the Debian archive this machine's apt is configured for.
#
#   apt-mirror.sh archive     the URI serving bookworm (e.g. .../debian)
#   apt-mirror.sh security    the URI serving bookworm-security
#
# kwish names no registry host: images and private apt lists use the
# mirror the machine's own apt configuration names.  Taken from
# `apt-get indextargets` (what apt has lists for), else from the sources
# files themselves (a fresh machine before its first `apt-get update`).
# The answer goes to stdout without a trailing slash; nothing else does.
# KWISH_DEBIAN_MIRROR / KWISH_DEBIAN_SECURITY override.
set -euo pipefail

die() { echo "apt-mirror: $*" >&2; exit 1; }

# "URI SUITE" lines of every deb source apt knows.
sources() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		sort -u
	# One-line style: deb [opts] URI SUITE COMPONENTS...
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' |
		awk '$1 == "deb" { print $2, $3 }'
	# deb822 style: Types/URIs/Suites stanzas.
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '
		function flush(   i, j, nu, ns, u, s) {
			if (deb) {
				nu = split(uris, u, " "); ns = split(suites, s, " ")
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						print u[i], s[j]
			}
			deb = 0; uris = ""; suites = ""
		}
		/^[[:space:]]*#/ { next }
		/^[[:space:]]*$/ { flush(); next }
		tolower($1) == "types:" { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
		tolower($1) == "uris:" { $1 = ""; uris = $0 }
		tolower($1) == "suites:" { $1 = ""; suites = $0 }
		END { flush() }'
}

pick() {	# pick SUITE: the first URI serving it
	sources | awk -v s="$1" '$2 == s { sub(/\/+$/, "", $1); print $1; exit }'
}

case ${1:-} in
archive)
	v=${KWISH_DEBIAN_MIRROR:-$(pick bookworm)}
	[ -n "$v" ] || die "apt serves no bookworm archive (see /etc/apt/sources.list*)" ;;
security)
	v=${KWISH_DEBIAN_SECURITY:-$(pick bookworm-security)}
	[ -n "$v" ] || die "apt serves no bookworm-security archive (see /etc/apt/sources.list*)" ;;
*)
	sed -n '4,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2 ;;
esac
echo "$v"
