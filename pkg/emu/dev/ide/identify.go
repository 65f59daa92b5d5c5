package ide

import (
	"encoding/binary"
	"fmt"
)

// Identity strings of the drives.
const (
	diskModel   = "DO86 HARDDISK"
	cdModel     = "DO86 CD-ROM"
	firmwareRev = "1.0"
)

// identifyWords is the 256-word IDENTIFY (PACKET) DEVICE data being built.
type identifyWords [256]uint16

// str stores s in words from..from+n-1, two characters a word, the first in
// the high byte, padded with spaces.
func (w *identifyWords) str(from, n int, s string) {
	b := padded(s, 2*n)
	for i := 0; i < n; i++ {
		w[from+i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
}

// bytes returns the data as the host reads it, with the integrity word.
func (w *identifyWords) bytes() []byte {
	b := make([]byte, 512)
	w[255] = 0x00A5
	for i, v := range w {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	var sum byte
	for _, v := range b[:511] {
		sum += v
	}
	b[511] = -sum // checksum: all 512 bytes add up to zero
	return b
}

func (d *drive) serial() string {
	return fmt.Sprintf("DO86-%d%d-%08X", d.ch.index(), d.slot, d.capacityHint())
}

func (d *drive) capacityHint() uint32 {
	if d.disk == nil {
		return 0
	}
	return uint32(d.disk.Sectors())
}

// transferModes fills words 63 and 88: the DMA modes supported and the one
// SET FEATURES selected.
func (d *drive) transferModes(w *identifyWords) {
	w[63] = 0x0007 // multiword DMA 0–2
	w[88] = 0x003F // Ultra DMA 0–5
	switch n := d.XferMode & 7; d.XferMode &^ 7 {
	case xferMWDMA:
		w[63] |= 0x100 << n
	case xferUDMA:
		w[88] |= 0x100 << n
	}
	w[64] = 0x0003 // PIO modes 3 and 4
	w[65], w[66], w[67], w[68] = 120, 120, 120, 120
}

// identify returns the IDENTIFY DEVICE data of an ATA disk.
func (d *drive) identify() []byte {
	var w identifyWords
	sectors := d.disk.Sectors()
	cyls := min(sectors/(defaultHeads*defaultSPT), 16383)
	w[0] = 0x0040 // fixed disk
	w[1] = uint16(cyls)
	w[3] = defaultHeads
	w[4] = 512 * defaultSPT // unformatted bytes per track (obsolete)
	w[5] = 512
	w[6] = defaultSPT
	w.str(10, 10, d.serial())
	w[20], w[21], w[22] = 3, 512, 4 // buffer type, size, ECC bytes
	w.str(23, 4, firmwareRev)
	w.str(27, 20, diskModel)
	w[47] = 0x8000 | maxMultiple
	w[49] = 0x0300 // LBA, DMA
	w[50] = 0x4000
	w[51], w[52] = 0x0200, 0x0200 // PIO and DMA timing (obsolete)
	w[53] = 0x0007                // words 54–58, 64–70 and 88 are valid
	// The current CHS translation and its capacity.
	h, s := uint64(d.Heads), uint64(d.SPT)
	cur := min(sectors/(h*s), 65535)
	w[54], w[55], w[56] = uint16(cur), uint16(h), uint16(s)
	capCHS := uint32(cur * h * s)
	w[57], w[58] = uint16(capCHS), uint16(capCHS>>16)
	if d.Multiple != 0 {
		w[59] = 0x0100 | uint16(d.Multiple)
	}
	lba28 := uint32(min(sectors, 0x0FFFFFFF))
	w[60], w[61] = uint16(lba28), uint16(lba28>>16)
	d.transferModes(&w)
	w[80] = 0x00F0 // ATA/ATAPI-4 to -7
	w[82] = 0x4068 // NOP, look-ahead, write cache, power management
	w[83] = 0x7400 // FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses
	w[84] = 0x4000
	w[85] = 0x4068
	w[86] = 0x3400
	w[87] = 0x4000
	w[93] = 0x6001 // 80-conductor cable
	for i := 0; i < 4; i++ {
		w[100+i] = uint16(sectors >> (16 * i))
	}
	return w.bytes()
}

// identifyPacket returns the IDENTIFY PACKET DEVICE data of a CD-ROM drive.
func (d *drive) identifyPacket() []byte {
	var w identifyWords
	// ATAPI, CD-ROM, removable, DRQ within 50 µs of PACKET, 12-byte packets.
	w[0] = 0x8000 | 0x05<<8 | 0x80 | 0x40
	w.str(10, 10, d.serial())
	w.str(23, 4, firmwareRev)
	w.str(27, 20, cdModel)
	w[49] = 0x0300 // LBA, DMA
	w[53] = 0x0006 // words 64–70 and 88 are valid
	d.transferModes(&w)
	w[80] = 0x00F0
	w[82] = 0x4210 // NOP, DEVICE RESET, PACKET
	w[83] = 0x4000
	w[84] = 0x4000
	w[85] = 0x4210
	w[87] = 0x4000
	w[93] = 0x6001
	return w.bytes()
}
