package pgstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: the store
// starts none, and every test closes the pools it opens.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
