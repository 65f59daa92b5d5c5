// Package acpi emulates the PIIX4 power management function (00:01.3) that
// SeaBIOS builds its ACPI tables around: the PM I/O block (PM1 event and
// control registers, the 3.579545 MHz PM timer, the SCI on IRQ 9), the APM
// command/status ports 0xB2/0xB3, a device-less SMBus host, and the
// hot-plug and GPE0 ranges QEMU's firmware expects to read as zero.
//
// Just enough to boot SeaBIOS and ACPI guests and to let them power off: no
// SMM (no SMI is ever raised), no suspend states, no wake events, no real
// GPE or hot-plug events, no devices on the SMBus.
package acpi

import (
	"encoding/binary"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/pcicfg"
)

// Identity of the 82371AB power management function.
const (
	PMVendor   = 0x8086
	PMDevice   = 0x7113
	PMRevision = 0x03
)

// SCIIRQ is the ISA line of the SCI, as SeaBIOS's FADT and DSDT hard-code it.
const SCIIRQ = 9

// PIIX4 function 3 configuration registers.
const (
	RegPMBA      = 0x40 // PM I/O base, bits 15–6; bit 0 reads 1 (I/O space)
	RegDEVACTB   = 0x58 // device activity B (SeaBIOS keeps APMC_EN, bit 25, here)
	RegLPTEnable = 0x5F // bit 7: the parallel port decodes (the DSDT's LPEN)
	RegCOMEnable = 0x67 // bit 3: COM A decodes (CAEN), bit 7: COM B (CBEN)
	RegPMREGMISC = 0x80 // bit 0 PMIOSE: the PM I/O block decodes
	RegSMBBA     = 0x90 // SMBus I/O base, bits 15–4; bit 0 reads 1
	RegSMBHSTCFG = 0xD2 // bit 0 SMB_HST_EN: the SMBus host decodes
)

const (
	pmiose      = 1 << 0
	smbHstEn    = 1 << 0
	comAEnable  = 1 << 3
	comBEnable  = 0x90 // CBEN and COM B's range select, as QEMU sets it
	lptEnable   = 1 << 7
	pmIOSize    = 64
	smbusIOSize = 16
)

// Options are the board facts the PM function reports and the host's side of
// its events.
type Options struct {
	// PowerOff is called when the guest enters the soft-off state (S5,
	// SLP_TYP 0 — the value SeaBIOS's tables give \_S5 and its APM uses).
	PowerOff func()
	// COM1, COM2 and LPT say which legacy devices the DSDT reports present
	// (it reads them from this function's configuration space).
	COM1, COM2, LPT bool
}

// PM is the PIIX4 power management function. The machine adds it to the PCI
// bus at 00:01.3, hands its SCI the ISA line 9, registers APM() at 0xB2 for
// two ports, and calls Tick from the hardware-timer pass. The PM I/O block
// and the SMBus host put themselves on the port bus where the guest programs
// them (config 0x40 with 0x80 bit 0; 0x90 with 0xD2 bit 0).
type PM struct {
	pcicfg.Config

	// PM1 registers of the I/O block.
	Sts uint16 // PM1_STS (PMSTS)
	En  uint16 // PM1_EN (PMEN)
	Cnt uint16 // PM1_CNT (PMCNTRL)
	// Regs holds the rest of the I/O block (0x0C–0x3F: GPSTS, GPEN,
	// PCNTRL, GLBSTS, GLBCTL, ...), stored but without effect.
	Regs [pmIOSize]byte
	// TmrEpoch is the PM timer's tick count shifted right by 23 when last
	// looked at: a change of it is a flip of bit 23, TMROF_STS.
	TmrEpoch uint64
	// APMC is the last command the guest wrote to port 0xB2.
	APMC uint8
	// SMB is the SMBus host's register file.
	SMB [smbusIOSize]byte

	// Base and SMBBase are where the I/O block and the SMBus host are
	// registered, 0 while not decoded.
	Base, SMBBase uint16

	ports *bus.Ports
	clock bus.Clock
	sci   bus.IRQ
	opts  Options
	io    *pmIO
	smb   *smbus
}

// NewPM returns the function in its power-on state. Its I/O ranges appear on
// ports once the guest programs and enables them; clock drives the PM timer
// and sci is the level of ISA line 9.
func NewPM(ports *bus.Ports, clock bus.Clock, sci bus.IRQ, o Options) *PM {
	p := &PM{ports: ports, clock: clock, sci: sci, opts: o}
	p.io = &pmIO{p}
	p.smb = &smbus{p}
	p.Reset()
	return p
}

// Reset returns the function to its power-on state: I/O ranges unmapped,
// events cleared and disabled, SCI_EN set.
func (p *PM) Reset() {
	p.unmap()
	p.Config = pcicfg.Config{}
	p.Init(PMVendor, PMDevice, 0x06, 0x80, 0x00, PMRevision)
	p.Space[pcicfg.RegInterruptPin] = pcicfg.INTA // as on the PIIX4 (the DSDT maps it to the SCI link)
	p.Space[RegPMBA] = 0x01
	p.Writable[RegPMBA] = 0xC0
	p.Writable[RegPMBA+1] = 0xFF
	for r := 0x44; r < RegPMREGMISC; r++ { // device activity and resource registers
		p.Writable[r] = 0xFF
	}
	p.Writable[RegPMREGMISC] = pmiose
	p.Space[RegSMBBA] = 0x01
	p.Writable[RegSMBBA] = 0xF0
	p.Writable[RegSMBBA+1] = 0xFF
	p.Writable[RegSMBHSTCFG] = 0x0F
	// Reset values as QEMU's PIIX4 presents them, with the legacy devices
	// the DSDT looks for.
	p.Space[RegLPTEnable] = 0x10
	if p.opts.LPT {
		p.Space[RegLPTEnable] |= lptEnable
	}
	p.Space[0x63] = 0x60
	if p.opts.COM1 {
		p.Space[RegCOMEnable] |= comAEnable
	}
	if p.opts.COM2 {
		p.Space[RegCOMEnable] |= comBEnable
	}

	p.Sts, p.En, p.Cnt = 0, 0, SCI_EN
	p.Regs = [pmIOSize]byte{}
	p.SMB = [smbusIOSize]byte{}
	p.APMC = 0
	p.TmrEpoch = p.ticks(p.clock.Now()) >> 23
	p.updateSCI()
}

// ConfigWrite writes the function's space and moves its I/O ranges when the
// guest reprograms or enables them.
func (p *PM) ConfigWrite(reg uint8, size int, v uint32) {
	p.Config.ConfigWrite(reg, size, v)
	p.remap()
}

func (p *PM) remap() {
	var base, smb uint16
	if p.Space[RegPMREGMISC]&pmiose != 0 {
		base = uint16(binary.LittleEndian.Uint32(p.Space[RegPMBA:]) &^ (pmIOSize - 1))
	}
	if p.Space[RegSMBHSTCFG]&smbHstEn != 0 {
		smb = uint16(binary.LittleEndian.Uint32(p.Space[RegSMBBA:]) &^ (smbusIOSize - 1))
	}
	if base != p.Base {
		p.ports.Unregister(p.io)
		p.Base = 0
		// Base 0 would sit on the DMA controller: leave it unmapped. A
		// base that overlaps another device stays unmapped too.
		if base != 0 && p.ports.Register(base, pmIOSize, p.io, "acpi-pm") == nil {
			p.Base = base
		}
	}
	if smb != p.SMBBase {
		p.ports.Unregister(p.smb)
		p.SMBBase = 0
		if smb != 0 && p.ports.Register(smb, smbusIOSize, p.smb, "smbus") == nil {
			p.SMBBase = smb
		}
	}
}

// Remap registers the I/O ranges again where the configuration space puts
// them, for a machine that restored the function's state onto a fresh port
// bus.
func (p *PM) Remap() {
	p.unmap()
	p.remap()
}

func (p *PM) unmap() {
	if p.io == nil {
		return
	}
	p.ports.Unregister(p.io)
	p.ports.Unregister(p.smb)
	p.Base, p.SMBBase = 0, 0
}
