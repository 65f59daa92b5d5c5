package emu_test

import (
	"bytes"
	"context"
	"image"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/input"
)

// syncBuffer is a bytes.Buffer safe for the emulation goroutine to write and
// the test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// vm is a machine running on its own goroutine for a test.
type vm struct {
	*emu.Machine
	t      *testing.T
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned, with err set
	err    error
	dbg    *syncBuffer
}

func start(t *testing.T, cfg emu.Config) *vm {
	t.Helper()
	var err error
	if cfg.BIOS, err = images.LoadBIOS("", images.BIOSPaths, "BIOS"); err != nil {
		t.Fatal(err)
	}
	if cfg.VGABIOS, err = images.LoadBIOS("", images.VGABIOSPaths, "VGA BIOS"); err != nil {
		t.Fatal(err)
	}
	dbg := &syncBuffer{}
	cfg.Debugcon = dbg
	m, err := emu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	v := &vm{Machine: m, t: t, cancel: cancel, done: make(chan struct{}), dbg: dbg}
	go func() {
		v.err = m.Run(ctx)
		close(v.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-v.done
		m.Close()
	})
	return v
}

// screen returns the text screen, read on the emulation goroutine.
func (v *vm) screen() string {
	ch := make(chan string, 1)
	v.Do(func() {
		if s := v.Text(); s != nil {
			ch <- s.String()
		} else {
			ch <- ""
		}
	})
	return <-ch
}

// waitText waits until the text screen matches re.
func (v *vm) waitText(re string, timeout time.Duration) string {
	v.t.Helper()
	r := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-v.done:
			v.t.Fatalf("machine stopped: %v", v.err)
		default:
		}
		if s := v.screen(); r.MatchString(s) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	v.t.Fatalf("screen never matched %q; it shows:\n%s", re, v.screen())
	return ""
}

func TestCtrlAltDelRebootsFreeDOS(t *testing.T) {
	testenv.SkipShort(t, "the CPU core, SeaBIOS and the shared images")
	v := start(t, emu.Config{Memory: 64 << 20, Floppy: [2]string{testenv.Image(t, "freedos722.img")}})
	v.waitText(`A:\\>`, 60*time.Second)
	if n := strings.Count(v.dbg.String(), "Booting from Floppy"); n != 1 {
		t.Fatalf("booted %d times before Ctrl-Alt-Del", n)
	}
	input.Chord(v, input.LCtrl, input.LAlt, input.Delete)
	// The guest asks for a reset (FreeDOS through the keyboard controller
	// or BIOS); SeaBIOS runs again and boots the floppy a second time.
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(v.dbg.String(), "Booting from Floppy") < 2 {
		select {
		case <-v.done:
			t.Fatalf("machine stopped: %v", v.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second boot after Ctrl-Alt-Del; debug console:\n%s", tail(v.dbg.String(), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	v.waitText(`A:\\>`, 60*time.Second)
	if st := v.Stats(); st.Resets < 1 {
		// Stats are published once a second; give it time.
		time.Sleep(1500 * time.Millisecond)
		if st = v.Stats(); st.Resets < 1 {
			t.Fatalf("machine counted %d resets", st.Resets)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// image returns the screen, read on the emulation goroutine.
func (v *vm) image() *image.RGBA {
	ch := make(chan *image.RGBA, 1)
	v.Do(func() { ch <- v.Image() })
	return <-ch
}

// waitScreen waits until the screen is within tol of want.
func (v *vm) waitScreen(want *image.RGBA, tol float64, timeout time.Duration) *image.RGBA {
	v.t.Helper()
	deadline := time.Now().Add(timeout)
	var d float64
	for time.Now().Before(deadline) {
		select {
		case <-v.done:
			v.t.Fatalf("machine stopped: %v", v.err)
		default:
		}
		if img := v.image(); img != nil && img.Bounds() == want.Bounds() {
			d, _ = display.MeanDifference(img, want)
			if d <= tol {
				return img
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	v.t.Fatalf("screen never came within %.2f of the reference (last difference %.2f)", tol, d)
	return nil
}

func loadPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	img, err := display.LoadPNG(path)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// changedBox returns the bounding box of the pixels that differ.
func changedBox(a, b *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			i := a.PixOffset(x, y)
			if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// TestKolibriDesktopAndMouse boots KolibriOS to its 1024x768 desktop (issue
// 3), then moves the mouse by injected PS/2 deltas and checks that the
// pointer moved: the screen changes where the pointer was and where it went.
func TestKolibriDesktopAndMouse(t *testing.T) {
	testenv.SkipShort(t, "the CPU core, SeaBIOS and the shared images")
	want := loadPNG(t, testenv.Image(t, "kolibri.png"))
	v := start(t, emu.Config{Memory: 128 << 20, Floppy: [2]string{testenv.Image(t, "kolibri.img")}})
	// The clock on the taskbar and the pointer may differ; a fully drawn
	// desktop is within 0.1 of the reference, one without icons about 3.
	before := v.waitScreen(want, 0.5, 150*time.Second)
	time.Sleep(2 * time.Second) // let the guest settle
	before = v.image()
	// Move right and down in small steps, as a real mouse reports.
	for i := 0; i < 10; i++ {
		v.Mouse(10, 8, 0, 0)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		after := v.image()
		box := changedBox(before, after)
		// The pointer starts near the centre (512,384); the clock at the
		// bottom right may change too, so look only above the taskbar.
		box = box.Intersect(image.Rect(0, 0, 1024, 730))
		if box.Dx() >= 90 && box.Dy() >= 70 && box.Min.X >= 480 && box.Min.X <= 540 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pointer did not move as asked: changed area %v", box)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestFastTypingLosesNoKeys types a long line at once, as a paste does: the
// machine queues what the keyboard's 16-byte buffer cannot hold yet.
func TestFastTypingLosesNoKeys(t *testing.T) {
	testenv.SkipShort(t, "the CPU core, SeaBIOS and the shared images")
	v := start(t, emu.Config{Memory: 32 << 20, Floppy: [2]string{testenv.Image(t, "freedos722.img")}})
	v.waitText(`A:\\>`, 60*time.Second)
	line := "echo The-Quick-Brown-Fox_Jumps_Over_The_Lazy_Dog_0123456789!"
	if err := input.TypeString(v, line+"\n"); err != nil {
		t.Fatal(err)
	}
	v.waitText(`(?m)^The-Quick-Brown-Fox_Jumps_Over_The_Lazy_Dog_0123456789!\s*$`, 30*time.Second)
}
