#!/usr/bin/env bash
# Stops the private servers that a run of scripts/services.sh kept running
# (ANALYTICS_KEEP_SERVICES=1) and deletes their temporary directory. Its
# argument is the manifest that run printed:
#
#   ./scripts/stop-services.sh /tmp/analytics-services.XXXXXX/manifest
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 MANIFEST" >&2; exit 2; }
. "$(dirname "$0")/services.sh"
svc_stop_manifest "$1"
