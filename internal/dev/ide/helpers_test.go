package ide_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/disk"
)

// Register offsets and bits, as the ATA and ATAPI standards give them.
const (
	rData    = 0
	rError   = 1
	rFeature = 1
	rNsect   = 2
	rLbal    = 3
	rLbam    = 4
	rLbah    = 5
	rDevice  = 6
	rStatus  = 7
	rCommand = 7

	sERR  = 0x01
	sDRQ  = 0x08
	sDSC  = 0x10
	sDRDY = 0x40
	sBSY  = 0x80

	eABRT = 0x04
	eIDNF = 0x10

	bmBase = 0xC000
)

// port is one channel's register addresses and interrupt line.
type port struct {
	base, ctl uint16
	irq       *bustest.IRQ
}

// rig is a controller on a port bus with fake memory, clock and lines.
type rig struct {
	t     *testing.T
	c     *ide.Controller
	ports *bus.Ports
	mem   *bustest.Memory
	clock *bustest.Clock
	ch    [2]port
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, ports: bus.NewPorts(), mem: bustest.NewMemory(1 << 20), clock: &bustest.Clock{T: 100}}
	r.ch[0] = port{0x1F0, 0x3F6, &bustest.IRQ{}}
	r.ch[1] = port{0x170, 0x376, &bustest.IRQ{}}
	r.c = ide.New(r.mem, r.clock, r.ch[0].irq, r.ch[1].irq)
	if err := r.c.Register(r.ports); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) in(ch int, reg uint16) uint8   { return uint8(r.ports.Read(r.ch[ch].base+reg, 1)) }
func (r *rig) out(ch int, reg uint16, v int) { r.ports.Write(r.ch[ch].base+reg, 1, uint32(v)) }
func (r *rig) alt(ch int) uint8              { return uint8(r.ports.Read(r.ch[ch].ctl, 1)) }
func (r *rig) control(ch int, v int)         { r.ports.Write(r.ch[ch].ctl, 1, uint32(v)) }
func (r *rig) irq(ch int) *bustest.IRQ       { return r.ch[ch].irq }

// tick lets a millisecond of guest time pass.
func (r *rig) tick() float64 {
	r.clock.T++
	return r.c.Tick(r.clock.T)
}

// readWords reads n bytes from the data register, a word at a time.
func (r *rig) readWords(ch int, n int) []byte {
	b := make([]byte, 0, n)
	for len(b) < n {
		w := r.ports.Read(r.ch[ch].base+rData, 2)
		b = append(b, byte(w), byte(w>>8))
	}
	return b[:n]
}

// writeWords writes p to the data register a word at a time.
func (r *rig) writeWords(ch int, p []byte) {
	for i := 0; i < len(p); i += 2 {
		r.ports.Write(r.ch[ch].base+rData, 2, uint32(p[i])|uint32(p[i+1])<<8)
	}
}

// wantStatus reads the status register (acknowledging the interrupt).
func (r *rig) wantStatus(ch int, want uint8) {
	r.t.Helper()
	if got := r.in(ch, rStatus); got != want {
		r.t.Fatalf("channel %d status = %#02x, want %#02x", ch, got, want)
	}
}

// pattern returns n bytes that differ from sector to sector.
func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i/512)*13 + byte(i>>1) + seed
	}
	return p
}

// image writes data to a file and opens it as a disk.
func image(t *testing.T, data []byte, opts disk.Options) (*disk.Disk, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path
}

// mapBM programs BAR4 through the PCI function and returns the bus-master
// base of channel ch.
func (r *rig) mapBM(ch int) uint16 {
	f := r.c.PCI()
	f.ConfigWrite(0x20, 4, bmBase|1)
	f.ConfigWrite(0x04, 2, 0x0005) // I/O and bus master
	return bmBase + uint16(8*ch)
}

// prd is one entry of a PRD table.
type prd struct {
	addr  uint32
	count int // 65536 is written as 0
	eot   bool
}

// putPRDs writes a PRD table at addr.
func (r *rig) putPRDs(addr uint32, table []prd) {
	for i, e := range table {
		b := make([]byte, 8)
		b[0], b[1], b[2], b[3] = byte(e.addr), byte(e.addr>>8), byte(e.addr>>16), byte(e.addr>>24)
		b[4], b[5] = byte(e.count), byte(e.count>>8)
		if e.eot {
			b[7] = 0x80
		}
		copy(r.mem.RAM[int(addr)+8*i:], b)
	}
}
