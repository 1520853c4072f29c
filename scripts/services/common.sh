# Helpers for scripts/services.sh: messages, timing, spare ports, running a
# command as the unprivileged user Postgres runs as, and the manifest that
# records what was started so that it can be stopped.

svc_log() { echo "services: $*" >&2; }
svc_die() {
	echo "services: $*" >&2
	exit 1
}

# svc_now prints the time in seconds since the epoch, with a fraction.
svc_now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }

# svc_since T0 prints the seconds since T0 (from svc_now), one decimal.
svc_since() { awk -v a="$1" -v b="$(svc_now)" 'BEGIN { printf "%.1f", b - a }'; }

# svc_used_ports prints the local ports of all TCP sockets on this machine
# (listening or connected), space-separated, or nothing without ss.
svc_used_ports() {
	command -v ss >/dev/null 2>&1 || return 0
	ss -tan 2>/dev/null | awk 'NR > 1 { n = split($4, a, ":"); printf " %s", a[n] } END { print " " }'
}

# svc_port_used PORT USED: true if PORT is among USED (from svc_used_ports)
# or something answers on 127.0.0.1:PORT.
svc_port_used() {
	case "$2" in *" $1 "*) return 0 ;; esac
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# svc_spare_port [BUS_OFFSET] sets SVC_PORT to a port in 15000–22767 that no
# socket uses and this run has not handed out before. With BUS_OFFSET, port
# + BUS_OFFSET must be free as well (a Redis Cluster node's bus port is its
# port + 10000). The range stays below Linux's ephemeral ports (32768 up),
# bus ports included, so outgoing connections do not take them.
SVC_TAKEN=" "
svc_spare_port() {
	local off=${1:-0} used p _
	used=$(svc_used_ports)
	for _ in $(seq 1 500); do
		p=$((15000 + RANDOM % 7768))
		case "$SVC_TAKEN" in *" $p "* | *" $((p + off)) "*) continue ;; esac
		svc_port_used "$p" "$used" && continue
		if [ "$off" -ne 0 ] && svc_port_used $((p + off)) "$used"; then continue; fi
		SVC_TAKEN="$SVC_TAKEN$p $((p + off)) "
		SVC_PORT=$p
		return 0
	done
	svc_die "no free loopback port found in 15000-22767"
}

# svc_pick_user sets SVC_USER, the user the private Postgres runs as (it
# refuses to run as root): the caller when not root; else "postgres" if that
# user exists, else a system user "analytics-pg" made for the purpose, else
# "nobody".
svc_pick_user() {
	if [ "$(id -u)" != 0 ]; then
		SVC_USER=$(id -un)
	elif id -u postgres >/dev/null 2>&1; then
		SVC_USER=postgres
	elif id -u analytics-pg >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin analytics-pg >/dev/null 2>&1; then
		SVC_USER=analytics-pg
	else
		SVC_USER=nobody
	fi
}

# svc_as_user CMD ARG...: runs the command as SVC_USER, from /, so that a
# working directory the user cannot enter does not matter.
svc_as_user() {
	if [ "$SVC_USER" = "$(id -un)" ]; then
		(cd / && "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd / && runuser -u "$SVC_USER" -- "$@")
	else
		(cd / && su -s /bin/sh "$SVC_USER" -c "$(printf '%q ' "$@")")
	fi
}

# svc_own PATH...: makes the paths SVC_USER's (no-op when it is the caller).
svc_own() {
	[ "$SVC_USER" = "$(id -un)" ] || chown "$SVC_USER" "$@"
}

# svc_manifest KIND ARG...: appends one line to the manifest, the list of
# what this run started, read back by svc_stop_manifest:
#   postgres DATADIR USER BINDIR   a server started with pg_ctl
#   redis PIDFILE                  a redis-server
#   remove DIR                     a directory to delete once all is stopped
svc_manifest() { echo "$*" >>"$SVC_MANIFEST"; }

# svc_stop_manifest FILE stops everything FILE lists (all at once, then
# waits up to 120 s, the time a bench Postgres may need for its shutdown
# checkpoint, before SIGKILL), then deletes the directories it lists.
svc_stop_manifest() {
	local kind a b c pids="" pid _
	[ -f "$1" ] || return 0
	while read -r kind a b c; do
		case "$kind" in
		postgres) pid=$(svc_stop_postgres "$a" "$b" "$c") ;;
		redis) pid=$(svc_stop_redis "$a") ;;
		*) pid= ;;
		esac
		pids="$pids $pid"
	done <"$1"
	for _ in $(seq 1 1200); do
		# shellcheck disable=SC2086 # pids is a list of words
		svc_alive $pids || break
		sleep 0.1
	done
	for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
	while read -r kind a _; do
		[ "$kind" != remove ] || rm -rf "$a"
	done <"$1"
	rm -f "$1"
}

# svc_alive PID...: true if any of the processes exists.
svc_alive() {
	local pid
	for pid; do kill -0 "$pid" 2>/dev/null && return 0; done
	return 1
}

# svc_stop_postgres DATADIR USER BINDIR asks the server to stop (fast
# shutdown) if its postmaster.pid is there, and prints its PID.
svc_stop_postgres() {
	[ -f "$1/postmaster.pid" ] || return 0
	head -n 1 "$1/postmaster.pid"
	SVC_USER=$2 svc_as_user "$3/pg_ctl" -D "$1" -m fast -W stop >/dev/null ||
		svc_log "could not stop the Postgres in $1"
}

# svc_stop_redis PIDFILE sends SIGTERM to the redis-server whose PID the
# file holds (a node restarted from its config file since rewrites it), and
# prints that PID.
svc_stop_redis() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	# A stale file (the node was killed): its PID may belong to another
	# process by now.
	if [ -d /proc/self ] && ! grep -qs redis "/proc/$pid/comm"; then return 0; fi
	kill "$pid" 2>/dev/null && echo "$pid"
	return 0
}
