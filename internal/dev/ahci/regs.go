package ahci

import "github.com/do86/do86/internal/ata"

// Generic host control registers, offsets into the ABAR (AHCI 1.3 §3.1).
const (
	regCAP     = 0x00 // host capabilities
	regGHC     = 0x04 // global host control
	regIS      = 0x08 // interrupt status, one bit per port
	regPI      = 0x0C // ports implemented
	regVS      = 0x10 // version
	regCCCCTL  = 0x14 // command completion coalescing control
	regCCCPort = 0x18 // command completion coalescing ports
	regEMLoc   = 0x1C // enclosure management location
	regEMCtl   = 0x20 // enclosure management control
	regCAP2    = 0x24 // host capabilities extended
	regBOHC    = 0x28 // BIOS/OS handoff control and status

	portBase = 0x100 // port 0's registers
	portLen  = 0x80  // registers per port
)

// CAP bits and fields.
const (
	capS64A  = 1 << 31 // 64-bit addressing
	capSNCQ  = 1 << 30 // native command queuing
	capSSS   = 1 << 27 // staggered spin-up
	capSCLO  = 1 << 24 // command list override
	capISS   = 20      // shift of the interface speed support field
	capSAM   = 1 << 18 // AHCI mode only
	capPMD   = 1 << 15 // PIO multiple DRQ block
	capNCS   = 8       // shift of the number of command slots (minus one)
	capNP    = 0       // shift of the number of ports (minus one)
	issGen2  = 2       // 3 Gb/s, the ICH9's SATA generation
	numSlots = 32
)

// GHC bits.
const (
	ghcHR = 1 << 0  // HBA reset
	ghcIE = 1 << 1  // interrupt enable
	ghcAE = 1 << 31 // AHCI enable
)

// vs10 is VS for AHCI 1.0: CAP2 and BOHC are then reserved and read 0, so no
// guest looks for a BIOS/OS handoff.
const vs10 = 0x00010000

// Port registers, offsets into a port's 0x80 bytes (AHCI 1.3 §3.3).
const (
	pxCLB  = 0x00 // command list base address
	pxCLBU = 0x04 // command list base address, upper 32 bits
	pxFB   = 0x08 // FIS base address
	pxFBU  = 0x0C // FIS base address, upper 32 bits
	pxIS   = 0x10 // interrupt status
	pxIE   = 0x14 // interrupt enable
	pxCMD  = 0x18 // command and status
	pxTFD  = 0x20 // task file data
	pxSIG  = 0x24 // signature
	pxSSTS = 0x28 // SATA status (SCR0: SStatus)
	pxSCTL = 0x2C // SATA control (SCR2: SControl)
	pxSERR = 0x30 // SATA error (SCR1: SError)
	pxSACT = 0x34 // SATA active (SCR3: SActive)
	pxCI   = 0x38 // command issue
	pxSNTF = 0x3C // SATA notification (SCR4)
	pxFBS  = 0x40 // FIS-based switching control
)

// PxIS (and PxIE) bits.
const (
	isDHRS = 1 << 0  // device to host register FIS interrupt
	isPSS  = 1 << 1  // PIO setup FIS interrupt
	isDSS  = 1 << 2  // DMA setup FIS interrupt
	isSDBS = 1 << 3  // set device bits interrupt
	isUFS  = 1 << 4  // unknown FIS interrupt
	isDPS  = 1 << 5  // descriptor processed
	isPCS  = 1 << 6  // port connect change
	isDMPS = 1 << 7  // device mechanical presence
	isPRCS = 1 << 22 // PhyRdy change
	isIPMS = 1 << 23 // incorrect port multiplier
	isOFS  = 1 << 24 // overflow
	isINFS = 1 << 26 // interface non-fatal error
	isIFS  = 1 << 27 // interface fatal error
	isHBDS = 1 << 28 // host bus data error
	isHBFS = 1 << 29 // host bus fatal error
	isTFES = 1 << 30 // task file error
	isCPDS = 1 << 31 // cold port detect

	// isWritable is every PxIS bit the HBA defines: what PxIE keeps.
	isWritable = isDHRS | isPSS | isDSS | isSDBS | isUFS | isDPS | isPCS | isDMPS |
		isPRCS | isIPMS | isOFS | isINFS | isIFS | isHBDS | isHBFS | isTFES | isCPDS
)

// PxCMD bits.
const (
	cmdST    = 1 << 0  // start: process the command list
	cmdSUD   = 1 << 1  // spin-up device
	cmdPOD   = 1 << 2  // power on device
	cmdCLO   = 1 << 3  // command list override
	cmdFRE   = 1 << 4  // FIS receive enable
	cmdCCS   = 8       // shift of the current command slot
	cmdFR    = 1 << 14 // FIS receive running
	cmdCR    = 1 << 15 // command list running
	cmdATAPI = 1 << 24 // the device is ATAPI (drives an LED)
	cmdDLAE  = 1 << 25 // drive LED on ATAPI enable
	cmdICC   = 28      // shift of the interface communication control

	// cmdWritable are the bits the guest sets and reads back as written.
	cmdWritable = cmdST | cmdFRE | cmdATAPI | cmdDLAE
)

// PxSSTS fields: device detection, speed, power management.
const (
	sstsDETPresent = 0x3   // device present, Phy communication established
	sstsDETOffline = 0x4   // Phy offline (PxSCTL.DET = 4)
	sstsSPDGen2    = 0x20  // 3 Gb/s
	sstsIPMActive  = 0x100 // interface in the active state
)

// PxSCTL.DET values the guest writes.
const (
	sctlDETNone     = 0 // no action: let the link come up
	sctlDETComreset = 1 // hold the interface in COMRESET
	sctlDETDisable  = 4 // take the Phy offline
)

// PxSIG values: the signature the device's first register FIS carries.
const (
	sigATA  = 0x00000101
	sigNone = 0xFFFFFFFF
)

// PxTFD values.
const (
	tfdNoDevice = 0x7F // what PxTFD reads with nothing attached or in reset
)

// FIS types (Serial ATA 3.x §10.3).
const (
	fisRegH2D    = 0x27 // register, host to device
	fisRegD2H    = 0x34 // register, device to host
	fisDMASetup  = 0x41
	fisPIOSetup  = 0x5F
	fisSetDevBit = 0xA1
)

// Offsets of the received FIS area (256 bytes at PxFB, AHCI 1.3 §4.2.1).
const (
	rfisDSFIS  = 0x00 // DMA setup FIS
	rfisPSFIS  = 0x20 // PIO setup FIS
	rfisRFIS   = 0x40 // D2H register FIS
	rfisSDBFIS = 0x58 // set device bits FIS
)

// Command header (32 bytes each, PxCLB + 32*slot, AHCI 1.3 §4.2.2) and
// command table layout.
const (
	hdrLen     = 32
	hdrCFL     = 0x1F    // command FIS length in dwords
	hdrA       = 1 << 5  // ATAPI: the table's ACMD holds a SCSI command
	hdrW       = 1 << 6  // write: data goes from memory to the device
	hdrR       = 1 << 8  // reset (part of a software reset sequence)
	hdrC       = 1 << 10 // clear busy upon R_OK
	hdrPRDTL   = 16      // shift of the PRD table length, in entries
	tblCFIS    = 0x00    // command FIS, up to 64 bytes
	tblACMD    = 0x40    // ATAPI command, 12 or 16 bytes
	tblPRDT    = 0x80    // physical region descriptor table
	prdLen     = 16      // bytes per PRD entry
	prdDBCMask = 0x3FFFFF
	prdI       = 1 << 31 // interrupt on completion of this region
)

// ATA status bits as the port reports them, and the device control bit
// of a software reset.
const (
	statReady = ata.StatDRDY | ata.StatDSC

	ctlSRST = 0x04 // device control: software reset
)
