package ide_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/disk"
)

// TestSnapshotMidCommand saves a controller in the middle of a PIO read,
// loads the state into a fresh controller with the same disk, and checks
// that the new one goes on exactly as the old: the interrupt line is up, the
// rest of the data comes out, and the bus-master block is where BAR4 put it.
func TestSnapshotMidCommand(t *testing.T) {
	t.Parallel()
	data := pattern(64*512, 3)
	d, _ := image(t, data, disk.Options{})
	newOne := func() *rig {
		r := newRig(t)
		r.c.Attach(0, 0, d, ide.HardDisk)
		return r
	}
	a := newOne()
	bm := a.mapBM(0)
	a.out(0, rDevice, 0xE0)
	a.out(0, rLbal, 5)
	a.out(0, rLbam, 0)
	a.out(0, rLbah, 0)
	a.out(0, rNsect, 2)
	a.out(0, rCommand, 0x20) // READ SECTORS
	a.tick()
	first := a.readWords(0, 256)
	if !bytes.Equal(first, data[5*512:5*512+256]) {
		t.Fatal("the rig's read does not start right")
	}
	state := a.c.SaveState()

	b := newOne()
	if b.ports.Read(bm+2, 1) != 0xFF {
		t.Fatal("a fresh controller already decodes the bus-master block")
	}
	if err := b.c.LoadState(state); err != nil {
		t.Fatal(err)
	}
	if !b.irq(0).Level || b.irq(1).Level {
		t.Fatalf("after LoadState the lines are %v/%v, want up/down", b.irq(0).Level, b.irq(1).Level)
	}
	if got, want := b.ports.Read(bm+2, 1), a.ports.Read(bm+2, 1); got != want {
		t.Fatalf("bus-master status after LoadState reads %#x, the original %#x", got, want)
	}
	b.wantStatus(0, sDRDY|sDSC|sDRQ)
	a.wantStatus(0, sDRDY|sDSC|sDRQ)
	rest := b.readWords(0, 512+256)
	if !bytes.Equal(rest, data[5*512+256:7*512]) || !bytes.Equal(rest, a.readWords(0, 512+256)) {
		t.Fatal("the rest of the read differs after LoadState")
	}
	b.wantStatus(0, sDRDY|sDSC)

	// A controller with another disk refuses the state.
	c := newRig(t)
	other, _ := image(t, make([]byte, 32*512), disk.Options{})
	c.c.Attach(0, 0, other, ide.HardDisk)
	if err := c.c.LoadState(state); err == nil {
		t.Fatal("loaded a snapshot over a different disk")
	}
}
