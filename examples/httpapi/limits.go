package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// serverLimits are the http.Server's timeouts and header size limit, and
// how long a shutdown may take.
type serverLimits struct {
	// readHeader bounds reading a request's line and headers, from the
	// moment the connection is accepted or, between requests, from the
	// first byte: a client that connects and says nothing is dropped after
	// it (unless idle, below, is shorter for a kept-alive connection).
	readHeader time.Duration
	// read bounds reading a whole request, body included: a body trickled
	// too slowly is cut.
	read time.Duration
	// write bounds the time from the end of the request's headers to the
	// end of the response: a client that stops reading the response is
	// dropped, and its handler's writes fail, after it. A job trigger that
	// runs longer loses its response (the job still finishes).
	write time.Duration
	// idle bounds the wait for the next request on a kept-alive
	// connection.
	idle time.Duration
	// maxHeaderBytes caps a request's line and headers, in bytes (Go's
	// server allows 4,096 bytes more); past it the server answers 431.
	maxHeaderBytes int
	// shutdown bounds the graceful shutdown and the cleanup after it (the
	// cache's close and, with -redis, the deletion of the run's keys).
	shutdown time.Duration
}

// defaultLimits are the flags' defaults.
var defaultLimits = serverLimits{
	readHeader:     5 * time.Second,
	read:           10 * time.Second,
	write:          60 * time.Second,
	idle:           60 * time.Second,
	maxHeaderBytes: 16 << 10,
	shutdown:       10 * time.Second,
}

// register adds the limits' flags to fs, with l's values as defaults.
func (l *serverLimits) register(fs *flag.FlagSet) {
	fs.DurationVar(&l.readHeader, "read-header-timeout", l.readHeader, "longest time to read a request's line and headers")
	fs.DurationVar(&l.read, "read-timeout", l.read, "longest time to read a whole request, body included")
	fs.DurationVar(&l.write, "write-timeout", l.write, "longest time from a request's headers to the end of its response")
	fs.DurationVar(&l.idle, "idle-timeout", l.idle, "longest wait for the next request on a kept-alive connection")
	fs.IntVar(&l.maxHeaderBytes, "max-header-bytes", l.maxHeaderBytes, "largest request line and headers, in bytes (431 past it)")
	fs.DurationVar(&l.shutdown, "shutdown-timeout", l.shutdown, "longest graceful shutdown, and then cleanup")
}

// check returns an error naming the first limit that is not positive.
func (l serverLimits) check() error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"-read-header-timeout", l.readHeader}, {"-read-timeout", l.read}, {"-write-timeout", l.write},
		{"-idle-timeout", l.idle}, {"-shutdown-timeout", l.shutdown}} {
		if d.v <= 0 {
			return errors.New(d.flag + " must be positive")
		}
	}
	if l.maxHeaderBytes <= 0 {
		return errors.New("-max-header-bytes must be positive")
	}
	return nil
}

// newServer returns the http.Server of handler with the limits; its
// handlers' contexts derive from base, and its own errors (a TLS
// handshake, a panic that is not ErrAbortHandler) go to logger as Warn.
func newServer(handler http.Handler, l serverLimits, base context.Context, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
}
