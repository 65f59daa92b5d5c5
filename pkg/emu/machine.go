// Package emu is the PC: the v86 CPU core, the buses, the chipset and its
// devices, the guest clock and the run loop that owns them all.
//
// One goroutine (the one calling Run) owns the core and every device. Other
// goroutines reach the machine only through Do, the input.Sink methods and
// SendSerial, which queue work for that goroutine.
package emu

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/dev/fwcfg"
	"github.com/do86/do86/pkg/display"
)

// Config describes a machine. Resolve builds one from what a user names;
// Validate checks one built by hand.
type Config struct {
	// Name is what the machine is called (a catalog name, or the file it
	// boots); Kind says what the image was detected as. Both are for
	// people: status lines, snapshot listings, logs.
	Name, Kind string

	// Memory is guest RAM in bytes (at most core.MaxMemory).
	Memory uint32
	// BIOS and VGABIOS are the firmware images (SeaBIOS and its VGA BIOS).
	BIOS, VGABIOS []byte
	// JIT turns the core's JIT compiler on.
	JIT bool
	// JITThreshold is the heat at which the core compiles a page (0: do86's
	// default; see internal/core/threshold.go). For tuning only.
	JITThreshold uint32
	// JITPages and JITBlocks shape the core's JIT modules: most pages and
	// most extra basic blocks in one (0: do86's defaults). For tuning only.
	JITPages, JITBlocks uint32
	// Warp makes the guest clock jump over time the guest spends halted
	// with only a timer to wake it, instead of waiting for it: sleeps,
	// countdowns and boot menus cost nothing. The guest's clock then runs
	// ahead of real time; use it where no person watches (see README).
	Warp bool

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
	// Logger receives the machine's notes and warnings (nil: discarded);
	// give each machine its own (serve adds the session).
	Logger *slog.Logger
	// Net is the network card and its network (none by default).
	Net NetConfig
	// NoUSB leaves out the USB controller and its tablet (usb.go); the
	// pointer is then the PS/2 mouse alone.
	NoUSB bool
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

	// media, when set, are the media's fingerprints, already checked
	// (ResumeConfig); a snapshot records them without hashing again.
	media []Medium
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
	portReads uint32 // counts port reads, to look at the timers every 16th
	resetters []bus.Resetter
	closers   []io.Closer

	dev devices

	hub   *display.Hub
	frame *display.Frame
	text  *display.TextScreen

	work       chan func()
	life       life
	frameHooks hooks

	serial   *serialTap // COM1 output: buffered, flushed every frame, watched
	serialIn []byte     // COM1 input the UART could not take yet
	keys     []keyEvent // keys the keyboard could not take yet
	ptr      pointer    // the absolute pointer: USB tablet or PS/2 (pointer.go)

	powerOff  bool
	media     []Medium  // fingerprints of the media, computed at the first snapshot
	pages     pageCache // page hashes of the last snapshot (snapshot.go)
	paused    atomic.Bool
	inputs    atomic.Uint64         // key and mouse events received (Inputs)
	stats     Stats                 // owned by the emulation goroutine
	published atomic.Pointer[Stats] // a copy for other goroutines
}

// Stats are counters a status line shows.
type Stats struct {
	Elapsed      time.Duration // guest time run
	Warped       time.Duration // guest time skipped by the warp clock
	JIT          core.JITStats
	Instructions uint64 // executed since start
	MIPS         float64
	Halted       bool
	Resets       int
	// Phase says roughly what the guest is doing, for people watching a
	// boot: "BIOS" (the firmware runs), "real mode" (a boot loader, DOS),
	// "protected mode" (an operating system), "paused".
	Phase string
}

// phase tells Stats.Phase from the CPU's state.
func (m *Machine) phase() string {
	switch {
	case m.paused.Load():
		return "paused"
	case m.core.ProtectedMode():
		return "protected mode"
	case m.core.IP() >= 0xF0000 && m.core.IP() < 0x100000:
		return "BIOS"
	}
	return "real mode"
}

// New builds a machine and resets it; Run starts it.
func New(cfg Config) (*Machine, error) {
	if cfg.Memory == 0 {
		cfg.Memory = DefaultMemory
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Name == "" {
		cfg.Name = cfg.mediaName()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
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
		life:  life{halt: make(chan struct{})},
		media: cfg.media,
	}
	e := cfg.Engine
	if e == nil {
		var err error
		if e, err = core.LoadEngineWith(core.Find(), core.EngineOptions{CacheDir: core.DefaultCacheDir(), JITThreshold: cfg.JITThreshold}); err != nil {
			return nil, err
		}
	}
	c, err := e.New(m, core.Options{MemorySize: cfg.Memory, ACPI: true, JIT: cfg.JIT, JITPages: cfg.JITPages, JITBlocks: cfg.JITBlocks})
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
	// PAE entries above 4 GiB name this window instead (see core.patchPAE):
	// nothing may be mapped there.
	if err := m.mmio.Register(core.Above4GiBWindow, core.Above4GiBWindowSize, unbacked{}, "above-4g"); err != nil {
		c.Close()
		return nil, err
	}
	// Code pages past RAM are fetched from the fetch hole (see core's
	// fetch.go): it too must stay unbacked.
	if err := m.mmio.Register(c.FetchHole(), core.FetchHoleSize, unbacked{}, "fetch-hole"); err != nil {
		c.Close()
		return nil, err
	}
	if err := m.wire(); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.reset(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Close frees the core and closes media. Call it once Run has returned;
// afterwards every method that needs the machine returns ErrStopped.
func (m *Machine) Close() {
	m.life.mu.Lock()
	if m.life.state != stateClosed {
		if m.life.state != stateStopped {
			close(m.life.halt)
		}
		m.life.state = stateClosed
	}
	m.life.mu.Unlock()
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
func (m *Machine) reset() error {
	for _, r := range m.resetters { // fw_cfg among them
		r.Reset()
	}
	if err := m.core.Reset(); err != nil {
		return err
	}
	m.core.WritePhys(uint32(0x100000-len(m.bios)), m.bios)
	m.core.DirtyJIT(0, 0x100000)
	return nil
}

// requestReset is how the guest resets the machine (keyboard controller,
// 0xCF9, port 0x92). It happens at once, inside the guest's OUT: the CPU must
// not run on past a reset it asked for (SeaBIOS's reboot path would fault).
// A reset the core fails is a crash of the core: the guest's instruction
// cannot complete, so the call into the core is abandoned (core.Abort) and
// Run returns an error wrapping ErrCrash.
func (m *Machine) requestReset() {
	m.stats.Resets++
	if err := m.reset(); err != nil {
		core.Abort(fmt.Errorf("reset: %w", err))
	}
}

// Inputs counts the key and mouse events the machine has been sent, from
// any sink: a warm start saves a snapshot only of a guest nobody touched.
func (m *Machine) Inputs() uint64 { return m.inputs.Load() }

// Logger returns the machine's logger.
func (m *Machine) Logger() *slog.Logger { return m.cfg.Logger }

// Config returns the configuration the machine was built with.
func (m *Machine) Config() Config { return m.cfg }

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

// checkMediaFile says why path cannot be a medium: missing, a directory,
// not a regular file (a FIFO, a device), or empty.
func checkMediaFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case st.IsDir():
		return fmt.Errorf("%s is a directory, not an image", path)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s)", path, st.Mode().Type())
	case st.Size() == 0:
		return fmt.Errorf("%s is empty", path)
	}
	return nil
}
