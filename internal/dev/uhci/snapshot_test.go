package uhci_test

import (
	"bytes"
	"encoding/gob"
	"testing"

	"github.com/do86/do86/internal/dev/uhci"
	"github.com/do86/do86/internal/dev/usbtablet"
	"github.com/do86/do86/internal/usb"
)

// roundTrip encodes a state as a snapshot stores it (gob, by field name)
// and decodes it into a new value of the same type.
func roundTrip[T any](t *testing.T, s any) *T {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(s); err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := gob.NewDecoder(&b).Decode(out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSnapshotMidTransfer saves the controller and the tablet with an
// interrupt TD pending, restores them into a new machine's controller and
// tablet (memory copied, as the machine restores RAM), and the restored
// pair completes the TD after a pointer event, with the interrupt.
func TestSnapshotMidTransfer(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrIOC)
	r.enumerate()
	r.outw(rSTS, 0x3F)
	a := r.intIN(tdActive | tdCErr3 | tdIOC)
	r.frames(2)
	hc := roundTrip[uhci.State](t, r.c.SaveState())
	tab := roundTrip[usbtablet.State](t, r.tab.SaveState())

	n := newRig(t)
	copy(n.mem.RAM, r.mem.RAM)
	n.clock.T = r.clock.T
	n.irq.Raise() // a stale level the load must put right
	if err := n.c.LoadState(hc); err != nil {
		t.Fatal(err)
	}
	if err := n.tab.LoadState(tab); err != nil {
		t.Fatal(err)
	}
	if n.irq.Level {
		t.Error("line up after loading a state with it down")
	}
	if got, want := n.inw(rFRNUM), r.inw(rFRNUM); got != want {
		t.Errorf("FRNUM %d after restore, want %d", got, want)
	}
	if n.tab.Address() != 1 || !n.tab.InUse() {
		t.Errorf("restored tablet: address %d, in use %v", n.tab.Address(), n.tab.InUse())
	}
	n.tab.Set(7, 9, 2, 0)
	n.frames(1)
	if st := n.get32(a + 4); st&tdActive != 0 || !n.irq.Level {
		t.Fatalf("restored controller: TD status %#x, line %v", st, n.irq.Level)
	}
	// The move comes first (the press follows at the next poll).
	if got := n.mem.RAM[bufBase+0x800 : bufBase+0x806]; !bytes.Equal(got, []byte{0, 7, 0, 9, 0, 0}) {
		t.Errorf("report % x", got)
	}
	if err := n.c.LoadState(&usbtablet.State{}); err == nil {
		t.Error("controller loaded a tablet's state")
	}
	// A half-done control transfer survives too.
	s := usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 18}
	n.tab.Transact(usb.PIDSetup, 0, s.Bytes())
	var p [8]byte
	n.tab.Transact(usb.PIDIn, 0, p[:])
	tab2 := roundTrip[usbtablet.State](t, n.tab.SaveState())
	m := usbtablet.New()
	if err := m.LoadState(tab2); err != nil {
		t.Fatal(err)
	}
	if k, h := m.Transact(usb.PIDIn, 0, p[:]); h != usb.ACK || k != 8 || p[0] != 0x09 || p[1] != 0x12 {
		t.Errorf("second packet of the descriptor after restore: %d bytes % x, %v", k, p[:k], h)
	}
}
