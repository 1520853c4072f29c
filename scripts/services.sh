# Sourced by scripts/test.sh and scripts/bench.sh. Gives the tests their
# Postgres and Redis servers and exports where they are:
#
#   TEST_DATABASE_URL          Postgres, database "test"
#   TEST_REDIS_URL             Redis
#   TEST_REDIS_CLUSTER_ADDRS   a Redis Cluster, 3 masters + 3 replicas,
#                              comma-separated host:port
#   TEST_REPLICA_PRIMARY_URL   a Postgres primary, database "test", and
#   TEST_REPLICA_URL           a physical streaming standby of it
#
# A variable that is set and whose service answers is used as it is. One that
# is unset, or whose service does not answer, gets a private server started
# on a spare loopback port: never the system's Postgres or Redis, whose
# configuration nothing here reads. A private Postgres made for
# TEST_DATABASE_URL is also the replica pair's primary. Missing packages
# (postgresql, redis-server) are installed with apt-get when running as root
# on Debian or Ubuntu; otherwise the script stops and says what to do.
#
#   . scripts/services.sh
#   trap services_stop EXIT
#   services_start test postgres replica redis cluster
#
# Private servers live in a new temporary directory and are stopped and
# deleted by services_stop, unless ANALYTICS_KEEP_SERVICES=1: then they keep
# running and it prints how to reuse and stop them. In bench mode the private
# Postgres servers keep their data between runs (see svc_pg_dirs).

_svc_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_svc_dir/services/common.sh"
. "$_svc_dir/services/postgres.sh"
. "$_svc_dir/services/redis.sh"

# services_start MODE SERVICE...: MODE is test or bench; each SERVICE is one
# of postgres, replica, redis, cluster. Prints how long each start took.
services_start() {
	local t0
	SVC_MODE=$1
	shift
	t0=$(svc_now)
	svc_plan "$@"
	svc_check_packages
	SVC_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/analytics-services.XXXXXX")
	chmod 755 "$SVC_ROOT" # the Postgres user enters it
	SVC_MANIFEST=$SVC_ROOT/manifest
	svc_manifest remove "$SVC_ROOT"
	svc_pick_user
	[ "$SVC_NEED_PG" = 0 ] || svc_start_main_pg
	[ "$SVC_NEED_REPLICA" = 0 ] || svc_start_replica
	if [ "$SVC_NEED_REDIS" = 1 ]; then
		svc_timed redis svc_redis_start "$SVC_ROOT/redis"
		export TEST_REDIS_URL="redis://127.0.0.1:$SVC_REDIS_PORT/0"
	fi
	if [ "$SVC_NEED_CLUSTER" = 1 ]; then
		svc_timed cluster svc_cluster_start "$SVC_ROOT/cluster"
		export TEST_REDIS_CLUSTER_ADDRS=$SVC_CLUSTER_ADDRS
	fi
	svc_exports >"$SVC_ROOT/env"
	svc_log "services ready in $(svc_since "$t0") s"
}

# services_stop stops and deletes what services_start started, or with
# ANALYTICS_KEEP_SERVICES=1 leaves it running and prints how to reuse it.
services_stop() {
	[ -n "${SVC_MANIFEST:-}" ] && [ -f "$SVC_MANIFEST" ] || return 0
	if [ "${ANALYTICS_KEEP_SERVICES:-}" = 1 ]; then
		svc_log "kept running (ANALYTICS_KEEP_SERVICES=1); to reuse them, run . $SVC_ROOT/env, which holds:"
		sed 's/^/  /' "$SVC_ROOT/env" >&2
		svc_log "stop them with: scripts/stop-services.sh $SVC_MANIFEST"
		return 0
	fi
	svc_stop_manifest "$SVC_MANIFEST"
	SVC_MANIFEST=
}

# svc_exports prints an export line for each variable services_start sets.
svc_exports() {
	local v
	for v in TEST_DATABASE_URL TEST_REDIS_URL TEST_REDIS_CLUSTER_ADDRS TEST_REPLICA_PRIMARY_URL TEST_REPLICA_URL; do
		[ -z "${!v:-}" ] || echo "export $v='${!v}'"
	done
}

# svc_timed NAME CMD ARG...: runs the command and logs how long it took.
svc_timed() {
	local t0
	t0=$(svc_now)
	"${@:2}"
	svc_log "$1 started in $(svc_since "$t0") s"
}

# svc_plan SERVICE... sets SVC_NEED_PG, _REPLICA, _REDIS and _CLUSTER to 1
# for each requested service whose variables do not name a server that
# answers.
svc_plan() {
	SVC_NEED_PG=0 SVC_NEED_REPLICA=0 SVC_NEED_REDIS=0 SVC_NEED_CLUSTER=0
	svc_pg_find_bin || true
	local s
	for s in "$@"; do
		case $s in
		postgres) svc_given TEST_DATABASE_URL svc_pg_reachable "${TEST_DATABASE_URL:-}" || SVC_NEED_PG=1 ;;
		replica) svc_given TEST_REPLICA_URL svc_replica_reachable || SVC_NEED_REPLICA=1 ;;
		redis) svc_given TEST_REDIS_URL svc_redis_reachable "${TEST_REDIS_URL:-}" || SVC_NEED_REDIS=1 ;;
		cluster) svc_given TEST_REDIS_CLUSTER_ADDRS svc_cluster_reachable "${TEST_REDIS_CLUSTER_ADDRS:-}" || SVC_NEED_CLUSTER=1 ;;
		*) svc_die "unknown service $s" ;;
		esac
	done
}

# svc_given VAR CHECK ARG...: true if VAR is set and CHECK passes; logs which
# way it went.
svc_given() {
	if [ -z "${!1:-}" ]; then
		svc_log "$1 is not set: a private server will start"
		return 1
	fi
	if "${@:2}"; then
		svc_log "$1 is set and answers: using it"
		return 0
	fi
	svc_log "$1 is set but does not answer: a private server will start"
	return 1
}

# svc_replica_reachable: true if both replica URLs answer and the standby is
# in recovery.
svc_replica_reachable() {
	svc_pg_reachable "${TEST_REPLICA_PRIMARY_URL:-}" &&
		svc_pg_reachable "${TEST_REPLICA_URL:-}" &&
		[ "$(svc_psql "$TEST_REPLICA_URL" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]
}

# svc_check_packages makes sure the programs the private servers need are
# there: installs the missing packages with apt-get when root on Debian or
# Ubuntu, or stops with a message that says what to install or export.
svc_check_packages() {
	local missing=""
	if [ "$SVC_NEED_PG$SVC_NEED_REPLICA" != 00 ] && ! svc_pg_find_bin; then
		missing="postgresql"
	fi
	if [ "$SVC_NEED_REDIS$SVC_NEED_CLUSTER" != 00 ] &&
		! { command -v redis-server && command -v redis-cli; } >/dev/null 2>&1; then
		missing="$missing redis-server"
	fi
	[ -n "$missing" ] || return 0
	missing=${missing# }
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		svc_log "installing $missing with apt-get"
		# shellcheck disable=SC2086 # missing is a list of package names
		{ DEBIAN_FRONTEND=noninteractive apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing; } >&2 ||
			svc_die "apt-get install $missing failed"
		svc_check_packages_installed
		return 0
	fi
	svc_die "$(svc_missing_message "$missing")"
}

# svc_check_packages_installed stops if apt-get did not bring the programs.
svc_check_packages_installed() {
	if [ "$SVC_NEED_PG$SVC_NEED_REPLICA" != 00 ] && ! svc_pg_find_bin; then
		svc_die "postgresql is installed but initdb, pg_ctl, postgres, pg_basebackup and psql are not all in one directory${ANALYTICS_PG_BINDIR:+ (ANALYTICS_PG_BINDIR=$ANALYTICS_PG_BINDIR)}"
	fi
	if [ "$SVC_NEED_REDIS$SVC_NEED_CLUSTER" != 00 ] && ! command -v redis-server >/dev/null; then
		svc_die "redis-server is installed but not on PATH"
	fi
}

# svc_missing_message PACKAGES prints what to do when packages are missing
# and cannot be installed here.
svc_missing_message() {
	cat <<-EOF
		the tests need private servers, but these packages are missing: $1
		  (Postgres: initdb, pg_ctl, postgres, pg_basebackup, psql; Redis: redis-server, redis-cli)
		Install them (this script does it itself when run as root on Debian or Ubuntu):
		  sudo apt-get install -y $1
		  (elsewhere: the PostgreSQL server and Redis packages of your system;
		  ANALYTICS_PG_BINDIR names the directory of the Postgres programs if they are not found)
		Or point the tests at servers that are already running:
		  export TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
		  export TEST_REDIS_URL='redis://127.0.0.1:6379/0'
		  export TEST_REDIS_CLUSTER_ADDRS='host:port,...'   # 3 masters + 3 replicas
		  export TEST_REPLICA_PRIMARY_URL='postgres://...' TEST_REPLICA_URL='postgres://...'  # a streaming standby
		  (docker compose up -d with compose.yaml gives the first two; see docs/development.md)
	EOF
}

# svc_pg_dirs NAME sets SVC_PG_DIR and SVC_PG_LOG for a private Postgres.
# Test mode: under this run's temporary directory, not durable. Bench mode:
# .cache/bench-NAME in the repository (ANALYTICS_BENCH_PGDATA overrides the
# main one's), kept between runs so that loaded datasets are reused, with
# normal durability.
svc_pg_dirs() {
	if [ "$SVC_MODE" = bench ]; then
		SVC_PG_DIR=$(cd "$_svc_dir/.." && pwd)/.cache/bench-$1
		[ "$1" != postgres ] || SVC_PG_DIR=${ANALYTICS_BENCH_PGDATA:-$SVC_PG_DIR}
		SVC_PG_LOG=$SVC_PG_DIR.log
		SVC_PG_DURABLE=1
		mkdir -p "$(dirname "$SVC_PG_DIR")"
	else
		SVC_PG_DIR=$SVC_ROOT/$1
		SVC_PG_LOG=$SVC_ROOT/$1.log
		SVC_PG_DURABLE=0
	fi
}

# svc_start_main_pg starts the private Postgres for TEST_DATABASE_URL, which
# is also the replica pair's primary.
svc_start_main_pg() {
	local t0
	t0=$(svc_now)
	svc_pg_dirs postgres
	svc_pg_new "$SVC_PG_DIR" "$SVC_PG_DURABLE" "$SVC_PG_LOG"
	svc_pg_start "$SVC_PG_DIR" "$SVC_PG_LOG"
	svc_pg_create_test "$SVC_PG_PORT"
	SVC_MAIN_PG_PORT=$SVC_PG_PORT SVC_MAIN_PG_DIR=$SVC_PG_DIR SVC_MAIN_PG_FRESH=$SVC_PG_FRESH
	export TEST_DATABASE_URL
	TEST_DATABASE_URL=$(svc_pg_url "$SVC_PG_PORT")
	svc_log "postgres started in $(svc_since "$t0") s (127.0.0.1:$SVC_PG_PORT, $SVC_PG_DIR, as $SVC_USER)"
}

# svc_start_replica starts a streaming standby of the private Postgres, or
# of a private primary of its own when TEST_DATABASE_URL names another
# server.
svc_start_replica() {
	local t0 pport pdir slot=
	if [ "$SVC_NEED_PG" = 1 ]; then
		pport=$SVC_MAIN_PG_PORT pdir=$SVC_MAIN_PG_DIR SVC_PG_FRESH=$SVC_MAIN_PG_FRESH
	else
		t0=$(svc_now)
		svc_pg_dirs replica-primary
		svc_pg_new "$SVC_PG_DIR" "$SVC_PG_DURABLE" "$SVC_PG_LOG"
		svc_pg_start "$SVC_PG_DIR" "$SVC_PG_LOG"
		svc_pg_create_test "$SVC_PG_PORT"
		pport=$SVC_PG_PORT pdir=$SVC_PG_DIR
		svc_log "replica primary started in $(svc_since "$t0") s (127.0.0.1:$pport, $pdir)"
	fi
	t0=$(svc_now)
	if [ "$SVC_NEED_PG" = 1 ]; then svc_pg_dirs standby; else svc_pg_dirs replica-standby; fi
	# A kept standby copied from an earlier primary cannot follow a new one.
	[ "$SVC_PG_FRESH" = 0 ] || rm -rf "$SVC_PG_DIR"
	[ "$SVC_MODE" != bench ] || slot=analytics_bench_standby
	svc_pg_standby "$pport" "$SVC_PG_DIR" "$SVC_PG_LOG" "$slot"
	export TEST_REPLICA_PRIMARY_URL TEST_REPLICA_URL
	TEST_REPLICA_PRIMARY_URL=$(svc_pg_url "$pport")
	TEST_REPLICA_URL=$(svc_pg_url "$SVC_PG_PORT")
	svc_log "standby started in $(svc_since "$t0") s (127.0.0.1:$SVC_PG_PORT, $SVC_PG_DIR)"
}
