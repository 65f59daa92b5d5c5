package ahci

import (
	"github.com/do86/do86/internal/ata"
	"github.com/do86/do86/internal/disk"
)

// stageSectors is how many sectors move between disk and memory at a time.
const stageSectors = 128

// execute runs an ATA command on the port's disk, setting cmd's protocol,
// outcome and reported registers.
func (p *Port) execute(cmd *command) {
	switch op := cmd.tf.Command; op {
	case ata.CmdIdentify:
		cmd.proto = protoPIOIn
		cmd.prd.toMemory(p.identify())
	case ata.CmdReadSectors, ata.CmdReadSectorsNoRetry, ata.CmdReadSectorsExt,
		ata.CmdReadMultiple, ata.CmdReadMultipleExt:
		cmd.proto = protoPIOIn
		if (op == ata.CmdReadMultiple || op == ata.CmdReadMultipleExt) && p.Multiple == 0 {
			cmd.err = ata.ErrABRT // READ MULTIPLE before SET MULTIPLE MODE
			return
		}
		p.readSectors(cmd)
	case ata.CmdWriteSectors, ata.CmdWriteSectorsNoRetry, ata.CmdWriteSectorsExt,
		ata.CmdWriteMultiple, ata.CmdWriteMultipleExt:
		cmd.proto = protoPIOOut
		if (op == ata.CmdWriteMultiple || op == ata.CmdWriteMultipleExt) && p.Multiple == 0 {
			cmd.err = ata.ErrABRT
			return
		}
		p.writeSectors(cmd)
	case ata.CmdReadDMA, ata.CmdReadDMANoRetry, ata.CmdReadDMAExt:
		cmd.proto = protoDMA
		p.readSectors(cmd)
	case ata.CmdWriteDMA, ata.CmdWriteDMANoRetry, ata.CmdWriteDMAExt:
		cmd.proto = protoDMA
		p.writeSectors(cmd)
	case ata.CmdReadFPDMAQueued:
		cmd.proto, cmd.tag = protoNCQ, int(cmd.tf.Count>>3&0x1F)
		p.readSectors(cmd)
	case ata.CmdWriteFPDMAQueued:
		cmd.proto, cmd.tag = protoNCQ, int(cmd.tf.Count>>3&0x1F)
		p.writeSectors(cmd)
	case ata.CmdReadVerify, ata.CmdReadVerifyNoRetry, ata.CmdReadVerifyExt:
		_, _, cmd.err = p.address(&cmd.tf)
	case ata.CmdFlushCache, ata.CmdFlushCacheExt:
		// The guest wants its writes durable on the host.
		if p.disk.Flush() != nil {
			cmd.err = ata.ErrABRT
		}
	case ata.CmdSetFeatures:
		cmd.err = setFeatures(&cmd.tf)
	case ata.CmdSetMultiple:
		n := int(cmd.tf.Count & 0xFF)
		if !ata.ValidMultiple(n) {
			cmd.err = ata.ErrABRT
			return
		}
		p.Multiple = n
	case ata.CmdInitDevParams:
		// The host tells the disk the CHS translation it will use.
		if cmd.tf.Count&0xFF == 0 {
			cmd.err = ata.ErrABRT
			return
		}
		p.Heads, p.SPT = cmd.tf.Device&0x0F+1, uint8(cmd.tf.Count)
	case ata.CmdCheckPower:
		cmd.out.Count = 0xFF // active or idle
	case ata.CmdStandbyImm, ata.CmdIdleImm, ata.CmdStandby, ata.CmdIdle, ata.CmdSleep:
		// Power states make no difference here.
	case ata.CmdExecDiagnostic:
		// The registers show the signature again.
		cmd.out = taskfile{Count: 1, LBA: 1}
	default:
		switch op & 0xF0 {
		case ata.CmdRecalibrate, ata.CmdSeek:
		default:
			// NOP, IDENTIFY PACKET DEVICE, and all that is not
			// implemented.
			cmd.err = ata.ErrABRT
		}
	}
}

// address decodes a command's first sector and sector count (NCQ, LBA48,
// LBA28 or CHS) and checks them against the disk; e is the error register
// value of a bad address, else 0.
func (p *Port) address(tf *taskfile) (lba, count uint64, e uint8) {
	a := ata.Address{LBA: tf.LBA, Count: tf.Count, Device: tf.Device}
	ext := ata.IsExt(tf.Command)
	if tf.Command == ata.CmdReadFPDMAQueued || tf.Command == ata.CmdWriteFPDMAQueued {
		a.Count, ext = tf.Feature, true // NCQ: the count is in the features
	}
	return a.Decode(ext, p.Heads, p.SPT, p.disk.Sectors())
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
			cmd.err = ata.ErrUNC // the host could not read the image
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
		e = ata.ErrABRT
	}
	if e != 0 {
		cmd.err = e
		return
	}
	for count > 0 {
		n := min(count, stageSectors)
		b := p.stage(n)
		if cmd.prd.fromMemory(b) < len(b) {
			cmd.err = ata.ErrABRT
			return
		}
		if p.disk.WriteSectors(lba, b) != nil {
			cmd.err = ata.ErrABRT
			return
		}
		lba, count = lba+n, count-n
	}
}

// setFeatures serves SET FEATURES and returns its error register value:
// transfer modes, the write cache and read look-ahead are accepted and make
// no difference.
func setFeatures(tf *taskfile) uint8 {
	if ata.KnownFeature(uint8(tf.Feature)) {
		return 0
	}
	return ata.ErrABRT
}
