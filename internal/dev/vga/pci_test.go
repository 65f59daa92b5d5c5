package vga_test

import (
	"testing"

	"github.com/do86/do86/internal/pcicfg"
)

func TestPCI(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	f := r.v.PCI()
	if f != r.v.PCI() {
		t.Error("PCI() returns a new function each call")
	}
	for _, c := range []struct {
		reg  uint8
		size int
		want uint32
	}{
		{pcicfg.RegVendorID, 2, 0x1234},
		{pcicfg.RegDeviceID, 2, 0x1111},
		{pcicfg.RegClass, 1, 0x03},
		{pcicfg.RegSubclass, 1, 0x00},
		{pcicfg.RegProgIF, 1, 0x00},
		{pcicfg.RegBAR0, 4, 0xE0000008},
		{pcicfg.RegBAR0 + 4, 4, 0},
		{0x30, 4, 0}, // no expansion ROM BAR
	} {
		if got := f.ConfigRead(c.reg, c.size); got != c.want {
			t.Errorf("config %#x = %#x, want %#x", c.reg, got, c.want)
		}
	}

	// A size probe answers the LFB size; anything else leaves the BAR at
	// the core's fixed address.
	f.ConfigWrite(pcicfg.RegBAR0, 4, 0xFFFFFFFF)
	if got, want := f.ConfigRead(pcicfg.RegBAR0, 4), ^uint32(lfbSize-1)|8; got != want {
		t.Errorf("BAR0 size probe = %#x, want %#x", got, want)
	}
	f.ConfigWrite(pcicfg.RegBAR0, 4, 0xC0000000)
	if got := f.ConfigRead(pcicfg.RegBAR0, 4); got != 0xE0000008 {
		t.Errorf("BAR0 after relocation = %#x, want E0000008", got)
	}

	f.ConfigWrite(pcicfg.RegCommand, 2, pcicfg.CommandIO|pcicfg.CommandMemory)
	if got := f.ConfigRead(pcicfg.RegCommand, 2); got != pcicfg.CommandIO|pcicfg.CommandMemory {
		t.Errorf("command = %#x", got)
	}
	r.v.Reset()
	if got := f.ConfigRead(pcicfg.RegCommand, 2); got != 0 {
		t.Errorf("command after reset = %#x", got)
	}
}
