package ata

import "encoding/binary"

// IdentifyParams describes a drive for its IDENTIFY (PACKET) DEVICE data.
// The zero value of each option leaves its words out.
type IdentifyParams struct {
	// Packet makes the data IDENTIFY PACKET DEVICE of an ATAPI CD-ROM
	// drive: no capacity, geometry or multiple-sector words.
	Packet bool
	// Model, SerialNumber and Firmware are the identity strings (words
	// 27–46, 10–19 and 23–26), cut or padded with spaces.
	Model, SerialNumber, Firmware string
	// Sectors is the capacity in 512-byte sectors (words 60–61, 100–103;
	// the default translation's cylinders in word 1).
	Sectors uint64
	// Heads and SPT are the current CHS translation that INITIALIZE DEVICE
	// PARAMETERS set (words 54–58).
	Heads, SPT uint8
	// Multiple is the READ/WRITE MULTIPLE block SET MULTIPLE MODE set, 0 if
	// none (word 59).
	Multiple int
	// XferMode is the transfer mode SET FEATURES selected (XferMWDMA or
	// XferUDMA with a mode number), shown in words 63 and 88.
	XferMode uint8
	// Major is the newest ATA standard the drive claims (word 80), from 4:
	// 7 for ATA/ATAPI-7, 8 for ATA8-ACS.
	Major int
	// Parallel adds the words of a parallel ATA drive: obsolete geometry,
	// buffer and timing words (4–5, 20–22, 50–52) and an 80-conductor cable
	// (word 93).
	Parallel bool
	// IORDY claims IORDY support (word 49 bit 11).
	IORDY bool
	// SATA adds the Serial ATA words: 1.5 and 3 Gb/s signalling (word 76)
	// and one logical sector per physical sector (word 106).
	SATA bool
	// NCQDepth is the native command queue depth (words 75–76), 0 for none.
	NCQDepth int
}

// IdentifyData is the 256 words of IDENTIFY (PACKET) DEVICE data.
type IdentifyData [256]uint16

// putString stores s in words from..from+n-1: two characters a word, the
// first in the high byte, padded with spaces.
func (w *IdentifyData) putString(from, n int, s string) {
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

// Bytes returns the data as the host reads it: each word little-endian.
func (w IdentifyData) Bytes() []byte {
	b := make([]byte, 512)
	for i, v := range w {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// Identify builds the IDENTIFY DEVICE data of a disk, or IDENTIFY PACKET
// DEVICE data when p.Packet, ending in the integrity word (signature A5h and
// a checksum that makes all 512 bytes add up to zero).
func Identify(p IdentifyParams) IdentifyData {
	var w IdentifyData
	if p.Packet {
		// ATAPI, CD-ROM, removable, DRQ within 50 µs of PACKET, 12-byte
		// command packets.
		w[0] = 0x8000 | 0x05<<8 | 0x80 | 0x40
	} else {
		w[0] = 0x0040 // fixed disk
		w[1] = uint16(min(p.Sectors/(DefaultHeads*DefaultSPT), 16383))
		w[3], w[6] = DefaultHeads, DefaultSPT
		if p.Parallel {
			w[4], w[5] = 512*DefaultSPT, 512 // unformatted bytes per track, sector
		}
	}
	w.putString(10, 10, p.SerialNumber)
	w.putString(23, 4, p.Firmware)
	w.putString(27, 20, p.Model)
	w[49] = 0x0300 // LBA, DMA
	if p.IORDY {
		w[49] |= 0x0800
	}
	w[53] = 0x0006 // words 64–70 and 88 are valid
	if !p.Packet {
		p.disk(&w)
	}
	w[63] = 0x0007 // multiword DMA 0–2
	w[88] = 0x003F // Ultra DMA 0–5
	switch n := p.XferMode & 7; p.XferMode &^ 7 {
	case XferMWDMA:
		w[63] |= 0x100 << n
	case XferUDMA:
		w[88] |= 0x100 << n
	}
	w[64] = 0x0003 // PIO modes 3 and 4
	w[65], w[66], w[67], w[68] = 120, 120, 120, 120
	if p.NCQDepth > 0 {
		w[75] = uint16(p.NCQDepth - 1)
		w[76] |= 0x0100
	}
	if p.SATA {
		w[76] |= 0x0006 // Gen1 and Gen2 signalling speeds
	}
	for v := 4; v <= p.Major; v++ {
		w[80] |= 1 << v
	}
	if p.Packet {
		w[82], w[85] = 0x4210, 0x4210 // NOP, DEVICE RESET, PACKET; enabled
		w[83], w[84], w[87] = 0x4000, 0x4000, 0x4000
	} else {
		w[82] = 0x4068 // NOP, look-ahead, write cache, power management
		w[83] = 0x7400 // FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses
		w[84] = 0x4000
		w[85] = 0x4068 // the same, enabled
		w[86] = 0x3400
		w[87] = 0x4000
		for i := 0; i < 4; i++ {
			w[100+i] = uint16(p.Sectors >> (16 * i))
		}
		if p.SATA {
			w[106] = 0x4000 // one 512-byte logical sector per physical sector
		}
	}
	if p.Parallel {
		w[93] = 0x6001 // 80-conductor cable
	}
	w.seal()
	return w
}

// disk fills the words only an ATA disk has: buffer, multiple, timing and
// capacity.
func (p *IdentifyParams) disk(w *IdentifyData) {
	if p.Parallel {
		w[20], w[21], w[22] = 3, 512, 4 // buffer type, size, ECC bytes
		w[50] = 0x4000
		w[51], w[52] = 0x0200, 0x0200 // PIO and DMA timing (obsolete)
	}
	w[47] = 0x8000 | MaxMultiple
	w[53] |= 0x0001 // words 54–58 are valid too
	h, s := uint64(p.Heads), uint64(p.SPT)
	cur := min(p.Sectors/(h*s), 65535)
	w[54], w[55], w[56] = uint16(cur), uint16(h), uint16(s)
	chs := uint32(cur * h * s)
	w[57], w[58] = uint16(chs), uint16(chs>>16)
	if p.Multiple != 0 {
		w[59] = 0x0100 | uint16(p.Multiple)
	}
	lba28 := uint32(min(p.Sectors, 0x0FFFFFFF))
	w[60], w[61] = uint16(lba28), uint16(lba28>>16)
}

// seal sets the integrity word: signature A5h in the low byte and, in the
// high byte, the checksum that makes all 512 bytes add up to zero.
func (w *IdentifyData) seal() {
	sum := byte(0xA5)
	for _, v := range w[:255] {
		sum += byte(v) + byte(v>>8)
	}
	w[255] = uint16(-sum)<<8 | 0x00A5
}
