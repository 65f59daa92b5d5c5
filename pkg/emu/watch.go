package emu

import (
	"bufio"
	"context"
	"image"
	"regexp"
	"sync"
	"time"

	"github.com/do86/do86/pkg/display"
)

// Watches are conditions on what a running machine shows — its COM1
// output, its text screen, its picture — checked on the emulation goroutine
// as it runs. The command's --until-* flags, do86 bench and scripts use
// them; each fires once.

// serialTailMax bounds the COM1 output a serial watch keeps to match in.
const serialTailMax = 8 << 10

// serialTap is where the UART writes COM1 output: buffered to the
// configured writer (flushed every frame) and shown at once to the serial
// watches.
type serialTap struct {
	mu      sync.Mutex
	buf     *bufio.Writer // nil without Config.Serial
	watches map[*serialWatch]struct{}
}

type serialWatch struct {
	re      *regexp.Regexp
	tail    []byte
	matched func()
}

func newSerialTap(m *Machine) *serialTap {
	t := &serialTap{watches: map[*serialWatch]struct{}{}}
	if m.cfg.Serial != nil {
		t.buf = bufio.NewWriterSize(m.cfg.Serial, 4096)
	}
	return t
}

func (t *serialTap) Write(p []byte) (int, error) {
	if t.buf != nil {
		t.buf.Write(p)
	}
	var hits []func()
	t.mu.Lock()
	for w := range t.watches {
		w.tail = append(w.tail, p...)
		if len(w.tail) > serialTailMax {
			w.tail = append(w.tail[:0], w.tail[len(w.tail)-serialTailMax/2:]...)
		}
		if w.re.Match(w.tail) {
			delete(t.watches, w)
			hits = append(hits, w.matched)
		}
	}
	t.mu.Unlock()
	for _, fn := range hits {
		fn()
	}
	return len(p), nil
}

func (t *serialTap) flush() {
	if t.buf != nil {
		t.buf.Flush()
	}
}

// Each Watch returns stop, which ends the watch; call it when done (a
// watch that fired costs nothing more, but stays registered until then).

// WatchSerial calls matched, once, on the emulation goroutine, when the
// COM1 output written from now on matches re (within its last 8 KiB).
// stop cancels the watch. matched must be quick.
func (m *Machine) WatchSerial(re *regexp.Regexp, matched func()) (stop func()) {
	t := m.serial
	w := &serialWatch{re: re, matched: matched}
	t.mu.Lock()
	t.watches[w] = struct{}{}
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		delete(t.watches, w)
		t.mu.Unlock()
	}
}

// WatchText calls matched, once, on the emulation goroutine, when a
// rendered text-mode screen matches re (rows joined by newlines, trailing
// blanks trimmed, as display.TextScreen.String gives it). Graphics modes
// never match.
func (m *Machine) WatchText(re *regexp.Regexp, matched func()) (stop func()) {
	var fired bool // emulation goroutine only
	return m.OnFrame(func(_ *display.Frame, text *display.TextScreen) {
		if !fired && text != nil && re.MatchString(text.String()) {
			fired = true
			matched()
		}
	})
}

// screenCompareEvery is how often a screen watch compares pictures: a
// whole-screen comparison costs a millisecond or two.
const screenCompareEvery = 250 * time.Millisecond

// WatchScreen calls matched, once, on the emulation goroutine, when the
// screen is the size of want and its mean RGB difference from want (see
// display.MeanDifference) is at most tol. Outside region (an empty
// rectangle: the whole screen) nothing is compared.
func (m *Machine) WatchScreen(want *image.RGBA, tol float64, region image.Rectangle, matched func()) (stop func()) {
	var fired bool // emulation goroutine only
	var last time.Time
	return m.OnFrame(func(f *display.Frame, _ *display.TextScreen) {
		if fired || time.Since(last) < screenCompareEvery || f.Width != want.Rect.Dx() || f.Height != want.Rect.Dy() {
			return
		}
		last = time.Now()
		got := display.FrameImage(f)
		var a, b image.Image = got, want
		if !region.Empty() {
			a, b = got.SubImage(region), want.SubImage(region)
		}
		if d, err := display.MeanDifference(a, b); err == nil && d <= tol {
			fired = true
			matched()
		}
	})
}

// Wait blocks until a watch started by start fires, ctx ends (its error)
// or Run returns (ErrStopped). start receives the function to give the
// watch as its matched callback.
//
//	err := m.Wait(ctx, func(matched func()) func() { return m.WatchSerial(re, matched) })
func (m *Machine) Wait(ctx context.Context, start func(matched func()) (stop func())) error {
	hit := make(chan struct{})
	var once sync.Once
	stop := start(func() { once.Do(func() { close(hit) }) })
	defer stop()
	m.life.mu.Lock()
	halt := m.life.halt
	closed := m.life.state == stateClosed || m.life.state == stateStopped
	m.life.mu.Unlock()
	if closed {
		return ErrStopped
	}
	select {
	case <-hit:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-halt:
		select {
		case <-hit:
			return nil
		default:
			return ErrStopped
		}
	}
}
