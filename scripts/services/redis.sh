# Private Redis servers for scripts/services.sh: one plain redis-server, and
# a Redis Cluster of six nodes (three masters, three replicas). All listen on
# 127.0.0.1 only and keep nothing on disk but the cluster's nodes.conf.

# svc_redis_reachable URL: true if redis-cli gets PONG from URL within 5 s
# (with no redis-cli at hand: if its host and port accept a connection).
svc_redis_reachable() {
	[ -n "$1" ] || return 1
	if command -v redis-cli >/dev/null 2>&1; then
		[ "$(timeout 5 redis-cli -u "$1" ping 2>/dev/null)" = PONG ]
	else
		svc_tcp_reachable "$1" 6379
	fi
}

# svc_cluster_reachable ADDRS: true if every host:port in the comma-separated
# ADDRS reports cluster_state:ok.
svc_cluster_reachable() {
	local a
	[ -n "$1" ] || return 1
	command -v redis-cli >/dev/null 2>&1 || return 1
	for a in ${1//,/ }; do
		timeout 5 redis-cli -h "${a%:*}" -p "${a##*:}" cluster info 2>/dev/null |
			grep -q '^cluster_state:ok' || return 1
	done
}

# svc_redis_up PORT PIDFILE: waits up to 10 s until the redis-server whose
# PID PIDFILE holds answers on PORT (checking the PID, so that a server
# another process started on the same port first does not count).
svc_redis_up() {
	local _
	for _ in $(seq 1 100); do
		if [ -s "$2" ] && timeout 2 redis-cli -p "$1" info server 2>/dev/null |
			tr -d '\r' | grep -qx "process_id:$(cat "$2")"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# svc_redis_start DIR: a redis-server on a spare port, files in DIR, no
# snapshots or append-only file. Tried up to three times in case another
# process takes the port first. Sets SVC_REDIS_PORT.
svc_redis_start() {
	local dir=$1 _
	mkdir -p "$dir"
	for _ in 1 2 3; do
		svc_spare_port
		rm -f "$dir/redis.pid"
		redis-server --bind 127.0.0.1 --port "$SVC_PORT" --save "" --appendonly no \
			--daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" \
			--logfile "$dir/redis.log" || continue
		if svc_redis_up "$SVC_PORT" "$dir/redis.pid"; then
			svc_manifest redis "$dir/redis.pid"
			SVC_REDIS_PORT=$SVC_PORT
			return 0
		fi
		svc_stop_redis "$dir/redis.pid" >/dev/null
	done
	svc_die "redis-server did not start; its log is $dir/redis.log"
}

# svc_cluster_conf DIR PORT writes DIR/PORT/redis.conf for one cluster node:
# a config file of its own, so that a test can stop a node and start it
# again from the config_file that INFO server reports (daemonize is in the
# file: `redis-server FILE` puts it in the background again). A node that
# stops answering for cluster-node-timeout (1.5 s) is failed over to its
# replica, which always may take over (cluster-replica-validity-factor 0).
# A replica's first sync starts at once (repl-diskless-sync-delay 0, not
# 5 s).
svc_cluster_conf() {
	local d=$1/$2
	mkdir -p "$d"
	cat >"$d/redis.conf" <<-EOF
		port $2
		bind 127.0.0.1
		cluster-enabled yes
		cluster-config-file nodes.conf
		cluster-node-timeout 1500
		cluster-replica-validity-factor 0
		repl-diskless-sync-delay 0
		save ""
		appendonly no
		daemonize yes
		dir $d
		pidfile $d/redis.pid
		logfile $d/redis.log
	EOF
}

# svc_cluster_node DIR: one cluster node on a spare port whose bus port
# (port + 10000) is free too, tried up to three times in case another
# process takes the port first. Sets SVC_PORT.
svc_cluster_node() {
	local _
	for _ in 1 2 3; do
		svc_spare_port 10000
		svc_cluster_conf "$1" "$SVC_PORT"
		redis-server "$1/$SVC_PORT/redis.conf" || continue
		if svc_redis_up "$SVC_PORT" "$1/$SVC_PORT/redis.pid"; then
			svc_manifest redis "$1/$SVC_PORT/redis.pid"
			return 0
		fi
		svc_stop_redis "$1/$SVC_PORT/redis.pid" >/dev/null
	done
	svc_die "a Redis Cluster node did not start; its log is $1/$SVC_PORT/redis.log"
}

# svc_cluster_start DIR: six nodes (svc_cluster_conf, all started before
# waiting for any; a node that fails is started again by svc_cluster_node)
# made into a cluster of three masters with one replica each by redis-cli
# --cluster create; waits up to 30 s until it has settled
# (svc_cluster_settled). Sets SVC_CLUSTER_ADDRS, comma-separated host:port.
svc_cluster_start() {
	local started="" ports="" addrs="" p _
	for _ in 1 2 3 4 5 6; do
		svc_spare_port 10000
		svc_cluster_conf "$1" "$SVC_PORT"
		redis-server "$1/$SVC_PORT/redis.conf" >/dev/null || true
		started="$started $SVC_PORT"
	done
	for p in $started; do
		if svc_redis_up "$p" "$1/$p/redis.pid"; then
			svc_manifest redis "$1/$p/redis.pid"
		else
			svc_stop_redis "$1/$p/redis.pid" >/dev/null
			svc_cluster_node "$1"
			p=$SVC_PORT
		fi
		ports="$ports $p"
		addrs="$addrs 127.0.0.1:$p"
	done
	# shellcheck disable=SC2086 # addrs is a list of words
	redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes >"$1/create.log" 2>&1 ||
		svc_die "redis-cli --cluster create failed: $(tail -n 5 "$1/create.log")"
	for _ in $(seq 1 300); do
		# shellcheck disable=SC2086
		if svc_cluster_settled $ports; then
			addrs=${addrs# }
			SVC_CLUSTER_ADDRS=${addrs// /,}
			return 0
		fi
		sleep 0.1
	done
	svc_die "the Redis Cluster on ports$ports did not settle in 30 s; see $1/*/redis.log"
}

# svc_cluster_settled PORT...: true if every node reports cluster_state:ok,
# cluster_size:3 and cluster_known_nodes:6 (CLUSTER INFO's counts are
# recomputed lazily, so they can lag CLUSTER NODES), and sees three
# connected masters with slots and three connected replicas,
# and every replica's link to its master is up (so a failover has a synced
# replica to promote).
svc_cluster_settled() {
	local p rc
	for p in "$@"; do
		[ "$(redis-cli -p "$p" cluster info 2>/dev/null | tr -d '\r' |
			grep -cx 'cluster_state:ok\|cluster_size:3\|cluster_known_nodes:6')" = 3 ] || return 1
	done
	for p in "$@"; do
		# 0: counts right, a master; 2: counts right, a replica; else wrong.
		rc=0
		redis-cli -p "$p" cluster nodes 2>/dev/null | awk '
			$8 != "connected" || $3 ~ /fail/ { next }
			$3 ~ /master/ && NF >= 9 { m++ }
			$3 ~ /slave/ { r++ }
			$3 ~ /myself/ && $3 ~ /slave/ { replica = 1 }
			END { exit m != 3 || r != 3 ? 1 : replica ? 2 : 0 }' || rc=$?
		case $rc in
		0) ;;
		2) redis-cli -p "$p" info replication 2>/dev/null | grep -q '^master_link_status:up' || return 1 ;;
		*) return 1 ;;
		esac
	done
}
