package bench_test

import (
	"io"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/i8254"
	"github.com/do86/do86/internal/dev/uart16550"
	"github.com/do86/do86/internal/dev/vga"
)

// The host side of the guest loops' port I/O and of the VGA window: what
// one IN, OUT or window access costs once the core has called out. (The
// call out of wasm itself, ~70–115 ns, is not in these figures.)

// portBus is the ports the portio loop touches, wired as the machine wires
// them: the PIT with port 0x61, COM1, and nothing at 0x80.
func portBus(b testing.TB) *bus.Ports {
	b.Helper()
	p := bus.NewPorts()
	clock := &bustest.Clock{}
	pit := i8254.New(clock, &bustest.IRQ{})
	p.MustRegister(0x40, 4, pit, "pit")
	p.MustRegister(0x61, 1, pit.Port61(), "port61")
	p.MustRegister(uart16550.COM1Base, uart16550.Ports, uart16550.New(&bustest.IRQ{}, io.Discard), "com1")
	return p
}

func BenchmarkPortRead61(b *testing.B) {
	p := portBus(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.Read(0x61, 1)
	}
}

func BenchmarkPortWriteUnhandled80(b *testing.B) {
	p := portBus(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.Write(0x80, 1, uint32(i))
	}
}

func BenchmarkPortReadCOM1LineStatus(b *testing.B) {
	p := portBus(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.Read(uart16550.COM1Base+5, 1)
	}
}

func BenchmarkPortWriteCOM1(b *testing.B) {
	p := portBus(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.Write(uart16550.COM1Base, 1, 'x')
	}
}

// nullLFB is a linear framebuffer that holds nothing (the window benchmarks
// stay in the legacy planes).
type nullLFB struct{}

func (nullLFB) Size() uint32                    { return 8 << 20 }
func (nullLFB) ReadAt(p []byte, off uint32)     {}
func (nullLFB) WriteAt(p []byte, off uint32)    {}
func (nullLFB) Dirty() (lo, hi uint32, ok bool) { return 0, 0, false }

// vgaWindow is a VGA on its buses with the memory mode set as a BIOS sets it
// for mode 13h (chain-4, 256 colours) or 12h (four planes, 16 colours).
func vgaWindow(b testing.TB, chain4 bool) *bus.MMIO {
	b.Helper()
	p, m := bus.NewPorts(), &bus.MMIO{}
	v := vga.New(&bustest.Clock{}, nullLFB{})
	if err := v.Register(p, m); err != nil {
		b.Fatal(err)
	}
	seq := func(i, val uint8) { p.Write(0x3C4, 1, uint32(i)); p.Write(0x3C5, 1, uint32(val)) }
	gc := func(i, val uint8) { p.Write(0x3CE, 1, uint32(i)); p.Write(0x3CF, 1, uint32(val)) }
	p.Write(0x3C2, 1, 0x63) // misc output: colour, RAM enabled
	seq(2, 0x0F)            // map mask: all planes
	gc(6, 0x05)             // graphics, window at A0000 for 64 KiB
	gc(8, 0xFF)             // bit mask: all bits
	if chain4 {
		seq(4, 0x0E) // chain-4
		gc(5, 0x40)  // 256-colour shift
	} else {
		seq(4, 0x06) // planar
		gc(5, 0x00)  // write mode 0, read mode 0
	}
	return m
}

func benchWindow(b *testing.B, chain4, write bool, size int) {
	m := vgaWindow(b, chain4)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for i := 0; i < b.N; i++ {
		addr := 0xA0000 + uint32(i*size)&0xFFFF
		if write {
			m.Write(addr, size, uint32(i))
		} else {
			m.Read(addr, size)
		}
	}
}

func BenchmarkVGAWindowWrite13h(b *testing.B)      { benchWindow(b, true, true, 1) }
func BenchmarkVGAWindowWrite13hDword(b *testing.B) { benchWindow(b, true, true, 4) }
func BenchmarkVGAWindowRead13h(b *testing.B)       { benchWindow(b, true, false, 1) }
func BenchmarkVGAWindowWritePlanar(b *testing.B)   { benchWindow(b, false, true, 1) }
func BenchmarkVGAWindowReadPlanar(b *testing.B)    { benchWindow(b, false, false, 1) }

// TestVGAWindowSetup checks what the window benchmarks measure: in chain-4 a
// byte written reads back; in planar mode with all planes enabled a byte
// written reads back from plane 0.
func TestVGAWindowSetup(t *testing.T) {
	for _, chain4 := range []bool{true, false} {
		m := vgaWindow(t, chain4)
		m.Write(0xA0123, 1, 0x5A)
		if got := m.Read(0xA0123, 1) & 0xFF; got != 0x5A {
			t.Errorf("chain4=%v: read back %#x, want 0x5a", chain4, got)
		}
	}
}
