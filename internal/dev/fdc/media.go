package fdc

import (
	"fmt"
	"io"
)

// SectorSize is the only sector size the controller's diskettes have.
const SectorSize = 512

// Data rates: the DRATE SEL values of the DSR and CCR.
const (
	Rate500K = 0 // 1.2M and 1.44M media
	Rate300K = 1 // 360K media in a 1.2M drive
	Rate250K = 2 // 360K and 720K media
	Rate1M   = 3 // 2.88M media
)

// Media is one kind of diskette: its geometry, the data rates at which its
// tracks can be read, and the CMOS drive type of the drive made for it.
type Media struct {
	Name    string // "1.44M"
	Tracks  int    // cylinders
	Heads   int    // sides
	Sectors int    // sectors per track
	Rates   uint8  // bit set: 1<<Rate500K etc.
	CMOS    uint8  // drive type nibble of CMOS register 0x10
}

// Size is the nominal size of the medium in bytes.
func (m Media) Size() int64 { return int64(m.Tracks*m.Heads*m.Sectors) * SectorSize }

// ReadsAt reports whether the medium's tracks can be read at data rate
// rate (a DRATE SEL value).
func (m Media) ReadsAt(rate uint8) bool { return m.Rates&(1<<(rate&3)) != 0 }

// The 5.25" double-density media are read at 250 kbps in a 360K drive and at
// 300 kbps in a 1.2M drive (SeaBIOS tries either), so they accept both.
const ratesDD525 = 1<<Rate250K | 1<<Rate300K

// Known media, in order of size. The CMOS type of the 5.25" double-density
// ones is the 360K drive's.
var knownMedia = []Media{
	{"160K", 40, 1, 8, ratesDD525, 1},
	{"180K", 40, 1, 9, ratesDD525, 1},
	{"320K", 40, 2, 8, ratesDD525, 1},
	{"360K", 40, 2, 9, ratesDD525, 1},
	{"720K", 80, 2, 9, 1 << Rate250K, 3},
	{"1.2M", 80, 2, 15, 1 << Rate500K, 2},
	{"1.44M", 80, 2, 18, 1 << Rate500K, 4},
	{"1.68M DMF", 80, 2, 21, 1 << Rate500K, 4},
	{"2.88M", 80, 2, 36, 1 << Rate1M, 5},
}

// Index of the media a shortened image is read as.
const (
	media144 = 6
	media288 = 8
)

// MediaFor picks the medium an image of size bytes holds.
//
// Accepted sizes: exactly 163840 (160K), 184320 (180K), 327680 (320K),
// 368640 (360K), 737280 (720K), 1228800 (1.2M), 1474560 (1.44M), 1720320
// (1.68M DMF) or 2949120 (2.88M) bytes; or any other whole number of 512-byte
// sectors up to 2949120 bytes, taken as a shortened image (the missing tail
// reads as zeros) of a 1.44M diskette if it fits one, else of a 2.88M one.
func MediaFor(size int64) (Media, error) {
	for _, m := range knownMedia {
		if m.Size() == size {
			return m, nil
		}
	}
	if size > 0 && size%SectorSize == 0 {
		if size < knownMedia[media144].Size() {
			return knownMedia[media144], nil
		}
		if size < knownMedia[media288].Size() {
			return knownMedia[media288], nil
		}
	}
	return Media{}, fmt.Errorf("fdc: an image of %d bytes is not a floppy: want 160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M or 2.88M (163840 ... 2949120 bytes), or a whole number of 512-byte sectors below 2949120 bytes", size)
}

// Disk is a diskette in a drive: the image's bytes, never written, under a
// sparse overlay of the sectors the guest wrote.
type Disk struct {
	Media    Media
	Size     int64 // bytes the image holds; the rest of Media.Size() reads as zeros
	ReadOnly bool  // the diskette is write-protected
	// WriteErrors counts writes the image refused (persist): those sectors
	// are kept in the overlay instead.
	WriteErrors int
	Overlay     map[uint32][]byte // sector index (LBA) → the 512 bytes the guest last wrote there
	image       io.ReaderAt
	through     io.WriterAt // when set, writes go to the image itself (persist)
}

// ReadAt reads the effective bytes of the diskette: the guest's writes over
// the image, zeros past the image's end, io.EOF at the medium's end.
func (d *Disk) ReadAt(p []byte, off int64) (int, error) {
	end := d.Media.Size()
	if off < 0 {
		return 0, fmt.Errorf("fdc: negative offset %d", off)
	}
	n := 0
	var sec [SectorSize]byte
	for n < len(p) && off < end {
		lba := off / SectorSize
		if err := d.readSector(int(lba), sec[:]); err != nil {
			return n, err
		}
		c := copy(p[n:], sec[off%SectorSize:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Bytes returns the whole effective image, Media.Size() bytes.
func (d *Disk) Bytes() ([]byte, error) {
	b := make([]byte, d.Media.Size())
	_, err := d.ReadAt(b, 0)
	return b, err
}

// sectors is the number of sectors on the medium.
func (d *Disk) sectors() int { return d.Media.Tracks * d.Media.Heads * d.Media.Sectors }

// readSector fills p (512 bytes) with sector lba.
func (d *Disk) readSector(lba int, p []byte) error {
	if s, ok := d.Overlay[uint32(lba)]; ok {
		copy(p, s)
		return nil
	}
	clear(p)
	off := int64(lba) * SectorSize
	if off >= d.Size || d.image == nil {
		return nil
	}
	want := min(int64(len(p)), d.Size-off)
	n, err := d.image.ReadAt(p[:want], off)
	if int64(n) == want || err == io.EOF {
		// An image shorter than it claimed reads as zeros too.
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// writeSector records p (512 bytes) as the new content of sector lba: in
// the image when the diskette persists (falling back to the overlay if the
// file refuses the write, so the guest's data is not lost while it runs),
// else in the overlay.
func (d *Disk) writeSector(lba int, p []byte) {
	if d.through != nil {
		off := int64(lba) * SectorSize
		if _, err := d.through.WriteAt(p[:SectorSize], off); err == nil {
			d.Size = max(d.Size, off+SectorSize)
			delete(d.Overlay, uint32(lba))
			return
		}
		d.WriteErrors++
	}
	if d.Overlay == nil {
		d.Overlay = make(map[uint32][]byte)
	}
	s := make([]byte, SectorSize)
	copy(s, p)
	d.Overlay[uint32(lba)] = s
}
