// Package ferr emulates the PC/AT's x87 error-reporting logic, the wiring
// that DOS-compatible ("CR0.NE clear") floating-point error handling
// relies on: the coprocessor's error output (ERROR# on the 80287/387,
// FERR# on the 486 and later) sets a latch that raises IRQ 13, and an I/O
// write to port 0xF0 clears the latch (IBM PC/AT Technical Reference,
// "Math coprocessor"; Intel SDM vol. 1, appendix D, "MS-DOS compatibility
// sub-mode").
//
// The CPU core has no FERR# output (v86's FPU sets the status word's
// exception flags and raises nothing), so the machine derives the signal
// from the CPU's state and hands it to SetFERR: FERR# is asserted while an
// exception flag of the status word is set that the control word leaves
// unmasked. As on the 486 and later, the PC routes it to IRQ 13 only while
// CR0.NE is clear; with NE set a CPU reports the error as exception 16
// (#MF) instead, which the core does not raise.
//
// Just enough for guests that probe and use IRQ 13 (OpenBSD's and older
// BSDs' npx, DOS programs): no 80287 BUSY# handshake, and port 0xF1 (the
// AT's coprocessor reset) is not decoded: a write there does nothing, a
// read returns all ones.
package ferr

import "github.com/do86/do86/internal/bus"

// Port is the AT's "clear math coprocessor busy/error" port.
const Port = 0xF0

// IRQLine is the interrupt line the latch drives.
const IRQLine = 13

// Latch is the error latch between FERR# and IRQ 13.
type Latch struct {
	State
	irq bus.IRQ
}

// State is the latch's snapshot state.
type State struct {
	// FERR is the last level SetFERR gave (true: asserted).
	FERR bool
	// Latched is set by FERR# becoming asserted and cleared by a write to
	// port 0xF0; it is the IRQ 13 level.
	Latched bool
}

// New returns a cleared latch driving irq.
func New(irq bus.IRQ) *Latch { return &Latch{irq: irq} }

// SetFERR gives the level of the CPU's FERR# output, as of now. Its
// assertion (a change from deasserted) sets the latch and raises IRQ 13.
func (l *Latch) SetFERR(asserted bool) {
	if asserted && !l.FERR {
		l.Latched = true
		l.irq.Raise()
	}
	l.FERR = asserted
}

// ReadPort reads port 0xF0: it has no register, so all ones.
func (l *Latch) ReadPort(off uint16, size int) uint32 { return bus.Ones(size) }

// WritePort writes port 0xF0: any value clears the latch and lowers IRQ 13.
// FERR# itself stays as it is until the guest clears the exception (FNCLEX,
// FNINIT), so the next error needs the flags cleared first, as on a PC.
func (l *Latch) WritePort(off uint16, size int, v uint32) {
	if off != 0 {
		return
	}
	l.Latched = false
	l.irq.Lower()
}

// Reset clears the latch (the machine's reset also resets the FPU).
func (l *Latch) Reset() {
	l.State = State{}
	l.irq.Lower()
}
