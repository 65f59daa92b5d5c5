package vga

// The legacy memory window.
const (
	windowBase = 0xA0000
	windowSize = 0x20000
)

// Bits of the sequencer memory mode register.
const (
	memExtended   = 0x02
	memOddEvenOff = 0x04 // host writes address the planes sequentially
	memChain4     = 0x08
)

// Bits of the graphics controller mode register.
const (
	modeWriteMode  = 0x03
	modeReadMode   = 0x08
	modeHostOE     = 0x10 // host reads use odd/even addressing
	modeInterleave = 0x20 // shift register interleave (CGA 4-colour)
	mode256        = 0x40 // 256-colour shift mode
)

// ReadMMIO serves a CPU read of the window at 0xA0000+off.
func (v *VGA) ReadMMIO(off uint32, size int) uint32 {
	if v.vbeLinear() {
		return v.readBanked(off, size)
	}
	var r uint32
	for i := 0; i < size; i++ {
		r |= uint32(v.readMem(off+uint32(i))) << (8 * i)
	}
	return r
}

// WriteMMIO serves a CPU write of the window at 0xA0000+off.
func (v *VGA) WriteMMIO(off uint32, size int, val uint32) {
	if v.vbeLinear() {
		v.writeBanked(off, size, val)
		return
	}
	for i := 0; i < size; i++ {
		v.writeMem(off+uint32(i), uint8(val>>(8*i)))
	}
}

// bankedOffset turns a window offset into an LFB offset through the dispi
// bank register; ok is false outside the 64 KiB window at 0xA0000 or the
// framebuffer.
func (v *VGA) bankedOffset(off uint32, size int) (uint32, bool) {
	if off+uint32(size) > bankSize {
		return 0, false
	}
	o := uint32(v.Dispi[dispiBank])*bankSize + off
	return o, o+uint32(size) <= v.lfb.Size()
}

func (v *VGA) readBanked(off uint32, size int) uint32 {
	o, ok := v.bankedOffset(off, size)
	if !ok {
		return 0xFFFFFFFF >> (32 - 8*size)
	}
	var b [4]byte
	v.lfb.ReadAt(b[:size], o)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func (v *VGA) writeBanked(off uint32, size int, val uint32) {
	o, ok := v.bankedOffset(off, size)
	if !ok {
		return
	}
	b := [4]byte{byte(val), byte(val >> 8), byte(val >> 16), byte(val >> 24)}
	v.lfb.WriteAt(b[:size], o)
}

// windowOffset decodes a CPU address in the window through the memory map
// select of the graphics controller; ok is false where the map leaves it
// unanswered. In the 4-bit VBE depth the bank register pages the planes.
func (v *VGA) windowOffset(off uint32) (uint32, bool) {
	switch (v.GC[gcMisc] >> 2) & 3 {
	case 0: // A0000, 128 KiB
	case 1: // A0000, 64 KiB
		if off >= 0x10000 {
			return 0, false
		}
		if v.vbeOn() {
			// The 4-bit VBE depth pages the planes; only bank 0 exists.
			off += uint32(v.Dispi[dispiBank]) * bankSize
			if off >= planeSize {
				return 0, false
			}
		}
	case 2: // B0000, 32 KiB
		if off < 0x10000 || off >= 0x18000 {
			return 0, false
		}
		off -= 0x10000
	case 3: // B8000, 32 KiB
		if off < 0x18000 {
			return 0, false
		}
		off -= 0x18000
	}
	return off, true
}

// planeAddress picks the planes and the address within them that a CPU
// access at window offset a reaches: chain-4 uses the two low address
// bits to choose the plane, odd/even the lowest one (even bytes to planes
// 0 and 2, odd ones to 1 and 3), and the planar layout reaches every plane
// at the same address. mask has a bit per plane; oddEven selects how.
func planeAddress(a uint32, chain4, oddEven bool) (addr uint32, mask uint8) {
	switch {
	case chain4:
		return (a &^ 3) & (planeSize - 1), 1 << (a & 3)
	case oddEven:
		if a&1 != 0 {
			return (a &^ 1) & (planeSize - 1), 0xA
		}
		return a & (planeSize - 1), 0x5
	}
	return a & (planeSize - 1), 0xF
}

// readMem is a CPU byte read of the window: it loads the latches from all
// four planes and returns either one plane's byte (read mode 0) or the
// colour compare of every plane (read mode 1).
func (v *VGA) readMem(off uint32) uint8 {
	a, ok := v.windowOffset(off)
	if !ok {
		return 0xFF
	}
	chain4 := v.Seq[seqMemoryMode]&memChain4 != 0
	oddEven := v.GC[gcMode]&modeHostOE != 0
	addr, _ := planeAddress(a, chain4, oddEven)
	for p := range v.Latch {
		v.Latch[p] = v.Planes[p][addr]
	}
	if v.GC[gcMode]&modeReadMode != 0 {
		// Read mode 1: a bit is set where every plane the guest cares
		// about matches its colour compare bit.
		var diff uint8
		for p := 0; p < 4; p++ {
			if v.GC[gcColorDontCare]&(1<<p) == 0 {
				continue
			}
			want := uint8(0)
			if v.GC[gcColorCompare]&(1<<p) != 0 {
				want = 0xFF
			}
			diff |= v.Latch[p] ^ want
		}
		return ^diff
	}
	var plane uint8
	switch {
	case chain4:
		plane = uint8(a & 3)
	case oddEven:
		plane = v.GC[gcReadMapSelect]&2 | uint8(a&1)
	default:
		plane = v.GC[gcReadMapSelect] & 3
	}
	return v.Latch[plane]
}

// writeMem is a CPU byte write of the window through the write mode,
// rotation, set/reset, logical operation, bit mask and map mask.
func (v *VGA) writeMem(off uint32, b uint8) {
	a, ok := v.windowOffset(off)
	if !ok {
		return
	}
	chain4 := v.Seq[seqMemoryMode]&memChain4 != 0
	oddEven := v.Seq[seqMemoryMode]&memOddEvenOff == 0
	addr, planes := planeAddress(a, chain4, oddEven)
	planes &= v.Seq[seqMapMask]
	if planes == 0 {
		return
	}

	rot := v.GC[gcDataRotate] & 7
	rotated := b>>rot | b<<(8-rot)
	op := (v.GC[gcDataRotate] >> 3) & 3
	bitMask := v.GC[gcBitMask]
	setReset := v.GC[gcSetReset]
	mode := v.GC[gcMode] & modeWriteMode
	if mode == 3 {
		bitMask &= rotated
	}

	for p := 0; p < 4; p++ {
		if planes&(1<<p) == 0 {
			continue
		}
		bit := uint8(1) << p
		var d uint8
		switch mode {
		case 0:
			d = rotated
			if v.GC[gcEnableSetReset]&bit != 0 {
				d = expand(setReset & bit)
			}
		case 1:
			// Write mode 1 copies the latches: the guest moves a block
			// of all four planes with one read and one write.
			v.storePlane(p, addr, v.Latch[p])
			continue
		case 2:
			d = expand(b & bit)
		case 3:
			d = expand(setReset & bit)
		}
		latch := v.Latch[p]
		switch op {
		case 1:
			d &= latch
		case 2:
			d |= latch
		case 3:
			d ^= latch
		}
		v.storePlane(p, addr, d&bitMask|latch&^bitMask)
	}
}

// expand turns a non-zero value into 0xFF and zero into 0.
func expand(x uint8) uint8 {
	if x != 0 {
		return 0xFF
	}
	return 0
}

func (v *VGA) storePlane(p int, addr uint32, b uint8) {
	if v.Planes[p][addr] == b {
		return
	}
	v.Planes[p][addr] = b
	v.r.markMem(addr, p)
}
