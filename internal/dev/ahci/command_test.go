package ahci_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/do86/do86/internal/disk"
)

// identifyString decodes an IDENTIFY string: two characters a word, the
// first in the high byte.
func identifyString(b []byte, word, n int) string {
	s := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		s = append(s, b[2*(word+i)+1], b[2*(word+i)])
	}
	return strings.TrimSpace(string(s))
}

func TestIdentify(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	r.issue(0, 0, fis(0xEC, 0, 0, 0, 0), false, region{dataBase, 512, false})
	r.expect("PxCI", r.prd(0, pCI), 0)
	r.expect("PRDBC", r.prdbc(0, 0), 512)
	r.expect("PxTFD", r.prd(0, pTFD), 0x50)
	r.expect("PxIS", r.prd(0, pIS), isPSS|isDHRS)
	id := r.mem.RAM[dataBase : dataBase+512]
	if m := identifyString(id, 27, 20); m != "DO86 SATA HARDDISK" {
		t.Errorf("model %q", m)
	}
	w := func(i int) uint32 { return uint32(binary.LittleEndian.Uint16(id[2*i:])) }
	if got := w(60) | w(61)<<16; got != diskSectors {
		t.Errorf("LBA28 capacity %d, want %d", got, diskSectors)
	}
	if got := w(100) | w(101)<<16; got != diskSectors || w(102) != 0 || w(103) != 0 {
		t.Errorf("LBA48 capacity %d, want %d", got, diskSectors)
	}
	if w(83)&(1<<10) == 0 || w(49)&(1<<9) == 0 || w(76)&(1<<8) == 0 {
		t.Errorf("IDENTIFY lacks LBA48, LBA or NCQ: words 49 %#x, 83 %#x, 76 %#x", w(49), w(83), w(76))
	}
	var sum byte
	for _, v := range id {
		sum += v
	}
	if id[510] != 0xA5 || sum != 0 {
		t.Errorf("integrity word %#x %#x, sum %#x", id[510], id[511], sum)
	}
	// The PIO setup FIS announced the data for the host, then the register
	// FIS reported the end.
	ps := r.rfis(0)[0x20:]
	if ps[0] != 0x5F || ps[1]&0x20 == 0 || ps[2]&0x08 == 0 || ps[15] != 0x50 ||
		binary.LittleEndian.Uint16(ps[16:]) != 512 {
		t.Errorf("PIO setup FIS % x", ps[:20])
	}
	if d2h := r.rfis(0)[0x40:]; d2h[0] != 0x34 || d2h[1]&0x40 == 0 || d2h[2] != 0x50 || d2h[3] != 0 {
		t.Errorf("register FIS % x", d2h[:20])
	}
}

func TestReadDMAScattered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cmd  uint8
		lba  uint64
		dev  uint8
	}{
		{"READ DMA EXT", 0x25, 1000, 0x40},
		{"READ DMA (LBA28)", 0xC8, 1000, 0x40},
		{"READ SECTORS EXT (PIO)", 0x24, 1000, 0x40},
		{"READ SECTORS, CHS cylinder 0 head 15 sector 5", 0x20, 15*63 + 4, 0x0F},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.startPort(0)
			for i := range r.mem.RAM[dataBase:] {
				r.mem.RAM[dataBase+i] = 0xEE
			}
			// Five sectors over three regions that split sectors.
			regs := []region{{dataBase, 1000, false}, {dataBase + 0x2000, 600, true}, {dataBase + 0x4000, 960, false}}
			f := fis(tc.cmd, tc.lba, 5, 0, tc.dev)
			if tc.cmd == 0x20 {
				f = fis(tc.cmd, 5, 5, 0, tc.dev) // sector 5, cylinder 0
			}
			r.issue(0, 7, f, false, regs...)
			r.expect("PxCI", r.prd(0, pCI), 0)
			r.expect("PxTFD", r.prd(0, pTFD), 0x50)
			r.expect("PRDBC", r.prdbc(0, 7), 2560)
			r.expect("PxIS.DPS (a region with I completed)", r.prd(0, pIS)&isDPS, isDPS)
			want := imageBytes(int(tc.lba), 5)
			var got []byte
			for _, g := range regs {
				got = append(got, r.mem.RAM[g.addr:g.addr+g.n]...)
				if after := r.mem.RAM[g.addr+g.n]; after != 0xEE {
					t.Errorf("byte after region %#x written: %#x", g.addr, after)
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("data read differs from sectors %d–%d", tc.lba, tc.lba+4)
			}
			if len(r.mem.Dirty) == 0 {
				t.Error("DMA did not go through WritePhys")
			}
		})
	}
}

func TestWriteGoesToOverlay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cmd  uint8
	}{
		{"WRITE DMA", 0xCA},
		{"WRITE DMA EXT", 0x35},
		{"WRITE SECTORS (PIO)", 0x30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.startPort(0)
			data := bytes.Repeat([]byte("do86 was here!! "), 64) // two sectors
			r.mem.WritePhys(dataBase, data[:300])
			r.mem.WritePhys(dataBase+0x1000, data[300:])
			r.issue(0, 1, fis(tc.cmd, 40, 2, 0, 0x40), true,
				region{dataBase, 300, false}, region{dataBase + 0x1000, 724, false})
			r.expect("PxCI", r.prd(0, pCI), 0)
			r.expect("PxTFD", r.prd(0, pTFD), 0x50)
			r.expect("PRDBC", r.prdbc(0, 1), 1024)
			got := make([]byte, 1024)
			if err := r.disk.ReadSectors(40, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Error("the disk does not read back what was written")
			}
			if ch := r.disk.Changed(); !slices.Equal(ch, []uint64{40, 41}) {
				t.Errorf("overlay holds sectors %v, want [40 41]", ch)
			}
			img, err := os.ReadFile(r.image)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(img[40*512:42*512], imageBytes(40, 2)) {
				t.Error("the image file was written")
			}
		})
	}
}

func TestQueuedRead(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	// READ FPDMA QUEUED: count in the features, tag in count bits 7:3.
	f := fis(0x60, 300, 3<<3, 4, 0x40)
	r.pw(0, pSACT, 1<<3)
	r.issue(0, 3, f, false, region{dataBase, 2048, false})
	r.expect("PxCI", r.prd(0, pCI), 0)
	r.expect("PxSACT", r.prd(0, pSACT), 0)
	r.expect("PxIS", r.prd(0, pIS), isSDBS)
	r.expect("PxTFD", r.prd(0, pTFD), 0x50)
	if !bytes.Equal(r.mem.RAM[dataBase:dataBase+2048], imageBytes(300, 4)) {
		t.Error("queued read data differs")
	}
	sdb := r.rfis(0)[0x58:]
	if sdb[0] != 0xA1 || sdb[1]&0x40 == 0 || binary.LittleEndian.Uint32(sdb[4:]) != 1<<3 {
		t.Errorf("set device bits FIS % x", sdb[:8])
	}
}

func TestQueuedWrite(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	data := bytes.Repeat([]byte{0x5A}, 512)
	r.mem.WritePhys(dataBase, data)
	r.pw(0, pSACT, 1)
	r.issue(0, 0, fis(0x61, 7, 0, 1, 0x40), true, region{dataBase, 512, false})
	r.expect("PxSACT", r.prd(0, pSACT), 0)
	got := make([]byte, 512)
	r.disk.ReadSectors(7, got)
	if !bytes.Equal(got, data) {
		t.Error("queued write did not reach the disk")
	}
}

func TestCommandOutcomes(t *testing.T) {
	t.Parallel()
	const ok, abort, idnf = 0x0050, 0x0451, 0x1051
	for _, tc := range []struct {
		name  string
		f     []byte
		tfd   uint32
		count uint8 // the register FIS's count, when checked
	}{
		{"NOP aborts", fis(0x00, 0, 0, 0, 0), abort, 0},
		{"unknown command aborts", fis(0xFF, 0, 0, 0, 0), abort, 0},
		{"IDENTIFY PACKET DEVICE aborts on a disk", fis(0xA1, 0, 0, 0, 0), abort, 0},
		{"not a register FIS", append([]byte{0x46}, make([]byte, 19)...), abort, 0},
		{"read past the end", fis(0x25, diskSectors-1, 2, 0, 0x40), idnf, 0},
		{"verify past the end", fis(0x42, diskSectors, 1, 0, 0x40), idnf, 0},
		{"verify", fis(0x40, 10, 8, 0, 0x40), ok, 0},
		{"READ MULTIPLE before SET MULTIPLE", fis(0xC4, 0, 1, 0, 0x40), abort, 0},
		{"SET MULTIPLE 3", fis(0xC6, 0, 3, 0, 0), abort, 0},
		{"SET MULTIPLE 16", fis(0xC6, 0, 16, 0, 0), ok, 0},
		{"SET FEATURES write cache on", fis(0xEF, 0, 0, 0x02, 0), ok, 0},
		{"SET FEATURES transfer mode UDMA5", fis(0xEF, 0, 0x45, 0x03, 0), ok, 0},
		{"SET FEATURES unknown", fis(0xEF, 0, 0, 0x77, 0), abort, 0},
		{"FLUSH CACHE EXT", fis(0xEA, 0, 0, 0, 0), ok, 0},
		{"IDLE IMMEDIATE", fis(0xE1, 0, 0, 0, 0), ok, 0},
		{"CHECK POWER MODE", fis(0xE5, 0, 0, 0, 0), ok, 0xFF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.startPort(0)
			r.issue(0, 0, tc.f, false, region{dataBase, 1024, false})
			r.expect("PxCI", r.prd(0, pCI), 0)
			r.expect("PxTFD", r.prd(0, pTFD), tc.tfd)
			d2h := r.rfis(0)[0x40:]
			if uint32(d2h[3])<<8|uint32(d2h[2]) != tc.tfd || d2h[0] != 0x34 {
				t.Errorf("register FIS % x", d2h[:16])
			}
			wantIS := uint32(isDHRS)
			if tc.tfd&1 != 0 {
				wantIS |= isTFES
			}
			r.expect("PxIS", r.prd(0, pIS), wantIS)
			if tc.count != 0 && d2h[12] != tc.count {
				t.Errorf("count register %#x, want %#x", d2h[12], tc.count)
			}
		})
	}
}

func TestReadMultiple(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	r.issue(0, 0, fis(0xC6, 0, 8, 0, 0), false)
	r.issue(0, 1, fis(0x29, 64, 16, 0, 0x40), false, region{dataBase, 16 * 512, false})
	r.expect("PxTFD", r.prd(0, pTFD), 0x50)
	if !bytes.Equal(r.mem.RAM[dataBase:dataBase+16*512], imageBytes(64, 16)) {
		t.Error("READ MULTIPLE EXT data differs")
	}
	// IDENTIFY reports the multiple setting.
	r.issue(0, 2, fis(0xEC, 0, 0, 0, 0), false, region{dataBase, 512, false})
	if w59 := binary.LittleEndian.Uint16(r.mem.RAM[dataBase+2*59:]); w59 != 0x0108 {
		t.Errorf("IDENTIFY word 59 = %#x, want 0x0108", w59)
	}
}

func TestBlankDiskWrite(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	d := disk.NewBlank(32 << 20)
	r.c.Attach(2, d)
	r.startPort(2)
	r.mem.WritePhys(dataBase, bytes.Repeat([]byte{0xA7}, 512))
	r.issue(2, 0, fis(0x35, 65535, 1, 0, 0x40), true, region{dataBase, 512, false})
	r.expect("PxTFD", r.prd(2, pTFD), 0x50)
	got := make([]byte, 512)
	d.ReadSectors(65535, got)
	if got[0] != 0xA7 || got[511] != 0xA7 {
		t.Error("write to the blank disk lost")
	}
}

func TestInterrupts(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	if d := r.c.Tick(r.clock.T); d != 1e9 {
		t.Errorf("idle Tick = %v, want no deadline", d)
	}
	r.w(rGHC, ghcAE|ghcIE)
	r.pw(0, pIE, isDHRS|isPSS|isTFES)

	steps := []struct {
		name  string
		do    func()
		level bool
		is    uint32
		pxis  uint32
	}{
		{"command completes: the line waits", func() {
			r.issue(0, 0, fis(0xE7, 0, 0, 0, 0), false)
		}, false, 1, isDHRS},
		{"a moment later the line rises", func() {
			if d := r.c.Tick(r.clock.T); d <= 0 || d > 1 {
				t.Errorf("Tick right after completion = %v ms", d)
			}
			r.settle()
		}, true, 1, isDHRS},
		{"clearing IS alone keeps it: the port still asks", func() { r.w(rIS, 1) }, true, 1, isDHRS},
		{"the guest clears PxIS: IS stays until cleared", func() { r.pw(0, pIS, isDHRS) }, true, 1, 0},
		{"the guest clears IS: the line falls", func() { r.w(rIS, 1) }, false, 0, 0},
		{"a masked cause sets PxIS only", func() {
			r.pw(0, pIE, isTFES)
			r.issue(0, 1, fis(0xE7, 0, 0, 0, 0), false)
			r.settle()
		}, false, 0, isDHRS},
		{"enabling the pending cause raises the line", func() { r.pw(0, pIE, isDHRS) }, true, 1, isDHRS},
		{"GHC.IE off lowers the line", func() { r.w(rGHC, ghcAE) }, false, 1, isDHRS},
		{"GHC.IE on raises it again", func() { r.w(rGHC, ghcAE|ghcIE) }, true, 1, isDHRS},
		{"stopping the port leaves PxIS", func() { r.pw(0, pCMD, 0) }, true, 1, isDHRS},
		{"a machine reset lowers the line", func() { r.c.Reset() }, false, 0, 0},
	}
	for _, s := range steps {
		s.do()
		if r.irq.Level != s.level {
			t.Errorf("%s: line %v, want %v", s.name, r.irq.Level, s.level)
		}
		if s.name == "a machine reset lowers the line" {
			continue // the ABAR is unmapped now
		}
		r.expect(s.name+": IS", r.rd(rIS), s.is)
		r.expect(s.name+": PxIS", r.prd(0, pIS), s.pxis)
	}
}

func TestTwoPortsShareTheLine(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.c.Attach(1, disk.NewBlank(1<<20))
	r.startPort(0)
	r.startPort(1)
	r.w(rGHC, ghcAE|ghcIE)
	r.pw(0, pIE, isDHRS)
	r.pw(1, pIE, isDHRS)
	r.issue(0, 0, fis(0xE7, 0, 0, 0, 0), false)
	r.issue(1, 0, fis(0xE7, 0, 0, 0, 0), false)
	r.settle()
	r.expect("IS", r.rd(rIS), 3)
	if !r.irq.Level || r.irq.Raises != 1 {
		t.Fatalf("line %v after %d rises, want high after one", r.irq.Level, r.irq.Raises)
	}
	// The guest serves port 0 only: the line stays up for port 1.
	r.pw(0, pIS, 0xFFFFFFFF)
	r.w(rIS, 1)
	if !r.irq.Level {
		t.Error("line fell with port 1 still pending")
	}
	r.pw(1, pIS, 0xFFFFFFFF)
	r.w(rIS, 2)
	if r.irq.Level {
		t.Error("line still high with nothing pending")
	}
}

func TestSeveralSlotsAtOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	r.build(0, 4, fis(0x25, 0, 1, 0, 0x40), false, region{dataBase, 512, false})
	r.build(0, 9, fis(0x25, 9, 1, 0, 0x40), false, region{dataBase + 0x1000, 512, false})
	r.pw(0, pCI, 1<<4|1<<9)
	r.expect("PxCI", r.prd(0, pCI), 0)
	if !bytes.Equal(r.mem.RAM[dataBase:dataBase+512], imageBytes(0, 1)) ||
		!bytes.Equal(r.mem.RAM[dataBase+0x1000:dataBase+0x1200], imageBytes(9, 1)) {
		t.Error("data of the two slots differs")
	}
}

func TestShortPRDT(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	// A write whose regions hold less than its sectors fails.
	r.issue(0, 0, fis(0x35, 0, 2, 0, 0x40), true, region{dataBase, 512, false})
	r.expect("PxTFD", r.prd(0, pTFD), 0x0451)
	if ch := r.disk.Changed(); len(ch) != 0 {
		t.Errorf("short write changed sectors %v", ch)
	}
	// A read fills what the regions hold.
	r.issue(0, 1, fis(0x25, 0, 2, 0, 0x40), false, region{dataBase, 512, false})
	r.expect("PRDBC of a short read", r.prdbc(0, 1), 512)
}
