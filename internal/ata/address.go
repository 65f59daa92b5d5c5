package ata

// Address is what a command's registers say about the sectors it wants.
type Address struct {
	// LBA is the LBA low, mid and high registers in bits 23:0 and their
	// previous contents (48-bit commands) in bits 47:24. In CHS addressing
	// the low byte is the sector number and bits 23:8 the cylinder.
	LBA uint64
	// Count is the sector count register, its previous contents in the high
	// byte (48-bit commands; NCQ commands pass the features register).
	Count uint16
	// Device is the device register: DevLBA, and LBA bits 27:24 or the head.
	Device uint8
}

// Decode returns the first sector and the sector count of a command: 48-bit
// when ext (a count of 0 meaning 65536), else LBA28 or CHS through the
// translation of heads and spt (a count of 0 meaning 256). It checks them
// against a disk of the given sectors; e is the error register value of a
// bad address, else 0.
func (a Address) Decode(ext bool, heads, spt uint8, sectors uint64) (lba, count uint64, e uint8) {
	if ext {
		lba, count = a.LBA&0xFFFF_FFFF_FFFF, uint64(a.Count)
		if count == 0 {
			count = 65536
		}
	} else {
		if a.Device&DevLBA != 0 {
			lba = uint64(a.Device&0x0F)<<24 | a.LBA&0xFFFFFF
		} else {
			cyl := a.LBA >> 8 & 0xFFFF
			head, sec := uint64(a.Device&0x0F), a.LBA&0xFF
			if sec == 0 || sec > uint64(spt) || head >= uint64(heads) {
				return 0, 0, ErrIDNF | ErrABRT
			}
			lba = (cyl*uint64(heads)+head)*uint64(spt) + sec - 1
		}
		count = uint64(a.Count & 0xFF)
		if count == 0 {
			count = 256
		}
	}
	if lba >= sectors || count > sectors-lba {
		return 0, 0, ErrIDNF
	}
	return lba, count, 0
}
