// Package images knows what do86 boots: the catalog of named images (with
// the embedded demo), their download into a verified cache, the kinds of
// image files (detected by content) and where the firmware is. Just enough to
// turn `do86 run NAME|FILE` into files and a boot kind; it does not open or
// serve the images.
package images

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// Kind is what a file is, as far as booting it goes.
type Kind int

// Kinds of bootable files.
const (
	Unknown   Kind = iota
	Floppy         // a floppy disk image, by its size
	CDROM          // an ISO 9660 image
	HardDisk       // a disk image with an MBR boot signature
	Multiboot      // a kernel with a Multiboot 1 header
	BzImage        // a Linux kernel (x86 boot protocol)
)

var kindNames = [...]string{"unknown", "floppy image", "CD-ROM image (ISO 9660)", "hard disk image", "Multiboot kernel", "Linux kernel (bzImage)"}

// String names the kind as messages show it ("floppy image").
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind %d", int(k))
	}
	return kindNames[k]
}

// FloppySizes are the image sizes taken as floppies, in bytes.
var FloppySizes = []int64{160 << 10, 180 << 10, 320 << 10, 360 << 10, 720 << 10, 1200 << 10, 1440 << 10, 2880 << 10}

// Detection is the result of Detect.
type Detection struct {
	Kind Kind
	Size int64
	// Bootable is false for an ISO without an El Torito boot record.
	Bootable bool
}

// String says what was detected, as `do86 run FILE` reports it:
// "floppy image (1440 KiB)", "CD-ROM image (ISO 9660), El Torito bootable".
func (d Detection) String() string {
	switch d.Kind {
	case Floppy:
		return fmt.Sprintf("%v (%d KiB)", d.Kind, d.Size>>10)
	case CDROM:
		if d.Bootable {
			return d.Kind.String() + ", El Torito bootable"
		}
		return d.Kind.String() + ", not bootable (no El Torito boot record)"
	case HardDisk:
		return fmt.Sprintf("%v (%d MiB)", d.Kind, d.Size>>20)
	}
	return d.Kind.String()
}

// Detect looks at a file and says what it is. The error for an
// unrecognised file lists what was tried; a directory, a named pipe, a
// device or an empty file is refused as what it is.
func Detect(path string) (Detection, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Detection{}, err
	}
	switch m := st.Mode(); {
	case m.IsDir():
		return Detection{}, fmt.Errorf("%s is a directory, not an image", path)
	case m&os.ModeNamedPipe != 0:
		return Detection{}, fmt.Errorf("%s is a named pipe (FIFO), not an image file: images are read at any offset, so give a regular file", path)
	case m&os.ModeSocket != 0:
		return Detection{}, fmt.Errorf("%s is a socket, not an image file", path)
	case m&os.ModeDevice != 0 || m&os.ModeCharDevice != 0:
		return Detection{}, fmt.Errorf("%s is a device, not an image file: copy it to a file first", path)
	case !m.IsRegular():
		return Detection{}, fmt.Errorf("%s is not a regular file", path)
	case st.Size() == 0:
		return Detection{}, fmt.Errorf("%s is empty", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Detection{}, err
	}
	defer f.Close()
	d, ok := DetectReader(f, st.Size())
	if !ok {
		return d, fmt.Errorf("%s: not a recognised image (tried: floppy sizes 160K–2.88M, ISO 9660, MBR boot signature, Multiboot header, Linux bzImage)", path)
	}
	return d, nil
}

// detectHead is how much of the start of a file detection reads.
const detectHead = 64 << 10

// DetectReader says what the size bytes r holds are (Detect for any
// io.ReaderAt); false when they are none of the kinds (Kind Unknown). It
// reads at most 64 KiB at the start and a few ISO 9660 volume descriptors,
// whatever size claims.
func DetectReader(r io.ReaderAt, size int64) (Detection, bool) {
	d := Detection{Size: size}
	head := make([]byte, min(max(size, 0), detectHead))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]

	// ISO 9660: "CD001" at 32 KiB + 1; El Torito: a boot record volume
	// descriptor (type 0) naming "EL TORITO SPECIFICATION".
	var pvd [2048]byte
	if _, err := r.ReadAt(pvd[:], 16*2048); err == nil && string(pvd[1:6]) == "CD001" {
		d.Kind = CDROM
		for i := int64(16); i < 32; i++ {
			var vd [2048]byte
			if _, err := r.ReadAt(vd[:], i*2048); err != nil || string(vd[1:6]) != "CD001" {
				break
			}
			if vd[0] == 0 && strings.HasPrefix(string(vd[7:39]), "EL TORITO SPECIFICATION") {
				d.Bootable = true
			}
			if vd[0] == 255 {
				break
			}
		}
		return d, true
	}
	if len(head) >= 0x206 && string(head[0x202:0x206]) == "HdrS" && binary.LittleEndian.Uint16(head[0x1FE:]) == 0xAA55 {
		d.Kind = BzImage
		return d, true
	}
	if hasMultiboot(head) {
		d.Kind = Multiboot
		return d, true
	}
	for _, s := range FloppySizes {
		if d.Size == s {
			d.Kind = Floppy
			return d, true
		}
	}
	if len(head) >= 512 && head[510] == 0x55 && head[511] == 0xAA {
		d.Kind = HardDisk
		return d, true
	}
	return d, false
}

// hasMultiboot finds a Multiboot 1 header (magic, flags, checksum summing to
// zero) 4-byte aligned in the first 8 KiB.
func hasMultiboot(b []byte) bool {
	for off := 0; off+12 <= len(b) && off < 8192; off += 4 {
		if !bytes.Equal(b[off:off+4], []byte{0x02, 0xB0, 0xAD, 0x1B}) {
			continue
		}
		magic := binary.LittleEndian.Uint32(b[off:])
		flags := binary.LittleEndian.Uint32(b[off+4:])
		sum := binary.LittleEndian.Uint32(b[off+8:])
		if magic+flags+sum == 0 {
			return true
		}
	}
	return false
}
