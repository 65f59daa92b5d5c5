package ahci

import (
	"encoding/binary"
	"fmt"
)

// Identity strings of the disks.
const (
	diskModel   = "DO86 SATA HARDDISK"
	firmwareRev = "1.0"
)

// putString stores s in IDENTIFY words from on, n words long: two
// characters a word, the first in the high byte, padded with spaces.
func putString(w []uint16, from, n int, s string) {
	for i := 0; i < n; i++ {
		hi, lo := byte(' '), byte(' ')
		if 2*i < len(s) {
			hi = s[2*i]
		}
		if 2*i+1 < len(s) {
			lo = s[2*i+1]
		}
		w[from+i] = uint16(hi)<<8 | uint16(lo)
	}
}

// identify returns the 512 bytes of IDENTIFY DEVICE data of the port's disk:
// a SATA disk of 512-byte sectors with LBA48, DMA, NCQ (32 tags) and a
// write cache that FLUSH CACHE empties.
func (p *Port) identify() []byte {
	var w [256]uint16
	sectors := p.disk.Sectors()
	w[0] = 0x0040 // fixed disk
	cyls := min(sectors/(defaultHeads*defaultSPT), 16383)
	w[1], w[3], w[6] = uint16(cyls), defaultHeads, defaultSPT
	putString(w[:], 10, 10, fmt.Sprintf("DO86-AHCI%d-%08X", p.index, uint32(sectors)))
	putString(w[:], 23, 4, firmwareRev)
	putString(w[:], 27, 20, diskModel)
	w[47] = 0x8000 | maxMultiple
	w[49] = 0x0B00 // IORDY, LBA, DMA
	w[53] = 0x0007 // words 54–58, 64–70 and 88 are valid
	// The current CHS translation and its capacity.
	h, s := uint64(p.Heads), uint64(p.SPT)
	cur := min(sectors/(h*s), 65535)
	w[54], w[55], w[56] = uint16(cur), uint16(h), uint16(s)
	chs := uint32(cur * h * s)
	w[57], w[58] = uint16(chs), uint16(chs>>16)
	if p.Multiple != 0 {
		w[59] = 0x0100 | uint16(p.Multiple)
	}
	lba28 := uint32(min(sectors, 0x0FFFFFFF))
	w[60], w[61] = uint16(lba28), uint16(lba28>>16)
	w[63] = 0x0007 // multiword DMA 0–2
	w[64] = 0x0003 // PIO 3 and 4
	w[65], w[66], w[67], w[68] = 120, 120, 120, 120
	w[75] = numSlots - 1 // queue depth 32
	w[76] = 0x0106       // NCQ, SATA 1.5 and 3 Gb/s
	w[80] = 0x01F0       // ATA/ATAPI-4 to ATA8-ACS
	w[82] = 0x4068       // NOP, look-ahead, write cache, power management
	w[83] = 0x7400       // FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses
	w[84] = 0x4000
	w[85] = 0x4068 // the same, enabled
	w[86] = 0x3400
	w[87] = 0x4000
	w[88] = 0x203F // Ultra DMA 0–5, mode 5 selected
	for i := 0; i < 4; i++ {
		w[100+i] = uint16(sectors >> (16 * i))
	}
	w[106] = 0x4000 // one 512-byte logical sector per physical sector
	w[255] = 0x00A5 // integrity word signature; the checksum follows
	b := make([]byte, 512)
	for i, v := range w {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	var sum byte
	for _, v := range b[:511] {
		sum += v
	}
	b[511] = -sum // all 512 bytes add up to zero
	return b
}
