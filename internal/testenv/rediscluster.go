package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCluster returns a cluster client for TEST_REDIS_CLUSTER_ADDRS (a
// comma-separated list of host:port of the cluster's nodes; see Require)
// and a key prefix of the test's own. At cleanup every key under the prefix
// is deleted on every master (see DeleteRedisClusterPrefix) and the client
// closed. The client has ContextTimeoutEnabled set, as the cache requires.
func RedisCluster(t testing.TB) (*redis.ClusterClient, string) {
	t.Helper()
	addrs := strings.Split(Require(t, "TEST_REDIS_CLUSTER_ADDRS"), ",")
	// PoolSize per node as a redis.Client's default: the cluster client's
	// own default is half that, and all of a team's keys go to one node.
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true,
		PoolSize: 10 * runtime.GOMAXPROCS(0)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	prefix := UniqueName("test")
	// A keyed command loads the client's slot map and command table, which
	// go-redis does on first use: a test's first burst of calls should not
	// all wait for that.
	if err := client.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil || client.Exists(ctx, prefix+":warm").Err() != nil {
		client.Close()
		t.Fatalf("TEST_REDIS_CLUSTER_ADDRS is set but the cluster cannot be reached: %v", err)
	}
	t.Cleanup(func() {
		defer client.Close()
		if err := DeleteRedisClusterPrefix(context.Background(), client, prefix); err != nil {
			t.Errorf("deleting test keys under %s: %v", prefix, err)
		}
	})
	return client, prefix
}

// DeleteRedisClusterPrefix deletes every key that starts with prefix+":"
// from every master of the cluster, with SCAN on each master and one DEL
// per key (a multi-key DEL would span hash slots). prefix must hold no glob
// characters.
func DeleteRedisClusterPrefix(ctx context.Context, client *redis.ClusterClient, prefix string) error {
	return client.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, prefix+":*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return err
		}
		_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, k)
			}
			return nil
		})
		return err
	})
}

// clusterNodeTimeout is the cluster-node-timeout of a private cluster: how
// long a master may be unreachable before its replica takes over.
const clusterNodeTimeout = time.Second

// ClusterSize is the number of masters of a private cluster; each has one
// replica.
const ClusterSize = 3

// PrivateRedisCluster is a Redis Cluster of 2×ClusterSize redis-server
// child processes (ClusterSize masters, one replica each) on spare loopback
// ports, for tests that kill a master. It keeps nothing but its node
// configuration files, in a temporary directory.
type PrivateRedisCluster struct {
	t     testing.TB
	dir   string
	mu    sync.Mutex
	nodes []*clusterNode
}

type clusterNode struct {
	port, busPort int
	cmd           *exec.Cmd // nil once killed
}

func (n *clusterNode) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

// StartRedisCluster starts a private cluster, creates it with redis-cli
// --cluster create, waits until every node agrees on its ClusterSize
// masters and their replicas, and stops every node at cleanup. When
// redis-server or redis-cli is not on PATH it skips t, or fails it under
// ANALYTICS_REQUIRE_SERVICES=1; a cluster that does not form fails t.
func StartRedisCluster(t testing.TB) *PrivateRedisCluster {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("ANALYTICS_REQUIRE_SERVICES") == "1" {
				t.Fatalf("%s is not on PATH (install the redis-server package), and ANALYTICS_REQUIRE_SERVICES=1 forbids skipping", bin)
			}
			t.Skipf("%s is not on PATH (install the redis-server package); skipping a Redis Cluster test", bin)
		}
	}
	c := &PrivateRedisCluster{t: t, dir: t.TempDir()}
	t.Cleanup(c.stop)
	ports, err := freePorts(4 * ClusterSize)
	if err != nil {
		t.Fatalf("finding free ports: %v", err)
	}
	for i := range 2 * ClusterSize {
		n := &clusterNode{port: ports[2*i], busPort: ports[2*i+1]}
		if err := c.startNode(n); err != nil {
			t.Fatalf("starting redis-server on port %d: %v", n.port, err)
		}
		c.nodes = append(c.nodes, n)
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.nodes {
		args = append(args, n.addr())
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.wait(ctx, true); err != nil {
		t.Fatalf("the cluster did not form: %v", err)
	}
	return c
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment
// ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		closers = append(closers, l.Close)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// startNode writes n's configuration file and starts its redis-server,
// waiting until it answers PING.
func (c *PrivateRedisCluster) startNode(n *clusterNode) error {
	dir := filepath.Join(c.dir, strconv.Itoa(n.port))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	conf := fmt.Sprintf(`port %d
bind 127.0.0.1
cluster-enabled yes
cluster-config-file nodes.conf
cluster-port %d
cluster-node-timeout %d
cluster-replica-validity-factor 0
save ""
appendonly no
daemonize no
dir %s
logfile %s
`, n.port, n.busPort, clusterNodeTimeout.Milliseconds(), dir, filepath.Join(dir, "log"))
	path := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("redis-server", path)
	if err := cmd.Start(); err != nil {
		return err
	}
	n.cmd = cmd
	rdb := redis.NewClient(&redis.Options{Addr: n.addr(), DialTimeout: time.Second, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			return fmt.Errorf("not answering PING after 10s: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Addrs returns the host:port of every node, killed ones included.
func (c *PrivateRedisCluster) Addrs() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.addr())
	}
	return out
}

// Client returns a new cluster client with ContextTimeoutEnabled and
// short dial and I/O timeouts (1 s), closed at cleanup.
func (c *PrivateRedisCluster) Client() *redis.ClusterClient {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 c.Addrs(),
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
	})
	c.t.Cleanup(func() { rdb.Close() })
	return rdb
}

// nodeClient returns a plain client of one node, for the caller to close.
func nodeClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
}

// Masters returns the addresses of the masters that the live nodes agree
// on, sorted by node, as CLUSTER NODES on the first live node reports them
// (failed masters left out).
func (c *PrivateRedisCluster) Masters(ctx context.Context) ([]string, error) {
	for _, n := range c.live() {
		view, err := clusterView(ctx, n.addr())
		if err != nil {
			continue
		}
		return view.masters, nil
	}
	return nil, fmt.Errorf("no node of the cluster answers")
}

// PID returns the process id that the node at addr reports (INFO server,
// process_id).
func (c *PrivateRedisCluster) PID(ctx context.Context, addr string) (int, error) {
	rdb := nodeClient(addr)
	defer rdb.Close()
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, fmt.Errorf("%s: INFO server has no process_id", addr)
}

// Kill sends SIGKILL to pid, which must be one of the cluster's own
// redis-server processes, and waits for it to exit.
func (c *PrivateRedisCluster) Kill(pid int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.cmd != nil && n.cmd.Process.Pid == pid {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				return err
			}
			n.cmd.Wait()
			n.cmd = nil
			return nil
		}
	}
	return fmt.Errorf("process %d is not a running node of this cluster", pid)
}

// live returns the nodes not killed.
func (c *PrivateRedisCluster) live() []*clusterNode {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*clusterNode
	for _, n := range c.nodes {
		if n.cmd != nil {
			out = append(out, n)
		}
	}
	return out
}

// Healthy reports whether every live node says cluster_state:ok and sees
// the same ClusterSize masters holding slots, all of them live: after Kill
// of a master, whether its replica has been promoted and every node knows
// it.
func (c *PrivateRedisCluster) Healthy(ctx context.Context) (bool, error) {
	return c.healthy(ctx, false)
}

// healthy is Healthy, and with allConnected also requires every live node
// to see every live node connected and not flagged as failing.
func (c *PrivateRedisCluster) healthy(ctx context.Context, allConnected bool) (bool, error) {
	var first []string
	live := c.live()
	alive := map[string]bool{}
	for _, n := range live {
		alive[n.addr()] = true
	}
	for i, n := range live {
		rdb := nodeClient(n.addr())
		info, err := rdb.ClusterInfo(ctx).Result()
		rdb.Close()
		if err != nil {
			return false, err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return false, nil
		}
		view, err := clusterView(ctx, n.addr())
		if err != nil {
			return false, err
		}
		if len(view.masters) != ClusterSize || allConnected && view.connected < len(live) {
			return false, nil
		}
		for _, m := range view.masters {
			if !alive[m] {
				return false, nil // a killed master not yet replaced
			}
		}
		if i == 0 {
			first = view.masters
		} else if strings.Join(first, ",") != strings.Join(view.masters, ",") {
			return false, nil
		}
	}
	return true, nil
}

// WaitHealthy polls Healthy every 20 ms until it holds or ctx ends.
func (c *PrivateRedisCluster) WaitHealthy(ctx context.Context) error {
	return c.wait(ctx, false)
}

func (c *PrivateRedisCluster) wait(ctx context.Context, allConnected bool) error {
	for {
		ok, err := c.healthy(ctx, allConnected)
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster not healthy: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// view is what one node's CLUSTER NODES says.
type view struct {
	masters   []string // addresses of masters holding slots and not failed, sorted
	connected int      // nodes not flagged fail or pfail and connected
}

func clusterView(ctx context.Context, addr string) (view, error) {
	rdb := nodeClient(addr)
	defer rdb.Close()
	out, err := rdb.ClusterNodes(ctx).Result()
	if err != nil {
		return view{}, err
	}
	var v view
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		flags, link := f[2], f[7]
		failed := strings.Contains(flags, "fail")
		if !failed && link == "connected" {
			v.connected++
		}
		if strings.Contains(flags, "master") && !failed && len(f) > 8 {
			v.masters = append(v.masters, strings.SplitN(f[1], "@", 2)[0])
		}
	}
	slices.Sort(v.masters)
	return v, nil
}

// stop kills every node still running and waits for each.
func (c *PrivateRedisCluster) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.cmd != nil {
			n.cmd.Process.Kill()
			n.cmd.Wait()
			n.cmd = nil
		}
	}
}
