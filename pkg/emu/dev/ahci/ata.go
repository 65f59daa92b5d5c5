package ahci

import "do86/pkg/emu/disk"

// ATA command opcodes (ATA8-ACS).
const (
	ataNOP                = 0x00
	ataRECALIBRATE        = 0x10 // 0x10–0x1F
	ataREAD_SECTORS       = 0x20
	ataREAD_SECTORS_NR    = 0x21 // without retries
	ataREAD_SECTORS_EXT   = 0x24
	ataREAD_DMA_EXT       = 0x25
	ataREAD_MULT_EXT      = 0x29
	ataWRITE_SECTORS      = 0x30
	ataWRITE_SECTORS_NR   = 0x31
	ataWRITE_SECT_EXT     = 0x34
	ataWRITE_DMA_EXT      = 0x35
	ataWRITE_MULT_EXT     = 0x39
	ataREAD_VERIFY        = 0x40
	ataREAD_VERIFY_NR     = 0x41
	ataREAD_VERIFY_EXT    = 0x42
	ataREAD_FPDMA_QUEUED  = 0x60
	ataWRITE_FPDMA_QUEUED = 0x61
	ataSEEK               = 0x70 // 0x70–0x7F
	ataEXEC_DIAGNOSTIC    = 0x90
	ataINIT_DEV_PARAMS    = 0x91
	ataPACKET             = 0xA0
	ataREAD_MULTIPLE      = 0xC4
	ataWRITE_MULTIPLE     = 0xC5
	ataSET_MULTIPLE       = 0xC6
	ataREAD_DMA           = 0xC8
	ataREAD_DMA_NR        = 0xC9
	ataWRITE_DMA          = 0xCA
	ataWRITE_DMA_NR       = 0xCB
	ataSTANDBY_IMM        = 0xE0
	ataIDLE_IMM           = 0xE1
	ataSTANDBY            = 0xE2
	ataIDLE               = 0xE3
	ataCHECK_POWER        = 0xE5
	ataSLEEP              = 0xE6
	ataFLUSH_CACHE        = 0xE7
	ataFLUSH_CACHE_EXT    = 0xEA
	ataIDENTIFY           = 0xEC
	ataSET_FEATURES       = 0xEF
)

// SET FEATURES subcommands (features register) a disk accepts.
const (
	featWriteCacheOn  = 0x02
	featXferMode      = 0x03
	featLookaheadOff  = 0x55
	featNoRevert      = 0x66
	featWriteCacheOff = 0x82
	featLookaheadOn   = 0xAA
	featRevert        = 0xCC
)

// Disk defaults.
const (
	defaultHeads = 16
	defaultSPT   = 63
	maxMultiple  = 16  // sectors per block of READ/WRITE MULTIPLE
	stageSectors = 128 // sectors moved between disk and memory at a time
)

// execute runs an ATA command on the port's disk, setting cmd's protocol,
// outcome and reported registers.
func (p *Port) execute(cmd *command) {
	switch op := cmd.tf.Command; op {
	case ataIDENTIFY:
		cmd.proto = protoPIOIn
		cmd.prd.toMemory(p.identify())
	case ataREAD_SECTORS, ataREAD_SECTORS_NR, ataREAD_SECTORS_EXT,
		ataREAD_MULTIPLE, ataREAD_MULT_EXT:
		cmd.proto = protoPIOIn
		if (op == ataREAD_MULTIPLE || op == ataREAD_MULT_EXT) && p.Multiple == 0 {
			cmd.err = errABRT // READ MULTIPLE before SET MULTIPLE MODE
			return
		}
		p.readSectors(cmd)
	case ataWRITE_SECTORS, ataWRITE_SECTORS_NR, ataWRITE_SECT_EXT,
		ataWRITE_MULTIPLE, ataWRITE_MULT_EXT:
		cmd.proto = protoPIOOut
		if (op == ataWRITE_MULTIPLE || op == ataWRITE_MULT_EXT) && p.Multiple == 0 {
			cmd.err = errABRT
			return
		}
		p.writeSectors(cmd)
	case ataREAD_DMA, ataREAD_DMA_NR, ataREAD_DMA_EXT:
		cmd.proto = protoDMA
		p.readSectors(cmd)
	case ataWRITE_DMA, ataWRITE_DMA_NR, ataWRITE_DMA_EXT:
		cmd.proto = protoDMA
		p.writeSectors(cmd)
	case ataREAD_FPDMA_QUEUED:
		cmd.proto, cmd.tag = protoNCQ, int(cmd.tf.Count>>3&0x1F)
		p.readSectors(cmd)
	case ataWRITE_FPDMA_QUEUED:
		cmd.proto, cmd.tag = protoNCQ, int(cmd.tf.Count>>3&0x1F)
		p.writeSectors(cmd)
	case ataREAD_VERIFY, ataREAD_VERIFY_NR, ataREAD_VERIFY_EXT:
		_, _, cmd.err = p.address(&cmd.tf)
	case ataFLUSH_CACHE, ataFLUSH_CACHE_EXT:
		// The guest wants its writes durable on the host.
		if p.disk.Flush() != nil {
			cmd.err = errABRT
		}
	case ataSET_FEATURES:
		cmd.err = setFeatures(&cmd.tf)
	case ataSET_MULTIPLE:
		n := int(cmd.tf.Count & 0xFF)
		if n > maxMultiple || n&(n-1) != 0 {
			cmd.err = errABRT
			return
		}
		p.Multiple = n
	case ataINIT_DEV_PARAMS:
		// The host tells the disk the CHS translation it will use.
		if cmd.tf.Count&0xFF == 0 {
			cmd.err = errABRT
			return
		}
		p.Heads, p.SPT = cmd.tf.Device&0x0F+1, uint8(cmd.tf.Count)
	case ataCHECK_POWER:
		cmd.out.Count = 0xFF // active or idle
	case ataSTANDBY_IMM, ataIDLE_IMM, ataSTANDBY, ataIDLE, ataSLEEP:
		// Power states make no difference here.
	case ataEXEC_DIAGNOSTIC:
		// The registers show the signature again.
		cmd.out = taskfile{Count: 1, LBA: 1}
	default:
		switch op & 0xF0 {
		case ataRECALIBRATE, ataSEEK:
		default:
			// NOP, IDENTIFY PACKET DEVICE, and all that is not
			// implemented.
			cmd.err = errABRT
		}
	}
}

// isExt reports whether a command takes 48-bit addresses and counts.
func isExt(op uint8) bool {
	switch op {
	case ataREAD_SECTORS_EXT, ataREAD_DMA_EXT, ataREAD_MULT_EXT, ataWRITE_SECT_EXT,
		ataWRITE_DMA_EXT, ataWRITE_MULT_EXT, ataREAD_VERIFY_EXT:
		return true
	}
	return false
}

// address decodes a command's first sector and sector count (NCQ, LBA48,
// LBA28 or CHS) and checks them against the disk; e is the error register
// value of a bad address, else 0.
func (p *Port) address(tf *taskfile) (lba, count uint64, e uint8) {
	switch op := tf.Command; {
	case op == ataREAD_FPDMA_QUEUED || op == ataWRITE_FPDMA_QUEUED:
		lba, count = tf.LBA, uint64(tf.Feature)
		if count == 0 {
			count = 65536
		}
	case isExt(op):
		lba, count = tf.LBA, uint64(tf.Count)
		if count == 0 {
			count = 65536
		}
	default:
		if tf.Device&devLBA != 0 {
			lba = uint64(tf.Device&0x0F)<<24 | tf.LBA&0xFFFFFF
		} else {
			cyl := tf.LBA >> 8 & 0xFFFF
			head, sec := uint64(tf.Device&0x0F), tf.LBA&0xFF
			if sec == 0 || sec > uint64(p.SPT) || head >= uint64(p.Heads) {
				return 0, 0, errIDNF | errABRT
			}
			lba = (cyl*uint64(p.Heads)+head)*uint64(p.SPT) + sec - 1
		}
		count = uint64(tf.Count & 0xFF)
		if count == 0 {
			count = 256
		}
	}
	if n := p.disk.Sectors(); lba >= n || count > n-lba {
		return 0, 0, errIDNF
	}
	return lba, count, 0
}

// stage returns the staging buffer of n sectors.
func (p *Port) stage(n uint64) []byte {
	if need := int(n) * disk.SectorSize; cap(p.buf) < need {
		p.buf = make([]byte, need)
	}
	return p.buf[:int(n)*disk.SectorSize]
}

// readSectors moves the command's sectors from the disk into the regions of
// its PRDT. Regions too short for the data end the transfer early.
func (p *Port) readSectors(cmd *command) {
	lba, count, e := p.address(&cmd.tf)
	if e != 0 {
		cmd.err = e
		return
	}
	for count > 0 {
		n := min(count, stageSectors)
		b := p.stage(n)
		if p.disk.ReadSectors(lba, b) != nil {
			cmd.err = errUNC // the host could not read the image
			return
		}
		if cmd.prd.toMemory(b) < len(b) {
			return
		}
		lba, count = lba+n, count-n
	}
}

// writeSectors moves the command's sectors from the regions of its PRDT to
// the disk. Regions too short for the data fail the command.
func (p *Port) writeSectors(cmd *command) {
	lba, count, e := p.address(&cmd.tf)
	if e == 0 && p.disk.ReadOnly() {
		e = errABRT
	}
	if e != 0 {
		cmd.err = e
		return
	}
	for count > 0 {
		n := min(count, stageSectors)
		b := p.stage(n)
		if cmd.prd.fromMemory(b) < len(b) {
			cmd.err = errABRT
			return
		}
		if p.disk.WriteSectors(lba, b) != nil {
			cmd.err = errABRT
			return
		}
		lba, count = lba+n, count-n
	}
}

// setFeatures serves SET FEATURES and returns its error register value:
// transfer modes, the write cache and read look-ahead are accepted and make
// no difference.
func setFeatures(tf *taskfile) uint8 {
	switch uint8(tf.Feature) {
	case featXferMode, featWriteCacheOn, featWriteCacheOff, featLookaheadOn,
		featLookaheadOff, featNoRevert, featRevert:
		return 0
	}
	return errABRT
}
