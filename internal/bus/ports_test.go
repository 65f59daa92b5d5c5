package bus_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
)

// reg is a one-register port device that remembers what it was written.
type reg struct{ v uint32 }

func (r *reg) ReadPort(off uint16, size int) uint32     { return r.v + uint32(off) }
func (r *reg) WritePort(off uint16, size int, v uint32) { r.v = v }

func TestPortsUnregisterFreesRange(t *testing.T) {
	p := bus.NewPorts()
	a, b := &reg{v: 0x10}, &reg{v: 0x20}
	p.MustRegister(0x600, 4, a, "a")
	p.MustRegister(0x700, 2, b, "b")

	p.Unregister(a)
	if got := p.Read(0x601, 1); got != 0xFF {
		t.Errorf("read of a freed port = %#x, want 0xFF", got)
	}
	if got := p.Read(0x701, 1); got != 0x21 {
		t.Errorf("other device after Unregister: read = %#x, want 0x21", got)
	}
	// The freed ports can be taken again, and a can move elsewhere.
	if err := p.Register(0x600, 1, b, "b2"); err != nil {
		t.Fatalf("register over freed range: %v", err)
	}
	if err := p.Register(0xB000, 4, a, "a"); err != nil {
		t.Fatalf("re-register moved device: %v", err)
	}
	if got := p.Read(0xB002, 1); got != 0x12 {
		t.Errorf("moved device read = %#x, want 0x12", got)
	}
	if got := p.Name(0x600); got != "b2" {
		t.Errorf("Name(0x600) = %q, want b2", got)
	}
	p.Unregister(b) // both of b's ranges go
	for _, port := range []uint16{0x600, 0x700, 0x701} {
		if got := p.Name(port); got != "" {
			t.Errorf("Name(%#x) after Unregister = %q, want none", port, got)
		}
	}
	p.Unregister(b) // a second time is harmless
}

func TestBytePort(t *testing.T) {
	var reg uint8 = 0x5A
	p := bus.BytePort{Read: func() uint8 { return reg }, Write: func(v uint8) { reg = v }}
	if got := p.ReadPort(0, 1); got != 0x5A {
		t.Fatalf("byte read %#x", got)
	}
	// A word access reaches the register with its low byte only.
	if got := p.ReadPort(0, 2); got != 0xFF5A {
		t.Fatalf("word read %#x, want 0xff5a", got)
	}
	p.WritePort(0, 2, 0x1234)
	if reg != 0x34 {
		t.Fatalf("word write left %#x, want 0x34", reg)
	}
}
