package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/msgstats/analytics"
)

// The child half of TestZonesLoadWithoutSystemTzdata, run in a mount
// namespace where every zone directory Go looks in is empty.
func zonesChild(t *testing.T) {
	if _, err := os.Stat("/usr/share/zoneinfo/America/New_York"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the system's tzdata is still visible (%v): the test proves nothing", err)
	}
	for _, zone := range []string{"America/New_York", "Asia/Kathmandu", "Pacific/Chatham"} {
		if _, err := (analytics.Team{ID: "t", TimeZone: zone}).Location(); err != nil {
			t.Errorf("Team.Location() of %s without the system's tzdata: %v", zone, err)
		}
	}
}

// TestZonesLoadWithoutSystemTzdata: the example, like every example and
// command of the module, imports time/tzdata, so team zones load in a
// container without the system's time-zone database. It runs this test
// binary again with ZONEINFO pointing nowhere and tmpfs mounted over the
// zone directories (Linux, as root, with unshare(1)); elsewhere it skips.
func TestZonesLoadWithoutSystemTzdata(t *testing.T) {
	if os.Getenv("ANALYTICS_TZDATA_CHILD") == "1" {
		zonesChild(t)
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root to hide the system's tzdata in a mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare(1) to hide the system's tzdata")
	}
	var mounts []string
	for _, dir := range []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo",
		filepath.Join(runtime.GOROOT(), "lib", "time")} {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			mounts = append(mounts, "mount -t tmpfs none '"+dir+"'")
		}
	}
	script := strings.Join(append(mounts, `exec "$0" -test.run='^TestZonesLoadWithoutSystemTzdata$' -test.v`), " && ")
	cmd := exec.Command(unshare, "-m", "sh", "-c", script, os.Args[0])
	cmd.Env = append(os.Environ(), "ANALYTICS_TZDATA_CHILD=1", "ZONEINFO="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare failed") {
		t.Skipf("cannot make a mount namespace here: %s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("zones without the system's tzdata: %v\n%s", err, out)
	}
}

// TestCommandsEmbedTzdata: every command of the module that uses the
// library (examples and internal tools) links time/tzdata, and the library itself does not: it
// leaves the 450 KB to the host's main package, as the package
// documentation says.
func TestCommandsEmbedTzdata(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command")
	}
	out, err := exec.Command(gobin, "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}} {{join .Deps " "}}{{end}}`,
		"github.com/msgstats/analytics/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	commands := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !slices.Contains(fields[1:], "github.com/msgstats/analytics") {
			continue // loads no team zone
		}
		commands++
		if !slices.Contains(fields[1:], "time/tzdata") {
			t.Errorf("command %s does not import time/tzdata", fields[0])
		}
	}
	if commands < 5 {
		t.Fatalf("found %d commands, want the examples at least:\n%s", commands, out)
	}
	lib, err := exec.Command(gobin, "list", "-deps", "github.com/msgstats/analytics").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if slices.Contains(strings.Fields(string(lib)), "time/tzdata") {
		t.Errorf("the library imports time/tzdata; that is the host's main package's choice")
	}
}
