package sysctl_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/sysctl"
)

func TestResetControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes []uint8
		resets int
		read   uint32
	}{
		{"SRST then SRST|RCPU (the platform's 0x02, 0x06)", []uint8{0x02, 0x06}, 1, 0x02},
		{"0x06 alone is a 0→1 transition", []uint8{0x06}, 1, 0x02},
		{"SRST alone stores and does not reset", []uint8{0x02}, 0, 0x02},
		{"Linux's full reset 0x0E after 0x02", []uint8{0x02, 0x0E}, 1, 0x0A},
		{"each request resets once", []uint8{0x06, 0x06}, 2, 0x02},
		{"reserved bits read 0", []uint8{0xF1}, 0, 0x00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			p := bus.NewPorts()
			rc := sysctl.NewResetControl(func() { n++ })
			p.MustRegister(sysctl.ResetControlPort, 1, rc, "rc")
			for _, w := range tt.writes {
				p.Write(0xCF9, 1, uint32(w))
			}
			if n != tt.resets {
				t.Errorf("resets = %d, want %d", n, tt.resets)
			}
			if got := p.Read(0xCF9, 1); got != tt.read {
				t.Errorf("RC reads %#x, want %#x", got, tt.read)
			}
		})
	}
}

func TestPortA(t *testing.T) {
	t.Parallel()
	n := 0
	p := bus.NewPorts()
	pa := sysctl.NewPortA(func() { n++ })
	p.MustRegister(sysctl.PortAPort, 1, pa, "port92")

	if got := p.Read(0x92, 1); got != 0x02 {
		t.Errorf("port 0x92 at reset = %#x, want A20 bit 0x02", got)
	}
	p.Write(0x92, 1, 0x00) // a guest closing A20: it stays open
	if got := p.Read(0x92, 1); got&0x02 == 0 {
		t.Errorf("A20 bit reads %#x after a write of 0", got)
	}
	p.Write(0x92, 1, 0xC2) // LEDs and A20
	if got := p.Read(0x92, 1); got != 0xC2 {
		t.Errorf("port 0x92 = %#x, want 0xC2", got)
	}
	if n != 0 {
		t.Fatalf("reset without ALT_RESET")
	}
	p.Write(0x92, 1, 0x03) // fast reset
	if n != 1 {
		t.Errorf("fast reset: resets = %d, want 1", n)
	}
	if got := p.Read(0x92, 1); got != 0x02 {
		t.Errorf("after fast reset port 0x92 = %#x, want 0x02", got)
	}
	p.Write(0x92, 1, 0x03) // a second request resets again
	if n != 2 {
		t.Errorf("second fast reset: resets = %d, want 2", n)
	}
	pa.Value = 0xC0
	pa.Reset()
	if got := p.Read(0x92, 1); got != 0x02 {
		t.Errorf("after Reset = %#x", got)
	}
}
