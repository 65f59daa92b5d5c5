package script

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Failure is a step whose condition was not met: a wait that timed out, an
// assertion that did not hold, a machine that stopped while a wait was on.
// Other errors mean a step could not be carried out.
type Failure struct {
	Msg string
}

func (f *Failure) Error() string { return f.Msg }

func failf(format string, a ...any) error { return &Failure{Msg: fmt.Sprintf(format, a...)} }

// IsFailure reports whether err is (or wraps) a Failure.
func IsFailure(err error) bool {
	var f *Failure
	return errors.As(err, &f)
}

// within returns ctx bounded by the session's timeout unless it has a
// deadline of its own, and that bound (for messages).
func (s *Session) within(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
	if dl, ok := ctx.Deadline(); ok {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, time.Until(dl).Round(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	return ctx, cancel, s.opts.Timeout
}

// timedOut turns the end of a wait's context into a Failure (the deadline
// passed: "WHAT within D" and the detail) or an error (the caller
// cancelled).
func timedOut(ctx context.Context, d time.Duration, what, detail string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Failure{Msg: fmt.Sprintf("%s within %s%s", what, roundDuration(d), detail)}
	}
	return ctx.Err()
}

// roundDuration shortens a duration for messages: 59.9997s is 1m0s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}
