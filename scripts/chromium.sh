#!/usr/bin/env bash
# Finds Chromium for the browser test of examples/httpapi and exports its
# path as ANALYTICS_CHROMIUM. When none is installed and this runs as root
# with apt-get, it installs Debian's chromium package first. Source it
# (scripts/test.sh does): `. scripts/chromium.sh`. Without a browser the
# test fails under ANALYTICS_REQUIRE_SERVICES=1, and this says why.

_analytics_find_chromium() {
	local name
	for name in chromium chromium-browser google-chrome google-chrome-stable; do
		command -v "$name" && return 0
	done
	return 1
}

if [ -n "${ANALYTICS_CHROMIUM:-}" ] && [ ! -x "$ANALYTICS_CHROMIUM" ]; then
	echo "chromium.sh: ANALYTICS_CHROMIUM=$ANALYTICS_CHROMIUM is not an executable; looking for another" >&2
	ANALYTICS_CHROMIUM=
fi
if [ -z "${ANALYTICS_CHROMIUM:-}" ]; then
	ANALYTICS_CHROMIUM=$(_analytics_find_chromium) || ANALYTICS_CHROMIUM=
fi
if [ -z "$ANALYTICS_CHROMIUM" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "chromium.sh: installing Debian's chromium for the browser test (apt-get install -y chromium)" >&2
		if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
			echo "chromium.sh: installing chromium failed" >&2
		fi
		ANALYTICS_CHROMIUM=$(_analytics_find_chromium) || ANALYTICS_CHROMIUM=
	else
		echo "chromium.sh: no Chromium found, and installing it needs root and apt-get: run 'sudo apt-get install -y chromium' or set ANALYTICS_CHROMIUM" >&2
	fi
fi
if [ -n "$ANALYTICS_CHROMIUM" ]; then
	export ANALYTICS_CHROMIUM
	echo "chromium.sh: the browser test uses $ANALYTICS_CHROMIUM" >&2
else
	unset ANALYTICS_CHROMIUM
	echo "chromium.sh: no Chromium; TestPageInBrowser will fail under ANALYTICS_REQUIRE_SERVICES=1 and skip otherwise" >&2
fi
unset -f _analytics_find_chromium
