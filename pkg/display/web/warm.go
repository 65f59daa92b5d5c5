package web

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/do86/do86/pkg/display"
)

// Warm start: each image of Options.Warm is booted once when the server
// starts, in the background, with nobody watching. Once it is ready
// (Options.WarmReady; by default ScreenSettled(5 s): its screen has shown
// something and then for 5 s kept its mode with at most a tenth of it
// changing — the guest has finished booting and waits for its user) it is saved as the snapshot
// "warm/IMAGE" and stopped, and every later session of that image starts
// by resuming that snapshot instead of booting. Sessions opened before it
// is ready boot as usual. A warm start that takes longer than
// Options.WarmTimeout is given up.

// warmName is the snapshot an image warm-starts from.
func warmName(image string) string { return "warm/" + image }

// warmUp boots image, waits until it is ready, snapshots it and makes new
// sessions of image resume from that snapshot.
func (s *Server) warmUp(image string) {
	defer s.wg.Done()
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.WarmTimeout)
	defer cancel()
	resume, err := s.warmBoot(ctx, image)
	if err != nil {
		if s.ctx.Err() == nil {
			s.logf("warm start of %s failed: %v; its sessions boot as usual", image, err)
		}
		return
	}
	s.mu.Lock()
	s.warm[image] = resume
	s.mu.Unlock()
	s.logf("warm start: %s ready as snapshot %s after %v; new sessions of it resume from there",
		image, warmName(image), time.Since(t0).Round(time.Millisecond))
}

func (s *Server) warmBoot(ctx context.Context, image string) (ResumeFunc, error) {
	m, err := s.opts.Boot(ctx, image, io.Discard)
	if err != nil {
		return nil, err
	}
	run, stop := context.WithCancel(ctx)
	ended := make(chan struct{})
	var runErr error
	go func() {
		runErr = m.Run(run)
		stop() // the readiness wait ends with the machine
		close(ended)
	}()
	defer func() {
		stop()
		<-ended
		m.Close()
	}()
	err = s.opts.WarmReady(run, image, m)
	select {
	case <-ended:
		if runErr == nil {
			runErr = ctx.Err()
		}
		return nil, fmt.Errorf("the machine stopped before it was ready: %v", runErr)
	default:
	}
	if err != nil {
		return nil, err
	}
	return s.opts.Snapshot(ctx, m, warmName(image))
}

// WarmReadyFunc waits until m, booting image for a warm start, is ready to
// be saved; ctx ends if the machine stops or the warm start takes too long.
type WarmReadyFunc func(ctx context.Context, image string, m Machine) error

// IdleMIPS is the speed at most of a guest taken to wait for its user.
const IdleMIPS = 2.0

// ScreenSettled is the generic readiness of a warm start: the machine's
// screen stayed quiet for quiet with the guest mostly halted (at most
// IdleMIPS), or for four times quiet whatever it ran (display.WaitSettled)
// — the guest booted and waits for its user.
func ScreenSettled(quiet time.Duration) WarmReadyFunc {
	return func(ctx context.Context, image string, m Machine) error {
		return display.WaitSettled(ctx, m.Hub(), display.Settle{Quiet: quiet,
			MIPS: func() float64 { return m.Info().MIPS }, IdleMIPS: IdleMIPS, LongQuiet: 4 * quiet})
	}
}

// warmBuilderLocked returns how a new session of image gets its machine:
// from the image's warm snapshot when it is ready (booting after all if
// that fails), else by booting. s.mu is held.
func (s *Server) warmBuilderLocked(sess *Session, image string) builder {
	boot := func(ctx context.Context) (Machine, string, error) {
		m, err := s.opts.Boot(ctx, image, sess.console)
		return m, "", err
	}
	resume := s.warm[image]
	if resume == nil {
		return boot
	}
	return func(ctx context.Context) (Machine, string, error) {
		m, err := resume(ctx, sess.console)
		if err != nil {
			s.logf("session %s: resuming %s failed (%v): booting", sess.id, warmName(image), err)
			return boot(ctx)
		}
		return m, warmName(image), nil
	}
}

// Warmed reports whether image's warm snapshot is ready: new sessions of
// it start from there.
func (s *Server) Warmed(image string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.warm[image] != nil
}
