package uhci_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/usb"
)

// TestInterruptNAKThenReport: an interrupt IN TD to the configured tablet
// is NAKed (still active, NAK bit set, no interrupt) while the pointer
// stands still; after a pointer event the next frame completes it with the
// report, writes ActLen, and IOC raises INTD until USBSTS is cleared.
func TestInterruptNAKThenReport(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrIOC)
	r.enumerate()
	r.outw(rSTS, 0x3F)
	if r.irq.Level {
		t.Fatal("line still up after clearing USBSTS")
	}
	a := r.intIN(tdActive | tdCErr3 | tdIOC | tdSPD)
	r.frames(5)
	if st := r.get32(a + 4); st&(tdActive|tdNAK) != tdActive|tdNAK {
		t.Fatalf("poll with nothing new: status %#x, want active with NAK", st)
	}
	if r.irq.Level || r.inw(rSTS)&stsINT != 0 {
		t.Fatalf("interrupt after a NAK: USBSTS %#x", r.inw(rSTS))
	}
	if !r.tab.InUse() {
		t.Error("tablet not in use although configured and polled")
	}
	r.tab.Set(0x1234, 0x0567, 4, -2) // middle button, wheel two notches up
	r.frames(1)
	st := r.get32(a + 4)
	if st&tdActive != 0 || (st+1)&0x7FF != 6 {
		t.Fatalf("poll after a pointer event: status %#x, want inactive with 6 bytes", st)
	}
	// The tablet reports the move first, then the press where it lands
	// (and the wheel with it) at the next poll.
	if got, want := r.mem.RAM[bufBase+0x800:bufBase+0x806], []byte{0, 0x34, 0x12, 0x67, 0x05, 0}; !bytes.Equal(got, want) {
		t.Errorf("report % x, want % x", got, want)
	}
	if v := r.inw(rSTS); v&stsINT == 0 || !r.irq.Level {
		t.Errorf("USBSTS %#x, line %v after IOC", v, r.irq.Level)
	}
	r.outw(rSTS, stsINT)
	if r.irq.Level {
		t.Error("line up after clearing USBINT")
	}
}

// TestIRQGating: the interrupt reaches INTD only with its USBINTR enable,
// and only while LEGSUP routes it to the PIRQ.
func TestIRQGating(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(0) // no interrupt enabled
	r.enumerate()
	if v := r.inw(rSTS); v&stsINT == 0 || r.irq.Level {
		t.Fatalf("USBSTS %#x, line %v: want USBINT set without an interrupt", v, r.irq.Level)
	}
	r.c.PCI().ConfigWrite(cfgLEGSUP, 2, 0x8F00) // PIRQ off
	r.outw(rINTR, intrIOC)
	if r.irq.Level {
		t.Fatal("line up with LEGSUP's PIRQ routing off")
	}
	if v := r.c.PCI().ConfigRead(cfgLEGSUP, 2); v&(1<<12) == 0 {
		t.Errorf("LEGSUP = %#x: the interrupt status bit does not show the pending interrupt", v)
	}
	r.c.PCI().ConfigWrite(cfgLEGSUP, 2, 0x2000)
	if !r.irq.Level {
		t.Fatal("line down with the interrupt enabled and routed")
	}
}

// TestDepthAndBreadth: a queue whose TDs link depth first runs a whole
// control transfer in one frame; linked breadth first, one TD a frame.
func TestDepthAndBreadth(t *testing.T) {
	t.Parallel()
	for _, depth := range []bool{true, false} {
		r := newRig(t)
		r.start(0)
		r.enablePort()
		s := usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 8}
		copy(r.mem.RAM[setupAt:], s.Bytes())
		vf := uint32(0)
		if depth {
			vf = ptrVf
		}
		r.nextTD = 0
		r.td(tdBase+32|vf, tdActive|tdCErr3, token(usb.PIDSetup, 0, 0, 0, 8), setupAt)
		r.td(tdBase+64|vf, tdActive|tdCErr3, token(usb.PIDIn, 0, 0, 1, 8), bufBase)
		last := r.td(ptrT, tdActive|tdCErr3, token(usb.PIDOut, 0, 0, 1, 0), 0)
		r.put32(qhCtl+4, tdBase)
		frames := 0
		for r.get32(last+4)&tdActive != 0 && frames < 10 {
			r.frames(1)
			frames++
		}
		want := 3
		if depth {
			want = 1
		}
		if frames != want {
			t.Errorf("depth first %v: the transfer took %d frames, want %d", depth, frames, want)
		}
		if e := r.get32(qhCtl + 4); e != ptrT {
			t.Errorf("depth first %v: queue element %#x after the transfer, want terminate", depth, e)
		}
	}
}

// TestShortPacket: GET_DESCRIPTOR for 64 bytes of an 18-byte descriptor
// in 8-byte TDs with short packet detect: the third TD gets 2 bytes, the
// queue stops on it (element unchanged), and USBINT interrupts with the
// short packet enable.
func TestShortPacket(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrSP)
	r.enablePort()
	s := usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 64}
	copy(r.mem.RAM[setupAt:], s.Bytes())
	r.nextTD = 0
	r.td(tdBase+32|ptrVf, tdActive|tdCErr3, token(usb.PIDSetup, 0, 0, 0, 8), setupAt)
	var tds []uint32
	for i := 0; i < 8; i++ {
		tds = append(tds, r.td(uint32(tdBase+32*(i+2))|ptrVf, tdActive|tdCErr3|tdSPD, token(usb.PIDIn, 0, 0, (i+1)&1, 8), bufBase+uint32(8*i)))
	}
	r.put32(qhCtl+4, tdBase)
	r.frames(1)
	if e := r.get32(qhCtl + 4); e&^0xF != tds[2] {
		t.Fatalf("queue element %#x, want the short TD %#x", e, tds[2])
	}
	if st := r.get32(tds[2] + 4); st&tdActive != 0 || (st+1)&0x7FF != 2 {
		t.Errorf("short TD status %#x, want inactive with 2 bytes", st)
	}
	if st := r.get32(tds[3] + 4); st&tdActive == 0 {
		t.Errorf("TD after the short one ran: %#x", st)
	}
	if v := r.inw(rSTS); v&stsINT == 0 || !r.irq.Level {
		t.Errorf("USBSTS %#x, line %v: want a short packet interrupt", v, r.irq.Level)
	}
}

// TestErrors: a device that is not there times out three times (C_ERR 3)
// and the TD stalls with CRC/timeout and the error interrupt; a STALL
// handshake retires the TD at once; a packet longer than the TD allows is
// babble.
func TestErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrTO)
	r.enablePort()
	a := r.td(ptrT, tdActive|tdCErr3, token(usb.PIDSetup, 9, 0, 0, 8), setupAt)
	r.put32(qhCtl+4, a)
	r.frames(2)
	if st := r.get32(a + 4); st&tdActive == 0 || st&tdCRCTO == 0 || (st>>27)&3 != 1 {
		t.Fatalf("after two timeouts: status %#x, want active, CRC/timeout, one try left", st)
	}
	r.frames(1)
	if st := r.get32(a + 4); st&(tdActive|tdStall|tdCRCTO) != tdStall|tdCRCTO {
		t.Fatalf("after three timeouts: status %#x, want stalled with CRC/timeout", st)
	}
	if v := r.inw(rSTS); v&stsERR == 0 || !r.irq.Level {
		t.Errorf("USBSTS %#x, line %v: want the error interrupt", v, r.irq.Level)
	}
	r.outw(rSTS, 0x3F)

	// A request the tablet does not know: STALL in the data stage.
	_, st := r.control(0, usb.Setup{RequestType: 0xC0, Request: 0x42, Length: 4}, nil)
	if st&(tdStall|tdActive|tdCRCTO) != tdStall {
		t.Errorf("vendor request: status %#x, want a STALL handshake", st)
	}
	// Babble: an IN TD of 4 bytes for the device descriptor's 8-byte packet.
	s := usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 18}
	copy(r.mem.RAM[setupAt:], s.Bytes())
	r.nextTD = 0
	r.td(tdBase+32|ptrVf, tdActive|tdCErr3, token(usb.PIDSetup, 0, 0, 0, 8), setupAt)
	b := r.td(ptrT, tdActive|tdCErr3, token(usb.PIDIn, 0, 0, 1, 4), bufBase)
	r.put32(qhCtl+4, tdBase)
	r.frames(1)
	if st := r.get32(b + 4); st&(tdActive|tdStall|tdBabble) != tdStall|tdBabble {
		t.Errorf("oversized packet: status %#x, want babble and stalled", st)
	}
}

// TestStopAndRun: clearing run halts the controller after its frame; the
// frame number stands still and may be written; run starts again there.
func TestStopAndRun(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(0)
	r.frames(10)
	if v := r.inw(rFRNUM); v != 10 {
		t.Errorf("FRNUM = %d after 10 ms, want 10", v)
	}
	r.outw(rCMD, cmdCF)
	if v := r.inw(rSTS); v&stsHCH == 0 {
		t.Fatalf("USBSTS = %#x after stop: not halted", v)
	}
	r.frames(10)
	if v := r.inw(rFRNUM); v != 10 {
		t.Errorf("FRNUM = %d while halted, want 10", v)
	}
	r.outw(rFRNUM, 2040)
	r.outw(rCMD, cmdRS)
	if v := r.inw(rSTS); v&stsHCH != 0 {
		t.Fatalf("USBSTS = %#x after run", v)
	}
	r.frames(10)
	if v := r.inw(rFRNUM); v != (2040+10)&0x7FF {
		t.Errorf("FRNUM = %d, want %d (11 bits, wrapped)", v, (2040+10)&0x7FF)
	}
	r.outw(rFRNUM, 0)
	if v := r.inw(rFRNUM); v == 0 {
		t.Error("FRNUM written while running")
	}
	// Host controller reset: defaults, halted, ports reporting anew.
	r.outw(rCMD, cmdHCR)
	if v, s, p := r.inw(rCMD), r.inw(rSTS), r.inw(rPORT1); v != 0 || s != stsHCH || p != portOne|portDP|portCSC|portCCS {
		t.Errorf("after HCRESET: USBCMD %#x USBSTS %#x PORTSC1 %#x", v, s, p)
	}
}

// TestBrokenSchedules: loops, TDs that are not TDs and pointers off the
// end of memory end their frame; none hangs the controller.
func TestBrokenSchedules(t *testing.T) {
	t.Parallel()
	t.Run("queue head loop", func(t *testing.T) {
		r := newRig(t)
		r.put32(qhCtl, qhInt|ptrQH) // qhInt -> qhCtl -> qhInt ...
		r.start(0)
		r.frames(20)
		if v := r.inw(rFRNUM); v != 20 {
			t.Errorf("FRNUM = %d", v)
		}
	})
	t.Run("TD loop", func(t *testing.T) {
		r := newRig(t)
		r.start(0)
		r.enablePort()
		r.nextTD = 0
		// Two active TDs at frame level linking to each other, to a device
		// that is not there (address 7), with no error limit.
		a := r.td(tdBase+32, tdActive, token(usb.PIDIn, 7, 1, 0, 8), bufBase)
		r.td(a, tdActive, token(usb.PIDIn, 7, 1, 0, 8), bufBase)
		for i := uint32(0); i < 1024; i++ {
			r.put32(flBase+4*i, a)
		}
		r.frames(20)
		if st := r.get32(a + 4); st&(tdActive|tdCRCTO) != tdActive|tdCRCTO {
			t.Errorf("TD to nobody with no error limit: status %#x, want active with CRC/timeout", st)
		}
	})
	t.Run("depth first loop", func(t *testing.T) {
		r := newRig(t)
		r.start(0)
		r.enablePort()
		// A queue whose TDs link back to the first, depth first: the tablet
		// answers the SETUP and then the data stage; when the loop comes
		// back to a retired TD the queue stops.
		s := usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 8}
		copy(r.mem.RAM[setupAt:], s.Bytes())
		r.nextTD = 0
		r.td(tdBase+32|ptrVf, tdActive|tdCErr3, token(usb.PIDSetup, 0, 0, 0, 8), setupAt)
		r.td(tdBase|ptrVf, tdActive|tdCErr3, token(usb.PIDIn, 0, 0, 1, 8), bufBase)
		r.put32(qhCtl+4, tdBase)
		r.frames(5)
		if e := r.get32(qhCtl + 4); e&^0xF != tdBase {
			t.Errorf("element %#x, want back at the first TD", e)
		}
	})
	t.Run("bad PID", func(t *testing.T) {
		r := newRig(t)
		r.start(0)
		a := r.td(ptrT, tdActive, 0x7FF<<21|0x55, 0)
		r.put32(qhCtl+4, a)
		r.frames(2)
		if v := r.inw(rSTS); v&(stsHCPE|stsHCH) != stsHCPE|stsHCH || r.inw(rCMD)&cmdRS != 0 {
			t.Errorf("USBSTS %#x USBCMD %#x: want a process error and the controller halted", v, r.inw(rCMD))
		}
		if !r.irq.Level {
			t.Error("a process error interrupts whatever USBINTR says")
		}
	})
	t.Run("illegal length", func(t *testing.T) {
		r := newRig(t)
		r.start(0)
		a := r.td(ptrT, tdActive, token(usb.PIDIn, 0, 0, 0, 0x600), 0)
		r.put32(qhCtl+4, a)
		r.frames(2)
		if v := r.inw(rSTS); v&stsHCPE == 0 {
			t.Errorf("USBSTS %#x: want a process error for MaxLen 0x600", v)
		}
	})
	t.Run("frame list beyond memory", func(t *testing.T) {
		r := newRig(t)
		r.start(0)
		r.outw(rCMD, 0)
		r.outl(rFLBASE, 0xFFFF0000)
		r.outw(rCMD, cmdRS)
		r.frames(20)
		if v := r.inw(rFRNUM); v == 0 {
			t.Error("frames stopped")
		}
	})
}

// TestIsochronous: a TD in the frame list with IOS runs once, in its frame.
func TestIsochronous(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(0)
	r.enumerate()
	a := r.td(qhInt|ptrQH, tdActive|tdIOS, token(usb.PIDIn, 1, 1, 0, 8), bufBase)
	idx := uint32(r.inw(rFRNUM)+3) & 0x3FF
	r.put32(flBase+4*idx, a) // a coming frame's entry: the TD, then the queues
	r.frames(10)
	if st := r.get32(a + 4); st&tdActive != 0 {
		t.Errorf("isochronous TD still active: %#x", st)
	}
}
