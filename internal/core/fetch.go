package core

import (
	"bytes"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// Instruction fetch from addresses nothing backs. The core fetches
// instruction bytes straight from its wasm memory at mem8 + phys, where
// mem8 is guest RAM's offset (cpu.rs read_imm8, jit_run_interpreted); its
// checks that phys is RAM are debug assertions, absent from the release
// build. So a guest that jumps to an address past RAM makes the core read
// the framebuffer or its own heap as code, and one that jumps far enough
// (a memory tester, a kernel running garbage after a bad mapping) makes it
// read past the end of the wasm memory: the run ends with "out of bounds
// memory access" in main_loop.
//
// A PC fetches all ones there: FF FF is an invalid opcode (FF /7), so the
// guest gets #UD. patchFetch makes the core do the same. The core caches
// the translation of the current code page in eip_phys (global offset
// 624: phys ^ eip of the page, so that mem8 + (eip_phys ^ eip) is the
// byte at eip). All 29 stores to it go through setEIPPhys instead:
//
//	setEIPPhys(v) = if hole != 0 && v ^ instruction_pointer >= memory_size:
//	                    v = hole ^ (instruction_pointer & ~0xFFF)
//	                eip_phys = v
//
// so a code page past RAM is fetched from the fetch hole: a page of 0xFF
// bytes the host puts after the core's own allocations (a wasm page it
// grows the memory by, which the core's allocator then never hands out).
// hole is that page's address less mem8, a physical address past RAM and
// the framebuffer that the machine keeps unbacked (all ones), so the wider
// fetches that go through the core's checked reads see ones too. It is a
// global the patch adds (FetchHoleGlobal); 0 leaves the core as it was.
// The VGA window 0xA0000-0xBFFFF, below memory_size, keeps its old
// behaviour (code there runs from the RAM beneath it).
//
// The stores grow from 4 to 6 bytes, so function bodies move: the DWARF
// sections no longer match and are dropped (traces keep function names).

// FetchHoleGlobal is the exported global holding the fetch hole's
// physical address.
const FetchHoleGlobal = "do86_fetch_hole"

// Offsets in the core's globals area the patch reads.
const (
	offEIPPhys = 624
)

// patchFetch routes every store to eip_phys through setEIPPhys.
func patchFetch(m *wasmModule) error {
	typ, err := m.findType([]byte{typeI32, typeI32}, nil)
	if err != nil {
		return err
	}
	hole := m.addGlobal(FetchHoleGlobal)
	fn := m.imports + uint32(len(m.bodies)) // the function added below
	store := []byte{0x36, 0x02}             // i32.store align=4
	store = appendULEB(store, offEIPPhys)   // offset=624
	if err := m.replaceEverywhere(store, call(fn), 29, "stores to eip_phys"); err != nil {
		return err
	}
	m.addFunction(typ, setEIPPhysBody(hole))
	return nil
}

// setEIPPhysBody is the code of setEIPPhys (param i32 base, i32 v).
func setEIPPhysBody(hole uint32) []byte {
	ip := append([]byte{0x41, 0, 0x28, 0x02}, appendULEB(nil, offIP)...)           // i32.load [instruction_pointer]
	size := append([]byte{0x41, 0, 0x28, 0x02}, appendULEB(nil, offMemorySize)...) // i32.load [memory_size]
	g := append([]byte{0x23}, appendULEB(nil, hole)...)                            // global.get hole
	b := []byte{0}                                                                 // no locals
	b = append(b, 0x20, 1)                                                         // local.get v
	b = append(b, ip...)
	b = append(b, 0x73) // i32.xor: the physical address of the byte at eip
	b = append(b, size...)
	b = append(b, 0x4F) // i32.ge_u
	b = append(b, g...)
	b = append(b, 0x41, 0, 0x47, 0x71) // i32.const 0; i32.ne; i32.and
	b = append(b, 0x04, 0x40)          // if
	b = append(b, g...)
	b = append(b, ip...)
	b = append(b, 0x41, 0x80, 0x60, 0x71) // i32.const -4096; i32.and
	b = append(b, 0x73, 0x21, 1)          // i32.xor; local.set v
	b = append(b, opEnd)                  // end
	b = append(b, 0x20, 0, 0x20, 1)       // local.get base; local.get v
	b = append(b, 0x36, 0x02)
	b = appendULEB(b, offEIPPhys) // i32.store offset=624
	return append(b, opEnd)
}

// FetchHoleSize is the size of the fetch hole: one wasm page.
const FetchHoleSize = 65536

// makeFetchHole grows the memory by a page of 0xFF bytes past everything
// the core allocated and points the core at it. Call it once the core
// made its allocations (RAM, framebuffer).
func (c *Core) makeFetchHole() error {
	top := c.mem.Size()
	if _, ok := c.mem.Grow(1); !ok {
		return fmt.Errorf("core: cannot grow the memory for the fetch hole")
	}
	c.mem.Write(top, bytes.Repeat([]byte{0xFF}, FetchHoleSize))
	c.hole = top - c.ramBase
	g, ok := c.mod.ExportedGlobal(FetchHoleGlobal).(api.MutableGlobal)
	if !ok {
		return fmt.Errorf("core: global %s missing", FetchHoleGlobal)
	}
	g.Set(uint64(c.hole))
	return nil
}

// FetchHole returns the physical address range [addr, addr+FetchHoleSize)
// that code pages past RAM are fetched from. The machine must keep it
// unbacked: reads all ones, writes ignored.
func (c *Core) FetchHole() uint32 { return c.hole }
