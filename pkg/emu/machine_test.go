package emu_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"do86/internal/testenv"
	"do86/pkg/emu"
	"do86/pkg/images"
	"do86/pkg/input"
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
