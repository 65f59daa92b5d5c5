package fdc

// Non-DMA transfers (SPECIFY's ND bit): the data of READ DATA, WRITE DATA,
// READ TRACK and FORMAT TRACK goes through the FIFO a byte at a time, with
// MSR's NON-DMA bit set and an interrupt for each byte the FIFO is ready for.
// Without a terminal count, a transfer ends at the end of its track.

// pioSector makes the transfer's current sector ready to move through the
// FIFO.
func (f *FDC) pioSector() {
	x := &f.X
	d, lba, st1 := f.locate()
	if st1 != 0 {
		f.pioEnd(st1, 0)
		return
	}
	x.LBA, x.Pos, x.Len = lba, 0, SectorSize
	if x.Read && d.readSector(lba, x.Buf[:]) != nil {
		f.pioEnd(st1DE, st2DD)
		return
	}
	f.Phase = phasePIO
	f.raiseInt()
}

// pioFormatID makes the FIFO ready for the next sector ID of FORMAT TRACK.
func (f *FDC) pioFormatID() {
	x := &f.X
	x.Pos, x.Len = 0, formatIDSize
	f.Phase = phasePIO
	f.raiseInt()
}

// pioRead hands the guest the next data byte.
func (f *FDC) pioRead() uint8 {
	x := &f.X
	v := x.Buf[x.Pos]
	x.Pos++
	f.lowerInt()
	if x.Pos < x.Len {
		f.raiseInt()
		return v
	}
	f.pioNext()
	return v
}

// pioWrite takes the next data byte from the guest.
func (f *FDC) pioWrite(v uint8) {
	x := &f.X
	x.Buf[x.Pos] = v
	x.Pos++
	f.lowerInt()
	if x.Pos < x.Len {
		f.raiseInt()
		return
	}
	d, st1 := f.disk()
	if st1 != 0 {
		f.pioEnd(st1, 0)
		return
	}
	if x.Cmd == cmdFormatTrack {
		f.formatSector(d, x.Buf[:formatIDSize])
		if x.Count > 0 {
			f.pioFormatID()
		} else {
			f.pioEnd(0, 0)
		}
		return
	}
	d.writeSector(x.LBA, x.Buf[:])
	f.pioNext()
}

// pioNext goes on to the sector after the one just moved, or ends the
// transfer at the end of the track.
func (f *FDC) pioNext() {
	d, st1 := f.disk()
	switch {
	case st1 != 0:
		f.pioEnd(st1, 0)
	case f.advance(d):
		f.pioSector()
	default:
		f.pioEnd(0, 0)
	}
}

// pioEnd ends the execution phase; the result phase and its interrupt come
// a little later.
func (f *FDC) pioEnd(st1, st2 uint8) {
	f.X.ST1, f.X.ST2 = st1, st2
	f.Phase = phaseExec
	f.schedule(opResult, transferDelay)
}
