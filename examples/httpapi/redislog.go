package main

import (
	"context"
	"fmt"
	"log/slog"
)

// redisLogger hands go-redis's own log lines (a connection pool that fails
// to dial, a bad connection dropped) to slog, as Warn records with the
// message "go-redis" and the line as "detail", so that they are as
// structured as the program's other logs. redis.SetLogger installs it.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	l.log.WarnContext(ctx, "go-redis", "detail", fmt.Sprintf(format, v...))
}
