// Package emu is the PC: the v86 CPU core, the buses, the chipset and its
// devices, the guest clock and the run loop that owns them all.
//
// One goroutine (the one calling Run) owns the core and every device. Other
// goroutines reach the machine only through Do, the input.Sink methods and
// SendSerial, which queue work for that goroutine.
package emu

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/dev/fwcfg"
	"github.com/do86/do86/pkg/display"
)

// Config describes a machine.
type Config struct {
	// Memory is guest RAM in bytes (at most core.MaxMemory).
	Memory uint32
	// BIOS and VGABIOS are the firmware images (SeaBIOS and its VGA BIOS).
	BIOS, VGABIOS []byte
	// JIT turns the core's JIT compiler on.
	JIT bool

	// Floppy holds the images for drives A: and B: ("" for none).
	Floppy [2]string
	// HDA and HDB are hard disk images on the primary IDE channel; CDROM is
	// an ISO on the secondary master ("" for an empty drive).
	HDA, HDB, CDROM string
	// Persist writes guest disk writes through to the images; otherwise
	// they go to an overlay (in memory, or the file Overlay for HDA).
	Persist bool
	Overlay string
	// Kernel, Initrd and Append boot a Linux kernel directly; Multiboot and
	// Modules ("FILE[,ARGS]") a Multiboot kernel (Append is its command line).
	Kernel, Initrd, Append string
	Multiboot              string
	Modules                []string
	// AHCIDisk is a disk image on an AHCI controller; AHCIDiskSize, when
	// AHCIDisk is empty, makes a blank in-memory disk of that many bytes.
	AHCIDisk     string
	AHCIDiskSize int64
	// NoUSB leaves out the USB controller and its tablet (usb.go); the
	// pointer is then the PS/2 mouse alone.
	NoUSB bool
	// Log receives one-line notes (nil: discarded).
	Log io.Writer
	// Boot is the boot order: "fda", "cdrom", "hda" (empty: the media given).
	Boot []string

	// Serial receives what the guest writes to COM1 (nil: discarded).
	Serial io.Writer
	// Debugcon receives the debug console (port 0x402 / 0xE9) output.
	Debugcon io.Writer
	// TraceIO, when set, receives a line per port access.
	TraceIO io.Writer

	// Engine is the compiled core to instantiate (nil: load from core.Find).
	Engine *core.Engine
}

// Errors that end Run.
var (
	// ErrPowerOff: the guest turned the machine off.
	ErrPowerOff = errors.New("the guest powered off")
	// ErrCrash: the CPU core trapped; the machine cannot go on.
	ErrCrash = core.ErrTrap
)

// Machine is a PC.
type Machine struct {
	cfg   Config
	core  *core.Core
	ports *bus.Ports
	mmio  *bus.MMIO
	lines *bus.Lines
	clock *Clock
	fw    *fwcfg.Device
	bios  []byte

	timers    []bus.Timer
	resetters []bus.Resetter
	closers   []io.Closer

	dev devices

	hub   *display.Hub
	frame *display.Frame
	text  *display.TextScreen

	work chan func()

	serialBuf *bufio.Writer // COM1 output, flushed every frame
	serialIn  []byte        // COM1 input the UART could not take yet
	keys      []keyEvent    // keys the keyboard could not take yet
	ptr       pointer       // the absolute pointer: USB tablet or PS/2 (pointer.go)

	powerOff  bool
	pages     pageCache // page hashes of the last snapshot (snapshot.go)
	paused    atomic.Bool
	stats     Stats                 // owned by the emulation goroutine
	published atomic.Pointer[Stats] // a copy for other goroutines

	// OnFrame, when set, is called on the emulation goroutine after each
	// rendered frame.
	OnFrame func(f *display.Frame, text *display.TextScreen)
}

// Stats are counters a status line shows.
type Stats struct {
	Elapsed      time.Duration // guest time run
	JIT          core.JITStats
	Instructions uint64 // executed since start
	MIPS         float64
	Halted       bool
	Mode         string
	Resets       int
}

// New builds a machine and resets it; Run starts it.
func New(cfg Config) (*Machine, error) {
	if cfg.Memory == 0 {
		cfg.Memory = 128 << 20
	}
	if cfg.Memory > core.MaxMemory {
		return nil, fmt.Errorf("memory %d MiB is more than the core's limit of 2047 MiB", cfg.Memory>>20)
	}
	if cfg.Memory < 2<<20 {
		return nil, fmt.Errorf("memory %d KiB is too small (at least 2 MiB)", cfg.Memory>>10)
	}
	if len(cfg.BIOS) == 0 || len(cfg.BIOS)%65536 != 0 || len(cfg.BIOS) > 1<<20 {
		return nil, fmt.Errorf("BIOS image of %d bytes: want a multiple of 64 KiB up to 1 MiB", len(cfg.BIOS))
	}
	m := &Machine{
		cfg:   cfg,
		ports: bus.NewPorts(),
		mmio:  &bus.MMIO{},
		clock: NewClock(),
		fw:    fwcfg.New(),
		bios:  cfg.BIOS,
		hub:   display.NewHub(),
		work:  make(chan func(), 1024),
	}
	e := cfg.Engine
	if e == nil {
		var err error
		if e, err = core.LoadEngine(core.Find(), core.DefaultCacheDir()); err != nil {
			return nil, err
		}
	}
	c, err := e.New(m, core.Options{MemorySize: cfg.Memory, ACPI: true, JIT: cfg.JIT})
	if err != nil {
		return nil, err
	}
	m.core = c
	m.lines = bus.NewLines(c.RaiseIRQ, c.LowerIRQ)
	if cfg.TraceIO != nil {
		w := cfg.TraceIO
		m.ports.Trace = func(dir byte, port uint16, size int, v uint32, handled bool) {
			mark := ""
			if !handled {
				mark = " unhandled"
			}
			fmt.Fprintf(w, "%c %04x/%d %08x %s%s\n", dir, port, size, v, m.ports.Name(port), mark)
		}
	}
	if err := m.mmio.Register(uint32(0x100000000-uint64(len(cfg.BIOS))), uint32(len(cfg.BIOS)), &rom{cfg.BIOS}, "bios-mirror"); err != nil {
		c.Close()
		return nil, err
	}
	if err := m.wire(); err != nil {
		m.Close()
		return nil, err
	}
	m.reset()
	return m, nil
}

// Close frees the core and closes media.
func (m *Machine) Close() {
	for _, c := range m.closers {
		c.Close()
	}
	m.closers = nil
	if m.core != nil {
		m.core.Close()
		m.core = nil
	}
}

// reset returns the machine to power-on: devices, fw_cfg, the CPU, and the
// BIOS below 1 MiB.
func (m *Machine) reset() {
	for _, r := range m.resetters {
		r.Reset()
	}
	m.fw.Reset()
	if err := m.core.Reset(); err != nil {
		panic(err)
	}
	m.core.WritePhys(uint32(0x100000-len(m.bios)), m.bios)
	m.core.DirtyJIT(0, 0x100000)
}

// requestReset is how the guest resets the machine (keyboard controller,
// 0xCF9, port 0x92). It happens at once, inside the guest's OUT: the CPU must
// not run on past a reset it asked for (SeaBIOS's reboot path would fault).
func (m *Machine) requestReset() {
	m.stats.Resets++
	m.reset()
}

// logf writes a note to the configured log.
func (m *Machine) logf(format string, a ...any) {
	if m.cfg.Log != nil {
		fmt.Fprintf(m.cfg.Log, format+"\n", a...)
	}
}

// Hub returns the display hub sinks subscribe to.
func (m *Machine) Hub() *display.Hub { return m.hub }

// Clock returns the guest clock.
func (m *Machine) Clock() *Clock { return m.clock }

// Stats returns the latest counters (updated about once a second); safe
// from any goroutine.
func (m *Machine) Stats() Stats {
	if s := m.published.Load(); s != nil {
		return *s
	}
	return Stats{}
}

// Do queues fn to run on the emulation goroutine between time slices.
func (m *Machine) Do(fn func()) {
	m.work <- fn
}

// openFile opens a media file read-only, with a clear error.
func openFile(path string) (*os.File, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if st.IsDir() {
		return nil, 0, fmt.Errorf("%s is a directory, not a disk image", path)
	}
	if st.Size() == 0 {
		return nil, 0, fmt.Errorf("%s is empty", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	return f, st.Size(), nil
}
