package input_test

import (
	"context"
	"testing"
	"time"

	"github.com/do86/do86/pkg/input"
)

// motions records a mouse's motions.
type motions struct{ m [][4]int }

func (r *motions) Key(input.Scancode, bool) {}
func (r *motions) Mouse(dx, dy, dz int, b uint8) {
	r.m = append(r.m, [4]int{dx, dy, dz, int(b)})
}

func TestRelativePointer(t *testing.T) {
	t.Parallel()
	rec := &motions{}
	settled := 0
	p := &input.RelativePointer{Sink: rec, Interval: time.Microsecond,
		Settle: func(context.Context) error { settled++; return nil }}
	ctx := context.Background()
	if err := p.PointAt(ctx, 10, 7, 640, 480, 0); err != nil {
		t.Fatal(err)
	}
	// Into the corner first (motions of 100 counts, twice the screen),
	// then at most 4 counts a motion.
	homing := 0
	for _, m := range rec.m {
		if m == [4]int{-100, -100, 0, 0} {
			homing++
		}
	}
	if homing != 2*7+2 {
		t.Errorf("%d homing motions, want 16", homing)
	}
	x, y := 0, 0
	for _, m := range rec.m[homing:] {
		if max(m[0], -m[0], m[1], -m[1]) > 4 {
			t.Errorf("a motion of %v", m)
		}
		x, y = x+m[0], y+m[1]
	}
	if x != 10 || y != 7 {
		t.Errorf("moved to %d,%d, want 10,7", x, y)
	}
	if settled != len(rec.m) {
		t.Errorf("settled %d times for %d motions", settled, len(rec.m))
	}
	// From there: relative, no homing; a button press without motion.
	rec.m = nil
	if err := p.PointAt(ctx, 12, 7, 640, 480, input.ButtonLeft); err != nil {
		t.Fatal(err)
	}
	if len(rec.m) != 2 || rec.m[0] != [4]int{2, 0, 0, 0} || rec.m[1] != [4]int{0, 0, 0, input.ButtonLeft} {
		t.Errorf("motions %v, want a move of 2 then the left button", rec.m)
	}
	// After Forget the corner again, holding the button.
	p.Forget()
	rec.m = nil
	p.PointAt(ctx, 0, 0, 640, 480, input.ButtonLeft)
	if len(rec.m) != 16 || rec.m[0] != [4]int{-100, -100, 0, input.ButtonLeft} {
		t.Errorf("after Forget: %v", rec.m)
	}
	if err := p.PointAt(ctx, 640, 0, 640, 480, 0); err == nil {
		t.Error("a point off the screen was accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	p.Forget()
	if err := p.PointAt(cctx, 5, 5, 640, 480, 0); err == nil {
		t.Error("a cancelled move went on")
	}
}
