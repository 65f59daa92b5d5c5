package pci_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/pcicfg"
)

// lines hands out one fake IRQ per ISA line.
type lines map[int]*bustest.IRQ

func (l lines) pin(n int) bus.IRQ {
	if l[n] == nil {
		l[n] = &bustest.IRQ{}
	}
	return l[n]
}

// TestSnapshotRouter saves a router with an asserted pin and loads it into a
// fresh one: the line the pin is routed to comes up, and the pin lowers it.
func TestSnapshotRouter(t *testing.T) {
	t.Parallel()
	la := lines{}
	a := pci.NewRouter(la.pin)
	a.Route(pci.Swizzle(4, pci.INTA), 11)
	pa := a.INTx(4, pci.INTA)
	pa.Raise()
	state := a.SaveState()
	lb := lines{}
	b := pci.NewRouter(lb.pin)
	pb := b.INTx(4, pci.INTA)
	if err := b.LoadState(state); err != nil {
		t.Fatal(err)
	}
	if b.Routes != a.Routes {
		t.Fatalf("routes %v after LoadState, want %v", b.Routes, a.Routes)
	}
	line := lb[11]
	if line == nil || !line.Level {
		t.Fatal("the asserted pin's line is not up after LoadState")
	}
	pb.Lower()
	if line.Level {
		t.Fatal("lowering the pin after LoadState left its line up")
	}
	// A router with other pins refuses the state.
	c := pci.NewRouter(lines{}.pin)
	if err := c.LoadState(state); err == nil {
		t.Fatal("loaded a router state with another number of pins")
	}
}

// TestSnapshotConfigRemaps checks that loading a configuration space calls
// each pcicfg.BAR's Moved callback with the base the guest had programmed.
func TestSnapshotConfigRemaps(t *testing.T) {
	t.Parallel()
	var moved []uint32
	mk := func() *pcicfg.Config {
		c := &pcicfg.Config{}
		c.Init(0x8086, 0x1234, 1, 1, 0, 0)
		c.SetBAR(4, pcicfg.BAR{Size: 16, IO: true, Moved: func(b uint32) { moved = append(moved, b) }})
		return c
	}
	a := mk()
	a.ConfigWrite(pcicfg.RegBAR0+16, 4, 0xC001)
	moved = nil
	b := mk()
	b.LoadConfig(a.SaveConfig())
	if len(moved) != 1 || moved[0] != 0xC000 {
		t.Fatalf("Moved calls on Load: %#x, want one with 0xC000", moved)
	}
	if b.BARBase(4) != 0xC000 || b.Space != a.Space {
		t.Fatal("the space was not restored")
	}
}
