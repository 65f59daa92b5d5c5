package fdc_test

import (
	"bytes"
	"slices"
	"testing"
)

func TestMSRPhases(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(0, lbaImage(size144M), false)
	r.dma.program(512)
	steps := []struct {
		name string
		do   func()
		want uint8
	}{
		{"idle", func() {}, 0x80},
		{"SEEK first byte", func() { r.out(pFIFO, 0x0F) }, 0x90},
		{"SEEK second byte", func() { r.out(pFIFO, 0x00) }, 0x90},
		{"seeking, controller free", func() { r.out(pFIFO, 4) }, 0x81},
		{"seek done", func() { r.waitIRQ() }, 0x80},
		{"SENSE INTERRUPT result", func() { r.out(pFIFO, 0x08) }, 0xD0},
		{"result half read", func() { r.in(pFIFO) }, 0xD0},
		{"result read", func() { r.in(pFIFO) }, 0x80},
		{"READ DATA parameters", func() {
			for _, b := range []uint8{0xE6, 0, 4, 0, 1, 2, 18, 0x1B} {
				r.out(pFIFO, b)
			}
		}, 0x90},
		{"READ DATA executing", func() { r.out(pFIFO, 0xFF) }, 0x10},
		{"READ DATA result", func() { r.waitIRQ() }, 0xD0},
		{"six result bytes read", func() {
			for i := 0; i < 6; i++ {
				r.in(pFIFO)
			}
		}, 0xD0},
		{"all read", func() { r.in(pFIFO) }, 0x80},
		{"held in reset", func() { r.out(pDOR, 0x00) }, 0x00},
		{"out of reset", func() { r.out(pDOR, 0x0C) }, 0x80},
	}
	for _, s := range steps {
		s.do()
		if got := r.msr(); got != s.want {
			t.Errorf("%s: MSR = %#02x, want %#02x", s.name, got, s.want)
		}
	}
	if got := sectorLBAs(r.dma.Mem); !slices.Equal(got, []int{4 * 36}) {
		t.Errorf("read sector %v, want [%d]", got, 4*36)
	}
}

// pioCmd issues a data command in non-DMA mode and waits for its first
// data byte.
func (r *rig) pioCmd(op, c, h, s, eot uint8) {
	r.t.Helper()
	r.cmd(0x03, 0xAF, 0x03) // SPECIFY with ND
	r.cmd(op, h<<2, c, h, s, 2, eot, 0x1B, 0xFF)
	r.waitIRQ()
}

func TestPIORead(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(0, lbaImage(size144M), false)
	r.pioCmd(0x46, 1, 1, 17, 18) // READ DATA, no MT: sectors 17 and 18 of cylinder 1 head 1
	var got []byte
	for i := 0; i < 1024; i++ {
		if m := r.msr(); m != 0xF0 {
			t.Fatalf("byte %d: MSR = %#02x, want 0xF0", i, m)
		}
		if !r.irq.Level {
			t.Fatalf("byte %d: no interrupt for it", i)
		}
		got = append(got, r.in(pFIFO))
	}
	if m := r.msr(); m != 0x10 {
		t.Errorf("after the data: MSR = %#02x, want 0x10", m)
	}
	if lbas := sectorLBAs(got); !slices.Equal(lbas, []int{54 + 16, 54 + 17}) {
		t.Errorf("sectors %v", lbas)
	}
	if r.dma.Pos != 0 {
		t.Error("non-DMA read used DMA")
	}
	r.waitIRQ()
	if res := r.results(7); !slices.Equal(res, []uint8{0x04, 0, 0, 2, 1, 1, 2}) {
		t.Errorf("result = %x", res)
	}
}

func TestPIOWrite(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(0, lbaImage(size144M), false)
	r.pioCmd(0x45, 0, 0, 18, 18) // WRITE DATA, sector 18 of cylinder 0
	data := bytes.Repeat([]byte{0x5A}, 512)
	for i, b := range data {
		if m := r.msr(); m != 0xB0 {
			t.Fatalf("byte %d: MSR = %#02x, want 0xB0", i, m)
		}
		r.out(pFIFO, b)
	}
	r.waitIRQ()
	if res := r.results(7); !slices.Equal(res, []uint8{0, 0, 0, 1, 0, 1, 2}) {
		t.Errorf("result = %x", res)
	}
	got := make([]byte, 512)
	r.f.Disk(0).ReadAt(got, 17*512)
	if !bytes.Equal(got, data) {
		t.Error("sector 18 not written")
	}
}

func TestFormatTrack(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	img := lbaImage(size720K)
	r.insert(0, img, false)
	r.dir.WritePort(0, 1, 2) // 250 kbps
	r.seek(0, 1, 2)
	// The guest formats cylinder 2, head 1: nine IDs, filler 0xF6.
	r.dma.program(9 * 4)
	for i := 0; i < 9; i++ {
		copy(r.dma.Mem[i*4:], []byte{2, 1, uint8(i + 1), 2})
	}
	r.cmd(0x4D, 0x04, 2, 9, 0x54, 0xF6)
	r.waitIRQ()
	if res := r.results(7); res[0] != 0x04 || res[1] != 0 || res[2] != 0 {
		t.Fatalf("FORMAT TRACK result = %x", res)
	}
	all, _ := r.f.Disk(0).Bytes()
	track := (2*2 + 1) * 9 * 512
	if !bytes.Equal(all[track:track+9*512], bytes.Repeat([]byte{0xF6}, 9*512)) {
		t.Error("track not filled")
	}
	if !bytes.Equal(all[:track], img[:track]) || !bytes.Equal(all[track+9*512:], img[track+9*512:]) {
		t.Error("format changed other tracks")
	}
}

func TestVerifyAndReadTrack(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(0, lbaImage(size144M), false)

	// VERIFY with EC: three sectors from sector 5, no data moved.
	r.dma.program(512)
	r.cmd(0xF6, 0x80, 0, 0, 5, 2, 18, 0x1B, 3)
	r.waitIRQ()
	if res := r.results(7); !slices.Equal(res, []uint8{0, 0, 0, 0, 0, 8, 2}) {
		t.Errorf("VERIFY result = %x", res)
	}
	if r.dma.Pos != 0 {
		t.Error("VERIFY moved data")
	}

	// READ TRACK: from the index hole, whatever sector the command names.
	res := r.rw(0x42, 0, 3, 1, 9, 18, 2*512)
	if got := sectorLBAs(r.dma.Mem); !slices.Equal(got, []int{126, 127}) {
		t.Errorf("READ TRACK sectors %v, want [126 127]", got)
	}
	if !slices.Equal(res, []uint8{0x04, 0, 0, 3, 1, 3, 2}) {
		t.Errorf("READ TRACK result = %x", res)
	}
}
