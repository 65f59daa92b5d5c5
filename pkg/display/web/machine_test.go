package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/input"
)

// Things every test of this binary shares: the compiled core, a cache
// directory for the embedded demo image, and (browser_test.go) KolibriOS.
var (
	engine   = sync.OnceValues(func() (*core.Engine, error) { return core.LoadEngine(core.Find(), core.DefaultCacheDir()) })
	cacheDir string
	shutdown []func()
	shutMu   sync.Mutex
)

func atExit(fn func()) {
	shutMu.Lock()
	defer shutMu.Unlock()
	shutdown = append(shutdown, fn)
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "do86-web-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cacheDir = dir
	code := m.Run()
	for i := len(shutdown) - 1; i >= 0; i-- {
		shutdown[i]()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// realMachine is an emulated PC as a web session runs it, remembering the
// keys it was sent.
type realMachine struct {
	*emu.Machine
	cfg   emu.Config // what it was built with, for a resume
	image string
	mu    sync.Mutex
	keys  []input.Scancode
}

func (m *realMachine) Key(c input.Scancode, down bool) {
	if down {
		m.mu.Lock()
		m.keys = append(m.keys, c)
		m.mu.Unlock()
	}
	m.Machine.Key(c, down)
}

func (m *realMachine) pressed(c input.Scancode) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keys {
		if k == c {
			return true
		}
	}
	return false
}

func (m *realMachine) Run(ctx context.Context) error {
	err := m.Machine.Run(ctx)
	if errors.Is(err, emu.ErrPowerOff) {
		return web.ErrPowerOff
	}
	return err
}

func (m *realMachine) Info() web.MachineInfo {
	st := m.Stats()
	return web.MachineInfo{MIPS: st.MIPS, Halted: st.Halted, Absolute: m.PointerAbsolute()}
}

func (m *realMachine) Hub() *display.Hub { return m.Machine.Hub() }

// machines records the real machines booted, by image.
type machines struct {
	mu      sync.Mutex
	by      map[string]*realMachine
	c       chan struct{}
	boots   int // machines booted
	resumes int // machines resumed from a snapshot
}

func (ms *machines) get(image string) *realMachine {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.by[image]
}

// realBoot boots catalog images (the embedded demo) and floppy image files
// on the real machine.
func realBoot(ms *machines) web.BootFunc {
	return func(ctx context.Context, image string, serial io.Writer) (web.Machine, error) {
		eng, err := engine()
		if err != nil {
			return nil, err
		}
		cfg := emu.Config{Memory: 128 << 20, JIT: true, Serial: serial, Engine: eng, Boot: []string{"fda"}}
		if cfg.BIOS, err = images.LoadBIOS("", images.BIOSPaths, "BIOS"); err != nil {
			return nil, err
		}
		if cfg.VGABIOS, err = images.LoadBIOS("", images.VGABIOSPaths, "VGA BIOS"); err != nil {
			return nil, err
		}
		path := image
		if _, ok := images.Lookup(image); ok {
			if path, err = images.ResolveContext(ctx, image, images.ResolveOptions{CacheDir: cacheDir, Offline: true}); err != nil {
				return nil, err
			}
		}
		cfg.Floppy[0] = path
		m, err := emu.New(cfg)
		if err != nil {
			return nil, err
		}
		rm := &realMachine{Machine: m, cfg: cfg, image: image}
		ms.mu.Lock()
		ms.by[image] = rm
		ms.boots++
		ms.mu.Unlock()
		return rm, nil
	}
}

func newMachines() *machines { return &machines{by: map[string]*realMachine{}} }

// hubFrame returns a copy of what the hub shows now (nil before a frame).
func hubFrame(h *display.Hub) *display.Frame {
	sub := h.Subscribe()
	defer sub.Close()
	var f *display.Frame
	sub.Read(func(u display.Update) { f = cloneFrame(u.Frame) })
	return f
}
