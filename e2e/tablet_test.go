package e2e

import (
	"fmt"
	"image"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/internal/rfbclient"
	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
)

// Issue 20, point 1: the pointer lands where the user points, over VNC and
// in the terminal. KolibriOS loads its UHCI and USB HID drivers and drives
// do86's USB tablet; the Linux images have no USB drivers (their initrds
// hold no usbcore, uhci-hcd or usbhid) and keep the PS/2 mouse.

// KolibriOS's desktop: where its SHELL icon is and the inside of the
// console window a click on it opens (black where the wallpaper is not).
var (
	shellIcon    = image.Pt(853, 163)
	shellConsole = image.Rect(300, 200, 800, 450)
)

var (
	displaysMu sync.Mutex
	displays   = map[int]bool{}
)

// tabletDisplay is freeDisplay for tests that run in parallel: a display
// number no other test of this process was given.
func tabletDisplay(t *testing.T) int {
	t.Helper()
	displaysMu.Lock()
	defer displaysMu.Unlock()
	for n := 60 + os.Getpid()%40; n < 300; n++ {
		if displays[n] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 5900+n))
		if err == nil {
			l.Close()
			displays[n] = true
			return n
		}
	}
	t.Fatal("no free VNC port")
	return 0
}

// watcher is a VNC client that keeps a copy of do86's screen and of what
// the server said of the pointer (QEMU's pointer motion change extension:
// relative while the guest has no absolute pointer).
type watcher struct {
	t  *testing.T
	cl *rfbclient.Client

	mu       sync.Mutex
	img      *image.RGBA
	relative bool
	err      error
}

// watch connects to the VNC server at addr (retrying while do86 starts)
// and keeps reading updates.
func watch(t *testing.T, addr string, errb *syncBuf) *watcher {
	t.Helper()
	var cl *rfbclient.Client
	var err error
	for deadline := time.Now().Add(60 * time.Second); ; {
		if cl, err = rfbclient.Dial(addr, rfbclient.Config{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no VNC server at %s: %v; do86 said:\n%s", addr, err, errb.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Cleanup(func() { cl.Close() })
	w := &watcher{t: t, cl: cl}
	if err := cl.SetEncodings(rfbclient.EncodingRaw, rfbclient.EncodingDesktopSize, rfbclient.EncodingQEMUPointerMotionChange); err != nil {
		t.Fatal(err)
	}
	if err := cl.RequestAll(false); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			_, err := cl.ReadUpdate()
			w.mu.Lock()
			if err != nil {
				w.err = err
				w.mu.Unlock()
				return
			}
			w.img = &image.RGBA{Pix: append([]byte(nil), cl.Image.Pix...), Stride: cl.Image.Stride, Rect: cl.Image.Rect}
			w.relative = cl.RelativePointer
			w.mu.Unlock()
			time.Sleep(50 * time.Millisecond)
			if cl.RequestAll(true) != nil {
				return
			}
		}
	}()
	return w
}

// screen returns the latest screen and whether the server wants relative
// motion.
func (w *watcher) screen() (*image.RGBA, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		w.t.Fatalf("VNC: %v", w.err)
	}
	return w.img, w.relative
}

// waitFor waits until ok holds for the screen and the pointer mode.
func (w *watcher) waitFor(what string, timeout time.Duration, ok func(img *image.RGBA, relative bool) bool) *image.RGBA {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		img, rel := w.screen()
		if img != nil && ok(img, rel) {
			return img
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the screen never showed %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kolibriDesktop waits for KolibriOS's desktop and for its USB HID driver
// to drive the tablet (the server then tells the client to send absolute
// positions).
func kolibriDesktop(t *testing.T, w *watcher) {
	t.Helper()
	ref := loadPNG(t, testenv.Image(t, "kolibri.png"))
	w.waitFor("KolibriOS's desktop", 400*time.Second, func(img *image.RGBA, _ bool) bool {
		if img.Bounds() != ref.Bounds() {
			return false
		}
		d, _ := display.MeanDifference(img, ref)
		return d < 0.5
	})
	w.waitFor("the guest driving the USB tablet (absolute pointer mode)", 60*time.Second,
		func(_ *image.RGBA, rel bool) bool { return !rel })
}

// arrowIn waits until, compared with before, the guest has drawn its arrow
// with the tip (KolibriOS's arrow's top-left pixel) inside r, and returns
// where.
func (w *watcher) arrowIn(before *image.RGBA, r image.Rectangle) image.Point {
	w.t.Helper()
	var box image.Rectangle
	around := image.Rect(r.Min.X-40, r.Min.Y-40, r.Max.X+40, r.Max.Y+40)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		img, _ := w.screen()
		box = testenv.ChangedIn(before, img, around)
		if box.Min.In(r) && box.Dx() >= 8 && box.Dy() >= 12 {
			return box.Min
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.t.Fatalf("the arrow was not drawn with its tip in %v: the pixels changed around it are %v", r, box)
	return image.Point{}
}

// waitShell waits for the SHELL window a click on its icon opens.
func (w *watcher) waitShell() {
	w.t.Helper()
	w.waitFor("the SHELL window", 60*time.Second, func(img *image.RGBA, _ bool) bool {
		return testenv.BlackShare(img, shellConsole) > 0.9
	})
}

// TestKolibriTabletVNC: over VNC, pointing at spots of KolibriOS's desktop
// puts its arrow exactly there, and a click on the SHELL icon opens the
// shell — the click TigerVNC could not make land before the tablet.
func TestKolibriTabletVNC(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built do86, the CPU core and the KolibriOS image")
	}
	t.Parallel()
	n := tabletDisplay(t)
	_, errb := background(t, "run", testenv.Image(t, "kolibri.img"), "--vnc", fmt.Sprintf(":%d", n),
		"--display", "none", "--timeout", "600s")
	w := watch(t, fmt.Sprintf("127.0.0.1:%d", 5900+n), errb)
	kolibriDesktop(t, w)
	for _, p := range []image.Point{{300, 500}, {640, 210}, {101, 333}, {0, 0}, {700, 450}} {
		before, _ := w.screen()
		w.cl.Pointer(0, p.X, p.Y)
		w.arrowIn(before, image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
	}
	before, _ := w.screen()
	if share := testenv.BlackShare(before, shellConsole); share > 0.5 {
		t.Fatalf("the console area is already %.0f%% black", 100*share)
	}
	w.cl.Pointer(0, shellIcon.X, shellIcon.Y)
	w.cl.Pointer(1, shellIcon.X, shellIcon.Y)
	time.Sleep(100 * time.Millisecond)
	w.cl.Pointer(0, shellIcon.X, shellIcon.Y)
	w.waitShell()
}

// sgrMouse is what an xterm-compatible terminal sends for a mouse event at
// cell (x, y) (0-based) with SGR reporting: button code b, pressed or not.
func sgrMouse(b, x, y int, press bool) string {
	end := "M"
	if !press {
		end = "m"
	}
	return fmt.Sprintf("\x1b[<%d;%d;%d%s", b, x+1, y+1, end)
}

// pictureCells finds the cells of a tmux capture that show the picture:
// the bounding box of the half-block cells.
func pictureCells(pane string) image.Rectangle {
	var r image.Rectangle
	for y, line := range strings.Split(pane, "\n") {
		x := 0
		for _, c := range line {
			if c == '▀' {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
			x++
		}
	}
	return r
}

// TestKolibriTabletTerminal: in a terminal (tmux, 160×50), the mouse over
// KolibriOS's desktop puts its arrow in the guest pixels the cell under it
// shows, and a click on the SHELL icon's cells opens the shell. A VNC
// client watches the screen (it sends no input).
func TestKolibriTabletTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built do86, tmux, the CPU core and the KolibriOS image")
	}
	t.Parallel()
	n := tabletDisplay(t)
	bin := testenv.Binary(t)
	x := newTmux(t, 160, 50, fmt.Sprintf("%s run %s --display term --vnc :%d --timeout 600s", bin, testenv.Image(t, "kolibri.img"), n))
	w := watch(t, fmt.Sprintf("127.0.0.1:%d", 5900+n), &syncBuf{})
	kolibriDesktop(t, w)
	pane := x.waitFor("the desktop in half blocks", 60*time.Second, func(s string) bool {
		return strings.Count(s, "▀") > 3000
	}, false)
	pic := pictureCells(pane)
	if pic.Dx() < 100 || pic.Dy() < 40 {
		t.Fatalf("the picture takes cells %v", pic)
	}
	// Guest pixels a cell stands for, across and down.
	cw, ch := 1024/float64(pic.Dx()), 768/float64(pic.Dy())
	cellOf := func(p image.Point) image.Point {
		return image.Pt(pic.Min.X+int(float64(p.X)/cw), pic.Min.Y+int(float64(p.Y)/ch))
	}
	pixelsOf := func(c image.Point) image.Rectangle {
		x0, y0 := float64(c.X-pic.Min.X)*cw, float64(c.Y-pic.Min.Y)*ch
		return image.Rect(int(x0)-1, int(y0)-1, int(x0+cw)+2, int(y0+ch)+2)
	}
	send := func(s string) { x.run("send-keys", "-t", x.name, "-l", s) }
	for _, p := range []image.Point{{300, 500}, {640, 210}, {101, 333}, {700, 450}} {
		before, _ := w.screen()
		c := cellOf(p)
		send(sgrMouse(35, c.X, c.Y, true)) // motion, no button
		got := w.arrowIn(before, pixelsOf(c))
		t.Logf("cell %v (pixels %v): the arrow's tip at %v", c, pixelsOf(c), got)
	}
	c := cellOf(shellIcon)
	send(sgrMouse(35, c.X, c.Y, true))
	send(sgrMouse(0, c.X, c.Y, true))
	time.Sleep(100 * time.Millisecond)
	send(sgrMouse(0, c.X, c.Y, false))
	w.waitShell()
}

// TestLinuxX11PointerFallback: the X11 Linux image has no USB drivers, so
// its pointer stays the PS/2 mouse: the server keeps VNC clients in
// relative mode, and positions from a plain client move X's pointer by
// their differences — from the middle of the screen down and to the left.
func TestLinuxX11PointerFallback(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built do86, the CPU core and the linux-x11 image")
	}
	t.Parallel()
	n := tabletDisplay(t)
	_, errb := background(t, "run", testenv.Image(t, "linux-x11.iso"), "--memory", "256M", "--vnc", fmt.Sprintf(":%d", n),
		"--display", "none", "--timeout", "900s")
	addr := fmt.Sprintf("127.0.0.1:%d", 5900+n)
	w := watch(t, addr, errb)
	ref := loadPNG(t, testenv.Image(t, "linux-x11.png"))
	w.waitFor("the X desktop", 700*time.Second, func(img *image.RGBA, _ bool) bool {
		if img.Bounds() != ref.Bounds() {
			return false
		}
		d, _ := display.MeanDifference(img, ref)
		return d < 2
	})
	time.Sleep(5 * time.Second)
	if _, rel := w.screen(); !rel {
		t.Fatal("the server switched to absolute positions for a guest without a USB tablet")
	}
	// A plain client (as TigerVNC): positions only.
	plain, err := rfbclient.Dial(addr, rfbclient.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	before, _ := w.screen()
	plain.Pointer(0, 512, 384) // where X's pointer starts: the reference
	for i := 1; i <= 40; i++ {
		plain.Pointer(0, 512-8*i, 384+6*i)
		time.Sleep(20 * time.Millisecond)
	}
	// X's pointer leaves the middle (the I-beam over the xterm) and shows
	// down and left of it, on the root window, with X's acceleration.
	w.waitFor("X's pointer moved down and left", 30*time.Second, func(img *image.RGBA, _ bool) bool {
		left := testenv.ChangedIn(before, img, image.Rect(496, 368, 528, 400))
		below := testenv.ChangedIn(before, img, image.Rect(0, 590, 512, 768)).Union(testenv.ChangedIn(before, img, image.Rect(0, 400, 280, 590)))
		return !left.Empty() && !below.Empty()
	})
}
