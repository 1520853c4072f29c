# Sourced by scripts/test.sh and scripts/bench.sh: makes sure the Postgres
# and Redis the tests use are up, starting them if they are down, and exports
# TEST_DATABASE_URL and TEST_REDIS_URL (unless already set).

die() { echo "scripts: $*" >&2; exit 1; }

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

ensure_postgres() {
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
	echo "scripts: Postgres is down; starting it" >&2
	local v
	v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
	[ -n "$v" ] || die "no Postgres cluster under /etc/postgresql; install postgresql-15"
	pg_ctlcluster --skip-systemctl-redirect "$v" main start || die "could not start Postgres $v"
	for _ in $(seq 1 30); do
		pg_isready -q -h 127.0.0.1 -p 5432 && return 0
		sleep 1
	done
	die "Postgres did not accept connections on 127.0.0.1:5432 within 30 s"
}

ensure_redis() {
	if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then return 0; fi
	echo "scripts: Redis is down; starting it" >&2
	command -v redis-server >/dev/null || die "redis-server is not installed; apt-get install redis-server"
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no ||
		die "could not start redis-server"
	for _ in $(seq 1 30); do
		redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && return 0
		sleep 1
	done
	die "Redis did not answer on 127.0.0.1:6379 within 30 s"
}

ensure_postgres
ensure_redis
