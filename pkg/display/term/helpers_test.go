package term_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
	"github.com/do86/do86/pkg/input"
)

// recorder is an input.Sink that writes events down: keys as "+1D" (press)
// and "-1D" (release), mouse motion as "m dx dy dz buttons", pointer
// positions as "p x y WxH dz buttons".
type recorder struct {
	mu sync.Mutex
	ev []string
}

func (r *recorder) Key(c input.Scancode, down bool) {
	s := "-"
	if down {
		s = "+"
	}
	r.add(fmt.Sprintf("%s%X", s, uint16(c)))
}

func (r *recorder) Mouse(dx, dy, dz int, b uint8) {
	r.add(fmt.Sprintf("m %d %d %d %d", dx, dy, dz, b))
}

func (r *recorder) Pointer(x, y, w, h, dz int, b uint8) {
	r.add(fmt.Sprintf("p %d %d %dx%d %d %d", x, y, w, h, dz, b))
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.ev = append(r.ev, s)
	r.mu.Unlock()
}

// take returns the events so far and forgets them.
func (r *recorder) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.Join(r.ev, " ")
	r.ev = nil
	return s
}

// waitFor waits (up to 5 s) until the events recorded read want.
func (r *recorder) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		r.mu.Lock()
		got = strings.Join(r.ev, " ")
		r.mu.Unlock()
		if got == want {
			r.take()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("events %q, want %q", got, want)
}

// countScreen is a simulation screen that counts where the sink paints.
type countScreen struct {
	tcell.SimulationScreen
	mu  sync.Mutex
	set map[[2]int]int
}

func (c *countScreen) SetContent(x, y int, r rune, comb []rune, st tcell.Style) {
	c.mu.Lock()
	if c.set == nil {
		c.set = map[[2]int]int{}
	}
	c.set[[2]int{x, y}]++
	c.mu.Unlock()
	c.SimulationScreen.SetContent(x, y, r, comb, st)
}

// painted returns the cells painted above row maxY since the last call.
func (c *countScreen) painted(maxY int) [][2]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][2]int
	for p := range c.set {
		if p[1] < maxY {
			out = append(out, p)
		}
	}
	c.set = nil
	return out
}

type fixture struct {
	sink *term.Sink
	scr  tcell.SimulationScreen
	cnt  *countScreen
	hub  *display.Hub
	in   *recorder
}

// newFixture returns a truecolor sink on a w×h simulation screen; opt may
// set callbacks and options (its Screen, Hub and Input are filled in).
func newFixture(t *testing.T, w, h int, opt *term.Options) *fixture {
	t.Helper()
	var o term.Options
	if opt != nil {
		o = *opt
	}
	sim := tcell.NewSimulationScreen("UTF-8")
	f := &fixture{scr: sim, cnt: &countScreen{SimulationScreen: sim}, hub: display.NewHub(), in: &recorder{}}
	o.Screen, o.Hub, o.Input = f.cnt, f.hub, f.in
	if o.Colors == 0 {
		o.Colors = 1 << 24
	}
	s, err := term.New(o)
	if err != nil {
		t.Fatal(err)
	}
	sim.SetSize(w, h)
	f.sink = s
	t.Cleanup(s.Close)
	return f
}

// cell returns what screen cell (x, y) shows.
func (f *fixture) cell(x, y int) (rune, tcell.Color, tcell.Color) {
	cells, w, _ := f.scr.GetContents()
	c := cells[y*w+x]
	fg, bg, _ := c.Style.Decompose()
	r := ' '
	if len(c.Runes) > 0 {
		r = c.Runes[0]
	}
	return r, fg, bg
}

// row returns screen row y as text.
func (f *fixture) row(y int) string {
	cells, w, _ := f.scr.GetContents()
	var b strings.Builder
	for x := 0; x < w; x++ {
		if rs := cells[y*w+x].Runes; len(rs) > 0 {
			b.WriteRune(rs[0])
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func rgb(r, g, b int32) tcell.Color { return tcell.NewRGBColor(r, g, b) }

// frameOf returns a w×h frame with pixel colours from fn.
func frameOf(w, h int, fn func(x, y int) (r, g, b byte)) *display.Frame {
	f := display.NewFrame(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := (y*w + x) * 4
			f.Pix[o], f.Pix[o+1], f.Pix[o+2] = fn(x, y)
		}
	}
	return f
}

func setPixel(f *display.Frame, x, y int, r, g, b byte) {
	o := (y*f.Width + x) * 4
	f.Pix[o], f.Pix[o+1], f.Pix[o+2] = r, g, b
}
