package uart16550_test

import (
	"testing"

	"github.com/do86/do86/internal/dev/uart16550"
)

// TestLinuxAutoconfig walks the probe of Linux's 8250 driver (autoconfig,
// autoconfig_16550a, size_fifo) and checks every answer that decides the
// port type, which must come out as a plain 16550A with a 16-byte FIFO.
func TestLinuxAutoconfig(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const (
		rx, ier, iir, fcr, lcr, mcr, lsr, msr = 0, 1, 2, 2, 3, 4, 5, 6
	)

	// Existence: IER's low nibble holds what is written.
	scratch := r.in(ier)
	r.outb(ier, 0)
	scratch2 := r.in(ier) & 0x0F
	r.outb(ier, 0x0F)
	scratch3 := r.in(ier) & 0x0F
	r.outb(ier, scratch)
	if scratch2 != 0 || scratch3 != 0x0F {
		t.Fatalf("IER test: %#x, %#x; want 0, 0x0F", scratch2, scratch3)
	}

	// Loopback: RTS and OUT2 come back as CTS and DCD.
	saveMCR, saveLCR := r.in(mcr), r.in(lcr)
	r.outb(mcr, 0x10|0x0A)
	status1 := r.in(msr) & 0xF0
	r.outb(mcr, saveMCR)
	if status1 != 0x90 {
		t.Fatalf("loopback MSR = %#x, want 0x90", status1)
	}

	// The IIR's top bits with the FIFO enabled say 16550A.
	r.outb(lcr, 0xBF)
	r.outb(2, 0) // EFR on later chips; FCR here
	r.outb(lcr, 0)
	r.outb(fcr, 0x01)
	if got := r.in(iir) >> 6; got != 3 {
		t.Fatalf("IIR>>6 = %d, want 3 (16550A)", got)
	}

	// No EFR with DLAB (ST16C650V1) nor with LCR 0xBF (ST16C650V2, TI).
	r.outb(lcr, 0x80)
	if got := r.in(2); got == 0 {
		t.Errorf("offset 2 with DLAB reads 0: looks like an EFR")
	}
	r.outb(lcr, 0xBF)
	if got := r.in(2); got == 0 {
		t.Errorf("offset 2 with LCR 0xBF reads 0: looks like an EFR")
	}

	// No National SuperIO: offset 2 in bank 2 does not follow MCR's LOOP.
	r.outb(lcr, 0)
	s1 := r.in(mcr)
	r.outb(lcr, 0xE0)
	s2 := r.in(2)
	if (s2^s1)&0x10 == 0 {
		r.outb(lcr, 0)
		r.outb(mcr, s1^0x10)
		r.outb(lcr, 0xE0)
		s2 = r.in(2)
		r.outb(lcr, 0)
		r.outb(mcr, s1)
		if (s2^s1)&0x10 != 0 {
			t.Errorf("looks like a National SuperIO UART")
		}
	}

	// No 16750: FCR bit 5 sets no IIR bit 5, with or without DLAB.
	r.outb(lcr, 0)
	r.outb(fcr, 0x21)
	st1 := r.in(iir) & 0xE0
	r.outb(fcr, 0x01)
	r.outb(lcr, 0x80)
	r.outb(fcr, 0x21)
	st2 := r.in(iir) & 0xE0
	r.outb(fcr, 0x01)
	r.outb(lcr, 0)
	if st1 != 0xC0 || st2 != 0xC0 {
		t.Errorf("16750 test: %#x, %#x; want 0xC0, 0xC0", st1, st2)
	}

	// No XScale: IER bit 6 (UUE) does not stick.
	iersave := r.in(ier)
	r.outb(ier, iersave|0x40)
	if r.in(ier)&0x40 != 0 {
		t.Errorf("IER bit 6 sticks: looks like XScale")
	}
	r.outb(ier, iersave)

	// size_fifo: 256 bytes through loopback, count what the receiver kept.
	oldLCR := r.in(lcr)
	r.outb(lcr, 0)
	oldFCR := r.in(fcr) // reads IIR, as the driver does
	oldMCR := r.in(mcr)
	r.outb(fcr, 0x07)
	r.outb(mcr, 0x10)
	r.outb(lcr, 0x80)
	oldDL := uint16(r.in(0)) | uint16(r.in(1))<<8
	r.outb(0, 1)
	r.outb(1, 0)
	r.outb(lcr, 0x03)
	for i := 0; i < 256; i++ {
		r.outb(0, uint8(i))
	}
	count := 0
	for ; r.in(lsr)&0x01 != 0 && count < 256; count++ {
		r.in(rx)
	}
	r.outb(fcr, oldFCR)
	r.outb(mcr, oldMCR)
	r.outb(lcr, 0x80)
	r.outb(0, uint8(oldDL))
	r.outb(1, uint8(oldDL>>8))
	r.outb(lcr, oldLCR)
	if count != 16 {
		t.Errorf("size_fifo counted %d bytes, want 16", count)
	}
	if r.out.Len() != 0 {
		t.Errorf("probe bytes reached the host: %d bytes", r.out.Len())
	}
	r.outb(lcr, saveLCR)

	// Startup: the transmitter-enable test wants THRE in IIR at once.
	r.outb(mcr, 0x0B) // DTR, RTS, OUT2
	r.outb(ier, 0)
	r.outb(ier, 0x02)
	lsrv := r.in(lsr)
	iirv := r.in(iir)
	r.outb(ier, 0)
	if lsrv&uart16550.TEMT == 0 || iirv&0x01 != 0 {
		t.Errorf("TXEN test: LSR %#x, IIR %#x; want TEMT and an interrupt", lsrv, iirv)
	}
	if got := r.in(lsr); got == 0xFF {
		t.Errorf("LSR reads 0xFF")
	}
}
