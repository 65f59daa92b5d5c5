package ide

import "github.com/do86/do86/internal/ata"

// command starts a command the host wrote to the command register.
func (d *drive) command(cmd uint8) {
	if d.kind == CDROM {
		d.atapiCommand(cmd)
		return
	}
	if d.Status&ata.StatBSY != 0 {
		return // a busy drive takes no commands
	}
	d.Cmd = cmd
	d.Event = evNone
	d.Intrq = false
	d.ch.updateIRQ()
	switch cmd {
	case ata.CmdReadSectors, ata.CmdReadSectorsNoRetry, ata.CmdReadSectorsExt,
		ata.CmdReadMultiple, ata.CmdReadMultipleExt:
		d.ataRead()
	case ata.CmdWriteSectors, ata.CmdWriteSectorsNoRetry, ata.CmdWriteSectorsExt,
		ata.CmdWriteMultiple, ata.CmdWriteMultipleExt:
		d.ataWrite()
	case ata.CmdReadDMA, ata.CmdReadDMANoRetry, ata.CmdReadDMAExt,
		ata.CmdWriteDMA, ata.CmdWriteDMANoRetry, ata.CmdWriteDMAExt:
		d.ataDMA()
	case ata.CmdReadVerify, ata.CmdReadVerifyNoRetry, ata.CmdReadVerifyExt:
		if _, _, e := d.address(); e != 0 {
			d.finish(e)
			return
		}
		d.finish(0)
	case ata.CmdIdentify:
		d.Buf = append(d.Buf[:0], d.identify()...)
		d.Left, d.BlockSize = 0, len(d.Buf)
		d.beginDataIn()
	case ata.CmdSetMultiple:
		n := int(d.TF.Nsect)
		if !ata.ValidMultiple(n) {
			d.finish(ata.ErrABRT)
			return
		}
		d.Multiple = n
		d.finish(0)
	case ata.CmdInitDevParams:
		// The host tells the drive the CHS translation it will use.
		if d.TF.Nsect == 0 {
			d.finish(ata.ErrABRT)
			return
		}
		d.Heads, d.SPT = d.TF.Device&0x0F+1, d.TF.Nsect
		d.finish(0)
	case ata.CmdSetFeatures:
		d.finish(d.setFeatures())
	case ata.CmdFlushCache, ata.CmdFlushCacheExt:
		if d.disk.Flush() != nil {
			d.finish(ata.ErrABRT)
			return
		}
		d.finish(0)
	case ata.CmdCheckPower, ata.CmdCheckPowerOld:
		d.TF.Nsect = 0xFF // active or idle
		d.finish(0)
	case ata.CmdStandbyImm, ata.CmdIdleImm, ata.CmdStandby, ata.CmdIdle, ata.CmdSleep,
		ata.CmdStandbyImmOld, ata.CmdIdleImmOld, ata.CmdStandbyOld, ata.CmdIdleOld, ata.CmdSleepOld:
		d.finish(0)
	case ata.CmdExecDiagnostic:
		d.ch.diagnose()
	default:
		switch cmd & 0xF0 {
		case ata.CmdRecalibrate, ata.CmdSeek:
			d.finish(0)
		default:
			// NOP, DEVICE RESET, PACKET, IDENTIFY PACKET DEVICE and
			// everything not implemented.
			d.finish(ata.ErrABRT)
		}
	}
}

// address decodes the current command's first sector and sector count
// (LBA48, LBA28 or CHS), checked against the disk. e is the error register
// value of a bad address, or 0.
func (d *drive) address() (lba, count uint64, e uint8) {
	tf := &d.TF
	a := ata.Address{
		LBA: uint64(tf.HobLbah)<<40 | uint64(tf.HobLbam)<<32 | uint64(tf.HobLbal)<<24 |
			uint64(tf.Lbah)<<16 | uint64(tf.Lbam)<<8 | uint64(tf.Lbal),
		Count:  uint16(tf.HobNsect)<<8 | uint16(tf.Nsect),
		Device: tf.Device,
	}
	return a.Decode(ata.IsExt(d.Cmd), d.Heads, d.SPT, d.disk.Sectors())
}

// blockSectors is the DRQ block of a PIO command, in sectors.
func (d *drive) blockSectors() (int, bool) {
	switch d.Cmd {
	case ata.CmdReadMultiple, ata.CmdReadMultipleExt, ata.CmdWriteMultiple, ata.CmdWriteMultipleExt:
		return d.Multiple, d.Multiple != 0
	}
	return 1, true
}

// ataRead starts a PIO read: the host gets each block with an interrupt.
func (d *drive) ataRead() {
	lba, n, e := d.address()
	blk, ok := d.blockSectors()
	if !ok {
		e = ata.ErrABRT // READ MULTIPLE before SET MULTIPLE MODE
	}
	if e != 0 {
		d.finish(e)
		return
	}
	d.Buf, d.LBA, d.Left = d.Buf[:0], lba, n
	d.BlockSize = blk * d.secSize()
	d.beginDataIn()
}

// ataWrite starts a PIO write: the drive asks for the first block at once.
func (d *drive) ataWrite() {
	lba, n, e := d.address()
	blk, ok := d.blockSectors()
	if !ok || d.disk.ReadOnly() {
		e = ata.ErrABRT
	}
	if e != 0 {
		d.finish(e)
		return
	}
	d.LBA, d.Left = lba, n
	d.BlockSize = blk * d.secSize()
	d.askWriteBlock()
}

// askWriteBlock sets DRQ for the next block of a PIO write.
func (d *drive) askWriteBlock() {
	n := min(uint64(d.BlockSize/d.secSize()), d.Left)
	d.Buf = grow(d.Buf[:0], int(n)*d.secSize())
	d.Pos = 0
	d.Phase = phaseDataOut
	d.Status = d.readyStatus() | ata.StatDRQ
}

// blockWritten puts a block the host has written on the disk.
func (d *drive) blockWritten() {
	n := uint64(len(d.Buf) / d.secSize())
	if err := d.disk.WriteSectors(d.LBA, d.Buf); err != nil {
		d.finish(ata.ErrABRT)
		return
	}
	d.LBA += n
	d.Left -= n
	d.busy(evWritten)
}

// nextWriteBlock asks for the next block with an interrupt, or completes.
func (d *drive) nextWriteBlock() {
	if d.Left == 0 {
		d.complete(0)
		return
	}
	d.askWriteBlock()
	d.interrupt()
}

// ataDMA starts READ/WRITE DMA: the transfer runs once the host starts the
// bus master.
func (d *drive) ataDMA() {
	lba, n, e := d.address()
	write := d.Cmd == ata.CmdWriteDMA || d.Cmd == ata.CmdWriteDMANoRetry || d.Cmd == ata.CmdWriteDMAExt
	if write && d.disk.ReadOnly() {
		e = ata.ErrABRT
	}
	if e != 0 {
		d.finish(e)
		return
	}
	d.Buf, d.Pos, d.LBA, d.Left = d.Buf[:0], 0, lba, n
	d.beginDMA(write)
}

// setFeatures serves SET FEATURES and returns its error register value.
func (d *drive) setFeatures() uint8 {
	switch f := d.TF.Feature; {
	case f == ata.FeatXferMode:
		if !ata.ValidXferMode(d.TF.Nsect) {
			return ata.ErrABRT
		}
		d.XferMode = d.TF.Nsect
		return 0
	case ata.KnownFeature(f):
		return 0
	}
	return ata.ErrABRT
}

// diagnose runs EXECUTE DEVICE DIAGNOSTIC for both drives of the channel:
// device 0 interrupts when done.
func (ch *channel) diagnose() {
	for i := range ch.drives {
		if ch.drives[i].kind != None {
			ch.drives[i].resetDone()
		}
	}
	ch.Sel = 0
	d := &ch.drives[0]
	if d.kind == None {
		d = &ch.drives[1]
	}
	d.Cmd = ata.CmdExecDiagnostic
	d.Phase = phaseBusy
	d.Status = ata.StatBSY
	d.schedule(evDiag)
	ch.updateIRQ()
}
