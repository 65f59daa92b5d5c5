package ide_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/disk"
)

// Bus-master register offsets and bits (PIIX3 BMICOM, BMISTA, BMIDTP).
const (
	bmCmd    = 0
	bmStat   = 2
	bmTable  = 4
	bmStart  = 0x01
	bmToMem  = 0x08
	bmActive = 0x01
	bmErr    = 0x02
	bmIntr   = 0x04
)

func TestPCIConfig(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	f := r.c.PCI()
	if got := f.ConfigRead(0x00, 4); got != 0x70108086 {
		t.Errorf("vendor/device = %#x, want 0x70108086", got)
	}
	if got := f.ConfigRead(0x08, 4) >> 8; got != 0x010180 {
		t.Errorf("class/subclass/prog IF = %#x, want 0x010180", got)
	}
	if got := f.ConfigRead(0x40, 4); got != 0x80008000 {
		t.Errorf("IDETIM = %#x, want both channels' decode enabled", got)
	}
	// BAR4 is a 16-byte I/O BAR.
	f.ConfigWrite(0x20, 4, 0xFFFFFFFF)
	if got := f.ConfigRead(0x20, 4); got != 0xFFFFFFF1 {
		t.Errorf("BAR4 size probe = %#x, want 0xFFFFFFF1", got)
	}
	for _, b := range []int{0x10, 0x14, 0x18, 0x1C} {
		f.ConfigWrite(uint8(b), 4, 0xFFFFFFFF)
		if got := f.ConfigRead(uint8(b), 4); got != 0 {
			t.Errorf("BAR at %#x = %#x, want 0 (legacy mode)", b, got)
		}
	}

	// The bus-master registers follow BAR4.
	base := r.mapBM(0)
	r.ports.Write(base+bmTable, 4, 0x12345678)
	if got := r.ports.Read(base+bmTable, 4); got != 0x12345678 {
		t.Errorf("PRD pointer at BAR4 = %#x", got)
	}
	f.ConfigWrite(0x20, 4, 0xD001)
	if got := r.ports.Read(0xD000+bmTable, 4); got != 0x12345678 {
		t.Errorf("PRD pointer after moving BAR4 = %#x", got)
	}
	if r.ports.Name(base) != "" {
		t.Error("the old BAR4 base still decodes")
	}
	r.c.Reset()
	if r.ports.Name(0xD000) != "" || f.ConfigRead(0x20, 4) != 1 {
		t.Error("reset left BAR4 programmed")
	}
}

// dmaRig has a disk with known contents and the bus master mapped.
func dmaRig(t *testing.T) (*rig, *disk.Disk, []byte, uint16) {
	img := pattern(256*512, 9)
	d, _ := image(t, img, disk.Options{})
	r := newRig(t)
	r.c.Attach(0, 0, d, ide.HardDisk)
	return r, d, img, r.mapBM(0)
}

func TestDMARead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		table       []prd
		count       int
		startFirst  bool  // start the engine before issuing the command
		wantBMStat  uint8 // after completion
		wantRegions [][2]int
	}{
		{"table as long as the data", []prd{{0x2000, 1024, false}, {0x5000, 512, false}, {0x8000, 1024, true}}, 5, false,
			bmIntr, [][2]int{{0x2000, 1024}, {0x5000, 512}, {0x8000, 1024}}},
		{"table longer than the data", []prd{{0x2000, 1024, false}, {0x9000, 4096, true}}, 3, false,
			bmIntr | bmActive, [][2]int{{0x2000, 1024}, {0x9000, 512}}},
		{"engine started first", []prd{{0x4000, 2048, true}}, 4, true,
			bmIntr, [][2]int{{0x4000, 2048}}},
		{"64 KiB entry", []prd{{0x10000, 65536, true}}, 128, false,
			bmIntr, [][2]int{{0x10000, 65536}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _, img, bm := dmaRig(t)
			r.putPRDs(0x1000, tc.table)
			r.ports.Write(bm+bmTable, 4, 0x1000)
			r.ports.Write(bm+bmCmd, 1, bmToMem)
			if tc.startFirst {
				r.ports.Write(bm+bmCmd, 1, bmToMem|bmStart)
			}
			setLBA(r, 0, 10, tc.count, false)
			r.out(0, rCommand, 0xC8) // READ DMA
			if !tc.startFirst {
				r.tick() // nothing happens without the engine
				if r.irq(0).Level || r.alt(0)&sBSY == 0 {
					t.Fatal("the command finished before the bus master was started")
				}
				r.ports.Write(bm+bmCmd, 1, bmToMem|bmStart)
			}
			if got := uint8(r.ports.Read(bm+bmStat, 1)); got&bmActive == 0 {
				t.Errorf("BM status while transferring = %#x, want active", got)
			}
			r.tick()
			if !r.irq(0).Level {
				t.Fatal("no interrupt after the transfer")
			}
			if got := uint8(r.ports.Read(bm+bmStat, 1)); got != tc.wantBMStat {
				t.Errorf("BM status = %#x, want %#x", got, tc.wantBMStat)
			}
			r.ports.Write(bm+bmCmd, 1, bmToMem) // stop
			r.ports.Write(bm+bmStat, 1, bmIntr) // acknowledge
			if got := uint8(r.ports.Read(bm+bmStat, 1)); got != 0 {
				t.Errorf("BM status after stop and acknowledge = %#x, want 0", got)
			}
			r.wantStatus(0, sDRDY|sDSC)
			src := 10 * 512
			for _, reg := range tc.wantRegions {
				if !bytes.Equal(r.mem.RAM[reg[0]:reg[0]+reg[1]], img[src:src+reg[1]]) {
					t.Errorf("memory at %#x differs from the disk", reg[0])
				}
				if r.mem.RAM[reg[0]+reg[1]] != 0 {
					t.Errorf("DMA wrote past %#x+%d", reg[0], reg[1])
				}
				src += reg[1]
			}
			// Every byte reached guest RAM through WritePhys (the JIT hears of it).
			dirty := 0
			for _, rg := range r.mem.Dirty {
				dirty += int(rg[1] - rg[0])
			}
			if dirty != tc.count*512 {
				t.Errorf("WritePhys covered %d bytes, want %d", dirty, tc.count*512)
			}
		})
	}
}

func TestDMAWrite(t *testing.T) {
	t.Parallel()
	r, d, _, bm := dmaRig(t)
	data := pattern(3*512, 0x40)
	copy(r.mem.RAM[0x3000:], data[:1000])
	copy(r.mem.RAM[0x7000:], data[1000:])
	r.putPRDs(0x1000, []prd{{0x3000, 1000, false}, {0x7000, 536, true}})
	r.ports.Write(bm+bmTable, 4, 0x1000)
	setLBA(r, 0, 0x12345, 3, true)
	r.out(0, rCommand, 0x35) // WRITE DMA EXT
	r.ports.Write(bm+bmCmd, 1, bmStart)
	r.tick()
	if !r.irq(0).Level {
		t.Fatal("no interrupt")
	}
	r.wantStatus(0, sDRDY|sDSC|sERR) // LBA 0x12345 is past the end of a 128 KiB disk
	if got := r.in(0, rError); got != eIDNF {
		t.Errorf("error = %#x, want IDNF", got)
	}

	r.ports.Write(bm+bmCmd, 1, 0)
	r.ports.Write(bm+bmStat, 1, bmIntr)
	setLBA(r, 0, 100, 3, true)
	r.out(0, rCommand, 0x35)
	r.ports.Write(bm+bmCmd, 1, bmStart)
	r.tick()
	r.wantStatus(0, sDRDY|sDSC)
	if got := uint8(r.ports.Read(bm+bmStat, 1)); got != bmIntr {
		t.Errorf("BM status = %#x, want interrupt only", got)
	}
	got := make([]byte, len(data))
	if err := d.ReadSectors(100, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Error("the disk does not hold the data DMA took from memory")
	}
}

func TestDMATableTooShort(t *testing.T) {
	t.Parallel()
	r, _, _, bm := dmaRig(t)
	r.putPRDs(0x1000, []prd{{0x2000, 512, true}})
	r.ports.Write(bm+bmTable, 4, 0x1000)
	setLBA(r, 0, 0, 2, false)
	r.out(0, rCommand, 0xC8)
	r.ports.Write(bm+bmCmd, 1, bmToMem|bmStart)
	r.tick()
	if got := uint8(r.ports.Read(bm+bmStat, 1)); got&(bmErr|bmActive) != bmErr {
		t.Errorf("BM status = %#x, want error and not active", got)
	}
	r.tick()
	if got := r.in(0, rStatus); got&sERR == 0 {
		t.Errorf("status = %#x, want ERR", got)
	}
}
