// Package disk is the storage behind every emulated drive (IDE disks and
// CD-ROMs, AHCI disks): a raw image file seen as 512-byte sectors, opened
// read-only with the guest's writes kept in a sparse copy-on-write overlay (in
// memory, or in an overlay file), or written through to the image on request.
//
// Just enough for emulated drives: raw images only (no qcow2, no VHD), no cache
// beyond the host's, and no locking: one goroutine, the machine's, owns a Disk.
package disk

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// SectorSize is the size of the sectors a Disk is addressed in.
const SectorSize = 512

// Errors of sector accesses.
var (
	// ErrReadOnly is returned by WriteSectors on a read-only disk.
	ErrReadOnly = errors.New("disk: read-only")
	// ErrRange is returned for accesses beyond the last sector or of a
	// length that is not a whole number of sectors.
	ErrRange = errors.New("disk: access out of range")
)

// Options says how an image is opened.
type Options struct {
	// Persist writes the guest's writes through to the image file, which is
	// then opened read-write. It excludes OverlayPath.
	Persist bool
	// OverlayPath, when set, keeps the guest's writes in this overlay file
	// (created if missing or empty, mode 0600) instead of in memory, so that they
	// outlive the process. The file remembers the image it belongs to and is
	// refused over any other.
	OverlayPath string
	// ReadOnly makes the disk refuse writes (a CD-ROM). Persist and
	// OverlayPath are then ignored: there is nothing to keep.
	ReadOnly bool
}

// Disk is a disk image as a drive sees it: Sectors() sectors of SectorSize
// bytes. An image whose size is not a whole number of sectors reads as if
// padded with zeros.
type Disk struct {
	name     string
	base     *os.File // the image; nil for a blank disk
	baseSize int64    // bytes in the image when opened
	sectors  uint64
	readOnly bool
	persist  bool
	ov       overlay             // the guest's writes, unless persist
	written  map[uint64]struct{} // persist: sectors written since Open
}

// overlay holds the sectors the guest wrote, each SectorSize bytes.
type overlay interface {
	has(lba uint64) bool
	read(lba uint64, p []byte) error
	write(lba uint64, p []byte) error
	list() []uint64
	flush() error
	close() error
}

// Open opens the raw image at path. Unless opts.Persist is set the file is
// only read: the guest's writes go to an overlay in memory or, with
// opts.OverlayPath, in a file. Errors name the file.
func Open(path string, opts Options) (*Disk, error) {
	if opts.ReadOnly {
		opts.Persist, opts.OverlayPath = false, ""
	}
	if opts.Persist && opts.OverlayPath != "" {
		return nil, fmt.Errorf("disk image %s: persist and an overlay file exclude each other", path)
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("disk image %s: no such file", path)
	case err != nil:
		return nil, fmt.Errorf("disk image %s: %w", path, unwrapPath(err))
	case st.IsDir():
		return nil, fmt.Errorf("disk image %s: is a directory", path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("disk image %s: not a regular file", path)
	case st.Size() == 0:
		return nil, fmt.Errorf("disk image %s: empty file", path)
	}
	flag := os.O_RDONLY
	if opts.Persist {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("disk image %s: %w", path, unwrapPath(err))
	}
	d := &Disk{
		name:     path,
		base:     f,
		baseSize: st.Size(),
		sectors:  uint64((st.Size() + SectorSize - 1) / SectorSize),
		readOnly: opts.ReadOnly,
		persist:  opts.Persist,
	}
	switch {
	case opts.Persist:
		d.written = map[uint64]struct{}{}
	case opts.OverlayPath != "":
		ov, err := openFileOverlay(opts.OverlayPath, d)
		if err != nil {
			f.Close()
			return nil, err
		}
		d.ov = ov
	default:
		d.ov = newMemOverlay()
	}
	return d, nil
}

// unwrapPath drops the operation and path of an *os.PathError, which the
// callers' messages already name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// NewBlank returns a zeroed disk of size bytes (rounded up to whole sectors)
// held in memory, such as a scratch AHCI disk.
func NewBlank(size int64) *Disk {
	if size < 0 {
		size = 0
	}
	return &Disk{
		name:     "blank disk",
		baseSize: size,
		sectors:  uint64((size + SectorSize - 1) / SectorSize),
		ov:       newMemOverlay(),
	}
}

// Name returns the image's path ("blank disk" for NewBlank).
func (d *Disk) Name() string { return d.name }

// Sectors returns the number of sectors, the image's size rounded up.
func (d *Disk) Sectors() uint64 { return d.sectors }

// Size returns the disk's size in bytes, Sectors() * SectorSize.
func (d *Disk) Size() int64 { return int64(d.sectors) * SectorSize }

// ReadOnly reports whether the disk refuses writes.
func (d *Disk) ReadOnly() bool { return d.readOnly }

func (d *Disk) check(lba uint64, n int) error {
	if n%SectorSize != 0 || lba > d.sectors || uint64(n/SectorSize) > d.sectors-lba {
		return ErrRange
	}
	return nil
}

// ReadSectors fills p, a whole number of sectors, from sector lba on.
func (d *Disk) ReadSectors(lba uint64, p []byte) error {
	if err := d.check(lba, len(p)); err != nil {
		return err
	}
	n := uint64(len(p) / SectorSize)
	for i := uint64(0); i < n; {
		if d.ov != nil && d.ov.has(lba+i) {
			if err := d.ov.read(lba+i, p[i*SectorSize:(i+1)*SectorSize]); err != nil {
				return fmt.Errorf("disk image %s: overlay: %w", d.name, err)
			}
			i++
			continue
		}
		// A run of sectors the guest never wrote comes from the image in one read.
		j := i + 1
		for j < n && (d.ov == nil || !d.ov.has(lba+j)) {
			j++
		}
		if err := d.readBase(lba+i, p[i*SectorSize:j*SectorSize]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// readBase reads the image itself; bytes past its end read as zeros.
func (d *Disk) readBase(lba uint64, p []byte) error {
	if d.base == nil {
		clear(p)
		return nil
	}
	n, err := d.base.ReadAt(p, int64(lba)*SectorSize)
	if err != nil && err != io.EOF {
		return fmt.Errorf("disk image %s: %w", d.name, unwrapPath(err))
	}
	clear(p[n:])
	return nil
}

// WriteSectors writes p, a whole number of sectors, from sector lba on: to
// the overlay, or to the image with Persist.
func (d *Disk) WriteSectors(lba uint64, p []byte) error {
	if d.readOnly {
		return ErrReadOnly
	}
	if err := d.check(lba, len(p)); err != nil {
		return err
	}
	n := uint64(len(p) / SectorSize)
	if d.persist {
		// A write to the padded last sector grows the file to whole sectors.
		if _, err := d.base.WriteAt(p, int64(lba)*SectorSize); err != nil {
			return fmt.Errorf("disk image %s: %w", d.name, unwrapPath(err))
		}
		for i := uint64(0); i < n; i++ {
			d.written[lba+i] = struct{}{}
		}
		return nil
	}
	for i := uint64(0); i < n; i++ {
		if err := d.ov.write(lba+i, p[i*SectorSize:(i+1)*SectorSize]); err != nil {
			return fmt.Errorf("disk image %s: overlay: %w", d.name, err)
		}
	}
	return nil
}

// Changed returns, in increasing order, the sectors the guest has written
// since the disk was opened (with an overlay file: ever, over this image).
func (d *Disk) Changed() []uint64 {
	if d.ov != nil {
		return d.ov.list()
	}
	l := make([]uint64, 0, len(d.written))
	for lba := range d.written {
		l = append(l, lba)
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l
}

// Flush makes the guest's writes durable on the host (an fsync of the image
// with Persist, or of the overlay file).
func (d *Disk) Flush() error {
	var err error
	if d.ov != nil {
		err = d.ov.flush()
	} else if d.persist {
		err = d.base.Sync()
	}
	if err != nil {
		return fmt.Errorf("disk image %s: %w", d.name, unwrapPath(err))
	}
	return nil
}

// Close flushes and closes the files. The Disk is unusable afterwards.
func (d *Disk) Close() error {
	err := d.Flush()
	if d.ov != nil {
		if e := d.ov.close(); err == nil {
			err = e
		}
	}
	if d.base != nil {
		if e := d.base.Close(); err == nil {
			err = e
		}
	}
	return err
}
