#!/usr/bin/env bash
# Shows that scripts/services.sh gives the tests their servers on a machine
# where nothing is set up for them, even when a system Postgres (5432) and
# Redis (6379) happen to run. scripts/test.sh runs it first.
#
# 1. In an empty environment (env -i, PATH and HOME only: no TEST_*
#    variable), it starts every service, and checks that each is a private
#    server (not on 5432 or 6379, data in the run's new directory) that
#    answers: Postgres and its streaming standby (in recovery, and a row
#    written on the primary shows up on it), Redis, and the Redis Cluster
#    (state ok, 6 nodes, 3 masters with slots and 3 replicas). Then it stops
#    them and checks that their processes and directory are gone. It prints
#    how long the first start took (initdb and all).
# 2. As an unprivileged user, with the Postgres and Redis programs out of
#    reach (PATH without them, ANALYTICS_PG_BINDIR=/nonexistent), it checks
#    that the start stops with the message naming the packages and the
#    variables, having started nothing.
set -euo pipefail

fail() {
	echo "bare-machine-check: FAIL: $*" >&2
	exit 1
}
say() { echo "bare-machine-check: $*" >&2; }

# port URL prints the port of a URL or host:port.
port() { echo "$1" | sed -E 's#^([a-z]+://)?([^@/]*@)?[^:/]*:([0-9]+).*#\3#'; }

# check_private NAME URL: the port is not the system server's or one that
# was in use before the start.
check_private() {
	local p
	p=$(port "$2")
	case " 5432 6379 $(cat "$out/ports-before") " in
	*" $p "*) fail "$1 uses port $p, which was in use before the start" ;;
	esac
}

# check_postgres: the primary and the standby answer, live in the run's
# directory, and the standby replays what the primary writes.
check_postgres() {
	local dir v pid _
	[ "$TEST_REPLICA_PRIMARY_URL" = "$TEST_DATABASE_URL" ] ||
		fail "TEST_REPLICA_PRIMARY_URL ($TEST_REPLICA_PRIMARY_URL) is not TEST_DATABASE_URL"
	for v in TEST_DATABASE_URL TEST_REPLICA_URL; do
		check_private "$v" "${!v}"
		"$SVC_PG_BIN/pg_isready" -q -d "${!v}" || fail "$v does not answer pg_isready"
		dir=$(svc_psql "${!v}" 'SHOW data_directory')
		case "$dir" in "$SVC_ROOT"/*) ;; *) fail "$v keeps its data in $dir, not under $SVC_ROOT" ;; esac
		[ "$(svc_psql "${!v}" 'SELECT current_database()')" = test ] || fail "$v is not database test"
		pid=$(head -n 1 "$dir/postmaster.pid")
		[ "$(stat -c %U "/proc/$pid")" != root ] || fail "$v runs as root"
		echo "$pid" >>"$out/pids"
	done
	[ "$(svc_psql "$TEST_REPLICA_URL" 'SELECT pg_is_in_recovery()')" = t ] ||
		fail "TEST_REPLICA_URL is not in recovery"
	svc_psql "$TEST_DATABASE_URL" "CREATE TABLE bare_check (v text); INSERT INTO bare_check VALUES ('$SVC_ROOT')" >/dev/null
	for _ in $(seq 1 100); do
		[ "$(svc_psql "$TEST_REPLICA_URL" 'SELECT v FROM bare_check' 2>/dev/null)" = "$SVC_ROOT" ] && return 0
		sleep 0.1
	done
	fail "a row written on the primary did not show up on the standby in 10 s"
}

# check_redis: Redis and every cluster node answer from the run's directory,
# and the cluster has settled with 3 masters and 3 replicas.
check_redis() {
	local a p info
	check_private TEST_REDIS_URL "$TEST_REDIS_URL"
	[ "$(redis-cli -u "$TEST_REDIS_URL" ping)" = PONG ] || fail "TEST_REDIS_URL does not answer PING"
	redis-cli -u "$TEST_REDIS_URL" info server | tr -d '\r' | sed -n 's/^process_id://p' >>"$out/pids"
	[ "$(echo "$TEST_REDIS_CLUSTER_ADDRS" | tr ',' '\n' | wc -l)" = 6 ] ||
		fail "TEST_REDIS_CLUSTER_ADDRS has not 6 nodes: $TEST_REDIS_CLUSTER_ADDRS"
	for a in ${TEST_REDIS_CLUSTER_ADDRS//,/ }; do
		p=${a##*:}
		check_private "cluster node $a" "$a"
		info=$(redis-cli -p "$p" cluster info | tr -d '\r')
		echo "$info" | grep -qx 'cluster_state:ok' || fail "node $a: cluster_state is not ok"
		echo "$info" | grep -qx 'cluster_known_nodes:6' || fail "node $a does not know 6 nodes"
		echo "$info" | grep -qx 'cluster_size:3' || fail "node $a: not 3 masters with slots"
		info=$(redis-cli -p "$p" info server | tr -d '\r')
		case "$(echo "$info" | sed -n 's/^config_file://p')" in
		"$SVC_ROOT"/*) ;; *) fail "node $a has no config file under $SVC_ROOT" ;;
		esac
		echo "$info" | sed -n 's/^process_id://p' >>"$out/pids"
	done
	svc_cluster_settled $(echo "$TEST_REDIS_CLUSTER_ADDRS" | tr ',' '\n' | sed 's/.*://') ||
		fail "the cluster has not 3 masters with slots and 3 connected replicas on every node"
	[ "$(redis-cli -c -p "$p" set bare-check ok)" = OK ] && [ "$(redis-cli -c -p "$p" get bare-check)" = ok ] ||
		fail "SET and GET through the cluster failed"
}

# inner OUT: step 1's start and checks, run in the empty environment.
inner() {
	local t0
	cd "$(dirname "$self")/.."
	. scripts/services.sh
	trap services_stop EXIT
	ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }' >"$out/ports-before" || true
	t0=$(svc_now)
	services_start test postgres replica redis cluster
	say "first start, from nothing to every service ready: $(svc_since "$t0") s"
	echo "$SVC_ROOT" >"$out/root"
	check_postgres
	check_redis
	say "every service is private and answers"
}

# outer_started: step 1, and afterwards everything is gone.
outer_started() {
	local pid
	env -i PATH="$sys_path" HOME="${HOME:-/root}" bash "$self" --inner "$out" ||
		fail "starting or checking the services failed"
	[ -s "$out/root" ] || fail "the run did not record its directory"
	[ ! -e "$(cat "$out/root")" ] || fail "$(cat "$out/root") is still there after the stop"
	[ "$(wc -l <"$out/pids")" = 9 ] || fail "expected 9 server PIDs, got $(wc -l <"$out/pids")"
	for pid in $(cat "$out/pids"); do
		! kill -0 "$pid" 2>/dev/null || fail "server process $pid still runs after the stop"
	done
	say "after the stop, the 9 server processes and $(cat "$out/root") are gone"
}

# outer_missing: step 2.
outer_missing() {
	local bin copy user msg status=0 d f
	bin=$out/bin
	mkdir -p "$bin"
	# Every program of the system but Postgres's and Redis's.
	for d in /usr/sbin /usr/bin /sbin /bin; do
		ln -s "$d"/* "$bin/" 2>/dev/null || true # a name seen in an earlier directory stays
	done
	rm -f "$bin"/redis-* "$bin"/pg_* "$bin"/psql "$bin"/initdb "$bin"/postgres "$bin"/postmaster
	copy=$out/repo
	mkdir -p "$copy"
	cp -r scripts "$copy/"
	chmod -R a+rX "$out"
	user=$(id -un)
	[ "$(id -u)" != 0 ] || user=nobody
	msg=$(cd / && runuser_if_root "$user" env -i PATH="$bin" HOME=/nonexistent ANALYTICS_PG_BINDIR=/nonexistent \
		bash -c ". '$copy/scripts/services.sh'; services_start test postgres replica redis cluster" 2>&1) || status=$?
	[ "$status" != 0 ] || fail "with the packages missing, the start succeeded"
	for f in 'packages are missing: postgresql redis-server' 'apt-get install -y postgresql redis-server' \
		"export TEST_DATABASE_URL=" "export TEST_REDIS_CLUSTER_ADDRS=" "compose.yaml"; do
		echo "$msg" | grep -qF -- "$f" || fail "the missing-packages message lacks \"$f\": $msg"
	done
	! echo "$msg" | grep -q 'started in' || fail "with the packages missing, something was started: $msg"
	say "as $user with the packages missing, the start stops with: $(echo "$msg" | grep -m 1 'packages are missing')"
}

runuser_if_root() {
	local user=$1
	shift
	if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
if [ "${1:-}" = --inner ]; then
	out=$2
	inner
	exit
fi
cd "$(dirname "$self")/.."
sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
outer_started
outer_missing
say ok
