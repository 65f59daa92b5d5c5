// Package core hosts the v86 project's x86 CPU, compiled to WebAssembly
// (npm package v86, pinned version), in wazero. It loads and verifies the
// module, rewrites its table import, supplies the 21 functions it imports
// (port and MMIO accesses, time, timers) by calling a Host, and offers typed
// access to the CPU's state and guest RAM. With Options.JIT it also hosts
// the core's JIT: the wasm modules it generates are compiled by a background
// goroutine and installed between MainLoop calls (jit.go). Guest RAM lives
// in a mapping reserved once, so it never moves or gets copied as the wasm
// memory grows (memory_linux.go).
//
// A Core is not safe for concurrent use: one goroutine owns it, and the Host
// is called on that goroutine from inside MainLoop. The JIT's workers touch
// only their own queue and the wazero runtime.
package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Version is the pinned v86 release whose core this package hosts.
const Version = "0.5.462"

// WasmSHA256 is the sha256 of build/v86.wasm in the pinned npm package.
const WasmSHA256 = "aa0d0e149d6b60063b85de4871e78505637ce92821e14a9f9802c4008ba2336e"

// TableSize is the function table's size: 1024 slots for the module's own
// indirect functions, then 900 for JIT-compiled blocks (as v86's loader).
const TableSize = 1024 + 900

// MaxMemory is the largest guest RAM the core can allocate (it traps at 2 GiB).
const MaxMemory = 2047 << 20

// ModuleName is the name the core is instantiated under: the name JIT
// modules import from.
const ModuleName = "e"

// maxWasmMemory is the largest a wasm32 memory can grow: 65536 pages.
const maxWasmMemory = 1 << 32

// LFBAddress is the fixed physical address of the SVGA linear framebuffer.
const LFBAddress = 0xE0000000

// Offsets of the CPU's state in wasm memory (the core's global_pointers).
const (
	offRegisters     = 64
	offFlags         = 120
	offACPIEnabled   = 552
	offIP            = 556
	offInHLT         = 616
	offInstrCounter  = 664
	offSreg          = 668
	offSvgaDirtyMin  = 716
	offSvgaDirtyMax  = 720
	offSegOffsets    = 736
	offProtectedMode = 800
	offMemorySize    = 812
	offCR            = 580 // cr[0..7], i32 each
	offFPUControl    = 1036
	offFPUStatus     = 1040
	offCurrentTSC    = 960
)

// Host is the rest of the PC, as the core sees it. Every method is called on
// the goroutine that called MainLoop (or Reset).
type Host interface {
	PortRead(port uint16, size int) uint32
	PortWrite(port uint16, size int, v uint32)
	// MMIORead and MMIOWrite serve physical addresses the core does not
	// hold: the VGA window 0xA0000–0xBFFFF and anything at or above the end
	// of RAM other than the LFB, local APIC and IOAPIC.
	MMIORead(addr uint32, size int) uint32
	MMIOWrite(addr uint32, size int, v uint32)
	// Now is the guest clock in milliseconds (the core's microtick).
	Now() float64
	// RunTimers runs device timers at now and returns the milliseconds until
	// the next device event.
	RunTimers(now float64) float64
	// Log receives the core's console messages.
	Log(msg string)
}

// Engine compiles v86.wasm once and makes cores from it. It is safe for
// concurrent use.
type Engine struct {
	wasm  []byte
	cache wazero.CompilationCache
	mu    sync.Mutex
}

// LoadEngine reads and verifies the core at path and prepares it for
// compilation, with wazero's compilation cache in cacheDir ("" for none).
func LoadEngine(path, cacheDir string) (*Engine, error) {
	return LoadEngineWith(path, EngineOptions{CacheDir: cacheDir})
}

// EngineOptions configure LoadEngineWith.
type EngineOptions struct {
	// CacheDir holds wazero's compilation cache ("" for none).
	CacheDir string
	// JITThreshold is the heat at which the JIT compiles a page (0: the
	// package's JITThreshold; see threshold.go).
	JITThreshold uint32
}

// LoadEngineWith is LoadEngine with options.
func LoadEngineWith(path string, o EngineOptions) (*Engine, error) {
	cacheDir := o.CacheDir
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("core: %w (run 'make setup' to fetch v86 %s)", err, Version)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != WasmSHA256 {
		return nil, fmt.Errorf("core: %s is not v86 %s's v86.wasm (sha256 %s)", path, Version, hex.EncodeToString(sum[:8]))
	}
	wasm, err := rewriteTable(b, TableSize)
	if err != nil {
		return nil, err
	}
	t := o.JITThreshold
	if t == 0 {
		t = JITThreshold
	}
	if wasm, err = setJITThreshold(wasm, t); err != nil {
		return nil, err
	}
	if wasm, err = patchCore(wasm); err != nil {
		return nil, err
	}
	e := &Engine{wasm: wasm}
	if cacheDir != "" {
		pruneCache(cacheDir, CacheBudget)
		if c, err := wazero.NewCompilationCacheWithDir(cacheDir); err == nil {
			e.cache = c
		}
	}
	if e.cache == nil {
		e.cache = wazero.NewCompilationCache()
	}
	return e, nil
}

// Options configure a new core.
type Options struct {
	MemorySize    uint32 // guest RAM in bytes, at most MaxMemory
	VGAMemorySize uint32 // LFB bytes: a power of two, at least 8 MiB
	ACPI          bool   // local APIC and IOAPIC
	JIT           bool   // host the core's JIT (see FinishJIT)
	// JITPages and JITBlocks, when not 0, set the core's most pages a
	// module compiles (default DefaultJITPages; v86's own is 3) and most
	// extra basic blocks (v86: 250) through set_jit_config.
	JITPages, JITBlocks uint32
}

// Core is one instance of the CPU.
type Core struct {
	ctx  context.Context
	rt   wazero.Runtime
	mod  api.Module
	mem  api.Memory
	host Host
	acpi bool

	ramBase uint32
	ramSize uint32
	lfbBase uint32
	lfbSize uint32
	hole    uint32 // the fetch hole's physical address (fetch.go)
	panic   string // the core's last panic message, if it panicked

	jit  *jitHost        // nil with the JIT off
	resv *reservedMemory // the memory's mapping; nil with wazero's default

	fnMainLoop, fnReset, fnRaise, fnLower, fnDirty, fnAPICTimer api.Function
	fnFill, fnMarkDirty, fnReadTSC, fnSetTSC                    api.Function
	stack                                                       [8]uint64
}

// ErrTrap wraps a wasm trap inside the core: the instance is unusable. The
// core traps when it panics (v86 panics where it meets a case it does not
// implement, such as a task register it cannot load or a fault it cannot
// deliver) or on a fault of its own; no guest address reaches past its
// memory (see pae.go and fetch.go).
var ErrTrap = errors.New("core: the CPU core crashed")

// Abort abandons the call into the core in progress, from inside a host
// function the core called (a device's port or MMIO handler) when the
// instance cannot go on: it panics with err wrapped in ErrTrap, which
// unwinds through the core to the host's Run loop, where it is recovered
// and returned as the error that ends the run. Never call it for a guest's
// mistake: only for a core that failed.
func Abort(err error) {
	panic(fmt.Errorf("%w: %v", ErrTrap, err))
}

// New instantiates a core with its own wazero runtime and initialises it:
// memory, LFB, ACPI and a CPU reset. The BIOS is not loaded.
func (e *Engine) New(host Host, o Options) (*Core, error) {
	if o.MemorySize == 0 || o.MemorySize > MaxMemory {
		return nil, fmt.Errorf("core: memory size %d MiB out of range (1..2047 MiB)", o.MemorySize>>20)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(e.cache).WithCloseOnContextDone(false))
	c := &Core{ctx: ctx, rt: rt, host: host, acpi: o.ACPI}
	if err := c.instantiateHost(); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	e.mu.Lock()
	compiled, err := rt.CompileModule(ctx, e.wasm)
	e.mu.Unlock()
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("core: compile: %w", err)
	}
	// Guest RAM lives in a mapping reserved once at the largest size, so that
	// growing the memory neither moves nor copies it. Without one (strict
	// overcommit, other systems) wazero's default allocator copies on growth.
	ictx := ctx
	if r, err := reserveMemory(maxWasmMemory); err == nil {
		c.resv = r
		ictx = experimental.WithMemoryAllocator(ctx, r)
	}
	mod, err := rt.InstantiateModule(ictx, compiled, wazero.NewModuleConfig().WithName(ModuleName).WithStartFunctions())
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("core: instantiate: %w", err)
	}
	c.mod = mod
	c.mem = mod.Memory()
	for name, p := range map[string]*api.Function{
		"main_loop": &c.fnMainLoop, "reset_cpu": &c.fnReset, "device_raise_irq": &c.fnRaise,
		"device_lower_irq": &c.fnLower, "jit_dirty_cache": &c.fnDirty, "apic_timer": &c.fnAPICTimer,
		"svga_fill_pixel_buffer": &c.fnFill, "svga_mark_dirty": &c.fnMarkDirty,
		"read_tsc": &c.fnReadTSC, "set_tsc": &c.fnSetTSC,
	} {
		if *p = mod.ExportedFunction(name); *p == nil {
			c.Close()
			return nil, fmt.Errorf("core: export %s missing: not v86 %s", name, Version)
		}
	}
	if err := c.init(o); err != nil {
		c.Close()
		return nil, err
	}
	if o.JIT {
		if err := c.startJIT(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *Core) call(name string, args ...uint64) (uint64, error) {
	f := c.mod.ExportedFunction(name)
	if f == nil {
		return 0, fmt.Errorf("core: export %s missing", name)
	}
	r, err := f.Call(c.ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrTrap, name, err)
	}
	if len(r) > 0 {
		return r[0], nil
	}
	return 0, nil
}

// init follows the core's init order.
func (c *Core) init(o Options) error {
	if _, err := c.call("rust_init"); err != nil {
		return err
	}
	c.ramSize = o.MemorySize
	c.mem.WriteUint32Le(offMemorySize, o.MemorySize)
	base, err := c.call("allocate_memory", uint64(o.MemorySize))
	if err != nil {
		return err
	}
	c.ramBase = uint32(base)
	vga := o.VGAMemorySize
	if vga == 0 {
		vga = 16 << 20
	}
	lfb, err := c.call("svga_allocate_memory", uint64(vga))
	if err != nil {
		return err
	}
	c.lfbBase, c.lfbSize = uint32(lfb), vga
	if err := c.makeFetchHole(); err != nil {
		return err
	}
	if !o.JIT {
		if _, err := c.call("set_jit_config", 0, 1); err != nil {
			return err
		}
	}
	if o.JITPages == 0 {
		o.JITPages = DefaultJITPages
	}
	for _, kv := range [][2]uint32{{1, o.JITPages}, {3, o.JITBlocks}} {
		if kv[1] != 0 {
			if _, err := c.call("set_jit_config", uint64(kv[0]), uint64(kv[1])); err != nil {
				return err
			}
		}
	}
	if o.ACPI {
		c.mem.WriteByte(offACPIEnabled, 1)
	}
	return c.Reset()
}

// Reset resets the CPU (not RAM, not devices) and checks that the state
// offsets this package relies on hold what a reset leaves there.
func (c *Core) Reset() error {
	if _, err := c.call("reset_cpu"); err != nil {
		return err
	}
	cs, _ := c.mem.ReadUint16Le(offSreg + 2)
	csBase, _ := c.mem.ReadUint32Le(offSegOffsets + 4)
	ip, _ := c.mem.ReadUint32Le(offIP)
	ms, _ := c.mem.ReadUint32Le(offMemorySize)
	if cs != 0xF000 || csBase != 0xF0000 || ip != 0xFFFF0 || ms != c.ramSize {
		return fmt.Errorf("core: state after reset is not v86 %s's (cs=%#x base=%#x ip=%#x mem=%#x)", Version, cs, csBase, ip, ms)
	}
	return nil
}

// MainLoop runs the CPU for up to a few milliseconds and returns the
// milliseconds until the next timer event (0 when the time slice ran out).
// With the JIT on it first installs the modules compiled since the last call
// (FinishJIT). An error wraps ErrTrap: the core crashed and must be closed.
func (c *Core) MainLoop() (float64, error) {
	if c.jit != nil {
		if err := c.FinishJIT(); err != nil {
			return 0, err
		}
	}
	err := c.fnMainLoop.CallWithStack(c.ctx, c.stack[:])
	if err != nil {
		return 0, c.trapError(err)
	}
	return api.DecodeF64(c.stack[0]), nil
}

// RaiseIRQ asserts interrupt line n on the PIC and IOAPIC.
func (c *Core) RaiseIRQ(n int) {
	var s [1]uint64
	s[0] = uint64(n)
	if err := c.fnRaise.CallWithStack(c.ctx, s[:]); err != nil {
		Abort(fmt.Errorf("device_raise_irq: %v", err))
	}
}

// LowerIRQ deasserts interrupt line n.
func (c *Core) LowerIRQ(n int) {
	var s [1]uint64
	s[0] = uint64(n)
	if err := c.fnLower.CallWithStack(c.ctx, s[:]); err != nil {
		Abort(fmt.Errorf("device_lower_irq: %v", err))
	}
}

// InHLT reports whether the CPU is halted waiting for an interrupt.
func (c *Core) InHLT() bool {
	b, _ := c.mem.ReadByte(offInHLT)
	return b != 0
}

// CR0.NE, numeric error: set, an x87 error is exception 16; clear, it is
// reported through FERR# (the PC's IRQ 13).
const cr0NE = 1 << 5

// FERR reports whether an unmasked x87 exception is pending while CR0.NE is
// clear: the level of the FERR# output a PC routes to IRQ 13. The core has
// no such output (its FPU sets exception flags in the status word and
// raises nothing), so it is derived from the state: an exception flag
// (status word bits 0-5) whose mask bit in the control word is clear.
func (c *Core) FERR() bool {
	cr0, _ := c.mem.ReadUint32Le(offCR)
	if cr0&cr0NE != 0 {
		return false
	}
	sw, _ := c.mem.ReadUint16Le(offFPUStatus)
	cw, _ := c.mem.ReadUint16Le(offFPUControl)
	return sw&^cw&0x3F != 0
}

// InterruptsEnabled reports EFLAGS.IF.
func (c *Core) InterruptsEnabled() bool {
	f, _ := c.mem.ReadUint32Le(offFlags)
	return f&(1<<9) != 0
}

// InstructionCounter is the core's count of executed instructions (wraps).
func (c *Core) InstructionCounter() uint32 {
	v, _ := c.mem.ReadUint32Le(offInstrCounter)
	return v
}

// IP returns the linear instruction pointer.
func (c *Core) IP() uint32 {
	v, _ := c.mem.ReadUint32Le(offIP)
	return v
}

// MemorySize returns guest RAM in bytes.
func (c *Core) MemorySize() uint32 { return c.ramSize }

// ReadPhys copies guest RAM at addr into p; bytes beyond RAM read as all
// ones, as a bus master's reads of nothing do on a PC.
func (c *Core) ReadPhys(addr uint32, p []byte) {
	n := c.clip(addr, len(p))
	if n > 0 {
		b, _ := c.mem.Read(c.ramBase+addr, uint32(n))
		copy(p, b)
	}
	for i := n; i < len(p); i++ {
		p[i] = 0xFF
	}
}

// WritePhys copies p into guest RAM at addr and tells the JIT; bytes beyond
// RAM are dropped.
func (c *Core) WritePhys(addr uint32, p []byte) {
	n := c.clip(addr, len(p))
	if n == 0 {
		return
	}
	c.mem.Write(c.ramBase+addr, p[:n])
	c.DirtyJIT(addr, addr+uint32(n))
}

func (c *Core) clip(addr uint32, n int) int {
	if addr >= c.ramSize {
		return 0
	}
	return int(min(uint64(n), uint64(c.ramSize-addr)))
}

// DirtyJIT tells the core that guest RAM [start, end) changed behind its back.
func (c *Core) DirtyJIT(start, end uint32) {
	var s [2]uint64
	s[0], s[1] = uint64(start), uint64(end)
	if err := c.fnDirty.CallWithStack(c.ctx, s[:]); err != nil {
		Abort(fmt.Errorf("jit_dirty_cache: %v", err))
	}
}

// LFBSize returns the size of the SVGA linear framebuffer.
func (c *Core) LFBSize() uint32 { return c.lfbSize }

// LFBRead copies framebuffer bytes at off into p.
func (c *Core) LFBRead(p []byte, off uint32) {
	if off >= c.lfbSize {
		clear(p)
		return
	}
	n := min(uint32(len(p)), c.lfbSize-off)
	b, _ := c.mem.Read(c.lfbBase+off, n)
	copy(p, b)
	clear(p[n:])
}

// LFBWrite copies p into the framebuffer at off and marks the whole
// framebuffer dirty (host writes are rare: banked access, clears).
func (c *Core) LFBWrite(p []byte, off uint32) {
	if off >= c.lfbSize {
		return
	}
	n := min(uint32(len(p)), c.lfbSize-off)
	c.mem.Write(c.lfbBase+off, p[:n])
	var s [1]uint64
	_ = c.fnMarkDirty.CallWithStack(c.ctx, s[:])
}

// LFBDirty returns the byte range of the framebuffer written since the last
// call, at 4 KiB page granularity, and forgets it.
func (c *Core) LFBDirty() (lo, hi uint32, ok bool) {
	// With the core's destination buffer left empty, svga_fill_pixel_buffer
	// converts nothing: it only records the dirty range and clears the bitmap.
	var s [2]uint64
	s[0], s[1] = 32, 0
	if err := c.fnFill.CallWithStack(c.ctx, s[:]); err != nil {
		return 0, 0, false
	}
	lo, _ = c.mem.ReadUint32Le(offSvgaDirtyMin)
	hi, _ = c.mem.ReadUint32Le(offSvgaDirtyMax)
	if lo == math.MaxUint32 {
		return 0, 0, false
	}
	return lo, min(hi+1, c.lfbSize), true
}

// TSC returns the time-stamp counter.
func (c *Core) TSC() uint64 {
	var s [1]uint64
	_ = c.fnReadTSC.CallWithStack(c.ctx, s[:])
	return s[0]
}

// Close stops the JIT's workers and frees the instance and its memory.
// Nothing of the core may be used afterwards.
func (c *Core) Close() {
	c.stopJIT()
	c.rt.Close(c.ctx)
	if c.resv != nil {
		c.resv.release()
		c.resv = nil
	}
}

// ReservedMemory reports whether guest RAM lives in a reserved mapping whose
// base never moves (false: wazero's default allocator, which copies on
// growth).
func (c *Core) ReservedMemory() bool { return c.resv != nil }

// DefaultCacheDir is where wazero's compiled code for the core is kept.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "do86", "wazero")
}

// trapError makes the one-line error of a trap in main_loop: the core's
// panic message when it panicked (its console shows it), else the trap's
// first line. The whole wasm stack trace goes to the host's log.
func (c *Core) trapError(err error) error {
	msg := err.Error()
	c.host.Log("trap: " + msg)
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	// A Go panic of ours inside a host call (RaiseIRQ from a device timer,
	// say) already says it is a crash.
	msg = strings.TrimPrefix(msg, ErrTrap.Error()+": ")
	if c.panic != "" {
		return fmt.Errorf("%w: v86 panicked: %s (%s)", ErrTrap, c.panic, msg)
	}
	return fmt.Errorf("%w: %s", ErrTrap, msg)
}

// notePanic remembers a panic message from the core's console: Rust's panic
// hook prints "panicked at FILE:LINE:COL:" and the message on the next line.
func (c *Core) notePanic(s string) {
	if rest, ok := strings.CutPrefix(s, "panicked at "); ok {
		c.panic = strings.Join(strings.Fields(rest), " ")
	}
}
