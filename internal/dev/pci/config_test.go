package pci_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/pcicfg"
)

// testFunc is a function with one pcicfg.BAR of each kind.
type testFunc struct {
	pcicfg.Config
	moves []uint32
}

func newTestFunc() *testFunc {
	f := &testFunc{}
	f.Init(0x1234, 0x5678, 0x01, 0x06, 0x01, 0x02)
	f.SetBAR(0, pcicfg.BAR{Size: 0x2000, Moved: func(b uint32) { f.moves = append(f.moves, b) }})
	f.SetBAR(1, pcicfg.BAR{Size: 0x20, IO: true, Moved: func(b uint32) { f.moves = append(f.moves, b) }})
	f.SetBAR(2, pcicfg.BAR{Size: 0x1000000, Fixed: 0xE0000000, Moved: func(b uint32) { f.moves = append(f.moves, b) }})
	return f
}

// cfg is mechanism #1 on a port bus, as the guest uses it.
type cfg struct {
	ports *bus.Ports
	bus   *pci.Bus
}

func newCfg(t *testing.T) *cfg {
	t.Helper()
	c := &cfg{ports: bus.NewPorts(), bus: &pci.Bus{}}
	c.ports.MustRegister(0xCF8, 1, c.bus, "pci-addr")
	c.ports.MustRegister(0xCFC, 4, c.bus.Data(), "pci-data")
	return c
}

func addr(dev, fn, reg int) uint32 {
	return 0x80000000 | uint32(dev)<<11 | uint32(fn)<<8 | uint32(reg)&0xFC
}

func (c *cfg) read(dev, fn, reg, size int) uint32 {
	c.ports.Write(0xCF8, 4, addr(dev, fn, reg))
	return c.ports.Read(0xCFC+uint16(reg&3), size)
}

func (c *cfg) write(dev, fn, reg, size int, v uint32) {
	c.ports.Write(0xCF8, 4, addr(dev, fn, reg))
	c.ports.Write(0xCFC+uint16(reg&3), size, v)
}

func TestBARs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reg       int
		write     uint32
		want      uint32
		wantMoves []uint32
	}{
		{"memory pcicfg.BAR answers a size probe", 0x10, 0xFFFFFFFF, 0xFFFFE000, nil},
		{"memory pcicfg.BAR keeps aligned base bits", 0x10, 0xFEB12345, 0xFEB12000, []uint32{0xFEB12000}},
		{"IO pcicfg.BAR answers a size probe with bit 0 set", 0x14, 0xFFFFFFFF, 0xFFFFFFE1, nil},
		{"IO pcicfg.BAR base", 0x14, 0xC05F, 0xC041, []uint32{0xC040}},
		{"fixed pcicfg.BAR answers a size probe", 0x18, 0xFFFFFFFF, 0xFF000000, nil},
		{"fixed pcicfg.BAR ignores relocation", 0x18, 0xF0000000, 0xE0000000, nil},
		{"unimplemented pcicfg.BAR reads 0", 0x1C, 0xFFFFFFFF, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCfg(t)
			f := newTestFunc()
			c.bus.Add(3, 0, f)
			c.write(3, 0, tt.reg, 4, tt.write)
			if got := c.read(3, 0, tt.reg, 4); got != tt.want {
				t.Errorf("pcicfg.BAR reads %#x, want %#x", got, tt.want)
			}
			if !equal(f.moves, tt.wantMoves) {
				t.Errorf("Moved calls %#x, want %#x", f.moves, tt.wantMoves)
			}
		})
	}
}

func equal(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The firmware's sizing sequence (save, probe, restore) is not a move; the
// programming that follows is, once.
func TestBARProbeRestoreIsNotAMove(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	f := newTestFunc()
	c.bus.Add(3, 0, f)
	for _, reg := range []int{0x10, 0x14, 0x18} {
		old := c.read(3, 0, reg, 4)
		c.write(3, 0, reg, 4, 0xFFFFFFFF)
		c.read(3, 0, reg, 4)
		c.write(3, 0, reg, 4, old)
		if got := c.read(3, 0, reg, 4); got != old {
			t.Errorf("pcicfg.BAR %#x after probe and restore = %#x, want %#x", reg, got, old)
		}
	}
	if len(f.moves) != 0 {
		t.Fatalf("probe and restore reported moves %#x", f.moves)
	}
	c.write(3, 0, 0x14, 4, 0xC100)
	c.write(3, 0, 0x14, 4, 0xC100) // the same base again is no move
	c.write(3, 0, 0x10, 4, 0xFEBF0000)
	if want := []uint32{0xC100, 0xFEBF0000}; !equal(f.moves, want) {
		t.Errorf("moves %#x, want %#x", f.moves, want)
	}
	// A byte write into the pcicfg.BAR merges with the rest of it.
	c.write(3, 0, 0x11, 1, 0xE0)
	if got := c.read(3, 0, 0x10, 4); got != 0xFEBFE000 {
		t.Errorf("pcicfg.BAR after byte write = %#x, want 0xFEBFE000", got)
	}
}

func TestHeaderWritableBits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reg, size int
		write     uint32
		readReg   int
		readSize  int
		want      uint32
	}{
		{"identity is read-only", 0x00, 4, 0, 0x00, 4, 0x56781234},
		{"class is read-only", 0x08, 4, 0, 0x08, 4, 0x01060102},
		{"command keeps IO, memory, master, INTx disable", 0x04, 2, 0xFFFF, 0x04, 2, 0x0407},
		{"status ignores writes", 0x06, 2, 0xFFFF, 0x06, 2, 0},
		{"dword write to command skips status", 0x04, 4, 0xFFFF0003, 0x04, 4, 0x00000003},
		{"interrupt line is writable", 0x3C, 1, 0x0B, 0x3C, 1, 0x0B},
		{"interrupt pin is read-only", 0x3D, 1, 0x04, 0x3D, 1, 0},
		{"latency timer is writable", 0x0D, 1, 0x40, 0x0D, 1, 0x40},
		{"header type is read-only", 0x0E, 1, 0x80, 0x0E, 1, 0},
		{"device registers are read-only unless declared", 0x40, 4, 0xFFFFFFFF, 0x40, 4, 0},
		{"expansion ROM pcicfg.BAR reads 0 (none)", 0x30, 4, 0xFFFFF800, 0x30, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCfg(t)
			c.bus.Add(5, 0, newTestFunc())
			c.write(5, 0, tt.reg, tt.size, tt.write)
			if got := c.read(5, 0, tt.readReg, tt.readSize); got != tt.want {
				t.Errorf("read %#x = %#x, want %#x", tt.readReg, got, tt.want)
			}
		})
	}
}

func TestDeclaredWritableMask(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	f := newTestFunc()
	f.Writable[0x41] = 0x0F
	c.bus.Add(5, 0, f)
	c.write(5, 0, 0x40, 4, 0xFFFFFFFF)
	if got := c.read(5, 0, 0x40, 4); got != 0x00000F00 {
		t.Errorf("masked register = %#x, want 0x0F00", got)
	}
}

func TestMechanism1Decode(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	f := newTestFunc()
	c.bus.Add(2, 1, f)
	c.bus.Add(0, 0, pci.NewI440FX())

	tests := []struct {
		name string
		addr uint32
		port uint16
		size int
		want uint32
	}{
		{"dword vendor/device", addr(2, 1, 0), 0xCFC, 4, 0x56781234},
		{"word at 0xCFE is the device ID", addr(2, 1, 0), 0xCFE, 2, 0x5678},
		{"byte at 0xCFD", addr(2, 1, 0), 0xCFD, 1, 0x12},
		{"byte at 0xCFF", addr(2, 1, 0), 0xCFF, 1, 0x56},
		{"word at 0xCFC of the class dword", addr(2, 1, 0x08), 0xCFC, 2, 0x0102},
		{"low address bits are ignored", addr(2, 1, 0) | 3, 0xCFC, 4, 0x56781234},
		{"host bridge at 00:00.0", addr(0, 0, 0), 0xCFC, 4, 0x12378086},
		{"absent function reads all ones", addr(2, 0, 0), 0xCFC, 4, 0xFFFFFFFF},
		{"absent function, word", addr(7, 0, 0), 0xCFE, 2, 0xFFFF},
		{"absent function, byte", addr(31, 7, 0), 0xCFD, 1, 0xFF},
		{"other buses are empty", addr(2, 1, 0) | 1<<16, 0xCFC, 4, 0xFFFFFFFF},
		{"disabled address reads nothing", addr(2, 1, 0) &^ 0x80000000, 0xCFC, 4, 0xFFFFFFFF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.ports.Write(0xCF8, 4, tt.addr)
			if got := c.ports.Read(tt.port, tt.size); got != tt.want {
				t.Errorf("read %#x/%d = %#x, want %#x", tt.port, tt.size, got, tt.want)
			}
		})
	}
}

func TestAddressRegister(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	c.ports.Write(0xCF8, 4, 0xFFFFFFFF)
	if got := c.ports.Read(0xCF8, 4); got != 0x80FFFFFC {
		t.Errorf("address register = %#x, want reserved and low bits clear 0x80FFFFFC", got)
	}
	c.ports.Write(0xCF8, 1, 0) // a byte write is no address write
	if got := c.ports.Read(0xCF8, 4); got != 0x80FFFFFC {
		t.Errorf("after byte write: %#x, want unchanged", got)
	}
}

func TestByteAndWordWritesThroughWindow(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	f := newTestFunc()
	c.bus.Add(4, 0, f)
	c.write(4, 0, 0x3C, 1, 0x0A) // interrupt line, via 0xCFC
	c.write(4, 0, 0x0D, 1, 0x20) // latency timer, via 0xCFD
	c.write(4, 0, 0x04, 2, 0x0003)
	if got := c.read(4, 0, 0x3C, 1); got != 0x0A {
		t.Errorf("interrupt line = %#x, want 0x0A", got)
	}
	if got := c.read(4, 0, 0x0C, 4); got != 0x00002000 {
		t.Errorf("dword 0x0C = %#x, want latency 0x20 in byte 1", got)
	}
	if f.Command() != 0x0003 {
		t.Errorf("Command() = %#x, want 3", f.Command())
	}
	// Writes to absent functions go nowhere and do not disturb the bus.
	c.write(9, 0, 0x04, 4, 0xFFFFFFFF)
	if got := c.read(4, 0, 0x04, 2); got != 3 {
		t.Errorf("command after write to absent function = %#x", got)
	}
}

// The bus still serves the whole 0xCF8–0xCFF range when registered as one.
func TestBusAsEightPorts(t *testing.T) {
	t.Parallel()
	p := bus.NewPorts()
	b := &pci.Bus{}
	p.MustRegister(0xCF8, 8, b, "pci")
	b.Add(1, 0, newTestFunc())
	p.Write(0xCF8, 4, addr(1, 0, 0))
	if got := p.Read(0xCFE, 2); got != 0x5678 {
		t.Errorf("device ID via 8-port bus = %#x", got)
	}
	if got := p.Read(0xCF8, 4); got != addr(1, 0, 0) {
		t.Errorf("address readback = %#x", got)
	}
}

// A memory pcicfg.BAR's type bits (here prefetchable, set by the function) survive
// probes and programming.
func TestBARTypeBitsReadOnly(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	f := newTestFunc()
	f.Space[0x10] |= 0x08
	f.Space[0x18] |= 0x08
	c.bus.Add(3, 0, f)
	tests := []struct {
		reg         int
		write, want uint32
	}{
		{0x10, 0xFFFFFFFF, 0xFFFFE008},
		{0x10, 0xFEB00000, 0xFEB00008},
		{0x18, 0xFFFFFFFF, 0xFF000008},
		{0x18, 0x00000000, 0xE0000008},
	}
	for _, tt := range tests {
		c.write(3, 0, tt.reg, 4, tt.write)
		if got := c.read(3, 0, tt.reg, 4); got != tt.want {
			t.Errorf("pcicfg.BAR %#x after %#x = %#x, want %#x", tt.reg, tt.write, got, tt.want)
		}
	}
}
