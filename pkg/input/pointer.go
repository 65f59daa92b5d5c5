package input

import (
	"context"
	"fmt"
	"time"
)

// Pointer puts the guest's mouse pointer at a point of the screen. A
// device that reports absolute positions (a tablet) does it exactly; the
// default, RelativePointer, does it with a relative mouse.
type Pointer interface {
	// PointAt moves the pointer to x, y of a w×h screen and holds buttons
	// (ButtonLeft, ...).
	PointAt(ctx context.Context, x, y, w, h int, buttons uint8) error
	// Forget tells the Pointer that the guest's pointer may have moved
	// without it (a snapshot was restored).
	Forget()
}

// RelativePointer is a Pointer on a relative (PS/2) mouse: the first time
// (and after Forget) it pushes the pointer into the top-left corner, where
// every guest stops it; from then on it moves from where it put it, in
// motions of at most Step counts Interval apart, so that the mouse's
// 64-byte queue never overflows and a guest that accelerates only fast
// motion moves one pixel a count. Guests that scale or accelerate even
// slow motion miss: they need an absolute pointer.
type RelativePointer struct {
	Sink     Sink
	Step     int           // most counts a motion (default 4)
	Interval time.Duration // between motions (default 8 ms)
	// Settle, when set, returns once the Sink has handed the last motion
	// to the mouse (a machine's Exec): Interval then starts, so motions
	// that waited together in the Sink's queue never reach the mouse in
	// one burst.
	Settle func(ctx context.Context) error

	known   bool
	x, y    int
	buttons uint8
}

// NewRelativePointer returns a RelativePointer on sink with the defaults.
func NewRelativePointer(sink Sink) *RelativePointer {
	return &RelativePointer{Sink: sink}
}

// Forget makes the next PointAt find the corner again.
func (p *RelativePointer) Forget() { p.known = false }

// PointAt moves the pointer to x, y of a w×h screen, holding buttons.
func (p *RelativePointer) PointAt(ctx context.Context, x, y, w, h int, buttons uint8) error {
	if x < 0 || y < 0 || x >= w || y >= h {
		return fmt.Errorf("point %d,%d is off the %dx%d screen", x, y, w, h)
	}
	step, interval := p.Step, p.Interval
	if step <= 0 {
		step = 4
	}
	if interval <= 0 {
		interval = 8 * time.Millisecond
	}
	pause := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.Settle != nil {
			if err := p.Settle(ctx); err != nil {
				return err
			}
		}
		t := time.NewTimer(interval)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !p.known {
		// Into the corner with the buttons as they are: twice as far as
		// the screen is large, in motions of 100 counts (KolibriOS
		// mishandles those over 127, which a PS/2 packet could carry).
		for n := 2*((max(w, h)+99)/100) + 2; n > 0; n-- {
			p.Sink.Mouse(-100, -100, 0, p.buttons)
			if err := pause(); err != nil {
				return err
			}
		}
		p.known, p.x, p.y = true, 0, 0
	}
	for p.x != x || p.y != y {
		dx, dy := clampInt(x-p.x, -step, step), clampInt(y-p.y, -step, step)
		p.Sink.Mouse(dx, dy, 0, p.buttons)
		p.x += dx
		p.y += dy
		if err := pause(); err != nil {
			return err
		}
	}
	if buttons != p.buttons {
		p.buttons = buttons
		p.Sink.Mouse(0, 0, 0, buttons)
		return pause()
	}
	return nil
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

// AutoPointer puts the pointer at a point with the best device the guest
// uses: the sink's absolute pointer (Sink.Pointer) while the sink reports
// that positions land exactly (Absolute: a USB tablet the guest drives),
// else its RelativePointer.
type AutoPointer struct {
	*RelativePointer
}

// NewAutoPointer returns an AutoPointer on sink.
func NewAutoPointer(sink Sink) *AutoPointer {
	return &AutoPointer{NewRelativePointer(sink)}
}

// PointAt moves the pointer to x, y of a w×h screen, holding buttons.
func (p *AutoPointer) PointAt(ctx context.Context, x, y, w, h int, buttons uint8) error {
	if a, ok := p.Sink.(Absolute); ok && a.PointerAbsolute() {
		if x < 0 || y < 0 || x >= w || y >= h {
			return fmt.Errorf("point %d,%d is off the %dx%d screen", x, y, w, h)
		}
		p.Sink.Pointer(x, y, w, h, 0, buttons)
		p.Forget() // the relative pointer's idea of where it is is stale now
		if p.Settle != nil {
			return p.Settle(ctx)
		}
		return ctx.Err()
	}
	return p.RelativePointer.PointAt(ctx, x, y, w, h, buttons)
}
