package mc146818

// CMOS RAM bytes the firmware reads (IBM AT layout plus the bytes QEMU's
// SeaBIOS build takes its memory size and boot order from).
const (
	RegShutdownStatus = 0x0F
	RegFloppyTypes    = 0x10 // high nibble drive A, low nibble drive B
	RegDiskTypes      = 0x12 // high nibble disk 0, low nibble disk 1
	RegEquipment      = 0x14
	RegBaseMemLow     = 0x15 // KiB of base memory (640)
	RegBaseMemHigh    = 0x16
	RegExtMemLow      = 0x17 // KiB above 1 MiB, at most 0xFFFF
	RegExtMemHigh     = 0x18
	RegChecksumHigh   = 0x2E // sum of bytes 0x10–0x2D
	RegChecksumLow    = 0x2F
	RegExtMem2Low     = 0x30 // copy of 0x17/0x18
	RegExtMem2High    = 0x31
	RegBootFlag1      = 0x38 // bits 7–4: third boot device; bit 0: skip floppy signature check
	RegBootFlag2      = 0x3D // bits 3–0: first boot device; bits 7–4: second
	RegMem16MLow      = 0x34 // 64 KiB blocks between 16 MiB and 4 GiB, at most 0xFFFF
	RegMem16MHigh     = 0x35
	RegMem4GLow       = 0x5B // 64 KiB blocks above 4 GiB, three bytes
	RegMem4GMid       = 0x5C
	RegMem4GHigh      = 0x5D
	RegExtraCPUs      = 0x5F // number of CPUs minus one
)

// Equipment byte bits.
const (
	EquipmentFloppy = 0x01 // at least one floppy drive; bits 7–6 hold the count minus one
	EquipmentFPU    = 0x02
	EquipmentMouse  = 0x04 // PS/2 mouse
)

// Floppy drive types for RegFloppyTypes.
const (
	FloppyNone  = 0
	Floppy360K  = 1
	Floppy1200K = 2
	Floppy720K  = 3
	Floppy1440K = 4
	Floppy2880K = 5
)

// BootDevice is a boot device code in the boot order bytes.
type BootDevice uint8

// Boot device codes SeaBIOS understands.
const (
	BootNone    BootDevice = 0
	BootFloppy  BootDevice = 1
	BootDisk    BootDevice = 2
	BootCDROM   BootDevice = 3
	BootNetwork BootDevice = 4
)

const (
	checksumFirst = 0x10
	checksumLast  = 0x2D
)

// SetByte stores CMOS byte idx (0–127) for the machine. Clock and control
// registers behave as a guest write; the checksum over 0x10–0x2D is kept.
func (r *RTC) SetByte(idx uint8, v uint8) {
	idx &= 0x7F
	if idx <= RegD || idx == RegCentury {
		r.write(idx, v)
		return
	}
	r.RAM[idx] = v
	if idx >= checksumFirst && idx <= checksumLast {
		r.updateChecksum()
	}
}

// Byte returns CMOS byte idx (0–127) as the guest would read it, except
// that reading register C here does not clear it.
func (r *RTC) Byte(idx uint8) uint8 { return r.read(idx&0x7F, false) }

// SetMemory fills the memory size bytes for ramBytes of RAM, the way
// SeaBIOS's QEMU build reads them. RAM of 0xE0000000 bytes or more is split
// at 3 GiB, the rest counted above 4 GiB.
func (r *RTC) SetMemory(ramBytes uint64) {
	const kib, mib = 1024, 1024 * 1024
	below, above := ramBytes, uint64(0)
	if ramBytes >= 0xE0000000 {
		below, above = 0xC0000000, ramBytes-0xC0000000
	}
	base := min(below/kib, 640)
	r.put16(RegBaseMemLow, base)
	ext := uint64(0)
	if below > mib {
		ext = min((below-mib)/kib, 0xFFFF)
	}
	r.put16(RegExtMemLow, ext)
	r.put16(RegExtMem2Low, ext)
	blocks := uint64(0)
	if below > 16*mib {
		blocks = min((below-16*mib)/(64*kib), 0xFFFF)
	}
	r.put16(RegMem16MLow, blocks)
	high := min(above/(64*kib), 0xFFFFFF)
	r.RAM[RegMem4GLow] = uint8(high)
	r.RAM[RegMem4GMid] = uint8(high >> 8)
	r.RAM[RegMem4GHigh] = uint8(high >> 16)
	r.updateChecksum()
}

func (r *RTC) put16(idx uint8, v uint64) {
	r.RAM[idx] = uint8(v)
	r.RAM[idx+1] = uint8(v >> 8)
}

// SetFloppyTypes sets the drive types of floppy drives A and B (Floppy*
// constants) and the floppy bits of the equipment byte.
func (r *RTC) SetFloppyTypes(a, b uint8) {
	r.RAM[RegFloppyTypes] = a<<4 | b&0x0F
	n := 0
	for _, d := range []uint8{a, b} {
		if d != FloppyNone {
			n++
		}
	}
	eq := r.RAM[RegEquipment] &^ (EquipmentFloppy | 0xC0)
	if n > 0 {
		eq |= EquipmentFloppy | uint8(n-1)<<6
	}
	r.RAM[RegEquipment] = eq
	r.updateChecksum()
}

// SetBootOrder writes up to three boot devices, first to try first, into
// the boot order bytes (0x3D and the high nibble of 0x38).
func (r *RTC) SetBootOrder(devs ...BootDevice) {
	var d [3]BootDevice
	copy(d[:], devs)
	r.RAM[RegBootFlag2] = uint8(d[0]&0x0F) | uint8(d[1]&0x0F)<<4
	r.RAM[RegBootFlag1] = r.RAM[RegBootFlag1]&0x0F | uint8(d[2]&0x0F)<<4
}

// updateChecksum stores the sum of bytes 0x10–0x2D at 0x2E (high) and
// 0x2F (low).
func (r *RTC) updateChecksum() {
	var sum uint16
	for i := checksumFirst; i <= checksumLast; i++ {
		sum += uint16(r.RAM[i])
	}
	r.RAM[RegChecksumHigh] = uint8(sum >> 8)
	r.RAM[RegChecksumLow] = uint8(sum)
}
