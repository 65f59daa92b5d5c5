package ahci_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/ahci"
	"github.com/do86/do86/internal/disk"
)

// Register offsets and bits, as the AHCI 1.3 and ATA8-ACS specifications
// give them.
const (
	rCAP  = 0x00
	rGHC  = 0x04
	rIS   = 0x08
	rPI   = 0x0C
	rVS   = 0x10
	rCAP2 = 0x24
	rBOHC = 0x28

	pCLB  = 0x00
	pCLBU = 0x04
	pFB   = 0x08
	pIS   = 0x10
	pIE   = 0x14
	pCMD  = 0x18
	pTFD  = 0x20
	pSIG  = 0x24
	pSSTS = 0x28
	pSCTL = 0x2C
	pSERR = 0x30
	pSACT = 0x34
	pCI   = 0x38

	ghcHR = 1 << 0
	ghcIE = 1 << 1
	ghcAE = 1 << 31

	cmdST  = 1 << 0
	cmdSUD = 1 << 1
	cmdPOD = 1 << 2
	cmdCLO = 1 << 3
	cmdFRE = 1 << 4
	cmdFR  = 1 << 14
	cmdCR  = 1 << 15

	isDHRS = 1 << 0
	isPSS  = 1 << 1
	isSDBS = 1 << 3
	isDPS  = 1 << 5
	isTFES = 1 << 30

	// Guest memory layout of the tests' port structures.
	clbBase   = 0x10000 // + 0x400 * port
	fbBase    = 0x20000 // + 0x100 * port
	tableBase = 0x30000 // + 0x1000 * slot
	dataBase  = 0x80000

	abarBase = 0xFEBF0000

	// Disk size of the tests, in sectors.
	diskSectors = 2048
)

// rig is a controller on an MMIO bus with fake memory, clock and line, its
// ABAR mapped at abarBase and AHCI enabled.
type rig struct {
	t     *testing.T
	c     *ahci.Controller
	mmio  *bus.MMIO
	mem   *bustest.Memory
	clock *bustest.Clock
	irq   *bustest.IRQ
	disk  *disk.Disk
	image string // the image file behind disk
}

// newRig returns a six-port controller with a disk of diskSectors sectors
// (sector n filled by pattern) on port 0.
func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, mmio: &bus.MMIO{}, mem: bustest.NewMemory(1 << 20),
		clock: &bustest.Clock{T: 100}, irq: &bustest.IRQ{}}
	r.c = ahci.New(r.mem, r.mmio, r.clock, r.irq, 6)
	r.image = filepath.Join(t.TempDir(), "disk.img")
	img := make([]byte, diskSectors*disk.SectorSize)
	for i := range img {
		img[i] = pattern(i)
	}
	if err := os.WriteFile(r.image, img, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(r.image, disk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	r.disk = d
	r.c.Attach(0, d)
	// The firmware maps BAR5 and lets the function decode memory and
	// master the bus.
	fn := r.c.PCI()
	fn.ConfigWrite(0x24, 4, abarBase)
	fn.ConfigWrite(0x04, 2, 0x0006)
	r.w(rGHC, ghcAE)
	return r
}

// pattern is the image's byte at offset i.
func pattern(i int) byte { return byte(i*7 + i/512*13) }

func (r *rig) rd(off uint32) uint32   { return r.mmio.Read(abarBase+off, 4) }
func (r *rig) w(off uint32, v uint32) { r.mmio.Write(abarBase+off, 4, v) }
func (r *rig) prd(port int, reg uint32) uint32 {
	return r.rd(0x100 + 0x80*uint32(port) + reg)
}
func (r *rig) pw(port int, reg uint32, v uint32) { r.w(0x100+0x80*uint32(port)+reg, v) }

// expect fails the test when a register does not read want.
func (r *rig) expect(what string, got, want uint32) {
	r.t.Helper()
	if got != want {
		r.t.Errorf("%s = %#x, want %#x", what, got, want)
	}
}

// startPort does what a driver does to bring a port up: stop it, give it a
// command list and a received FIS area, clear errors and interrupts, start
// FIS reception, then the command list.
func (r *rig) startPort(port int) {
	r.t.Helper()
	r.pw(port, pCMD, 0)
	r.pw(port, pCLB, clbBase+0x400*uint32(port))
	r.pw(port, pFB, fbBase+0x100*uint32(port))
	r.pw(port, pSERR, 0xFFFFFFFF)
	r.pw(port, pIS, 0xFFFFFFFF)
	r.pw(port, pCMD, cmdFRE)
	r.pw(port, pCMD, cmdFRE|cmdST)
	if v := r.prd(port, pCMD); v&(cmdFR|cmdCR) != cmdFR|cmdCR {
		r.t.Fatalf("port %d PxCMD = %#x after start: FR and CR not running", port, v)
	}
}

// region is one PRD entry: a guest buffer and whether it interrupts.
type region struct {
	addr, n uint32
	intr    bool
}

// fis builds a register host-to-device FIS of a command.
func fis(cmd uint8, lba uint64, count uint16, feature uint16, device uint8) []byte {
	f := make([]byte, 20)
	f[0], f[1], f[2], f[3] = 0x27, 0x80, cmd, uint8(feature)
	f[4], f[5], f[6], f[7] = uint8(lba), uint8(lba>>8), uint8(lba>>16), device
	f[8], f[9], f[10], f[11] = uint8(lba>>24), uint8(lba>>32), uint8(lba>>40), uint8(feature>>8)
	f[12], f[13] = uint8(count), uint8(count>>8)
	return f
}

// build writes slot's command header and command table, without issuing it.
func (r *rig) build(port, slot int, f []byte, write bool, regions ...region) {
	table := uint32(tableBase + 0x1000*slot)
	flags := uint32(5) | uint32(len(regions))<<16
	if write {
		flags |= 1 << 6
	}
	hdr := make([]byte, 32)
	binary.LittleEndian.PutUint32(hdr[0:], flags)
	binary.LittleEndian.PutUint32(hdr[4:], 0xDEAD) // PRDBC, overwritten
	binary.LittleEndian.PutUint32(hdr[8:], table)
	r.mem.WritePhys(clbBase+0x400*uint32(port)+32*uint32(slot), hdr)
	t := make([]byte, 0x80+16*len(regions))
	copy(t, f)
	for i, g := range regions {
		e := t[0x80+16*i:]
		binary.LittleEndian.PutUint32(e[0:], g.addr)
		dbc := g.n - 1
		if g.intr {
			dbc |= 1 << 31
		}
		binary.LittleEndian.PutUint32(e[12:], dbc)
	}
	r.mem.WritePhys(table, t)
}

// issue builds and issues a command in slot.
func (r *rig) issue(port, slot int, f []byte, write bool, regions ...region) {
	r.build(port, slot, f, write, regions...)
	r.pw(port, pCI, 1<<slot)
}

// prdbc reads back slot's PRD byte count.
func (r *rig) prdbc(port, slot int) uint32 {
	return binary.LittleEndian.Uint32(r.mem.RAM[clbBase+0x400*port+32*slot+4:])
}

// rfis returns the received FIS area of port.
func (r *rig) rfis(port int) []byte {
	return r.mem.RAM[fbBase+0x100*port : fbBase+0x100*port+0x100]
}

// settle lets a millisecond of guest time pass.
func (r *rig) settle() float64 {
	r.clock.T++
	return r.c.Tick(r.clock.T)
}

// imageBytes returns sectors lba..lba+n-1 as the image file holds them.
func imageBytes(lba, n int) []byte {
	b := make([]byte, n*disk.SectorSize)
	for i := range b {
		b[i] = pattern(lba*disk.SectorSize + i)
	}
	return b
}
