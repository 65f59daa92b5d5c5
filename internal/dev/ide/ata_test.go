package ide_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/disk"
)

func TestSignatures(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.c.Attach(0, 0, disk.NewBlank(1<<20), ide.HardDisk)
	r.c.Attach(1, 0, nil, ide.CDROM)
	tests := []struct {
		name                    string
		ch, dev                 int
		nsect, lbal, lbam, lbah uint8
		status                  uint8
	}{
		{"ATA disk", 0, 0xA0, 1, 1, 0x00, 0x00, sDRDY | sDSC},
		{"nothing as slave", 0, 0xB0, 0, 0, 0, 0, 0},
		{"ATAPI drive", 1, 0xA0, 1, 1, 0x14, 0xEB, 0},
		{"empty channel slave", 1, 0xB0, 0, 0, 0, 0, 0},
	}
	check := func(t *testing.T, when string) {
		for _, tc := range tests {
			r.out(tc.ch, rDevice, tc.dev)
			got := [5]uint8{r.in(tc.ch, rNsect), r.in(tc.ch, rLbal), r.in(tc.ch, rLbam), r.in(tc.ch, rLbah), r.in(tc.ch, rStatus)}
			want := [5]uint8{tc.nsect, tc.lbal, tc.lbam, tc.lbah, tc.status}
			if got != want {
				t.Errorf("%s, %s: nsect/lbal/lbam/lbah/status = %#x, want %#x", when, tc.name, got, want)
			}
		}
	}
	check(t, "power-on")

	// The guest scribbles on the registers, then resets both channels.
	for ch := 0; ch < 2; ch++ {
		r.out(ch, rDevice, 0xA0)
		r.out(ch, rNsect, 0x55)
		r.out(ch, rLbam, 0xAA)
		r.control(ch, 0x04) // SRST
		if got := r.alt(ch); ch == 0 && got&sBSY == 0 {
			t.Errorf("channel %d alt status during SRST = %#x, want BSY", ch, got)
		}
		r.control(ch, 0x00)
		if got := r.in(ch, rError); got != 0x01 {
			t.Errorf("channel %d error after reset = %#x, want diagnostic code 1", ch, got)
		}
	}
	check(t, "after SRST")
}

// identifyWords issues IDENTIFY (PACKET) DEVICE on channel ch and returns the words.
func identifyWords(t *testing.T, r *rig, ch int, cmd int) []uint16 {
	t.Helper()
	r.out(ch, rDevice, 0xA0)
	r.out(ch, rCommand, cmd)
	if got := r.alt(ch); got&sBSY == 0 || r.irq(ch).Level {
		t.Fatalf("right after the command: alt status %#x, irq %v; want BSY and no interrupt yet", got, r.irq(ch).Level)
	}
	r.tick()
	if !r.irq(ch).Level {
		t.Fatal("no interrupt once the data is ready")
	}
	r.wantStatus(ch, sDRDY|sDSC|sDRQ)
	if r.irq(ch).Level {
		t.Error("reading the status did not lower the line")
	}
	b := r.readWords(ch, 512)
	r.wantStatus(ch, sDRDY|sDSC)
	var sum byte
	for _, v := range b {
		sum += v
	}
	if b[510] != 0xA5 || sum != 0 {
		t.Errorf("integrity word: signature %#x, byte sum %#x; want 0xA5 and 0", b[510], sum)
	}
	w := make([]uint16, 256)
	for i := range w {
		w[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return w
}

// ataString decodes words of an identify string.
func ataString(w []uint16) string {
	var s []byte
	for _, v := range w {
		s = append(s, byte(v>>8), byte(v))
	}
	return string(s)
}

func TestIdentify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		size                int64
		lba28, lba48        uint64
		cyls, heads, sector uint16
	}{
		{"64 MiB", 64 << 20, 131072, 131072, 130, 16, 63},
		{"256 GiB", 1 << 38, 0x0FFFFFFF, 1 << 29, 16383, 16, 63},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.c.Attach(0, 0, disk.NewBlank(tc.size), ide.HardDisk)
			w := identifyWords(t, r, 0, 0xEC)
			if got := ataString(w[27:47]); got != "DO86 HARDDISK"+strings.Repeat(" ", 27) {
				t.Errorf("model = %q", got)
			}
			if got := uint64(w[60]) | uint64(w[61])<<16; got != tc.lba28 {
				t.Errorf("LBA28 capacity (words 60-61) = %d, want %d", got, tc.lba28)
			}
			var got48 uint64
			for i := 0; i < 4; i++ {
				got48 |= uint64(w[100+i]) << (16 * i)
			}
			if got48 != tc.lba48 {
				t.Errorf("LBA48 capacity (words 100-103) = %d, want %d", got48, tc.lba48)
			}
			if w[1] != tc.cyls || w[3] != tc.heads || w[6] != tc.sector {
				t.Errorf("CHS = %d/%d/%d, want %d/%d/%d", w[1], w[3], w[6], tc.cyls, tc.heads, tc.sector)
			}
			if w[83]&(1<<10) == 0 || w[86]&(1<<10) == 0 || w[49]&0x0300 != 0x0300 {
				t.Errorf("words 49/83/86 = %#x/%#x/%#x: want LBA, DMA and 48-bit addressing", w[49], w[83], w[86])
			}
			if w[47]&0xFF != 16 || w[63]&7 != 7 || w[88]&0x3F != 0x3F {
				t.Errorf("multiple %d, MWDMA %#x, UDMA %#x", w[47]&0xFF, w[63], w[88])
			}
			if w[0]&0x8000 != 0 {
				t.Errorf("word 0 = %#x: an ATA disk has bit 15 clear", w[0])
			}
		})
	}
}

// setLBA loads the task file for a command on sectors lba.. of count.
func setLBA(r *rig, ch int, lba uint64, count int, ext bool) {
	if ext {
		r.out(ch, rNsect, count>>8)
		r.out(ch, rLbal, int(lba>>24))
		r.out(ch, rLbam, int(lba>>32))
		r.out(ch, rLbah, int(lba>>40))
		r.out(ch, rNsect, count)
		r.out(ch, rLbal, int(lba))
		r.out(ch, rLbam, int(lba>>8))
		r.out(ch, rLbah, int(lba>>16))
		r.out(ch, rDevice, 0x40)
		return
	}
	r.out(ch, rNsect, count)
	r.out(ch, rLbal, int(lba))
	r.out(ch, rLbam, int(lba>>8))
	r.out(ch, rLbah, int(lba>>16))
	r.out(ch, rDevice, 0xE0|int(lba>>24&0x0F))
}

// pioIn runs a data-in command already set up and returns the data and the
// number of interrupts seen.
func pioIn(t *testing.T, r *rig, cmd int, n int) ([]byte, int) {
	t.Helper()
	before := r.irq(0).Raises
	r.out(0, rCommand, cmd)
	r.tick()
	var data []byte
	for len(data) < n {
		if !r.irq(0).Level {
			t.Fatalf("after %d bytes: no interrupt for the next block", len(data))
		}
		r.wantStatus(0, sDRDY|sDSC|sDRQ)
		data = append(data, r.readWords(0, 512)...)
		for r.alt(0)&sDRQ != 0 && !r.irq(0).Level && len(data) < n {
			data = append(data, r.readWords(0, 512)...) // the rest of a multiple block
		}
	}
	r.wantStatus(0, sDRDY|sDSC)
	return data, r.irq(0).Raises - before
}

func TestPIORead(t *testing.T) {
	t.Parallel()
	d := disk.NewBlank(1 << 42) // 2^33 sectors, held sparsely
	fill := func(t *testing.T, lba uint64, n int) []byte {
		p := pattern(n*512, byte(lba))
		if err := d.WriteSectors(lba, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		setup func(r *rig)
		cmd   int
		lba   uint64
		count int
	}{
		{"LBA28", func(r *rig) { setLBA(r, 0, 0x0ABCDEF, 3, false) }, 0x20, 0x0ABCDEF, 3},
		{"CHS", func(r *rig) {
			// cylinder 1, head 2, sector 5 of 16 heads x 63 sectors
			r.out(0, rNsect, 2)
			r.out(0, rLbal, 5)
			r.out(0, rLbam, 1)
			r.out(0, rLbah, 0)
			r.out(0, rDevice, 0xA2)
		}, 0x20, (1*16+2)*63 + 4, 2},
		{"LBA48", func(r *rig) { setLBA(r, 0, 0x123456789, 2, true) }, 0x24, 0x123456789, 2},
		{"LBA48 count 256", func(r *rig) { setLBA(r, 0, 0x1F0000000, 256, true) }, 0x24, 0x1F0000000, 256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := fill(t, tc.lba, tc.count)
			r := newRig(t)
			r.c.Attach(0, 0, d, ide.HardDisk)
			tc.setup(r)
			got, irqs := pioIn(t, r, tc.cmd, tc.count*512)
			if !bytes.Equal(got, want) {
				t.Error("data read differs from the disk's sectors")
			}
			if irqs != tc.count {
				t.Errorf("%d interrupts, want one per sector (%d)", irqs, tc.count)
			}
		})
	}
}

func TestReadMultiple(t *testing.T) {
	t.Parallel()
	img := pattern(64*512, 7)
	d, _ := image(t, img, disk.Options{})
	r := newRig(t)
	r.c.Attach(0, 0, d, ide.HardDisk)

	setLBA(r, 0, 3, 10, false)
	r.out(0, rCommand, 0xC4) // READ MULTIPLE before SET MULTIPLE MODE
	r.tick()
	r.wantStatus(0, sDRDY|sDSC|sERR)
	if got := r.in(0, rError); got != eABRT {
		t.Errorf("error = %#x, want ABRT", got)
	}

	r.out(0, rNsect, 4)
	r.out(0, rCommand, 0xC6) // SET MULTIPLE MODE: 4 sectors a block
	r.tick()
	r.wantStatus(0, sDRDY|sDSC)

	setLBA(r, 0, 3, 10, false)
	r.out(0, rCommand, 0xC4)
	r.tick()
	var blocks []int
	var got []byte
	for r.irq(0).Level {
		r.wantStatus(0, sDRDY|sDSC|sDRQ)
		n := 0
		for r.alt(0)&sDRQ != 0 && !r.irq(0).Level {
			got = append(got, r.readWords(0, 2)...)
			n += 2
		}
		blocks = append(blocks, n/512)
	}
	if want := []int{4, 4, 2}; !equalInts(blocks, want) {
		t.Errorf("DRQ blocks of %v sectors, want %v", blocks, want)
	}
	if !bytes.Equal(got, img[3*512:13*512]) {
		t.Error("READ MULTIPLE data differs from the image")
	}
	r.wantStatus(0, sDRDY|sDSC)

	// A block size that is not a power of two is refused.
	r.out(0, rNsect, 3)
	r.out(0, rCommand, 0xC6)
	r.tick()
	r.wantStatus(0, sDRDY|sDSC|sERR)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPIOWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		multiple int
		cmd      int
		lba      uint64
		count    int
		ext      bool
		blocks   int
	}{
		{"WRITE SECTORS", 0, 0x30, 5, 2, false, 2},
		{"WRITE SECTORS EXT", 0, 0x34, 40, 3, true, 3},
		{"WRITE MULTIPLE", 2, 0xC5, 20, 3, false, 2},
		{"WRITE MULTIPLE EXT", 2, 0x39, 50, 4, true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := pattern(64*512, 1)
			d, path := image(t, img, disk.Options{})
			r := newRig(t)
			r.c.Attach(0, 0, d, ide.HardDisk)
			if tc.multiple != 0 {
				r.out(0, rNsect, tc.multiple)
				r.out(0, rCommand, 0xC6)
				r.tick()
				r.wantStatus(0, sDRDY|sDSC)
			}
			data := pattern(tc.count*512, 0x80)
			setLBA(r, 0, tc.lba, tc.count, tc.ext)
			r.out(0, rCommand, tc.cmd)
			// The drive asks for the first block at once, without an interrupt.
			if got := r.alt(0); got != sDRDY|sDSC|sDRQ || r.irq(0).Level {
				t.Fatalf("after the command: alt status %#x, irq %v; want DRQ and no interrupt", got, r.irq(0).Level)
			}
			blk := tc.count
			if tc.cmd == 0x30 || tc.cmd == 0x34 {
				blk = 1
			} else if tc.multiple < blk {
				blk = tc.multiple
			}
			irqs := 0
			for off := 0; off < len(data); {
				n := min(blk*512, len(data)-off)
				r.writeWords(0, data[off:off+n])
				off += n
				if got := r.alt(0); got&sBSY == 0 {
					t.Fatalf("after a block: alt status %#x, want BSY", got)
				}
				r.tick()
				if r.irq(0).Level {
					irqs++
				}
				if off < len(data) {
					r.wantStatus(0, sDRDY|sDSC|sDRQ)
				} else {
					r.wantStatus(0, sDRDY|sDSC)
				}
			}
			if irqs != tc.blocks {
				t.Errorf("%d interrupts, want %d (one per block)", irqs, tc.blocks)
			}
			got := make([]byte, tc.count*512)
			if err := d.ReadSectors(tc.lba, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Error("the disk does not hold the written data")
			}
			if ch := d.Changed(); len(ch) != tc.count || ch[0] != tc.lba {
				t.Errorf("Changed() = %v, want %d sectors from %d", ch, tc.count, tc.lba)
			}
			// Writes stay in the overlay: the image file is untouched.
			if file, _ := os.ReadFile(path); !bytes.Equal(file, img) {
				t.Error("the image file changed")
			}
		})
	}
}

func TestNonDataCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		regs   [][2]int // register, value
		cmd    int
		status uint8
		err    uint8
		nsect  int // -1: do not check
	}{
		{"SET FEATURES UDMA5", [][2]int{{rFeature, 0x03}, {rNsect, 0x45}}, 0xEF, sDRDY | sDSC, 0, -1},
		{"SET FEATURES MWDMA9", [][2]int{{rFeature, 0x03}, {rNsect, 0x29}}, 0xEF, sDRDY | sDSC | sERR, eABRT, -1},
		{"SET FEATURES write cache", [][2]int{{rFeature, 0x02}}, 0xEF, sDRDY | sDSC, 0, -1},
		{"SET FEATURES unknown", [][2]int{{rFeature, 0x77}}, 0xEF, sDRDY | sDSC | sERR, eABRT, -1},
		{"FLUSH CACHE", nil, 0xE7, sDRDY | sDSC, 0, -1},
		{"FLUSH CACHE EXT", nil, 0xEA, sDRDY | sDSC, 0, -1},
		{"CHECK POWER MODE", [][2]int{{rNsect, 0}}, 0xE5, sDRDY | sDSC, 0, 0xFF},
		{"IDLE IMMEDIATE", nil, 0xE1, sDRDY | sDSC, 0, -1},
		{"STANDBY IMMEDIATE", nil, 0xE0, sDRDY | sDSC, 0, -1},
		{"READ VERIFY", [][2]int{{rNsect, 8}, {rLbal, 0}, {rDevice, 0xE0}}, 0x40, sDRDY | sDSC, 0, -1},
		{"READ VERIFY past the end", [][2]int{{rNsect, 8}, {rLbal, 0xFF}, {rLbam, 0xFF}, {rDevice, 0xE0}}, 0x40, sDRDY | sDSC | sERR, eIDNF, -1},
		{"SEEK", nil, 0x70, sDRDY | sDSC, 0, -1},
		{"RECALIBRATE", nil, 0x10, sDRDY | sDSC, 0, -1},
		{"INITIALIZE DEVICE PARAMETERS", [][2]int{{rNsect, 32}, {rDevice, 0xA7}}, 0x91, sDRDY | sDSC, 0, -1},
		{"EXECUTE DEVICE DIAGNOSTIC", nil, 0x90, sDRDY | sDSC, 0x01, 1},
		{"DEVICE RESET on a disk", nil, 0x08, sDRDY | sDSC | sERR, eABRT, -1},
		{"PACKET on a disk", nil, 0xA0, sDRDY | sDSC | sERR, eABRT, -1},
		{"unknown", nil, 0xFF, sDRDY | sDSC | sERR, eABRT, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.c.Attach(0, 0, disk.NewBlank(1<<20), ide.HardDisk)
			r.out(0, rDevice, 0xA0)
			for _, rv := range tc.regs {
				r.out(0, uint16(rv[0]), rv[1])
			}
			r.out(0, rCommand, tc.cmd)
			if r.irq(0).Level {
				t.Fatal("interrupt inside the command write")
			}
			if next := r.c.Tick(r.clock.T); next <= 0 || next > 1 {
				t.Errorf("Tick right after the command = %v ms, want a short wait", next)
			}
			if next := r.tick(); next < 1e6 {
				t.Errorf("Tick after completion = %v, want no deadline", next)
			}
			if !r.irq(0).Level {
				t.Fatal("no completion interrupt")
			}
			r.wantStatus(0, tc.status)
			if got := r.in(0, rError); got != tc.err {
				t.Errorf("error = %#x, want %#x", got, tc.err)
			}
			if got := r.in(0, rNsect); tc.nsect >= 0 && int(got) != tc.nsect {
				t.Errorf("sector count = %#x, want %#x", got, tc.nsect)
			}
		})
	}
}

func TestSetFeaturesShowsInIdentify(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.c.Attach(0, 0, disk.NewBlank(1<<20), ide.HardDisk)
	r.out(0, rFeature, 0x03)
	r.out(0, rNsect, 0x45) // UDMA mode 5
	r.out(0, rCommand, 0xEF)
	r.tick()
	r.wantStatus(0, sDRDY|sDSC)
	w := identifyWords(t, r, 0, 0xEC)
	if w[88]>>8 != 1<<5 || w[63]>>8 != 0 {
		t.Errorf("words 63/88 = %#x/%#x, want UDMA5 selected and no multiword mode", w[63], w[88])
	}
}

func TestNIEN(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.c.Attach(0, 0, disk.NewBlank(1<<20), ide.HardDisk)
	r.control(0, 0x02) // nIEN: the guest polls
	r.out(0, rDevice, 0xA0)
	r.out(0, rCommand, 0xE7)
	r.tick()
	if r.irq(0).Level || r.irq(0).Raises != 0 {
		t.Error("interrupt with nIEN set")
	}
	// Enabling the line again shows the pending interrupt.
	r.control(0, 0x00)
	if !r.irq(0).Level {
		t.Error("pending interrupt not shown after clearing nIEN")
	}
	r.wantStatus(0, sDRDY|sDSC)
	if r.irq(0).Level {
		t.Error("line still high after the status read")
	}
}
