package uhci_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/usb"
)

// TestIdleCostsNoWakeups: with the CPU halted and the tablet's interrupt
// TD NAKed, no frame would change anything, so the timer asks for no
// wake-up while the frame number goes on with the clock; a pointer event
// asks for the frame that polls the tablet, and that frame completes the
// TD. While the CPU runs, the next frame is always due.
func TestIdleCostsNoWakeups(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrIOC)
	r.enumerate()
	// Poll in every 8th frame only: qhInt sits in entries 3, 11, 19, ...
	for i := uint32(0); i < 1024; i++ {
		if i%8 == 3 {
			r.put32(flBase+4*i, qhInt|ptrQH)
		} else {
			r.put32(flBase+4*i, qhCtl|ptrQH)
		}
	}
	r.outw(rSTS, 0x3F)
	a := r.intIN(tdActive | tdCErr3 | tdIOC)
	r.frames(16)
	if st := r.get32(a + 4); st&(tdActive|tdNAK) != tdActive|tdNAK {
		t.Fatalf("status %#x: want active and NAKed", st)
	}
	if d := r.c.Tick(r.clock.T); d > 1 {
		t.Fatalf("CPU running: next wake-up in %v ms, want the next frame", d)
	}
	r.halted = true
	if d := r.c.Tick(r.clock.T); d != bus.NoDeadline {
		t.Fatalf("CPU halted, every TD NAKed: wake-up in %v ms, want none", d)
	}
	f0 := r.inw(rFRNUM)
	r.clock.T += 500
	if d := r.c.Tick(r.clock.T); d != bus.NoDeadline {
		t.Fatalf("still idle after 500 ms: wake-up in %v ms", d)
	}
	if f := r.inw(rFRNUM); f != (f0+500)&0x7FF {
		t.Errorf("FRNUM %d after 500 idle ms, want %d", f, (f0+500)&0x7FF)
	}
	r.c.Tick(r.clock.T) // the CPU halts again after reading FRNUM
	r.tab.Set(100, 200, 1, 0)
	d := r.c.Tick(r.clock.T)
	if d > 8 {
		t.Fatalf("after a pointer event: wake-up in %v ms, want within the 8-frame period", d)
	}
	r.clock.T += d
	r.c.Tick(r.clock.T)
	if st := r.get32(a + 4); st&tdActive != 0 {
		t.Fatalf("TD still active at the predicted frame: %#x", st)
	}
	if !r.irq.Level {
		t.Error("no interrupt for the completed TD")
	}
	// A queue the CPU fills while running is run at the next frame.
	r.halted = false
	r.outw(rSTS, 0x3F)
	b, st := r.control(1, usb.Setup{RequestType: 0x80, Request: usb.RequestGetConfiguration, Length: 1}, nil)
	if st != 0 || len(b) != 1 || b[0] != 1 {
		t.Errorf("GET_CONFIGURATION after idling: % x, status %#x", b, st)
	}
}

// TestIdleNoticesScheduleChanges: after the CPU ran, a halted controller
// looks at the schedule again: unchanged, it still asks for no wake-up; a
// TD the CPU queued (without touching a register) is run at the next frame.
func TestIdleNoticesScheduleChanges(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrIOC)
	r.enumerate()
	r.intIN(tdActive | tdCErr3 | tdIOC)
	r.frames(2)
	r.halted = true
	if d := r.c.Tick(r.clock.T); d != bus.NoDeadline {
		t.Fatalf("idle: wake-up in %v ms", d)
	}
	// The CPU wakes up, runs, and halts again having changed nothing.
	r.halted = false
	r.clock.T += 0.5
	r.c.Tick(r.clock.T)
	r.halted = true
	if d := r.c.Tick(r.clock.T); d != bus.NoDeadline {
		t.Fatalf("idle after the CPU changed nothing: wake-up in %v ms", d)
	}
	// The CPU queues a request in the control queue, then halts.
	r.halted = false
	r.c.Tick(r.clock.T)
	s := usb.Setup{RequestType: 0x80, Request: usb.RequestGetConfiguration, Length: 1}
	copy(r.mem.RAM[setupAt:], s.Bytes())
	r.nextTD = 0
	r.td(tdBase+32|ptrVf, tdActive|tdCErr3, token(usb.PIDSetup, 1, 0, 0, 8), setupAt)
	r.td(tdBase+64|ptrVf, tdActive|tdCErr3, token(usb.PIDIn, 1, 0, 1, 1), bufBase)
	last := r.td(ptrT, tdActive|tdCErr3|tdIOC, token(usb.PIDOut, 1, 0, 1, 0), 0)
	r.put32(qhCtl+4, tdBase)
	r.halted = true
	d := r.c.Tick(r.clock.T)
	if d > 1 {
		t.Fatalf("a queued transfer: wake-up in %v ms, want the next frame", d)
	}
	r.clock.T += d
	r.c.Tick(r.clock.T)
	if st := r.get32(last + 4); st&tdActive != 0 || r.mem.RAM[bufBase] != 1 {
		t.Errorf("the queued transfer did not run: status %#x, data %d", st, r.mem.RAM[bufBase])
	}
	if !r.irq.Level {
		t.Error("no interrupt for it")
	}
}
