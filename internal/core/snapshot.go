package core

import (
	"fmt"
	"syscall"
)

// Snapshots. The core keeps all of its state in its wasm memory: the CPU's
// registers and flags in the globals area at the bottom, the PIC, APIC,
// IOAPIC, TLB and JIT bookkeeping in Rust statics and heap, guest RAM and the
// framebuffer in two large heap blocks. Its only wasm global is the stack
// pointer, which is back at its initial value between main_loop calls. So a
// snapshot is the whole memory plus State, and a restore writes the memory
// back into a core made with the same Options, then voids what refers to
// host objects: JIT modules (table slots) are dropped and the cache is
// cleared, so hot code is compiled again.

// State is what a snapshot needs of the core beyond its memory.
type State struct {
	// MemoryBytes is the size of the wasm memory.
	MemoryBytes uint64
	// The layout of guest RAM and framebuffer in it; a restore needs the
	// same (a core made with the same Options has it).
	RAMBase, RAMSize, LFBBase, LFBSize uint32
	// TSC is the time-stamp counter when saved.
	TSC uint64
	// JIT lists the modules the core had handed over for compilation and
	// not yet been told finished (at most one): a restore finishes them as
	// abandoned, or the core would wait for them for ever.
	JIT []PendingModule
}

// PendingModule names a generated module the core waits for.
type PendingModule struct{ Index, Start, Flags uint32 }

// Memory returns the core's whole wasm memory, aliased: valid until the
// memory grows, to be used on the core's goroutine between MainLoop calls.
func (c *Core) Memory() []byte {
	b, _ := c.mem.Read(0, c.mem.Size())
	return b
}

// SaveState returns the core's state beyond its memory. Call it between
// MainLoop calls.
func (c *Core) SaveState() State {
	s := State{
		MemoryBytes: uint64(c.mem.Size()),
		RAMBase:     c.ramBase, RAMSize: c.ramSize,
		LFBBase: c.lfbBase, LFBSize: c.lfbSize,
		TSC: c.TSC(),
	}
	if c.jit != nil {
		for job := range c.jit.open {
			s.JIT = append(s.JIT, PendingModule{job.index, job.start, job.flags})
		}
	}
	return s
}

// RestoreMemory begins a restore: it checks that s fits this core, grows the
// memory to s.MemoryBytes, zeroes all of it and returns it for the caller to
// fill with the saved pages. RestoreState must follow before MainLoop.
func (c *Core) RestoreMemory(s State) ([]byte, error) {
	if s.RAMBase != c.ramBase || s.RAMSize != c.ramSize || s.LFBBase != c.lfbBase || s.LFBSize != c.lfbSize {
		return nil, fmt.Errorf("core: the snapshot's memory layout (RAM %d MiB at %#x, framebuffer %d MiB at %#x) is not this core's (RAM %d MiB at %#x, framebuffer %d MiB at %#x)",
			s.RAMSize>>20, s.RAMBase, s.LFBSize>>20, s.LFBBase, c.ramSize>>20, c.ramBase, c.lfbSize>>20, c.lfbBase)
	}
	if s.MemoryBytes%65536 != 0 || s.MemoryBytes > maxWasmMemory {
		return nil, fmt.Errorf("core: the snapshot's memory size %d is not a wasm memory size", s.MemoryBytes)
	}
	if cur := uint64(c.mem.Size()); s.MemoryBytes > cur {
		if _, ok := c.mem.Grow(uint32((s.MemoryBytes - cur) / 65536)); !ok {
			return nil, fmt.Errorf("core: cannot grow the memory to %d MiB", s.MemoryBytes>>20)
		}
	}
	mem := c.Memory()
	// Zero it: with the reserved mapping, by giving the pages back to the
	// kernel (they read as zero and cost nothing until written).
	if c.resv == nil || syscall.Madvise(mem, syscall.MADV_DONTNEED) != nil {
		clear(mem)
	}
	return mem, nil
}

// RestoreState ends a restore after the memory was filled: it drops every
// JIT module and job of this core, clears the restored JIT cache, finishes
// the modules the saved core waited for, applies this core's JIT setting and
// sets the TSC (the host's clock must already run from the saved time).
func (c *Core) RestoreState(s State) error {
	if c.jit != nil {
		if err := c.dropAllJIT(); err != nil {
			return err
		}
	}
	if _, err := c.call("jit_clear_cache_js"); err != nil {
		return err
	}
	for _, p := range s.JIT {
		page := p.Start &^ 0xFFF
		if _, err := c.call("jit_dirty_cache", uint64(page), uint64(page+0x1000)); err != nil {
			return err
		}
		if _, err := c.call("codegen_finalize_finished", uint64(p.Index), uint64(p.Start), uint64(p.Flags)); err != nil {
			return err
		}
	}
	off := uint64(1)
	if c.jit != nil {
		off = 0
	}
	if _, err := c.call("set_jit_config", 0, off); err != nil {
		return err
	}
	if _, err := c.call("set_tsc", s.TSC&0xFFFFFFFF, s.TSC>>32); err != nil {
		return err
	}
	return nil
}

// dropAllJIT forgets every module and job of this core's JIT: the restored
// memory knows none of them. Modules still compiling are discarded when
// they arrive.
func (c *Core) dropAllJIT() error {
	j := c.jit
	j.epoch++
	for i := range j.slots {
		if err := c.closeSlot(i); err != nil {
			return err
		}
	}
	j.closing, j.retry = nil, nil
	clear(j.open)
	return nil
}
