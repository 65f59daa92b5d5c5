package ahci

import (
	"github.com/do86/do86/internal/ata"
	"github.com/do86/do86/internal/disk"
)

// Port is one SATA port's registers and the state of the disk behind it.
type Port struct {
	c     *Controller
	index int
	disk  *disk.Disk
	buf   []byte // staging for disk transfers; not state

	PortState
}

// PortState is a port's registers and the disk's settings: all of its state
// but the disk.
type PortState struct {
	// The port registers, as the guest reads them (PxCMD without its
	// read-only ones).
	CLB, FB              uint32
	IS, IE, CMD          uint32
	TFD, SIG, SSTS, SCTL uint32
	SERR, SACT, CI       uint32
	// SigPending says the device's signature FIS of the last reset has not
	// yet reached the received FIS area (FIS receive was off).
	SigPending bool

	// ATA settings of the disk.
	Heads, SPT uint8 // CHS translation (INITIALIZE DEVICE PARAMETERS)
	Multiple   int   // sectors per block of READ/WRITE MULTIPLE; 0 = off
}

// present reports whether a disk is attached.
func (p *Port) present() bool { return p.disk != nil }

// powerOn puts the port in its power-on state: stopped, nothing enabled, the
// link up (or no device) and the device's signature in PxSIG and PxTFD.
func (p *Port) powerOn() {
	*p = Port{c: p.c, index: p.index, disk: p.disk, buf: p.buf}
	p.Heads, p.SPT = ata.DefaultHeads, ata.DefaultSPT
	p.linkUp()
}

// linkUp is the end of a COMRESET: with a device the link runs at 3 Gb/s
// and the device sends its signature; without one the port stays empty.
func (p *Port) linkUp() {
	if !p.present() {
		p.SSTS, p.TFD, p.SIG = 0, tfdNoDevice, sigNone
		p.SigPending = false
		return
	}
	p.SSTS = sstsIPMActive | sstsSPDGen2 | sstsDETPresent
	p.signature()
}

// signature is the device coming out of a reset: its first register FIS
// carries the ATA signature and the diagnostic code 1 (no error).
func (p *Port) signature() {
	p.Multiple = 0
	p.SIG = sigATA
	p.SigPending = true
	p.postSignature()
}

// postSignature writes the signature FIS to the received FIS area once FIS
// reception is on, and updates PxTFD from it. It asks for no interrupt.
func (p *Port) postSignature() {
	tf := taskfile{Count: 1, LBA: 1}
	p.TFD = 1<<8 | statReady
	if p.CMD&cmdFRE == 0 {
		return
	}
	p.SigPending = false
	p.writeRFIS(rfisRFIS, d2hFIS(&tf, statReady, 1, false))
}

// readReg reads the port register at off.
func (p *Port) readReg(off uint32) uint32 {
	switch off {
	case pxCLB:
		return p.CLB
	case pxFB:
		return p.FB
	case pxIS:
		return p.IS
	case pxIE:
		return p.IE
	case pxCMD:
		// Without staggered spin-up or cold presence detection, SUD
		// and POD read 1.
		return p.CMD | cmdSUD | cmdPOD
	case pxTFD:
		return p.TFD
	case pxSIG:
		return p.SIG
	case pxSSTS:
		return p.SSTS
	case pxSCTL:
		return p.SCTL
	case pxSERR:
		return p.SERR
	case pxSACT:
		return p.SACT
	case pxCI:
		return p.CI
	}
	// CLBU and FBU (no 64-bit addressing), SNTF, FBS, vendor registers.
	return 0
}

// writeReg writes the bits in mask of the port register at off.
func (p *Port) writeReg(off, v, mask uint32) {
	v &= mask
	switch off {
	case pxCLB:
		p.CLB = (p.CLB&^mask | v) &^ 0x3FF // 1 KiB aligned
	case pxFB:
		p.FB = (p.FB&^mask | v) &^ 0xFF // 256 bytes aligned
	case pxIS:
		// The guest acknowledges interrupt causes (write one to clear).
		p.IS &^= v
		p.c.updateIRQ()
	case pxIE:
		p.IE = (p.IE&^mask | v) & isWritable
		p.c.updateIRQ()
	case pxCMD:
		p.writeCMD(v, mask)
	case pxSCTL:
		p.writeSCTL(v, mask)
	case pxSERR:
		p.SERR &^= v
	case pxSACT:
		// The guest marks queued commands' tags before issuing them.
		if p.CMD&cmdST != 0 {
			p.SACT |= v
		}
	case pxCI:
		// The guest issues the commands in these slots.
		if p.CMD&cmdST != 0 {
			p.CI |= v
			p.runCommands()
		}
	}
}

// writeCMD serves PxCMD: starting and stopping the command list and FIS
// reception (their running bits follow at once), command list override.
func (p *Port) writeCMD(v, mask uint32) {
	cmd := p.CMD&^(mask&cmdWritable) | v&cmdWritable
	if cmd&cmdST != 0 {
		cmd |= cmdCR
	} else {
		// Stopping the list drops every command still issued.
		cmd &^= cmdCR | 0x1F<<cmdCCS
		p.CI, p.SACT = 0, 0
	}
	if cmd&cmdFRE != 0 {
		cmd |= cmdFR
	} else {
		cmd &^= cmdFR
	}
	p.CMD = cmd
	if v&cmdCLO != 0 {
		// The guest overrides a busy device to issue a reset.
		p.TFD &^= ata.StatBSY | ata.StatDRQ
	}
	if cmd&cmdFRE != 0 && p.SigPending {
		p.postSignature()
	}
}

// writeSCTL serves PxSCTL: DET=1 holds the interface in COMRESET, DET=0
// after it lets the link come up again, DET=4 takes the Phy offline.
func (p *Port) writeSCTL(v, mask uint32) {
	old := p.SCTL & 0xF
	p.SCTL = (p.SCTL&^mask | v) & 0xFFF
	switch p.SCTL & 0xF {
	case sctlDETComreset:
		p.SSTS, p.TFD = 0, tfdNoDevice
	case sctlDETDisable:
		p.SSTS, p.TFD = sstsDETOffline, tfdNoDevice
	case sctlDETNone:
		if old == sctlDETComreset || old == sctlDETDisable {
			p.linkUp()
		}
	}
}

// writeRFIS stores fis at off in the received FIS area, if FIS reception is
// on.
func (p *Port) writeRFIS(off uint32, fis []byte) {
	if p.CMD&cmdFRE == 0 {
		return
	}
	p.c.mem.WritePhys(p.FB+off, fis)
}
