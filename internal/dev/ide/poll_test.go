package ide_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/disk"
)

// TestPolledCompletion: a host polling with interrupts off (SeaBIOS's INT
// 13h) sees a command step finish as soon as its time has passed, whether or
// not the machine has run the controller's timer (Tick) since.
func TestPolledCompletion(t *testing.T) {
	t.Parallel()
	polls := []struct {
		name string
		poll func(r *rig) uint8
		ack  bool // the read acknowledges the interrupt
	}{
		{"status", func(r *rig) uint8 { return r.in(0, rStatus) }, true},
		{"alternate status", func(r *rig) uint8 { return r.alt(0) }, false},
	}
	for _, p := range polls {
		t.Run(p.name, func(t *testing.T) {
			d, _ := image(t, make([]byte, 16*512), disk.Options{})
			r := newRig(t)
			r.c.Attach(0, 0, d, ide.HardDisk)
			// step checks the drive is busy until a millisecond passes,
			// then shows want and has interrupted, with no Tick at all.
			step := func(what string, want uint8) {
				t.Helper()
				if got := p.poll(r); got != sBSY {
					t.Fatalf("%s: status %#02x before its time, want BSY", what, got)
				}
				raises := r.irq(0).Raises
				r.clock.T++
				if got := p.poll(r); got != want {
					t.Fatalf("%s: status %#02x once due, want %#02x", what, got, want)
				}
				if r.irq(0).Raises != raises+1 || r.irq(0).Level == p.ack {
					t.Fatalf("%s: %d interrupts, line %v", what, r.irq(0).Raises-raises, r.irq(0).Level)
				}
				r.in(0, rStatus) // acknowledge
			}

			data := pattern(2*512, 5)
			setLBA(r, 0, 3, 2, false)
			r.out(0, rCommand, 0x30) // WRITE SECTORS: DRQ for the first at once
			if got := p.poll(r); got != sDRDY|sDSC|sDRQ {
				t.Fatalf("WRITE SECTORS: status %#02x, want DRQ", got)
			}
			r.writeWords(0, data[:512])
			step("second sector asked", sDRDY|sDSC|sDRQ)
			r.writeWords(0, data[512:])
			step("write complete", sDRDY|sDSC)
			got := make([]byte, 2*512)
			if err := d.ReadSectors(3, got); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("the disk holds other bytes (%v)", err)
			}

			setLBA(r, 0, 3, 2, false)
			r.out(0, rCommand, 0x20) // READ SECTORS
			step("first sector ready", sDRDY|sDSC|sDRQ)
			if back := r.readWords(0, 2*512); !bytes.Equal(back, data) {
				t.Fatal("READ SECTORS returned other bytes")
			}
			if got := p.poll(r); got != sDRDY|sDSC {
				t.Fatalf("after the read: status %#02x", got)
			}
		})
	}

	t.Run("bus-master status", func(t *testing.T) {
		r, _, img, bm := dmaRig(t)
		r.putPRDs(0x1000, []prd{{0x4000, 2048, true}})
		r.ports.Write(bm+bmTable, 4, 0x1000)
		r.ports.Write(bm+bmCmd, 1, bmToMem|bmStart)
		setLBA(r, 0, 8, 4, false)
		r.out(0, rCommand, 0xC8) // READ DMA
		if got := uint8(r.ports.Read(bm+bmStat, 1)); got != bmActive {
			t.Fatalf("BM status %#x before the transfer's time, want active only", got)
		}
		r.clock.T++
		if got := uint8(r.ports.Read(bm+bmStat, 1)); got != bmIntr {
			t.Fatalf("BM status %#x once due, want the interrupt bit, no longer active", got)
		}
		if !bytes.Equal(r.mem.RAM[0x4000:0x4800], img[8*512:12*512]) {
			t.Error("memory differs from the disk")
		}
		r.wantStatus(0, sDRDY|sDSC)
	})
}
