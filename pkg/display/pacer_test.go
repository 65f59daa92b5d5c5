package display_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/do86/do86/pkg/display"
)

func changed(h *display.Hub, f *display.Frame, x int) {
	f.Pix[x*4] ^= 0xFF
	d := display.NewTileSet(f.Width, f.Height)
	d.AddRect(x, 0, 1, 1)
	h.Publish(f, d, nil)
}

func TestPacerSleepsWhileNothingChanges(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(32, 32)
	h.Publish(f, nil, nil)
	sub := h.Subscribe()
	p := display.NewPacer(1000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx, sub); err != nil { // the first frame
		t.Fatal(err)
	}
	sub.Read(func(display.Update) {})
	short, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if err := p.Wait(short, sub); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with nothing changed = %v, want deadline exceeded", err)
	}
	changed(h, f, 0)
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatalf("Wait after a change = %v", err)
	}
}

func TestPacerMinimumInterval(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(32, 32)
	sub := h.Subscribe()
	p := display.NewPacer(20) // 50 ms
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t0 := time.Now()
	h.Publish(f, nil, nil)
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatal(err)
	}
	sub.Read(func(display.Update) {})
	changed(h, f, 0)
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el < p.Fast {
		t.Errorf("two frames %v apart, want at least %v", el, p.Fast)
	}
}

// A producer publishing far faster than the sink reads is never held up,
// and the sink sees every change merged into fewer updates.
func TestPacerCoalesces(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(256, 16)
	sub := h.Subscribe()
	h.Publish(f, nil, nil)
	p := display.NewPacer(50)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatal(err)
	}
	sub.Read(func(display.Update) {})

	done := make(chan struct{})
	go func() {
		for i := 0; i < 16; i++ {
			changed(h, f, i*16)
			time.Sleep(2 * time.Millisecond)
		}
		close(done)
	}()
	reads, tiles := 0, 0
	for tiles < 16 {
		if err := p.Wait(ctx, sub); err != nil {
			t.Fatalf("after %d reads, %d tiles: %v", reads, tiles, err)
		}
		sub.Read(func(u display.Update) { tiles += u.Dirty.Count() })
		reads++
	}
	<-done
	if tiles != 16 {
		t.Errorf("saw %d changed tiles, want 16", tiles)
	}
	if reads >= 16 {
		t.Errorf("%d reads for 16 changes 2 ms apart at 50 frames/s: nothing coalesced", reads)
	}
}

func TestPacerIdleRate(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(32, 32)
	sub := h.Subscribe()
	p := display.NewPacer(1000)
	p.Slow, p.IdleAfter = 200*time.Millisecond, 300*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	p.Poke()
	time.Sleep(350 * time.Millisecond) // the user goes idle
	t0 := time.Now()
	h.Publish(f, nil, nil)
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatal(err)
	}
	changed(h, f, 0)
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el < p.Slow {
		t.Errorf("idle: two frames %v apart, want at least %v", el, p.Slow)
	}
}

// Input during a long idle wait lets the frame through at once.
func TestPacerPokeEndsIdleWait(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(32, 32)
	sub := h.Subscribe()
	p := display.NewPacer(1000)
	p.Slow, p.IdleAfter = time.Hour, 500*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	p.Poke()
	time.Sleep(550 * time.Millisecond)
	h.Publish(f, nil, nil)
	if err := p.Wait(ctx, sub); err != nil {
		t.Fatal(err)
	}
	changed(h, f, 1)
	got := make(chan error, 1)
	go func() { got <- p.Wait(ctx, sub) }()
	time.Sleep(20 * time.Millisecond)
	p.Poke()
	if err := <-got; err != nil {
		t.Fatalf("Wait after Poke = %v", err)
	}
}

// A sink that never pokes is never slowed to the idle rate.
func TestPacerWithoutPokeStaysFast(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(32, 32)
	sub := h.Subscribe()
	p := display.NewPacer(1000)
	p.Slow, p.IdleAfter = time.Hour, 0
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.Publish(f, nil, nil)
	for i := 0; i < 3; i++ {
		if err := p.Wait(ctx, sub); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		changed(h, f, i)
	}
}
