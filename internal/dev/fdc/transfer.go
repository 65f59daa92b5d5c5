package fdc

// What completes when a scheduled time comes.
const (
	opNone    = iota
	opExecute // a data command's execution phase
	opResult  // the result phase of a data command whose data has moved
)

// formatIDSize is the bytes of one sector ID FORMAT TRACK takes: C H R N.
const formatIDSize = 4

// Transfer is the data command being executed (READ DATA, WRITE DATA, READ
// TRACK, VERIFY, READ ID, FORMAT TRACK), with the address of the sector it
// is at.
type Transfer struct {
	Cmd        uint8 // opcode, low five bits
	MT         bool  // multi-track
	Read       bool  // data flows to the guest
	Unit       uint8 // drive select
	C, H, R, N uint8 // the sector's ID
	HD         uint8 // the head of the last sector reached, for ST0
	EOT        uint8 // last sector of the track to transfer
	Count      int   // FORMAT: IDs still to take; VERIFY with EC: sectors still to verify; else -1
	Fill       uint8 // FORMAT's filler byte
	LBA        int   // non-DMA: the sector Buf belongs to

	Buf [SectorSize]uint8 // non-DMA: the sector or sector ID in the FIFO
	Pos int               // bytes of it moved
	Len int               // bytes it has

	ST1, ST2 uint8 // the status a scheduled result phase reports
}

// nonDMA reports whether SPECIFY chose data through the FIFO.
func (f *FDC) nonDMA() bool { return f.Specify[1]&specifyND != 0 }

// startTransfer takes a data command; its execution comes a little later.
func (f *FDC) startTransfer() {
	c := f.Cmd
	x := Transfer{
		Cmd:   c[0] & 0x1F,
		MT:    c[0]&cmdMT != 0,
		Unit:  c[1] & 0x03,
		HD:    c[1] >> 2 & 1,
		Count: -1,
	}
	switch x.Cmd {
	case cmdReadID:
		x.Read = true
		x.H = c[1] >> 2 & 1
	case cmdFormatTrack:
		x.H = c[1] >> 2 & 1
		x.N = c[2]
		x.Count = int(c[3])
		x.Fill = c[5]
	default:
		x.C, x.H, x.R, x.N, x.EOT = c[2], c[3], c[4], c[5], c[6]
		f.LastEOT = x.EOT
		x.Read = x.Cmd != cmdWriteData && x.Cmd != cmdWriteDeletedData
		switch x.Cmd {
		case cmdReadTrack:
			// The track is read from the index hole on, in one side.
			x.R = 1
			x.MT = false
		case cmdVerify:
			if c[1]&verifyEC != 0 {
				x.Count = int(c[8])
			}
		}
	}
	f.X = x
	f.Phase = phaseExec
	f.schedule(opExecute, transferDelay)
}

// complete does what was scheduled for now.
func (f *FDC) complete(op int) {
	switch op {
	case opExecute:
		f.execute()
	case opResult:
		f.report()
	}
}

// disk returns the diskette the transfer reads, or the ST1 bits of not
// finding any track there: no diskette, or the wrong data rate for it.
func (f *FDC) disk() (*Disk, uint8) {
	u := int(f.X.Unit)
	if u >= len(f.Drives) || f.Drives[u].Disk == nil {
		return nil, st1MA
	}
	d := f.Drives[u].Disk
	if !d.Media.ReadsAt(f.DRate) {
		return nil, st1MA
	}
	return d, 0
}

// locate finds the transfer's sector, by its ID, on its diskette. Like other
// PC emulators it goes to the cylinder the command names (an implied seek)
// and takes the head from the ID.
func (f *FDC) locate() (*Disk, int, uint8) {
	x := &f.X
	d, st1 := f.disk()
	if st1 != 0 {
		return nil, 0, st1
	}
	m := d.Media
	if int(x.C) >= m.Tracks || int(x.H) >= m.Heads {
		return nil, 0, st1MA
	}
	if x.R < 1 || int(x.R) > m.Sectors || x.N != 2 {
		return nil, 0, st1ND
	}
	f.Units[x.Unit].PCN = x.C
	x.HD = x.H & 1
	return d, (int(x.C)*m.Heads+int(x.H))*m.Sectors + int(x.R) - 1, 0
}

// advance moves the transfer's address to the sector after the one just
// moved, as the result phase reports it, and tells whether the command goes
// on there. The track ends at EOT, or at the medium's last sector if EOT is
// beyond it. With MT, the end of head 0's track goes on to head 1.
func (f *FDC) advance(d *Disk) bool {
	x := &f.X
	if x.R < x.EOT && int(x.R) < d.Media.Sectors {
		x.R++
		return true
	}
	x.R = 1
	if x.MT {
		x.H ^= 1
		if x.H&1 == 1 {
			return true
		}
	}
	x.C++
	return false
}

// execute runs a data command's execution phase: all of it with DMA, its
// first sector's worth without.
func (f *FDC) execute() {
	x := &f.X
	switch x.Cmd {
	case cmdReadID:
		f.readID()
		return
	case cmdFormatTrack:
		f.format()
		return
	}
	if !x.Read {
		if d, st1 := f.disk(); st1 == 0 && d.ReadOnly {
			f.finish(st1NW, 0)
			return
		}
	}
	if f.nonDMA() && x.Cmd != cmdVerify {
		f.pioSector()
		return
	}
	var buf [SectorSize]uint8
	for {
		d, lba, st1 := f.locate()
		if st1 != 0 {
			f.finish(st1, 0)
			return
		}
		tc := false
		switch {
		case x.Cmd == cmdVerify:
			if x.Count > 0 {
				x.Count--
				tc = x.Count == 0
			}
		case x.Read:
			if d.readSector(lba, buf[:]) != nil {
				f.finish(st1DE, st2DD)
				return
			}
			var n int
			n, tc = f.dmaWrite(buf[:])
			if n < len(buf) && !tc {
				f.finish(st1OR, 0)
				return
			}
		default:
			clear(buf[:])
			var n int
			n, tc = f.dmaRead(buf[:])
			if n < len(buf) && !tc {
				f.finish(st1OR, 0)
				return
			}
			// After a terminal count mid-sector the rest is written as zeros.
			d.writeSector(lba, buf[:])
		}
		if !f.advance(d) || tc {
			f.finish(0, 0)
			return
		}
	}
}

// st2DD is ST2's data error in data field bit.
const st2DD = 0x20

// readID reports the ID of the next sector passing under the head of the
// cylinder the drive is on.
func (f *FDC) readID() {
	x := &f.X
	d, st1 := f.disk()
	if st1 != 0 {
		f.finish(st1, 0)
		return
	}
	x.C = f.Units[x.Unit].PCN
	if int(x.C) >= d.Media.Tracks || int(x.H) >= d.Media.Heads {
		f.finish(st1MA, 0)
		return
	}
	drv := &f.Drives[x.Unit]
	drv.Sector = drv.Sector%uint8(d.Media.Sectors) + 1
	x.R, x.N = drv.Sector, 2
	f.finish(0, 0)
}

// format lays out the track under the head from the sector IDs the guest
// supplies, filling each sector with the filler byte. The diskette's
// geometry stays that of its image; IDs outside it are taken and dropped.
func (f *FDC) format() {
	x := &f.X
	d, st1 := f.disk()
	switch {
	case st1 != 0:
		f.finish(st1, 0)
		return
	case d.ReadOnly:
		f.finish(st1NW, 0)
		return
	}
	x.C = f.Units[x.Unit].PCN
	if f.nonDMA() {
		f.pioFormatID()
		return
	}
	for x.Count > 0 {
		var id [formatIDSize]uint8
		n, tc := f.dmaRead(id[:])
		if n < len(id) && !tc {
			f.finish(st1OR, 0)
			return
		}
		f.formatSector(d, id[:])
		if tc {
			break
		}
	}
	f.finish(0, 0)
}

// formatSector writes one sector of the track being formatted.
func (f *FDC) formatSector(d *Disk, id []uint8) {
	x := &f.X
	x.Count--
	x.C, x.H, x.R, x.N = id[0], id[1], id[2], id[3]
	m := d.Media
	cyl, head := int(f.Units[x.Unit].PCN), int(f.Cmd[1]>>2&1)
	if cyl >= m.Tracks || head >= m.Heads || x.R < 1 || int(x.R) > m.Sectors {
		return
	}
	var fill [SectorSize]uint8
	for i := range fill {
		fill[i] = x.Fill
	}
	d.writeSector((cyl*m.Heads+head)*m.Sectors+int(x.R)-1, fill[:])
}

// finish ends the execution phase with the status given and enters the
// result phase, interrupting.
func (f *FDC) finish(st1, st2 uint8) {
	f.X.ST1, f.X.ST2 = st1, st2
	f.report()
}

// report enters the result phase of a data command: ST0, ST1, ST2 and the
// ID of the sector the command stopped at.
func (f *FDC) report() {
	x := &f.X
	st0 := x.Unit | x.HD<<2
	if x.ST1|x.ST2 != 0 {
		st0 |= st0Abnormal
	}
	f.result(st0, x.ST1, x.ST2, x.C, x.H, x.R, x.N)
	f.raiseInt()
}

// dmaWrite moves p to guest memory through channel 2.
func (f *FDC) dmaWrite(p []uint8) (int, bool) {
	if f.dma == nil {
		return 0, false
	}
	return f.dma.WriteMemory(DMAChannel, p)
}

// dmaRead fills p from guest memory through channel 2.
func (f *FDC) dmaRead(p []uint8) (int, bool) {
	if f.dma == nil {
		return 0, false
	}
	return f.dma.ReadMemory(DMAChannel, p)
}
