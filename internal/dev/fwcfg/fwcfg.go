// Package fwcfg emulates QEMU's firmware configuration device (fw_cfg) on
// its legacy I/O ports: a 16-bit selector at 0x510 and a byte-wide data port
// at 0x511. SeaBIOS (QEMU build) reads the machine's description from it.
//
// Just enough for SeaBIOS: numbered items and named files with the file
// directory; no DMA interface (the ID item says so) and no guest writes.
package fwcfg

import (
	"encoding/binary"
	"sort"
)

// Item selectors of the fw_cfg specification.
const (
	Signature    = 0x00
	ID           = 0x01
	NbCPUs       = 0x05
	MaxCPUs      = 0x0F
	FileDir      = 0x19
	KernelAddr   = 0x07
	KernelSize   = 0x08
	KernelCmd    = 0x09
	InitrdAddr   = 0x0A
	InitrdSize   = 0x0B
	KernelEntry  = 0x10
	KernelData   = 0x11
	InitrdData   = 0x12
	CmdlineAddr  = 0x13
	CmdlineSize  = 0x14
	CmdlineData  = 0x15
	SetupAddr    = 0x16
	SetupSize    = 0x17
	SetupData    = 0x18
	firstFileKey = 0x20
)

// Device is the fw_cfg device. Register it for two ports at 0x510.
type Device struct {
	items map[uint16][]byte
	files map[string][]byte

	sel uint16
	off int
	cur []byte
}

// New returns a device answering the QEMU signature, an ID without DMA, and
// one CPU.
func New() *Device {
	d := &Device{items: map[uint16][]byte{}, files: map[string][]byte{}}
	d.SetItem(Signature, []byte("QEMU"))
	d.SetItem(ID, le32(0))
	d.SetItem(NbCPUs, le16(1))
	d.SetItem(MaxCPUs, le16(1))
	d.rebuildDir()
	return d
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// LE16 and LE32 encode little-endian integers, the form of numeric items.
func LE16(v uint16) []byte { return le16(v) }

// LE32 encodes a 32-bit little-endian item.
func LE32(v uint32) []byte { return le32(v) }

// SetItem sets numbered item key.
func (d *Device) SetItem(key uint16, data []byte) { d.items[key] = data }

// SetFile adds or replaces the named file.
func (d *Device) SetFile(name string, data []byte) {
	d.files[name] = data
	d.rebuildDir()
}

// File returns a file's content (nil if absent).
func (d *Device) File(name string) []byte { return d.files[name] }

// rebuildDir assigns file selectors in name order and writes the directory:
// a big-endian count, then per file its size, selector, a reserved word and
// a 56-byte name.
func (d *Device) rebuildDir() {
	names := make([]string, 0, len(d.files))
	for n := range d.files {
		names = append(names, n)
	}
	sort.Strings(names)
	dir := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	for i, n := range names {
		key := uint16(firstFileKey + i)
		d.items[key] = d.files[n]
		dir = binary.BigEndian.AppendUint32(dir, uint32(len(d.files[n])))
		dir = binary.BigEndian.AppendUint16(dir, key)
		dir = append(dir, 0, 0)
		var name [56]byte
		copy(name[:55], n)
		dir = append(dir, name[:]...)
	}
	d.items[FileDir] = dir
}

// Reset forgets the selected item.
func (d *Device) Reset() { d.sel, d.off, d.cur = 0, 0, d.items[0] }

// ReadPort serves 0x510 (selector, reads back the selector) and 0x511
// (data: the next byte of the selected item, 0 past its end or for an
// unknown item — SeaBIOS reads some legacy items blindly).
func (d *Device) ReadPort(off uint16, size int) uint32 {
	if off == 0 {
		return uint32(d.sel)
	}
	var v uint32
	for i := 0; i < size; i++ {
		var b byte
		if d.off < len(d.cur) {
			b = d.cur[d.off]
		}
		d.off++
		v |= uint32(b) << (8 * i)
	}
	return v
}

// WritePort selects an item through 0x510; writes to the data port are
// ignored.
func (d *Device) WritePort(off uint16, size int, v uint32) {
	if off != 0 {
		return
	}
	d.sel = uint16(v)
	d.off = 0
	d.cur = d.items[d.sel&^0x4000] // bit 14 asks for write access
}
