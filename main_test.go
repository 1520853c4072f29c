package analytics_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// component must stop its goroutines in Close or Stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
