package ide

import "github.com/do86/do86/internal/ata"

// ATAPI interrupt reason bits (sector count register during PACKET).
const (
	reasonCoD = 0x01 // command packet or status, not data
	reasonIO  = 0x02 // towards the host
)

// Sense keys.
const (
	senseNone           = 0x00
	senseNotReady       = 0x02
	senseMediumError    = 0x03
	senseIllegalRequest = 0x05
	senseUnitAttention  = 0x06
	senseAbortedCommand = 0x0B
)

// atapiCommand starts an ATA command on an ATAPI drive: PACKET and the few
// others such a drive takes.
func (d *drive) atapiCommand(cmd uint8) {
	if cmd == ata.CmdDeviceReset {
		// Accepted even while busy: the host gives up on a command.
		d.Cmd = cmd
		d.resetDone()
		d.ch.updateIRQ()
		return
	}
	if d.Status&ata.StatBSY != 0 {
		return
	}
	d.Cmd = cmd
	d.Event = evNone
	d.Intrq = false
	d.ch.updateIRQ()
	switch cmd {
	case ata.CmdPacket:
		d.PacketDMA = d.TF.Feature&0x01 != 0
		d.ByteLimit = int(d.TF.Lbah)<<8 | int(d.TF.Lbam)
		d.Pos = 0
		d.Phase = phasePacket
		d.TF.Nsect = reasonCoD
		d.Status = d.readyStatus() | ata.StatDRQ
	case ata.CmdIdentifyPacket:
		d.Buf = append(d.Buf[:0], d.identifyPacket()...)
		d.Left, d.BlockSize = 0, len(d.Buf)
		d.beginDataIn()
	case ata.CmdIdentify:
		// Not an ATA disk: abort, leaving the ATAPI signature for the host.
		d.resetDone()
		d.Cmd = cmd
		d.finish(ata.ErrABRT)
	case ata.CmdSetFeatures:
		d.finish(d.setFeatures())
	case ata.CmdCheckPower, ata.CmdCheckPowerOld:
		d.TF.Nsect = 0xFF
		d.finish(0)
	case ata.CmdStandbyImm, ata.CmdIdleImm, ata.CmdSleep:
		d.finish(0)
	case ata.CmdExecDiagnostic:
		d.ch.diagnose()
	default:
		d.finish(ata.ErrABRT)
	}
}

// packet runs the command packet the host has written.
func (d *drive) packet() {
	op := d.CDB[0]
	if d.UnitAttention && !reportsNoUnitAttention(op) {
		// The first command after power-on learns of the reset.
		d.UnitAttention = false
		d.checkCondition(senseUnitAttention, 0x29, 0x00)
		return
	}
	h, ok := scsiCommands[op]
	if !ok {
		d.checkCondition(senseIllegalRequest, 0x20, 0x00) // invalid command operation code
		return
	}
	if h.needsMedium && d.disk == nil {
		d.checkCondition(senseNotReady, 0x3A, 0x00) // medium not present
		return
	}
	h.run(d)
}

// reportsNoUnitAttention lists the commands MMC runs even with a unit
// attention pending.
func reportsNoUnitAttention(op uint8) bool {
	switch op {
	case scsiINQUIRY, scsiREQUEST_SENSE, scsiGET_CONFIGURATION, scsiGET_EVENT_STATUS:
		return true
	}
	return false
}

// checkCondition ends the packet command with sense data.
func (d *drive) checkCondition(key, asc, ascq uint8) {
	d.Sense = [3]uint8{key, asc, ascq}
	e := key << 4
	if key == senseIllegalRequest || key == senseAbortedCommand {
		e |= ata.ErrABRT
	}
	d.finish(e)
}

// good ends the packet command successfully without data.
func (d *drive) good() {
	d.Sense = [3]uint8{}
	d.finish(0)
}

// reply sends p, cut to the host's allocation length, as the data of the
// packet command.
func (d *drive) reply(p []byte, alloc int) {
	d.Buf = append(d.Buf[:0], p[:min(len(p), alloc)]...)
	d.Left = 0
	d.sendData()
}

// sendData moves Buf and then Left sectors from LBA to the host, by DMA if
// the host asked for it, else by PIO in blocks of its byte count limit.
func (d *drive) sendData() {
	d.Pos = 0
	switch {
	case d.remaining() == 0:
		d.good()
	case d.PacketDMA:
		d.beginDMA(false)
	default:
		limit := d.ByteLimit
		if limit == 0 || limit > 0xFFFE {
			limit = 0xFFFE
		}
		if limit > 1 {
			limit &^= 1 // whole words, except for an odd end
		}
		d.BlockSize = limit
		d.beginDataIn()
	}
}

// cdSectors returns the medium's size in 2048-byte sectors.
func (d *drive) cdSectors() uint64 {
	if d.disk == nil {
		return 0
	}
	return (d.disk.Sectors() + cdSectorSize/512 - 1) / (cdSectorSize / 512)
}
