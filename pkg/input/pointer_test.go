package input_test

import (
	"context"
	"testing"
	"time"

	"github.com/do86/do86/pkg/input"
)

// motions records a mouse's motions and absolute positions.
type motions struct {
	m        [][4]int
	points   [][3]int
	absolute bool
}

func (r *motions) Key(input.Scancode, bool) {}
func (r *motions) Mouse(dx, dy, dz int, b uint8) {
	r.m = append(r.m, [4]int{dx, dy, dz, int(b)})
}
func (r *motions) Pointer(x, y, w, h, dz int, b uint8) {
	r.points = append(r.points, [3]int{x, y, int(b)})
}
func (r *motions) PointerAbsolute() bool { return r.absolute }

// AutoPointer uses the sink's absolute positions while they land exactly,
// the relative mouse otherwise.
func TestAutoPointer(t *testing.T) {
	t.Parallel()
	rec := &motions{}
	p := input.NewAutoPointer(rec)
	p.Interval = time.Microsecond
	ctx := context.Background()
	if err := p.PointAt(ctx, 3, 4, 64, 48, 0); err != nil || len(rec.m) == 0 || len(rec.points) != 0 {
		t.Fatalf("relative: %v, %d motions, %d points", err, len(rec.m), len(rec.points))
	}
	rec.absolute, rec.m = true, nil
	if err := p.PointAt(ctx, 30, 40, 64, 48, input.ButtonLeft); err != nil || len(rec.m) != 0 || len(rec.points) != 1 || rec.points[0] != [3]int{30, 40, int(input.ButtonLeft)} {
		t.Fatalf("absolute: %v, motions %v, points %v", err, rec.m, rec.points)
	}
	if err := p.PointAt(ctx, 64, 0, 64, 48, 0); err == nil {
		t.Error("a point off the screen was accepted")
	}
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
