package vnc_test

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/do86/do86/internal/rfbclient"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
	"github.com/do86/do86/pkg/input"
)

// recorder is an input.Sink that remembers every event as a string, and
// says the guest takes absolute positions when absolute is set.
type recorder struct {
	mu       sync.Mutex
	events   []string
	absolute atomic.Bool
}

func (r *recorder) Pointer(x, y, w, h, dz int, buttons uint8) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("pointer %d %d %d %d %d %d", x, y, w, h, dz, buttons))
}

func (r *recorder) PointerAbsolute() bool { return r.absolute.Load() }

func (r *recorder) Key(code input.Scancode, down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("key %#x %v", uint16(code), down))
}

func (r *recorder) Mouse(dx, dy, dz int, buttons uint8) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("mouse %d %d %d %d", dx, dy, dz, buttons))
}

// wait returns the events once there are at least n (failing after a
// while), then checks no more arrive shortly after.
func (r *recorder) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		got := len(r.events)
		r.mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d input events, want %d: %v", got, n, r.take())
		}
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	return r.take()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.events
	r.events = nil
	return e
}

// logBuf collects the server's log lines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// waitFor waits until a line containing s is logged.
func (l *logBuf) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, s) {
				l.mu.Unlock()
				return
			}
		}
		l.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Fatalf("no log line contains %q; log: %q", s, l.lines)
}

// startServer serves hub on a loopback port for the test's duration.
func startServer(t *testing.T, hub *display.Hub, in input.Sink, opts vnc.Options) (string, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	if opts.Logf == nil {
		opts.Logf = lb.logf
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := vnc.New(hub, in, opts)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String(), lb
}

func dial(t *testing.T, addr string, cfg rfbclient.Config) *rfbclient.Client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	cl, err := rfbclient.New(c, cfg)
	if err != nil {
		c.Close()
		t.Fatalf("handshake: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// desktop returns a w×h frame that looks like a desktop: a gradient
// background, flat windows, and text-like noise.
func desktop(w, h int, seed uint32) *display.Frame {
	f := display.NewFrame(w, h)
	rnd := seed*2654435761 + 1
	next := func() uint32 {
		rnd ^= rnd << 13
		rnd ^= rnd >> 17
		rnd ^= rnd << 5
		return rnd
	}
	for y := range h {
		for x := range w {
			o := (y*w + x) * 4
			p := f.Pix[o : o+4]
			switch {
			case y >= h*3/4: // a task bar, with a few-colour icon in it
				p[0], p[1], p[2] = 0x30, 0x30, 0x38
				if x < w/2 && (x/4+y/4)%5 < 3 {
					p[0] = byte(0x40 * ((x / 3) % 5))
				}
			case x >= w-11: // a two-colour edge, 11 pixels wide
				p[0], p[1], p[2] = 0xFF*byte((x^y)&1), 0x80, 0
			case x > w/8 && x < w/2 && y > h/8 && y < h*3/4: // a window
				p[0], p[1], p[2] = 0xEE, 0xEE, 0xE8
				if y < h/8+18 {
					p[0], p[1], p[2] = 0x20, 0x40, 0x90 // title bar
				} else if y%12 < 8 && x%7 < 5 && next()%3 == 0 { // text
					p[0], p[1], p[2] = 0, 0, 0
				}
			case x > w*5/8 && x < w*7/8 && y > h/4 && y < h*7/8: // a picture
				v := next()
				p[0], p[1], p[2] = byte(v), byte(v>>8), byte(v>>16)
			default: // the wallpaper, a gradient
				p[0], p[1], p[2] = byte(x*255/max(w-1, 1)), byte(y*255/max(h-1, 1)), byte(seed)
			}
		}
	}
	return f
}

// paint fills a rectangle of f with a colour and returns its tiles.
func paint(f *display.Frame, x, y, w, h int, r, g, b byte) *display.TileSet {
	for j := y; j < y+h; j++ {
		for i := x; i < x+w; i++ {
			o := (j*f.Width + i) * 4
			f.Pix[o], f.Pix[o+1], f.Pix[o+2] = r, g, b
		}
	}
	d := display.NewTileSet(f.Width, f.Height)
	d.AddRect(x, y, w, h)
	return d
}

// checkImage compares what the client decoded with f as the client's
// pixel format shows it.
func checkImage(t *testing.T, c *rfbclient.Client, f *display.Frame) {
	t.Helper()
	b := c.Image.Bounds()
	if b.Dx() != f.Width || b.Dy() != f.Height {
		t.Fatalf("client framebuffer %dx%d, frame %dx%d", b.Dx(), b.Dy(), f.Width, f.Height)
	}
	bad := 0
	for y := range f.Height {
		for x := range f.Width {
			o := (y*f.Width + x) * 4
			r, g, bl := c.Format.Quantize(f.Pix[o], f.Pix[o+1], f.Pix[o+2])
			q := c.Image.Pix[y*c.Image.Stride+x*4:]
			if q[0] != r || q[1] != g || q[2] != bl {
				if bad < 5 {
					t.Errorf("pixel (%d,%d) = %02x%02x%02x, want %02x%02x%02x", x, y, q[0], q[1], q[2], r, g, bl)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d pixels differ", bad)
	}
}

// readUpdate reads one update, failing the test on error.
func readUpdate(t *testing.T, c *rfbclient.Client) *rfbclient.Update {
	t.Helper()
	c.Conn().SetReadDeadline(time.Now().Add(10 * time.Second))
	u, err := c.ReadUpdate()
	if err != nil {
		t.Fatalf("ReadUpdate: %v", err)
	}
	return u
}

// fullUpdate asks for and reads the whole screen.
func fullUpdate(t *testing.T, c *rfbclient.Client) *rfbclient.Update {
	t.Helper()
	if err := c.RequestAll(false); err != nil {
		t.Fatal(err)
	}
	return readUpdate(t, c)
}
