package scheduler_test

import "testing"

// backends are the stores the scheduler is tested on; pg_test.go adds
// Postgres.
var backends = []backend{memBackend}

func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}
