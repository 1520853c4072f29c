// Package testenv gives integration tests their services: a Postgres schema
// of their own and a Redis key prefix of their own, from TEST_DATABASE_URL
// and TEST_REDIS_URL.
//
// When a variable is unset the test is skipped with a message naming it,
// unless ANALYTICS_REQUIRE_SERVICES=1 (set by scripts/test.sh, and so by CI),
// in which case it fails. A variable that is set but whose service cannot be
// reached always fails the test.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// Require returns the value of the environment variable name, skipping t
// (or failing it when ANALYTICS_REQUIRE_SERVICES=1) if it is unset.
func Require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if os.Getenv("ANALYTICS_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is not set, and ANALYTICS_REQUIRE_SERVICES=1 forbids skipping; run the tests through scripts/test.sh", name)
	}
	t.Skipf("%s is not set; skipping an integration test (run make test to start the services)", name)
	return ""
}

// UniqueName returns prefix followed by 16 random hex digits, for schemas
// and key prefixes that must not collide between parallel tests.
func UniqueName(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return prefix + hex.EncodeToString(b[:])
}
