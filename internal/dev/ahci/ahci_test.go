package ahci_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/ahci"
	"github.com/do86/do86/internal/disk"
)

func TestPCIFunction(t *testing.T) {
	t.Parallel()
	c := ahci.New(bustest.NewMemory(4096), &bus.MMIO{}, &bustest.Clock{}, &bustest.IRQ{}, 6)
	fn := c.PCI()
	for _, tc := range []struct {
		name string
		reg  uint8
		size int
		want uint32
	}{
		{"vendor and device", 0x00, 4, 0x29228086},
		{"class, subclass, prog IF, revision", 0x08, 4, 0x01060102},
		{"interrupt pin INTA", 0x3D, 1, 1},
		{"BAR5 unprogrammed, 32-bit memory", 0x24, 4, 0},
		{"BAR4 not implemented", 0x20, 4, 0},
	} {
		if got := fn.ConfigRead(tc.reg, tc.size); got != tc.want {
			t.Errorf("%s: config %#x = %#x, want %#x", tc.name, tc.reg, got, tc.want)
		}
	}
	// The firmware sizes BAR5: 4 KiB of memory.
	fn.ConfigWrite(0x24, 4, 0xFFFFFFFF)
	if got := fn.ConfigRead(0x24, 4); got != 0xFFFFF000 {
		t.Errorf("BAR5 size probe reads %#x, want 0xFFFFF000", got)
	}
}

func TestABARFollowsBAR5(t *testing.T) {
	t.Parallel()
	mmio := &bus.MMIO{}
	c := ahci.New(bustest.NewMemory(4096), mmio, &bustest.Clock{}, &bustest.IRQ{}, 6)
	fn := c.PCI()
	if got := mmio.Read(abarBase+rVS, 4); got != 0xFFFFFFFF {
		t.Fatalf("ABAR decoded before BAR5 is programmed: VS = %#x", got)
	}
	fn.ConfigWrite(0x24, 4, abarBase)
	if got := mmio.Read(abarBase+rVS, 4); got != 0x00010000 {
		t.Errorf("VS at the programmed base = %#x, want 0x00010000", got)
	}
	// A size probe and the restore of the old base do not move it.
	fn.ConfigWrite(0x24, 4, 0xFFFFFFFF)
	fn.ConfigWrite(0x24, 4, abarBase)
	if got := mmio.Read(abarBase+rVS, 4); got != 0x00010000 {
		t.Errorf("VS after a size probe = %#x", got)
	}
	// The guest moves the BAR.
	fn.ConfigWrite(0x24, 4, 0xE0001000)
	if got := mmio.Read(abarBase+rVS, 4); got != 0xFFFFFFFF {
		t.Errorf("old base still decodes after the move: %#x", got)
	}
	if got := mmio.Read(0xE0001000+rVS, 4); got != 0x00010000 {
		t.Errorf("VS at the new base = %#x", got)
	}
	// A machine reset unprograms the BAR.
	c.Reset()
	if got := mmio.Read(0xE0001000+rVS, 4); got != 0xFFFFFFFF {
		t.Errorf("ABAR decodes after reset: %#x", got)
	}
	if got := fn.ConfigRead(0x24, 4); got != 0 {
		t.Errorf("BAR5 after reset = %#x", got)
	}
}

func TestGenericHostControl(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ports      int
		cap, pi    uint32
		lastPortOK bool
	}{
		// NP = ports-1, 32 slots, NCQ, CLO, 3 Gb/s, AHCI only; no 64-bit.
		{6, 0x40000000 | 0x01000000 | 2<<20 | 1<<18 | 31<<8 | 5, 0x3F, true},
		{1, 0x40000000 | 0x01000000 | 2<<20 | 1<<18 | 31<<8 | 0, 0x01, true},
		{9, 0x40000000 | 0x01000000 | 2<<20 | 1<<18 | 31<<8 | 5, 0x3F, true}, // clamped to six
	} {
		mmio := &bus.MMIO{}
		c := ahci.New(bustest.NewMemory(4096), mmio, &bustest.Clock{}, &bustest.IRQ{}, tc.ports)
		c.PCI().ConfigWrite(0x24, 4, abarBase)
		for _, reg := range []struct {
			name string
			off  uint32
			want uint32
		}{
			{"CAP", rCAP, tc.cap},
			{"PI", rPI, tc.pi},
			{"GHC (AE fixed on)", rGHC, ghcAE},
			{"VS", rVS, 0x00010000},
			{"IS", rIS, 0},
			{"CCC_CTL", 0x14, 0},
			{"CAP2", rCAP2, 0},
			{"BOHC", rBOHC, 0},
			{"a port past PI", 0x100 + 0x80*6 + pSSTS, 0},
		} {
			if got := mmio.Read(abarBase+reg.off, 4); got != reg.want {
				t.Errorf("%d ports: %s = %#x, want %#x", tc.ports, reg.name, got, reg.want)
			}
		}
		// Narrow reads see the register's bytes.
		if got := mmio.Read(abarBase+rVS+2, 2); got != 1 {
			t.Errorf("%d ports: VS major version word = %#x", tc.ports, got)
		}
		// Clearing AE has no effect: the HBA is AHCI-only.
		mmio.Write(abarBase+rGHC, 4, ghcIE)
		if got := mmio.Read(abarBase+rGHC, 4); got != ghcAE|ghcIE {
			t.Errorf("%d ports: GHC after writing IE alone = %#x", tc.ports, got)
		}
	}
}

func TestPortDetection(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, tc := range []struct {
		port           int
		ssts, sig, tfd uint32
	}{
		// A disk: link up at 3 Gb/s, active, ATA signature, ready.
		{0, 0x123, 0x00000101, 0x0150},
		// Nothing attached: no device detected.
		{1, 0, 0xFFFFFFFF, 0x7F},
		{5, 0, 0xFFFFFFFF, 0x7F},
	} {
		r.expect("PxSSTS", r.prd(tc.port, pSSTS), tc.ssts)
		r.expect("PxSIG", r.prd(tc.port, pSIG), tc.sig)
		r.expect("PxTFD", r.prd(tc.port, pTFD), tc.tfd)
		// No staggered spin-up or cold presence: SUD and POD read 1.
		r.expect("PxCMD", r.prd(tc.port, pCMD), cmdSUD|cmdPOD)
	}
}

func TestStartStop(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.pw(0, pCLB, clbBase+0x3FF) // low bits reserved
	r.expect("PxCLB", r.prd(0, pCLB), clbBase)
	r.pw(0, pCLBU, 0x12345678) // no 64-bit addressing
	r.expect("PxCLBU", r.prd(0, pCLBU), 0)
	r.pw(0, pFB, fbBase+0xFF)
	r.expect("PxFB", r.prd(0, pFB), fbBase)

	// Commands issued before the list runs are ignored.
	r.build(0, 0, fis(0xEC, 0, 0, 0, 0), false, region{dataBase, 512, false})
	r.pw(0, pCI, 1)
	r.expect("PxCI with ST clear", r.prd(0, pCI), 0)

	r.pw(0, pCMD, cmdFRE)
	r.expect("PxCMD with FRE", r.prd(0, pCMD), cmdSUD|cmdPOD|cmdFRE|cmdFR)
	r.pw(0, pCMD, cmdFRE|cmdST)
	r.expect("PxCMD with ST", r.prd(0, pCMD), cmdSUD|cmdPOD|cmdFRE|cmdFR|cmdST|cmdCR)
	r.pw(0, pCMD, 0)
	r.expect("PxCMD stopped", r.prd(0, pCMD), cmdSUD|cmdPOD)

	// A port without a device leaves issued commands outstanding, and
	// stopping it drops them.
	r.startPort(1)
	r.issue(1, 2, fis(0xEC, 0, 0, 0, 0), false, region{dataBase, 512, false})
	r.expect("PxCI, no device", r.prd(1, pCI), 1<<2)
	r.pw(1, pCMD, cmdFRE)
	r.expect("PxCI after stop", r.prd(1, pCI), 0)
}

func TestCommandListOverride(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	// A software reset leaves the device busy until SRST is released.
	r.issue(0, 0, []byte{0x27, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04}, false)
	r.expect("PxTFD during SRST", r.prd(0, pTFD)&0xFF, 0x80)
	r.pw(0, pCMD, cmdFRE|cmdST|cmdCLO)
	r.expect("PxTFD after CLO", r.prd(0, pTFD)&0x88, 0)
	r.expect("PxCMD after CLO (self-clearing)", r.prd(0, pCMD)&cmdCLO, 0)
}

func TestSoftwareReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	clear(r.rfis(0))
	r.issue(0, 0, []byte{0x27, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04}, false)
	r.expect("PxCI after SRST=1", r.prd(0, pCI), 0)
	r.expect("PxTFD after SRST=1", r.prd(0, pTFD)&0xFF, 0x80)
	r.issue(0, 1, []byte{0x27, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00}, false)
	r.expect("PxCI after SRST=0", r.prd(0, pCI), 0)
	r.expect("PxTFD after SRST=0", r.prd(0, pTFD), 0x150)
	r.expect("PxSIG", r.prd(0, pSIG), 0x101)
	f := r.rfis(0)[0x40:]
	if f[0] != 0x34 || f[2] != 0x50 || f[12] != 1 || f[4] != 1 || f[5] != 0 || f[6] != 0 {
		t.Errorf("signature FIS % x", f[:16])
	}
}

func TestCOMRESET(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	r.pw(0, pCMD, cmdFRE) // the guest stops the list, keeps FIS reception
	clear(r.rfis(0))
	r.pw(0, pSCTL, 0x301) // DET=1: COMRESET, partial/slumber disabled
	r.expect("PxSSTS in COMRESET", r.prd(0, pSSTS)&0xF, 0)
	r.expect("PxTFD in COMRESET", r.prd(0, pTFD), 0x7F)
	r.expect("PxSCTL", r.prd(0, pSCTL), 0x301)
	r.pw(0, pSCTL, 0x300) // DET=0: let the link come up
	r.expect("PxSSTS after COMRESET", r.prd(0, pSSTS), 0x123)
	r.expect("PxTFD after COMRESET", r.prd(0, pTFD), 0x150)
	r.expect("PxSIG after COMRESET", r.prd(0, pSIG), 0x101)
	f := r.rfis(0)[0x40:]
	if f[0] != 0x34 || f[2] != 0x50 || f[3] != 0x01 || f[12] != 1 || f[4] != 1 {
		t.Errorf("signature FIS after COMRESET: % x", f[:16])
	}

	// With FIS reception off the signature waits until it is turned on.
	r.pw(0, pCMD, 0)
	clear(r.rfis(0))
	r.pw(0, pSCTL, 1)
	r.pw(0, pSCTL, 0)
	if f[0] != 0 {
		t.Errorf("signature FIS written with FRE off")
	}
	r.pw(0, pCMD, cmdFRE)
	if f[0] != 0x34 || f[4] != 1 {
		t.Errorf("signature FIS not delivered once FRE is on: % x", f[:16])
	}

	// DET=4 takes the Phy offline.
	r.pw(0, pSCTL, 4)
	r.expect("PxSSTS offline", r.prd(0, pSSTS)&0xF, 4)
	r.pw(0, pSCTL, 0)
	r.expect("PxSSTS back online", r.prd(0, pSSTS), 0x123)

	// An empty port stays empty.
	r.pw(1, pSCTL, 1)
	r.pw(1, pSCTL, 0)
	r.expect("empty port PxSSTS", r.prd(1, pSSTS), 0)
	r.expect("empty port PxSIG", r.prd(1, pSIG), 0xFFFFFFFF)
}

func TestHBAReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	r.w(rGHC, ghcAE|ghcIE)
	r.pw(0, pIE, 0xFFFFFFFF)
	r.pw(0, pSCTL, 0x300)
	r.issue(0, 0, fis(0x00, 0, 0, 0, 0), false) // NOP aborts: a task file error
	r.settle()
	if !r.irq.Level {
		t.Fatal("no interrupt before the reset")
	}
	r.w(rGHC, ghcAE|ghcHR)
	r.expect("GHC after HR", r.rd(rGHC), ghcAE)
	r.expect("IS after HR", r.rd(rIS), 0)
	r.expect("PxIS after HR", r.prd(0, pIS), 0)
	r.expect("PxIE after HR", r.prd(0, pIE), 0)
	r.expect("PxCMD after HR", r.prd(0, pCMD), cmdSUD|cmdPOD)
	r.expect("PxSCTL after HR", r.prd(0, pSCTL), 0)
	r.expect("PxTFD after HR", r.prd(0, pTFD), 0x150)
	r.expect("PxSSTS after HR", r.prd(0, pSSTS), 0x123)
	// The command list and FIS addresses survive.
	r.expect("PxCLB after HR", r.prd(0, pCLB), clbBase)
	r.expect("PxFB after HR", r.prd(0, pFB), fbBase)
	if r.irq.Level {
		t.Error("line still high after HR")
	}
}

func TestWriteOneToClear(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.startPort(0)
	r.pw(0, pSCTL, 0)
	r.issue(0, 0, fis(0x00, 0, 0, 0, 0), false) // aborts: DHRS and TFES
	want := uint32(isDHRS | isTFES)
	r.expect("PxIS", r.prd(0, pIS), want)
	r.pw(0, pIS, 0) // writing zeros changes nothing
	r.expect("PxIS after writing 0", r.prd(0, pIS), want)
	r.mmio.Write(abarBase+0x100+pIS+3, 1, 0x40) // a byte write clears TFES alone
	r.expect("PxIS after clearing TFES", r.prd(0, pIS), isDHRS)
	r.pw(0, pIS, 0xFFFFFFFF)
	r.expect("PxIS after clearing all", r.prd(0, pIS), 0)

	// PxSERR is write-one-to-clear too; the guest writes back what it read.
	r.pw(0, pSERR, r.prd(0, pSERR))
	r.expect("PxSERR", r.prd(0, pSERR), 0)
}

func TestAttachDetach(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.c.Attach(3, disk.NewBlank(1<<20))
	r.expect("PxSSTS of port 3", r.prd(3, pSSTS), 0x123)
	r.c.Attach(3, nil)
	r.expect("PxSSTS of port 3 after detach", r.prd(3, pSSTS), 0)
}
