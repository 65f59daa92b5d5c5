package ne2k_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/ne2k"
)

var _ bus.Stateful = (*ne2k.Card)(nil)

func TestState(t *testing.T) {
	t.Parallel()
	r := newPCI(t)
	r.init(true, ringStart, ringStop)
	r.page(1)
	r.outb(ne2k.MAR0+3, 0x5A)
	r.page(0)
	f1, f2 := frame(testMAC, 500, 1), frame(testMAC, 700, 2)
	r.c.Receive(f1)
	r.c.Receive(f2)
	if !r.irq.Level {
		t.Fatal("no interrupt before the save")
	}
	st := r.c.SaveState()

	// A machine wired the same way, but configured with another address:
	// the snapshot's wins.
	q := &rig{t: t, irq: &bustest.IRQ{}, w: &wire{}, ports: bus.NewPorts(), base: 0xC100}
	q.c = ne2k.NewRTL8029(q.ports, q.irq, [6]byte{0x02, 9, 9, 9, 9, 9}, q.w)
	if q.ports.Name(0xC100) != "" {
		t.Fatal("the new card is mapped before its state is loaded")
	}
	if err := q.c.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if q.ports.Name(0xC100) != "rtl8029" {
		t.Fatal("the BAR was not mapped again")
	}
	if !q.irq.Level {
		t.Fatal("the interrupt line was not driven back up")
	}
	if q.c.StationAddress() != testMAC {
		t.Fatalf("station address % x after the load, want the snapshot's", q.c.StationAddress())
	}
	q.outb(ne2k.DCR, 0x48)
	if p := q.read(0, 12, 1); p[0] != testMAC[0] || p[10] != testMAC[5] {
		t.Fatalf("PROM after the load: % x", p)
	}
	q.outb(ne2k.DCR, 0x49)
	q.page(1)
	if q.inb(ne2k.MAR0+3) != 0x5A {
		t.Fatal("MAR lost")
	}
	q.page(0)
	got := q.receive(2)
	if len(got) != 2 || !bytes.Equal(got[0].data, f1) || !bytes.Equal(got[1].data, f2) {
		t.Fatalf("ring after the load: %d frames", len(got))
	}
	// The saved state is a copy: the original card went on unchanged by
	// the other's reads.
	if len(r.receive(2)) != 2 {
		t.Fatal("the original card's ring changed")
	}

	if err := newISA(t).c.LoadState(st); err == nil || !strings.Contains(err.Error(), "rtl8029") {
		t.Fatalf("an RTL8029AS state loaded into an ISA card: %v", err)
	}
	if err := q.c.LoadState(42); err == nil {
		t.Fatal("LoadState took an int")
	}
}
