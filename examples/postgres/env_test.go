package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// requireEnv returns the environment variable name (TEST_DATABASE_URL or
// TEST_REDIS_URL). Unset, it skips the test, or fails it when
// ANALYTICS_REQUIRE_SERVICES=1, as make test sets.
func requireEnv(t testing.TB, name string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if os.Getenv("ANALYTICS_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is not set, and ANALYTICS_REQUIRE_SERVICES=1 forbids skipping", name)
	}
	t.Skipf("%s is not set; skipping an integration test (make test starts the services)", name)
	return ""
}

// uniqueName returns prefix and 16 random hex digits, for schemas and key
// prefixes that parallel tests do not share.
func uniqueName(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
