package fdc_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/do86/do86/internal/dev/fdc"
)

// rw issues a 9-byte data command with DMA programmed for count bytes, waits
// for its interrupt and returns its 7 result bytes.
func (r *rig) rw(op, drive, c, h, s, eot uint8, count int) []uint8 {
	r.t.Helper()
	if r.dma.Mem == nil || len(r.dma.Mem) != count {
		r.dma.program(count)
	} else {
		r.dma.Pos, r.dma.Count = 0, count
	}
	r.cmd(op, h<<2|drive, c, h, s, 2, eot, 0x1B, 0xFF)
	if m := r.msr(); m != 0x10 {
		r.t.Errorf("MSR in execution = %#02x, want 0x10 (CB)", m)
	}
	r.waitIRQ()
	res := r.results(7)
	if r.irq.Level {
		r.t.Error("line still raised after the result phase")
	}
	return res
}

func TestReadData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		size       int
		rate       uint8
		op         uint8 // 0xE6 = MT MFM SK READ DATA, 0x66 without MT
		c, h, s    uint8
		eot        uint8
		count      int
		wantLBAs   []int
		wantResult []uint8
	}{
		{"1.44M first sector", size144M, 0, 0x66, 0, 0, 1, 18, 512,
			[]int{0}, []uint8{0x00, 0, 0, 0, 0, 2, 2}},
		{"1.44M cylinder 5 head 1", size144M, 0, 0xE6, 5, 1, 3, 3, 512,
			[]int{(5*2+1)*18 + 2}, []uint8{0x04, 0, 0, 6, 0, 1, 2}},
		{"1.44M two sectors to EOT", size144M, 0, 0x66, 2, 0, 17, 18, 1024,
			[]int{72 + 16, 72 + 17}, []uint8{0x00, 0, 0, 3, 0, 1, 2}},
		{"1.44M terminal count mid-track", size144M, 0, 0x66, 0, 0, 1, 18, 3 * 512,
			[]int{0, 1, 2}, []uint8{0x00, 0, 0, 0, 0, 4, 2}},
		{"1.44M multi-track across heads", size144M, 0, 0xE6, 1, 0, 17, 18, 4 * 512,
			[]int{36 + 16, 36 + 17, 54, 55}, []uint8{0x04, 0, 0, 1, 1, 3, 2}},
		{"1.44M multi-track ends at head 0's EOT", size144M, 0, 0xE6, 1, 0, 18, 18, 512,
			[]int{36 + 17}, []uint8{0x00, 0, 0, 1, 1, 1, 2}},
		{"1.44M multi-track ends at head 1's EOT", size144M, 0, 0xE6, 1, 1, 18, 18, 512,
			[]int{54 + 17}, []uint8{0x04, 0, 0, 2, 0, 1, 2}},
		{"1.44M whole cylinder", size144M, 0, 0xE6, 79, 0, 1, 18, 36 * 512,
			seq(79*36, 36), []uint8{0x04, 0, 0, 80, 0, 1, 2}},
		{"1.44M past EOT without terminal count", size144M, 0, 0x66, 0, 1, 17, 18, 4 * 512,
			[]int{34, 35}, []uint8{0x04, 0, 0, 1, 1, 1, 2}},
		{"720K last sector", size720K, 2, 0xE6, 79, 1, 9, 9, 512,
			[]int{1439}, []uint8{0x04, 0, 0, 80, 0, 1, 2}},
		{"720K multi-track", size720K, 2, 0xE6, 3, 0, 8, 9, 3 * 512,
			[]int{54 + 7, 54 + 8, 63}, []uint8{0x04, 0, 0, 3, 1, 2, 2}},
		{"720K at 500 kbps", size720K, 0, 0xE6, 0, 0, 1, 9, 512,
			nil, []uint8{0x40, 0x01, 0, 0, 0, 1, 2}},
		{"1.44M at 250 kbps", size144M, 2, 0xE6, 0, 0, 1, 18, 512,
			nil, []uint8{0x40, 0x01, 0, 0, 0, 1, 2}},
		{"1.44M sector 19", size144M, 0, 0x66, 0, 0, 19, 19, 512,
			nil, []uint8{0x40, 0x04, 0, 0, 0, 19, 2}},
		{"1.44M cylinder 80", size144M, 0, 0x66, 80, 0, 1, 18, 512,
			nil, []uint8{0x40, 0x01, 0, 80, 0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.insert(0, lbaImage(tt.size), false)
			r.dir.WritePort(0, 1, uint32(tt.rate))
			got := r.rw(tt.op, 0, tt.c, tt.h, tt.s, tt.eot, tt.count)
			if !slices.Equal(got, tt.wantResult) {
				t.Errorf("result = %x, want %x", got, tt.wantResult)
			}
			moved := r.dma.Mem[:r.dma.Pos]
			if lbas := sectorLBAs(moved); !slices.Equal(lbas, tt.wantLBAs) || len(moved)%512 != 0 {
				t.Errorf("DMA got sectors %v (%d bytes), want %v", lbas, len(moved), tt.wantLBAs)
			}
			if len(r.dma.Ch) > 0 && r.dma.Ch[0] != fdc.DMAChannel {
				t.Errorf("DMA channel %d", r.dma.Ch[0])
			}
		})
	}
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}

func TestDMAOverrun(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(0, lbaImage(size144M), false)
	r.dma.program(0) // channel masked: nothing moves
	r.cmd(0xE6, 0, 0, 0, 1, 2, 18, 0x1B, 0xFF)
	r.waitIRQ()
	if got := r.results(7); got[0] != 0x40 || got[1] != 0x10 {
		t.Errorf("result = %x, want ST0 40 ST1 10 (overrun)", got)
	}
}

func TestWriteData(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	img := lbaImage(size144M)
	orig := bytes.Clone(img)
	r.insert(0, img, false)

	// The guest writes cylinder 2, head 1, sectors 4 and 5 (LBAs 93 and 94).
	r.dma.program(1024)
	for i := range r.dma.Mem {
		r.dma.Mem[i] = 0xA5 ^ byte(i>>9)
	}
	data := bytes.Clone(r.dma.Mem)
	res := r.rw(0xC5, 0, 2, 1, 4, 18, 1024)
	if want := []uint8{0x04, 0, 0, 2, 1, 6, 2}; !slices.Equal(res, want) {
		t.Fatalf("WRITE DATA result = %x, want %x", res, want)
	}
	if !bytes.Equal(img, orig) {
		t.Fatal("the image's bytes changed")
	}
	d := r.f.Disk(0)
	if len(d.Overlay) != 2 {
		t.Errorf("overlay has %d sectors, want 2", len(d.Overlay))
	}
	got := make([]byte, 1024)
	if _, err := d.ReadAt(got, 93*512); err != nil || !bytes.Equal(got, data) {
		t.Errorf("ReadAt of written sectors: %v, equal %v", err, bytes.Equal(got, data))
	}
	all, err := d.Bytes()
	if err != nil || len(all) != size144M {
		t.Fatalf("Bytes: %d bytes, %v", len(all), err)
	}
	if !bytes.Equal(all[:93*512], orig[:93*512]) || !bytes.Equal(all[95*512:], orig[95*512:]) {
		t.Error("Bytes changed sectors the guest did not write")
	}

	// Reading them back gives the guest's data.
	r.dma.program(1024)
	r.rw(0xE6, 0, 2, 1, 4, 5, 1024)
	if !bytes.Equal(r.dma.Mem, data) {
		t.Error("READ DATA after WRITE DATA did not return the written data")
	}
}

func TestWriteProtected(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	img := lbaImage(size144M)
	r.insert(0, img, true)
	r.dma.program(512)
	res := r.rw(0xC5, 0, 0, 0, 1, 1, 512)
	if res[0] != 0x40 || res[1] != 0x02 {
		t.Errorf("result = %x, want ST0 40 ST1 02 (not writable)", res)
	}
	if len(r.f.Disk(0).Overlay) != 0 {
		t.Error("a write-protected diskette took a write")
	}
}

func TestReadID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		size  int
		rate  uint8
		setBy string // "CCR" or "DSR"
		ok    bool
	}{
		{"1.44M at 500K", size144M, 0, "CCR", true},
		{"1.44M at 250K", size144M, 2, "CCR", false},
		{"1.44M at 1M", size144M, 3, "DSR", false},
		{"720K at 250K", size720K, 2, "DSR", true},
		{"720K at 500K", size720K, 0, "CCR", false},
		{"720K at 300K", size720K, 1, "CCR", false},
		{"360K at 300K", 368640, 1, "CCR", true},
		{"360K at 250K", 368640, 2, "CCR", true},
		{"1.2M at 500K", 1228800, 0, "CCR", true},
		{"2.88M at 1M", 2949120, 3, "CCR", true},
		{"2.88M at 500K", 2949120, 0, "DSR", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.insert(0, lbaImage(tt.size), false)
			r.seek(0, 0, 3)
			if tt.setBy == "CCR" {
				r.dir.WritePort(0, 1, uint32(tt.rate))
			} else {
				r.out(pMSR, tt.rate)
			}
			r.cmd(0x4A, 0x00)
			if m := r.msr(); m != 0x10 {
				t.Errorf("MSR in execution = %#02x", m)
			}
			r.waitIRQ()
			res := r.results(7)
			if tt.ok {
				if res[0] != 0 || res[1] != 0 || res[3] != 3 || res[4] != 0 || res[5] < 1 || res[6] != 2 {
					t.Errorf("READ ID = %x, want success on cylinder 3", res)
				}
			} else if res[0]&0xC0 != 0x40 || res[1]&0x01 == 0 {
				t.Errorf("READ ID = %x, want abnormal termination, missing address mark", res)
			}
		})
	}
}

func TestReadIDEmptyDrive(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.cmd(0x4A, 0x01)
	r.waitIRQ()
	if res := r.results(7); res[0] != 0x41 || res[1] != 0x01 {
		t.Errorf("READ ID of empty drive B = %x, want 41 01 ...", res)
	}
}

func TestShortImage(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	img := lbaImage(20 * 512)
	r.insert(0, img, false)
	if got := r.f.DriveType(0); got != 4 {
		t.Errorf("drive type of a shortened image = %d, want 4 (1.44M)", got)
	}
	// Cylinder 0, head 1, sectors 1-4: LBAs 18-21, the last two past the end.
	r.dma.program(4 * 512)
	res := r.rw(0xE6, 0, 0, 1, 1, 18, 4*512)
	if res[0] != 0x04 || res[1] != 0 {
		t.Fatalf("result = %x", res)
	}
	if got := sectorLBAs(r.dma.Mem[:1024]); !slices.Equal(got, []int{18, 19}) {
		t.Errorf("sectors inside the image = %v", got)
	}
	if !bytes.Equal(r.dma.Mem[1024:], make([]byte, 1024)) {
		t.Error("sectors past the image's end are not zeros")
	}
	all, err := r.f.Disk(0).Bytes()
	if err != nil || len(all) != size144M || !bytes.Equal(all[:len(img)], img) {
		t.Errorf("Bytes: %d bytes, %v", len(all), err)
	}
}

func TestInsertSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size int64
		ok   bool
		cmos uint8
	}{
		{163840, true, 1},
		{184320, true, 1},
		{327680, true, 1},
		{368640, true, 1},
		{737280, true, 3},
		{1228800, true, 2},
		{1474560, true, 4},
		{1720320, true, 4},
		{2949120, true, 5},
		{10240, true, 4},
		{1474560 + 512, true, 5},
		{1000, false, 0},
		{0, false, 0},
		{1474560 + 1, false, 0},
		{2949120 + 512, false, 0},
	}
	for _, tt := range tests {
		r := newRig(t)
		err := r.f.Insert(1, bytes.NewReader(nil), tt.size, false)
		if (err == nil) != tt.ok {
			t.Errorf("Insert of %d bytes: %v, want ok %v", tt.size, err, tt.ok)
			continue
		}
		if got := r.f.DriveType(1); got != tt.cmos {
			t.Errorf("DriveType for %d bytes = %d, want %d", tt.size, got, tt.cmos)
		}
		if tt.ok {
			if got := r.f.CMOSDriveTypes(); got != tt.cmos {
				t.Errorf("CMOSDriveTypes = %#02x, want %#02x", got, tt.cmos)
			}
		}
	}
	r := newRig(t)
	if err := r.f.Insert(2, bytes.NewReader(nil), size144M, false); err == nil {
		t.Error("Insert into drive 2 succeeded")
	}
}
