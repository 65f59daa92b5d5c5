package display

import (
	"context"
	"sync"
	"time"
)

// Pacer decides when a sink reads its next update: at once when the screen
// changes after a pause, at most once every Fast while it keeps changing,
// and never while nothing changes (Wait sleeps on the subscription's
// channel). Once the user has been idle for IdleAfter — no Poke — a screen
// that keeps changing (an animation nobody is looking at closely, a clock)
// is shown at most once every Slow. The producer is never involved: a sink
// that waits longer simply reads one larger update.
//
// A sink that never calls Poke is never slowed down. Set the fields before
// the first Wait.
type Pacer struct {
	// Fast is the shortest time between two frames while the user is
	// active: a second divided by the highest frame rate.
	Fast time.Duration
	// Slow is the shortest time between two frames once the user is idle.
	Slow time.Duration
	// IdleAfter is how long after the last Poke the user counts as idle.
	IdleAfter time.Duration

	mu       sync.Mutex
	last     time.Time // when the last frame was let through
	lastPoke time.Time
	poked    bool
	wake     chan struct{}
}

// NewPacer returns a pacer for at most maxFPS frames a second while the user
// is active, 2 a second after 10 s without input.
func NewPacer(maxFPS int) *Pacer {
	if maxFPS <= 0 {
		maxFPS = 30
	}
	return &Pacer{
		Fast:      time.Second / time.Duration(maxFPS),
		Slow:      500 * time.Millisecond,
		IdleAfter: 10 * time.Second,
		wake:      make(chan struct{}, 1),
	}
}

// Poke tells the pacer the user just did something (a key, the mouse): the
// next frames come at the full rate, and a Wait held back by the idle rate
// ends its sleep early.
func (p *Pacer) Poke() {
	p.mu.Lock()
	p.lastPoke, p.poked = time.Now(), true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// interval is the shortest time between frames now.
func (p *Pacer) interval(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.poked && p.Slow > p.Fast && now.Sub(p.lastPoke) >= p.IdleAfter {
		return p.Slow
	}
	return p.Fast
}

// Due returns how long a sink with a change to show should still wait
// before reading it; zero or less means now. A sink with its own select
// loop uses Due and Shown instead of Wait.
func (p *Pacer) Due() time.Duration {
	now := time.Now()
	p.mu.Lock()
	last := p.last
	p.mu.Unlock()
	return p.interval(now) - now.Sub(last)
}

// Shown records that the sink just read (and shows) a frame.
func (p *Pacer) Shown() {
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
}

// Wait returns when the sink should read its subscription: something changed
// and the minimum interval since the previous frame has passed. It returns
// ctx's error when ctx ends first. One sink goroutine calls Wait; Poke may
// come from any goroutine.
func (p *Pacer) Wait(ctx context.Context, sub *Subscription) error {
	select {
	case <-sub.C():
	case <-ctx.Done():
		return ctx.Err()
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		d := p.Due()
		if d <= 0 {
			p.Shown()
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-timer.C:
		case <-p.wake: // the user is back: recompute with the fast interval
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
