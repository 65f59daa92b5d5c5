package ide

// ATA command opcodes.
const (
	ataNOP              = 0x00
	ataDEVICE_RESET     = 0x08
	ataRECALIBRATE      = 0x10 // 0x10–0x1F
	ataREAD_SECTORS     = 0x20
	ataREAD_SECTORS_NR  = 0x21 // without retries
	ataREAD_SECTORS_EXT = 0x24
	ataREAD_DMA_EXT     = 0x25
	ataREAD_MULT_EXT    = 0x29
	ataWRITE_SECTORS    = 0x30
	ataWRITE_SECTORS_NR = 0x31
	ataWRITE_SECT_EXT   = 0x34
	ataWRITE_DMA_EXT    = 0x35
	ataWRITE_MULT_EXT   = 0x39
	ataREAD_VERIFY      = 0x40
	ataREAD_VERIFY_NR   = 0x41
	ataREAD_VERIFY_EXT  = 0x42
	ataSEEK             = 0x70 // 0x70–0x7F
	ataEXEC_DIAGNOSTIC  = 0x90
	ataINIT_DEV_PARAMS  = 0x91
	ataSTANDBY_IMM_OLD  = 0x94
	ataIDLE_IMM_OLD     = 0x95
	ataSTANDBY_OLD      = 0x96
	ataIDLE_OLD         = 0x97
	ataCHECK_POWER_OLD  = 0x98
	ataSLEEP_OLD        = 0x99
	ataPACKET           = 0xA0
	ataIDENTIFY_PACKET  = 0xA1
	ataREAD_MULTIPLE    = 0xC4
	ataWRITE_MULTIPLE   = 0xC5
	ataSET_MULTIPLE     = 0xC6
	ataREAD_DMA         = 0xC8
	ataREAD_DMA_NR      = 0xC9
	ataWRITE_DMA        = 0xCA
	ataWRITE_DMA_NR     = 0xCB
	ataSTANDBY_IMM      = 0xE0
	ataIDLE_IMM         = 0xE1
	ataSTANDBY          = 0xE2
	ataIDLE             = 0xE3
	ataCHECK_POWER      = 0xE5
	ataSLEEP            = 0xE6
	ataFLUSH_CACHE      = 0xE7
	ataFLUSH_CACHE_EXT  = 0xEA
	ataIDENTIFY         = 0xEC
	ataSET_FEATURES     = 0xEF
)

// SET FEATURES subcommands (features register).
const (
	featWriteCacheOn  = 0x02
	featXferMode      = 0x03
	featNoRevert      = 0x66
	featLookaheadOff  = 0x55
	featWriteCacheOff = 0x82
	featLookaheadOn   = 0xAA
	featRevert        = 0xCC
)

// Transfer mode values of SET FEATURES 0x03 (sector count register).
const (
	xferPIODefault = 0x00
	xferPIO        = 0x08 // | mode 0–4
	xferMWDMA      = 0x20 // | mode 0–2
	xferUDMA       = 0x40 // | mode 0–5
)

// command starts a command the host wrote to the command register.
func (d *drive) command(cmd uint8) {
	if d.kind == CDROM {
		d.atapiCommand(cmd)
		return
	}
	if d.Status&statBSY != 0 {
		return // a busy drive takes no commands
	}
	d.Cmd = cmd
	d.Event = evNone
	d.Intrq = false
	d.ch.updateIRQ()
	switch cmd {
	case ataREAD_SECTORS, ataREAD_SECTORS_NR, ataREAD_SECTORS_EXT,
		ataREAD_MULTIPLE, ataREAD_MULT_EXT:
		d.ataRead()
	case ataWRITE_SECTORS, ataWRITE_SECTORS_NR, ataWRITE_SECT_EXT,
		ataWRITE_MULTIPLE, ataWRITE_MULT_EXT:
		d.ataWrite()
	case ataREAD_DMA, ataREAD_DMA_NR, ataREAD_DMA_EXT,
		ataWRITE_DMA, ataWRITE_DMA_NR, ataWRITE_DMA_EXT:
		d.ataDMA()
	case ataREAD_VERIFY, ataREAD_VERIFY_NR, ataREAD_VERIFY_EXT:
		if _, _, e := d.address(); e != 0 {
			d.finish(e)
			return
		}
		d.finish(0)
	case ataIDENTIFY:
		d.Buf = append(d.Buf[:0], d.identify()...)
		d.Left, d.BlockSize = 0, len(d.Buf)
		d.beginDataIn()
	case ataSET_MULTIPLE:
		n := int(d.TF.Nsect)
		if n > maxMultiple || n&(n-1) != 0 {
			d.finish(errABRT)
			return
		}
		d.Multiple = n
		d.finish(0)
	case ataINIT_DEV_PARAMS:
		// The host tells the drive the CHS translation it will use.
		if d.TF.Nsect == 0 {
			d.finish(errABRT)
			return
		}
		d.Heads, d.SPT = d.TF.Device&0x0F+1, d.TF.Nsect
		d.finish(0)
	case ataSET_FEATURES:
		d.finish(d.setFeatures())
	case ataFLUSH_CACHE, ataFLUSH_CACHE_EXT:
		if d.disk.Flush() != nil {
			d.finish(errABRT)
			return
		}
		d.finish(0)
	case ataCHECK_POWER, ataCHECK_POWER_OLD:
		d.TF.Nsect = 0xFF // active or idle
		d.finish(0)
	case ataSTANDBY_IMM, ataIDLE_IMM, ataSTANDBY, ataIDLE, ataSLEEP,
		ataSTANDBY_IMM_OLD, ataIDLE_IMM_OLD, ataSTANDBY_OLD, ataIDLE_OLD, ataSLEEP_OLD:
		d.finish(0)
	case ataEXEC_DIAGNOSTIC:
		d.ch.diagnose()
	default:
		switch cmd & 0xF0 {
		case ataRECALIBRATE, ataSEEK:
			d.finish(0)
		default:
			// NOP, DEVICE RESET, PACKET, IDENTIFY PACKET DEVICE and
			// everything not implemented.
			d.finish(errABRT)
		}
	}
}

// isExt reports whether the current command takes 48-bit addresses.
func (d *drive) isExt() bool {
	switch d.Cmd {
	case ataREAD_SECTORS_EXT, ataREAD_DMA_EXT, ataREAD_MULT_EXT, ataWRITE_SECT_EXT,
		ataWRITE_DMA_EXT, ataWRITE_MULT_EXT, ataREAD_VERIFY_EXT:
		return true
	}
	return false
}

// address decodes the current command's first sector and sector count
// (LBA48, LBA28 or CHS), checked against the disk. e is the error register
// value of a bad address, or 0.
func (d *drive) address() (lba, count uint64, e uint8) {
	tf := &d.TF
	switch {
	case d.isExt():
		lba = uint64(tf.HobLbah)<<40 | uint64(tf.HobLbam)<<32 | uint64(tf.HobLbal)<<24 |
			uint64(tf.Lbah)<<16 | uint64(tf.Lbam)<<8 | uint64(tf.Lbal)
		count = uint64(tf.HobNsect)<<8 | uint64(tf.Nsect)
		if count == 0 {
			count = 65536
		}
	case tf.Device&devLBA != 0:
		lba = uint64(tf.Device&0x0F)<<24 | uint64(tf.Lbah)<<16 | uint64(tf.Lbam)<<8 | uint64(tf.Lbal)
	default:
		cyl, head, sec := uint64(tf.Lbah)<<8|uint64(tf.Lbam), uint64(tf.Device&0x0F), uint64(tf.Lbal)
		if sec == 0 || sec > uint64(d.SPT) || head >= uint64(d.Heads) {
			return 0, 0, errIDNF | errABRT
		}
		lba = (cyl*uint64(d.Heads)+head)*uint64(d.SPT) + sec - 1
	}
	if !d.isExt() {
		count = uint64(tf.Nsect)
		if count == 0 {
			count = 256
		}
	}
	if lba >= d.disk.Sectors() || count > d.disk.Sectors()-lba {
		return 0, 0, errIDNF
	}
	return lba, count, 0
}

// blockSectors is the DRQ block of a PIO command, in sectors.
func (d *drive) blockSectors() (int, bool) {
	switch d.Cmd {
	case ataREAD_MULTIPLE, ataREAD_MULT_EXT, ataWRITE_MULTIPLE, ataWRITE_MULT_EXT:
		return d.Multiple, d.Multiple != 0
	}
	return 1, true
}

// ataRead starts a PIO read: the host gets each block with an interrupt.
func (d *drive) ataRead() {
	lba, n, e := d.address()
	blk, ok := d.blockSectors()
	if !ok {
		e = errABRT // READ MULTIPLE before SET MULTIPLE MODE
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
		e = errABRT
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
	d.Status = d.readyStatus() | statDRQ
}

// blockWritten puts a block the host has written on the disk.
func (d *drive) blockWritten() {
	n := uint64(len(d.Buf) / d.secSize())
	if err := d.disk.WriteSectors(d.LBA, d.Buf); err != nil {
		d.finish(errABRT)
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
	write := d.Cmd == ataWRITE_DMA || d.Cmd == ataWRITE_DMA_NR || d.Cmd == ataWRITE_DMA_EXT
	if write && d.disk.ReadOnly() {
		e = errABRT
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
	switch d.TF.Feature {
	case featXferMode:
		m := d.TF.Nsect
		switch n := m & 7; m &^ 7 {
		case xferPIODefault:
			if n > 1 {
				return errABRT
			}
		case xferPIO:
			if n > 4 {
				return errABRT
			}
		case xferMWDMA:
			if n > 2 {
				return errABRT
			}
		case xferUDMA:
			if n > 5 {
				return errABRT
			}
		default:
			return errABRT
		}
		d.XferMode = m
		return 0
	case featWriteCacheOn, featWriteCacheOff, featLookaheadOn, featLookaheadOff,
		featNoRevert, featRevert:
		return 0
	}
	return errABRT
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
	d.Cmd = ataEXEC_DIAGNOSTIC
	d.Phase = phaseBusy
	d.Status = statBSY
	d.schedule(evDiag)
	ch.updateIRQ()
}
