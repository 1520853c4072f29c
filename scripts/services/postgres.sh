# Private Postgres servers for scripts/services.sh: a primary made with
# initdb, and a physical streaming standby of it made with pg_basebackup.
# Both listen on 127.0.0.1 only, trust every loopback connection, and run as
# SVC_USER. Nothing here reads or changes a system cluster's configuration.

# svc_pg_url PORT prints the URL of the database "test" on 127.0.0.1:PORT.
svc_pg_url() { echo "postgres://postgres@127.0.0.1:$1/test?sslmode=disable"; }

# svc_pg_find_bin sets SVC_PG_BIN to a directory holding the server
# programs: $ANALYTICS_PG_BINDIR if set (and only it); else pg_config
# --bindir, the newest /usr/lib/postgresql/N/bin (Debian, Ubuntu), or the
# directory of initdb on PATH. Returns 1 if none has them all.
svc_pg_find_bin() {
	local d
	if [ -n "${ANALYTICS_PG_BINDIR:-}" ]; then
		set -- "$ANALYTICS_PG_BINDIR"
	else
		set -- "$(pg_config --bindir 2>/dev/null)" \
			$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
			"$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
	fi
	for d in "$@"; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] &&
			[ -x "$d/pg_basebackup" ] && [ -x "$d/psql" ]; then
			SVC_PG_BIN=$d
			return 0
		fi
	done
	return 1
}

# svc_psql URL SQL prints the result of one statement, unaligned, tuples
# only; it gives up connecting after 5 s.
svc_psql() {
	local psql=psql
	[ -n "${SVC_PG_BIN:-}" ] && psql=$SVC_PG_BIN/psql
	PGCONNECT_TIMEOUT=5 "$psql" --no-psqlrc -qAt -d "$1" -c "$2"
}

# svc_pg_reachable URL: true if URL is set and a query on it succeeds (with
# no psql at hand: if its host and port accept a TCP connection).
svc_pg_reachable() {
	[ -n "$1" ] || return 1
	if [ -n "${SVC_PG_BIN:-}" ] || command -v psql >/dev/null 2>&1; then
		[ "$(svc_psql "$1" 'SELECT 1' 2>/dev/null)" = 1 ]
	else
		svc_tcp_reachable "$1" 5432
	fi
}

# svc_tcp_reachable URL DEFAULT_PORT: true if the URL's host and port (or
# DEFAULT_PORT) accept a TCP connection within 5 s.
svc_tcp_reachable() {
	local hp host port
	hp=$(echo "$1" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')
	host=${hp%%:*}
	port=${hp##*:}
	[ "$port" != "$hp" ] || port=$2
	timeout 5 bash -c "exec 3<>/dev/tcp/${host:-127.0.0.1}/$port" 2>/dev/null
}

# svc_pg_new DIR DURABLE LOG: unless DIR already holds a cluster, initdb
# into DIR (made here, owned by SVC_USER, mode 0700) with superuser
# "postgres", UTF8, trust authentication for loopback TCP and DIR's socket
# only, and the settings a streaming standby needs. DURABLE=0 turns fsync,
# synchronous_commit and full_page_writes off: a crash loses the data,
# which a test run throws away anyway. Sets SVC_PG_FRESH to 1 if it ran
# initdb, 0 if DIR held a cluster already.
svc_pg_new() {
	local dir=$1 durable=$2 log=$3 locale=C nosync=
	SVC_PG_FRESH=0
	[ -f "$dir/PG_VERSION" ] && return 0
	SVC_PG_FRESH=1
	mkdir -p "$dir"
	chmod 700 "$dir"
	svc_own "$dir"
	svc_as_user test -w "$dir" ||
		svc_die "the Postgres user $SVC_USER cannot write to $dir (a parent directory is closed to it); choose another place for it"
	locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' && locale=C.UTF-8
	[ "$durable" = 1 ] || nosync=--no-sync
	svc_as_user "$SVC_PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 \
		--locale="$locale" $nosync >>"$log" 2>&1 ||
		svc_die "initdb into $dir failed; its output is in $log: $(tail -n 5 "$log")"
	cat >>"$dir/postgresql.conf" <<-EOF

		# Written by scripts/services.sh for the tests: loopback only, and what
		# a streaming standby made with pg_basebackup needs.
		listen_addresses = '127.0.0.1'
		wal_level = replica
		max_wal_senders = 10
		max_replication_slots = 10
		hot_standby = on
	EOF
	if [ "$durable" != 1 ]; then
		printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$dir/postgresql.conf"
	fi
	cat >"$dir/pg_hba.conf" <<-EOF
		# Written by scripts/services.sh: trust on loopback and the socket only.
		local all all trust
		local replication all trust
		host all all 127.0.0.1/32 trust
		host replication all 127.0.0.1/32 trust
	EOF
}

# svc_pg_start DIR LOG: starts the cluster in DIR on a spare port (tried up
# to three times, in case another process takes the port first), with its
# socket in DIR, and waits until it accepts connections. Sets SVC_PG_PORT.
# A cluster that is already running (kept by an earlier run) is used as it
# is and not recorded in the manifest, so this run does not stop it.
svc_pg_start() {
	local dir=$1 log=$2 sock=$1 _
	if svc_as_user "$SVC_PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
		SVC_PG_PORT=$(sed -n 4p "$dir/postmaster.pid")
		svc_log "Postgres in $dir is already running, on port $SVC_PG_PORT; using it"
		return 0
	fi
	[ "${#sock}" -le 80 ] || sock= # a socket path is limited to 107 bytes
	touch "$log"
	svc_own "$log"
	for _ in 1 2 3; do
		svc_spare_port
		if svc_as_user "$SVC_PG_BIN/pg_ctl" -D "$dir" -l "$log" -w -t 60 \
			-o "-p $SVC_PORT -k '$sock'" start >/dev/null; then
			svc_manifest postgres "$dir" "$SVC_USER" "$SVC_PG_BIN"
			SVC_PG_PORT=$SVC_PORT
			return 0
		fi
	done
	svc_die "Postgres in $dir did not start; its log is $log: $(tail -n 5 "$log")"
}

# svc_pg_create_test PORT creates the database "test" unless it exists.
svc_pg_create_test() {
	local url="postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"
	[ "$(svc_psql "$url" "SELECT 1 FROM pg_database WHERE datname = 'test'")" = 1 ] ||
		svc_psql "$url" 'CREATE DATABASE test' >/dev/null
}

# svc_pg_standby PRIMARY_PORT DIR LOG SLOT: unless DIR already holds one,
# copies the primary into DIR with pg_basebackup -R (standby.signal and
# primary_conninfo written), streaming the WAL written meanwhile, after a
# fast checkpoint (without it the copy waits for the next scheduled one, up
# to checkpoint_timeout). A non-empty SLOT makes a replication slot of that
# name, so that a standby kept between runs finds the WAL it missed. Then
# starts it (svc_pg_start) and waits up to 30 s until it streams. Sets
# SVC_PG_PORT to the standby's port.
svc_pg_standby() {
	local pport=$1 dir=$2 log=$3 slot=$4 purl _
	purl="postgres://postgres@127.0.0.1:$pport/postgres?sslmode=disable"
	if [ ! -f "$dir/PG_VERSION" ]; then
		mkdir -p "$dir"
		chmod 700 "$dir"
		svc_own "$dir"
		if [ -n "$slot" ]; then
			svc_psql "$purl" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
			set -- -C -S "$slot"
		else
			set --
		fi
		svc_as_user "$SVC_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres \
			-D "$dir" -R -X stream --checkpoint=fast "$@" >>"$log" 2>&1 ||
			svc_die "pg_basebackup into $dir failed: $(tail -n 5 "$log")"
	fi
	# A kept standby follows its primary to the port it has this run.
	svc_as_user sed -i "/^primary_conninfo/ s/port=[0-9]*/port=$pport/" "$dir/postgresql.auto.conf"
	svc_pg_start "$dir" "$log"
	for _ in $(seq 1 300); do
		[ "$(svc_psql "$(svc_pg_url "$SVC_PG_PORT")" 'SELECT status FROM pg_stat_wal_receiver')" = streaming ] &&
			return 0
		sleep 0.1
	done
	svc_die "the standby in $dir does not stream from 127.0.0.1:$pport after 30 s; its log is $log"
}
