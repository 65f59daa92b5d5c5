package fdc_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/fdc"
)

// Port offsets from fdc.BasePort.
const (
	pSRA  = 0
	pDOR  = 2
	pMSR  = 4 // DSR on writes
	pFIFO = 5
)

const (
	size720K = 737280
	size144M = 1474560
)

// fakeDMA is channel 2 of a DMA controller programmed for Count bytes at the
// start of Mem: it moves bytes until the count runs out, then reports the
// terminal count.
type fakeDMA struct {
	Mem   []byte
	Pos   int
	Count int
	Ch    []int // channels asked for
}

func (d *fakeDMA) program(n int) {
	d.Mem = make([]byte, n)
	d.Pos, d.Count = 0, n
}

func (d *fakeDMA) WriteMemory(ch int, p []byte) (int, bool) {
	d.Ch = append(d.Ch, ch)
	n := copy(d.Mem[d.Pos:d.Pos+min(len(p), d.Count)], p)
	d.Pos += n
	d.Count -= n
	return n, n > 0 && d.Count == 0
}

func (d *fakeDMA) ReadMemory(ch int, p []byte) (int, bool) {
	d.Ch = append(d.Ch, ch)
	n := copy(p, d.Mem[d.Pos:d.Pos+min(len(p), d.Count)])
	d.Pos += n
	d.Count -= n
	return n, n > 0 && d.Count == 0
}

// rig is a controller with its fakes.
type rig struct {
	t     *testing.T
	f     *fdc.FDC
	irq   *bustest.IRQ
	clock *bustest.Clock
	dma   *fakeDMA
	dir   bus.PortDevice
}

// newRig returns a controller out of reset, its reset interrupt and
// ready-change statuses taken, with no diskettes.
func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, irq: &bustest.IRQ{}, clock: &bustest.Clock{T: 100}, dma: &fakeDMA{}}
	r.f = fdc.New(r.irq, r.dma, r.clock)
	r.dir = r.f.DIRPort()
	r.out(pDOR, 0x1C) // motor A, DMA and interrupts, out of reset
	r.waitIRQ()
	for i := 0; i < 4; i++ {
		r.cmd(0x08)
		r.results(2)
	}
	return r
}

func (r *rig) in(off uint16) uint8     { return uint8(r.f.ReadPort(off, 1)) }
func (r *rig) out(off uint16, v uint8) { r.f.WritePort(off, 1, uint32(v)) }
func (r *rig) msr() uint8              { return r.in(pMSR) }

// insert puts an image into a drive.
func (r *rig) insert(drive int, img []byte, readOnly bool) {
	r.t.Helper()
	if err := r.f.Insert(drive, bytes.NewReader(img), int64(len(img)), readOnly); err != nil {
		r.t.Fatal(err)
	}
}

// cmd sends a command, each byte when MSR says the FIFO wants one.
func (r *rig) cmd(b ...uint8) {
	r.t.Helper()
	for i, v := range b {
		if m := r.msr(); m&0xC0 != 0x80 {
			r.t.Fatalf("command byte %d (%#02x): MSR %#02x, want RQM without DIO", i, v, m)
		}
		r.out(pFIFO, v)
	}
}

// results reads n result bytes, checking MSR before each and that the
// controller is idle after.
func (r *rig) results(n int) []uint8 {
	r.t.Helper()
	var res []uint8
	for i := 0; i < n; i++ {
		if m := r.msr(); m&0xD0 != 0xD0 {
			r.t.Fatalf("result byte %d: MSR %#02x, want RQM|DIO|CB", i, m)
		}
		res = append(res, r.in(pFIFO))
	}
	if m := r.msr(); m&0xF0 != 0x80 {
		r.t.Fatalf("after %d result bytes (%x): MSR %#02x, want 0x80", n, res, m)
	}
	return res
}

// waitIRQ lets virtual time pass until the controller interrupts.
func (r *rig) waitIRQ() {
	r.t.Helper()
	before := r.irq.Raises
	for i := 0; i < 10 && r.irq.Raises == before; i++ {
		d := r.f.Tick(r.clock.T)
		if d >= bus.NoDeadline {
			break
		}
		r.clock.T += d
		r.f.Tick(r.clock.T)
	}
	if r.irq.Raises == before || !r.irq.Level {
		r.t.Fatalf("no interrupt (raises %d, level %v, MSR %#02x)", r.irq.Raises, r.irq.Level, r.msr())
	}
}

// seek moves a drive's head and takes the seek-end status.
func (r *rig) seek(drive, head, cyl uint8) {
	r.t.Helper()
	r.cmd(0x0F, head<<2|drive, cyl)
	r.waitIRQ()
	r.cmd(0x08)
	if res := r.results(2); res[0] != 0x20|head<<2|drive || res[1] != cyl {
		r.t.Fatalf("seek to %d: sense interrupt %x", cyl, res)
	}
}

// lbaImage returns an image whose every sector holds its LBA in each of its
// 16-bit words.
func lbaImage(size int) []byte {
	img := make([]byte, size)
	for off := 0; off < size; off += 2 {
		binary.LittleEndian.PutUint16(img[off:], uint16(off/fdc.SectorSize))
	}
	return img
}

// sectorLBAs returns the LBA each 512-byte sector of p holds.
func sectorLBAs(p []byte) []int {
	var l []int
	for off := 0; off+fdc.SectorSize <= len(p); off += fdc.SectorSize {
		l = append(l, int(binary.LittleEndian.Uint16(p[off:])))
	}
	return l
}
