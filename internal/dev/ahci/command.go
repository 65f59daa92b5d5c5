package ahci

import (
	"encoding/binary"

	"github.com/do86/do86/internal/ata"
)

// Protocols of the ATA commands: how data moves and which FISes the device
// answers with.
const (
	protoNone   = iota // non-data: a register FIS
	protoPIOIn         // PIO data-in: a PIO setup FIS, data, a register FIS
	protoPIOOut        // PIO data-out: a PIO setup FIS, data, a register FIS
	protoDMA           // DMA: data, a register FIS
	protoNCQ           // first-party DMA queued: a register FIS, data, set device bits
)

// command is a command being run: its slot's header, the FIS the guest
// built and the outcome. It lives only while the command runs.
type command struct {
	slot  int
	flags uint32 // command header DW0
	tf    taskfile
	prd   prdCursor

	proto  int
	out    taskfile // the registers the device reports back
	status uint8
	err    uint8 // error register; non-zero fails the command
	tag    int   // NCQ tag
}

// runCommands runs every issued command, lowest slot first. Commands
// complete at once; only their interrupt waits (Tick). Without a device
// nothing answers and the commands stay issued.
func (p *Port) runCommands() {
	if !p.present() {
		return
	}
	for slot := 0; slot < numSlots && p.CI != 0; slot++ {
		if p.CI&(1<<slot) != 0 {
			p.runSlot(slot)
		}
	}
}

// runSlot fetches the command header and FIS of slot and runs the command.
func (p *Port) runSlot(slot int) {
	mem := p.c.mem
	hdr := p.CLB + uint32(slot)*hdrLen
	var h [16]byte
	mem.ReadPhys(hdr, h[:])
	cmd := &command{slot: slot, flags: binary.LittleEndian.Uint32(h[0:])}
	table := binary.LittleEndian.Uint32(h[8:]) &^ 0x7F
	cmd.prd = prdCursor{mem: mem, table: table, n: int(cmd.flags >> hdrPRDTL)}
	p.CMD = p.CMD&^(0x1F<<cmdCCS) | uint32(slot)<<cmdCCS

	var f [20]byte
	mem.ReadPhys(table+tblCFIS, f[:])
	tf, isCommand := parseH2D(f[:])
	cmd.tf, cmd.out = tf, tf
	switch {
	case f[0] != fisRegH2D:
		// Nothing a disk understands: it answers with an abort.
		cmd.err = ata.ErrABRT
	case !isCommand:
		// A device control update: the guest's software reset sequence.
		p.deviceControl(tf.Control)
		p.retire(cmd)
		return
	case cmd.flags&hdrA != 0 || tf.Command == ata.CmdPacket:
		cmd.err = ata.ErrABRT // no ATAPI devices
	default:
		p.execute(cmd)
	}
	p.complete(cmd)
}

// deviceControl serves an H2D FIS that only writes the device control
// register: SRST set holds the device in reset, SRST cleared ends it with
// the device's signature.
func (p *Port) deviceControl(ctl uint8) {
	if ctl&ctlSRST != 0 {
		p.TFD = p.TFD&^0xFF | ata.StatBSY
		return
	}
	p.signature()
}

// retire writes the command's byte count back to its header and clears its
// slot's bit in PxCI.
func (p *Port) retire(cmd *command) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], cmd.prd.Done)
	p.c.mem.WritePhys(p.CLB+uint32(cmd.slot)*hdrLen+4, b[:])
	p.CI &^= 1 << cmd.slot
}

// complete reports a command's end to the guest the way its protocol does:
// the FISes in the received FIS area, PxTFD, PxIS, PxSACT and PxCI, and the
// interrupt a moment later.
func (p *Port) complete(cmd *command) {
	is := uint32(0)
	status := uint8(statReady)
	switch {
	case cmd.err != 0:
		status |= ata.StatERR
		p.writeRFIS(rfisRFIS, d2hFIS(&cmd.out, status, cmd.err, true))
		is |= isDHRS | isTFES
		if cmd.proto == protoNCQ {
			p.SACT &^= 1 << cmd.tag
		}
	case cmd.proto == protoPIOIn || cmd.proto == protoPIOOut:
		// The data phase's PIO setup FIS, then the ending status.
		in := cmd.proto == protoPIOIn
		p.writeRFIS(rfisPSFIS, pioSetupFIS(&cmd.out, in, status|ata.StatDRQ, status, int(cmd.prd.Done), in))
		p.writeRFIS(rfisRFIS, d2hFIS(&cmd.out, status, 0, true))
		is |= isDHRS
		if in {
			is |= isPSS
		}
	case cmd.proto == protoNCQ:
		// The device accepted the command (a register FIS clearing BSY,
		// no interrupt), then reports it done in a set device bits FIS.
		p.writeRFIS(rfisRFIS, d2hFIS(&cmd.out, status, 0, false))
		p.writeRFIS(rfisSDBFIS, sdbFIS(status, 0, 1<<cmd.tag))
		p.SACT &^= 1 << cmd.tag
		is |= isSDBS
	default:
		p.writeRFIS(rfisRFIS, d2hFIS(&cmd.out, status, 0, true))
		is |= isDHRS
	}
	p.TFD = uint32(cmd.err)<<8 | uint32(status)
	if cmd.prd.Interrupt {
		is |= isDPS
	}
	p.retire(cmd)
	p.IS |= is
	p.c.holdIRQ()
	p.c.updateIRQ()
}
