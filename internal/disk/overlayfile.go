package disk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
)

// The overlay file format (all integers little-endian):
//
//	offset  size  field
//	0       8     magic "DO86COW1"
//	8       4     version, 1
//	12      4     sector size, 512
//	16      8     size in bytes of the image the overlay belongs to
//	24      8     sectors of the disk (that size rounded up)
//	32      4     CRC-32 (IEEE) of the image's first min(size, 64 KiB) bytes
//	36      4     CRC-32 (IEEE) of bytes 0-35 (0 in files of earlier
//	              do86 builds: not checked)
//	40      8     offset of the sector map (4096)
//	48      8     offset of the sector data
//	...           zeros up to 4096
//
// The sector map has one bit per sector (bit n%64 of 64-bit word n/64) set
// once sector n was written. Sector n's data is at dataOffset + n*512, written
// only for sectors in the map, so the file stays sparse on the host. The
// image's size and first bytes tie the overlay to its image: an overlay
// reused over another image is refused. A file shorter than its sector
// map, or than the data of a sector its map marks, is damaged and refused.
const (
	overlayMagic      = "DO86COW1"
	overlayVersion    = 1
	overlayHeaderSize = 4096
	overlayCRCSpan    = 64 << 10
)

// fileOverlay keeps written sectors in an overlay file; the sector map lives
// in memory as well and each newly set bit is written at once.
type fileOverlay struct {
	f       *os.File
	path    string
	bitmap  []uint64
	dataOff int64
}

// baseCRC returns the CRC-32 of the image's first bytes.
func baseCRC(d *Disk) (uint32, error) {
	n := min(d.baseSize, overlayCRCSpan)
	p := make([]byte, n)
	if _, err := d.base.ReadAt(p, 0); err != nil && err != io.EOF {
		return 0, fmt.Errorf("disk image %s: %w", d.name, unwrapPath(err))
	}
	return crc32.ChecksumIEEE(p), nil
}

// openFileOverlay opens or creates the overlay file at path for the image of d.
func openFileOverlay(path string, d *Disk) (*fileOverlay, error) {
	crc, err := baseCRC(d)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("overlay %s: is a directory", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("overlay %s: %w", path, unwrapPath(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("overlay %s: %w", path, unwrapPath(err))
	}
	words := (d.sectors + 63) / 64
	o := &fileOverlay{
		f:       f,
		path:    path,
		bitmap:  make([]uint64, words),
		dataOff: roundUp(overlayHeaderSize+int64(words)*8, overlayHeaderSize),
	}
	if st.Size() == 0 {
		err = o.create(d, crc)
	} else {
		err = o.load(d, crc, st.Size())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return o, nil
}

func roundUp(n, to int64) int64 { return (n + to - 1) / to * to }

// create writes the header and an empty sector map to a new overlay file.
func (o *fileOverlay) create(d *Disk, crc uint32) error {
	h := make([]byte, overlayHeaderSize)
	copy(h, overlayMagic)
	binary.LittleEndian.PutUint32(h[8:], overlayVersion)
	binary.LittleEndian.PutUint32(h[12:], SectorSize)
	binary.LittleEndian.PutUint64(h[16:], uint64(d.baseSize))
	binary.LittleEndian.PutUint64(h[24:], d.sectors)
	binary.LittleEndian.PutUint32(h[32:], crc)
	binary.LittleEndian.PutUint64(h[40:], overlayHeaderSize)
	binary.LittleEndian.PutUint64(h[48:], uint64(o.dataOff))
	binary.LittleEndian.PutUint32(h[36:], crc32.ChecksumIEEE(h[:36]))
	if _, err := o.f.WriteAt(h, 0); err != nil {
		return fmt.Errorf("overlay %s: %w", o.path, unwrapPath(err))
	}
	// The map reads as zeros until written: size the file to the data start.
	if err := o.f.Truncate(o.dataOff); err != nil {
		return fmt.Errorf("overlay %s: %w", o.path, unwrapPath(err))
	}
	return nil
}

// damaged is the error for an overlay file that cannot be read as written:
// do86 never guesses the sectors it lost.
func (o *fileOverlay) damaged(format string, a ...any) error {
	return fmt.Errorf("overlay %s is damaged: %s; do86 will not guess the lost sectors (keep the file to recover them, or move it away to start a new overlay)",
		o.path, fmt.Sprintf(format, a...))
}

// load checks an existing overlay file of size bytes against the image and
// reads its sector map. A file cut short (its map, or the data of a sector
// the map names, beyond its end), a header whose padding or checksum is
// wrong, or map bits past the disk's last sector make it damaged: refused,
// never read as if the missing bytes were zeros.
func (o *fileOverlay) load(d *Disk, crc uint32, size int64) error {
	h := make([]byte, overlayHeaderSize)
	n, err := o.f.ReadAt(h, 0)
	if err != nil && err != io.EOF {
		return fmt.Errorf("overlay %s: %w", o.path, unwrapPath(err))
	}
	if n < len(overlayMagic) || !bytes.Equal(h[:8], []byte(overlayMagic)) {
		return fmt.Errorf("overlay %s: not a do86 overlay file", o.path)
	}
	if n < overlayHeaderSize {
		return o.damaged("%d bytes, shorter than its %d-byte header", size, overlayHeaderSize)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != overlayVersion {
		return fmt.Errorf("overlay %s: unsupported version %d", o.path, v)
	}
	if sum := binary.LittleEndian.Uint32(h[36:]); sum != 0 && sum != crc32.ChecksumIEEE(h[:36]) {
		return o.damaged("its header does not match its checksum")
	}
	if !isZero(h[56:]) {
		return o.damaged("its header's padding is not zero")
	}
	imgSize := int64(binary.LittleEndian.Uint64(h[16:]))
	if imgSize != d.baseSize {
		return fmt.Errorf("overlay %s belongs to an image of %d bytes, not to %s (%d bytes)",
			o.path, imgSize, d.name, d.baseSize)
	}
	if binary.LittleEndian.Uint32(h[12:]) != SectorSize ||
		binary.LittleEndian.Uint64(h[24:]) != d.sectors ||
		binary.LittleEndian.Uint64(h[40:]) != overlayHeaderSize ||
		int64(binary.LittleEndian.Uint64(h[48:])) != o.dataOff {
		return o.damaged("its header's layout fields are wrong")
	}
	if binary.LittleEndian.Uint32(h[32:]) != crc {
		return fmt.Errorf("overlay %s belongs to another image than %s (contents differ)", o.path, d.name)
	}
	mapEnd := int64(overlayHeaderSize) + int64(len(o.bitmap))*8
	if size < mapEnd {
		return o.damaged("truncated to %d bytes, its sector map ends at byte %d", size, mapEnd)
	}
	m := make([]byte, len(o.bitmap)*8)
	if _, err := o.f.ReadAt(m, overlayHeaderSize); err != nil {
		return fmt.Errorf("overlay %s: reading its sector map: %w", o.path, unwrapPath(err))
	}
	for i := range o.bitmap {
		o.bitmap[i] = binary.LittleEndian.Uint64(m[i*8:])
	}
	if extra := d.sectors % 64; extra != 0 && o.bitmap[len(o.bitmap)-1]>>extra != 0 {
		return o.damaged("its sector map marks sectors past the disk's %d", d.sectors)
	}
	if last, ok := o.last(); ok {
		if end := o.dataOff + int64(last+1)*SectorSize; size < end {
			return o.damaged("truncated to %d bytes, but sector %d it holds ends at byte %d", size, last, end)
		}
	}
	return nil
}

// last returns the highest sector the map marks.
func (o *fileOverlay) last() (uint64, bool) {
	for w := len(o.bitmap) - 1; w >= 0; w-- {
		if b := o.bitmap[w]; b != 0 {
			return uint64(w)*64 + uint64(63-bits.LeadingZeros64(b)), true
		}
	}
	return 0, false
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (o *fileOverlay) has(lba uint64) bool { return o.bitmap[lba/64]&(1<<(lba%64)) != 0 }

// read reads a sector the map marks; one whose data is not in the file (it
// was cut short while in use) is an error, never zeros.
func (o *fileOverlay) read(lba uint64, p []byte) error {
	_, err := o.f.ReadAt(p, o.dataOff+int64(lba)*SectorSize)
	if err == io.EOF {
		return o.damaged("sector %d it holds is missing from the file", lba)
	}
	return err
}

func (o *fileOverlay) write(lba uint64, p []byte) error {
	if _, err := o.f.WriteAt(p, o.dataOff+int64(lba)*SectorSize); err != nil {
		return err
	}
	if o.has(lba) {
		return nil
	}
	// The data first, then its bit: a crash never maps a sector never written.
	w := lba / 64
	o.bitmap[w] |= 1 << (lba % 64)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], o.bitmap[w])
	_, err := o.f.WriteAt(b[:], overlayHeaderSize+int64(w)*8)
	return err
}

func (o *fileOverlay) list() []uint64 {
	var l []uint64
	for w, bits := range o.bitmap {
		for i := uint64(0); bits != 0; i++ {
			if bits&1 != 0 {
				l = append(l, uint64(w)*64+i)
			}
			bits >>= 1
		}
	}
	return l
}

func (o *fileOverlay) flush() error { return o.f.Sync() }
func (o *fileOverlay) close() error { return o.f.Close() }
