// Package sysctl emulates the PC's reset registers outside the keyboard
// controller: the PIIX reset control register (port 0xCF9) and System
// Control Port A (port 0x92).
//
// Just enough to let guests and firmware reboot the machine: any reset they
// request is one machine reset (no soft INIT-only reset), and the A20 gate
// cannot be closed (the core has none), so its bit always reads 1.
package sysctl

import "github.com/do86/do86/internal/bus"

// Ports of the two registers.
const (
	ResetControlPort = 0xCF9
	PortAPort        = 0x92
)

// Reset control register bits (PIIX RC).
const (
	SRST     = 1 << 1 // system reset: hard reset rather than INIT
	RCPU     = 1 << 2 // reset CPU: a 0→1 transition starts the reset
	FULL_RST = 1 << 3 // full reset: power cycle (PIIX4 and later)
	rcBits   = SRST | RCPU | FULL_RST
)

// System Control Port A bits.
const (
	ALT_RESET = 1 << 0 // fast reset: a 0→1 transition resets the CPU
	ALT_A20   = 1 << 1 // A20 gate, always open here
)

// ResetControl is the reset control register at 0xCF9 (one port), inside
// the PCI configuration range: the PCI bus takes 0xCF8 alone and its data
// window 0xCFC–0xCFF.
type ResetControl struct {
	// RC is the register as the guest last wrote it.
	RC uint8

	reset func()
}

// NewResetControl returns the register; reset is called when the guest
// requests a reset (the machine resets the CPU and every device).
func NewResetControl(reset func()) *ResetControl { return &ResetControl{reset: reset} }

// ReadPort returns the register.
func (r *ResetControl) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(func(o uint16) uint8 {
		if o == 0 {
			return r.RC
		}
		return 0xFF
	}, off, size)
}

// WritePort writes the register; setting RCPU resets the machine (the guest
// typically writes SRST first, then SRST|RCPU).
func (r *ResetControl) WritePort(off uint16, size int, v uint32) {
	if off != 0 {
		return
	}
	b := uint8(v) & rcBits
	rising := b&RCPU != 0 && r.RC&RCPU == 0
	r.RC = b
	if rising {
		r.RC &^= RCPU // the reset that follows clears it
		if r.reset != nil {
			r.reset()
		}
	}
}

// Reset clears the register.
func (r *ResetControl) Reset() { r.RC = 0 }

// PortA is System Control Port A at 0x92 (one port).
type PortA struct {
	// Value holds the bits the guest last wrote (security lock, LEDs).
	Value uint8

	reset func()
}

// NewPortA returns the port; reset is called for a fast reset.
func NewPortA(reset func()) *PortA { return &PortA{reset: reset} }

// ReadPort returns the port with A20 always enabled.
func (p *PortA) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(func(o uint16) uint8 {
		if o == 0 {
			return p.Value | ALT_A20
		}
		return 0xFF
	}, off, size)
}

// WritePort writes the port; setting ALT_RESET resets the machine.
func (p *PortA) WritePort(off uint16, size int, v uint32) {
	if off != 0 {
		return
	}
	b := uint8(v) &^ ALT_A20
	rising := b&ALT_RESET != 0 && p.Value&ALT_RESET == 0
	p.Value = b
	if rising {
		p.Value &^= ALT_RESET // the reset that follows clears it
		if p.reset != nil {
			p.reset()
		}
	}
}

// Reset clears the port.
func (p *PortA) Reset() { p.Value = 0 }
