//go:build linux

package latencyproxy

import (
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// waiter sleeps until an instant with a timerfd read through Go's
// poller, which wakes within microseconds of the instant where a
// time.Timer below a millisecond wakes about a millisecond late.
type waiter struct {
	f   *os.File
	rc  syscall.RawConn
	buf [8]byte // a timerfd read returns the 8-byte expiry count
}

func newWaiter() (*waiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("timerfd_create", err)
	}
	f := os.NewFile(uintptr(fd), "timerfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &waiter{f: f, rc: rc}, nil
}

// waitUntil returns at instant t (at once if it has passed), or with an
// error once close has been called.
func (w *waiter) waitUntil(t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	var serr error
	err := w.rc.Control(func(fd uintptr) {
		serr = unix.TimerfdSettime(int(fd), 0, &unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}, nil)
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return os.NewSyscallError("timerfd_settime", serr)
	}
	_, err = io.ReadFull(w.f, w.buf[:])
	return err
}

// close ends a wait in progress and every later one; it is idempotent.
func (w *waiter) close() { w.f.Close() }
