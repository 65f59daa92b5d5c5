package vga

// Bochs VBE "dispi" registers, selected through port 0x1CE.
const (
	dispiID          = 0x0
	dispiXRes        = 0x1
	dispiYRes        = 0x2
	dispiBPP         = 0x3
	dispiEnable      = 0x4
	dispiBank        = 0x5
	dispiVirtWidth   = 0x6
	dispiVirtHeight  = 0x7
	dispiXOffset     = 0x8
	dispiYOffset     = 0x9
	dispiVideoMem64K = 0xA
	numDispi         = 0xB
)

// Dispi identification values and limits.
const (
	dispiID0    = 0xB0C0
	dispiID5    = 0xB0C5
	dispiMaxX   = 2560
	dispiMaxY   = 1600
	dispiMaxBPP = 32
)

// Bits of the dispi enable register.
const (
	dispiEnabled    = 0x01
	dispiGetCaps    = 0x02
	dispi8BitDAC    = 0x20
	dispiLFBEnabled = 0x40
	dispiNoClearMem = 0x80
)

// bankSize is the granularity of the dispi bank register: 64 KiB of the
// framebuffer seen through the 0xA0000 window.
const bankSize = 1 << 16

func (v *VGA) resetDispi() {
	v.DispiIndex = 0
	v.Dispi = [numDispi]uint16{}
	v.Dispi[dispiID] = dispiID5
	v.Dispi[dispiXRes] = 640
	v.Dispi[dispiYRes] = 480
	v.Dispi[dispiBPP] = 8
	v.Dispi[dispiVirtWidth] = 640
	v.fixupDispi()
}

// vbeOn reports whether the dispi interface drives the display.
func (v *VGA) vbeOn() bool { return v.Dispi[dispiEnable]&dispiEnabled != 0 }

// vbeLinear reports whether the display and the 0xA0000 window use the LFB
// (every VBE depth but the 4-bit planar one, which uses the VGA planes).
func (v *VGA) vbeLinear() bool { return v.vbeOn() && v.Dispi[dispiBPP] != 4 }

// bytesPerPixel is the size of one VBE pixel (0 for the planar 4-bit depth).
func bytesPerPixel(bpp uint16) uint32 {
	switch bpp {
	case 8:
		return 1
	case 15, 16:
		return 2
	case 24:
		return 3
	case 32:
		return 4
	}
	return 0
}

// vbeLineBytes is the distance in bytes between two lines of the virtual
// screen.
func (v *VGA) vbeLineBytes() uint32 {
	w := uint32(v.Dispi[dispiVirtWidth])
	if v.Dispi[dispiBPP] == 4 {
		return w / 8 // per plane
	}
	return w * bytesPerPixel(v.Dispi[dispiBPP])
}

func (v *VGA) readDispiPort(port uint16, size int) uint32 {
	if port == portDispiIndex {
		return uint32(v.DispiIndex)
	}
	r := uint32(v.readDispi(v.DispiIndex))
	if size == 1 {
		r &= 0xFF
	}
	return r
}

func (v *VGA) writeDispiPort(port uint16, size int, val uint32) {
	if size == 1 {
		val &= 0xFF
	}
	if port == portDispiIndex {
		v.DispiIndex = uint16(val)
		return
	}
	v.writeDispi(v.DispiIndex, uint16(val))
}

func (v *VGA) readDispi(i uint16) uint16 {
	if int(i) >= numDispi {
		return 0xFFFF
	}
	if v.Dispi[dispiEnable]&dispiGetCaps != 0 {
		switch i {
		case dispiXRes:
			return dispiMaxX
		case dispiYRes:
			return dispiMaxY
		case dispiBPP:
			return dispiMaxBPP
		}
	}
	if i == dispiVideoMem64K {
		return uint16(v.lfb.Size() / bankSize)
	}
	return v.Dispi[i]
}

func (v *VGA) writeDispi(i, val uint16) {
	switch i {
	case dispiID:
		if val >= dispiID0 && val <= dispiID5 {
			v.Dispi[dispiID] = val
		}
	case dispiXRes, dispiYRes, dispiBPP, dispiVirtWidth, dispiXOffset, dispiYOffset:
		v.Dispi[i] = val
		v.fixupDispi()
	case dispiBank:
		if uint32(val)*bankSize < v.lfb.Size() {
			v.Dispi[dispiBank] = val
		}
	case dispiEnable:
		v.writeDispiEnable(val)
	}
}

// writeDispiEnable switches VBE on or off. Turning it on starts the
// virtual screen at the visible size and, unless the guest asked to keep
// it, clears the framebuffer.
func (v *VGA) writeDispiEnable(val uint16) {
	was := v.vbeOn()
	if val&dispi8BitDAC != v.Dispi[dispiEnable]&dispi8BitDAC {
		v.r.pal = true
	}
	v.Dispi[dispiEnable] = val
	if val&dispiEnabled == 0 || was {
		return
	}
	v.Dispi[dispiVirtWidth] = v.Dispi[dispiXRes]
	v.Dispi[dispiXOffset], v.Dispi[dispiYOffset] = 0, 0
	v.fixupDispi()
	if val&dispiNoClearMem == 0 {
		v.clearLFB(v.vbeLineBytes() * uint32(v.Dispi[dispiYRes]))
	}
}

// fixupDispi keeps the mode registers consistent: a valid depth, the
// resolution within the limits, a virtual screen at least as large as the
// visible one and within the framebuffer, and offsets inside it.
func (v *VGA) fixupDispi() {
	d := &v.Dispi
	switch d[dispiBPP] {
	case 4, 8, 15, 16, 24, 32:
	default:
		d[dispiBPP] = 8
	}
	d[dispiXRes] = min(d[dispiXRes], dispiMaxX)
	d[dispiYRes] = min(d[dispiYRes], dispiMaxY)
	if d[dispiBPP] == 4 {
		d[dispiXRes] &^= 7
	}
	if d[dispiVirtWidth] < d[dispiXRes] {
		d[dispiVirtWidth] = d[dispiXRes]
	}
	line := v.vbeLineBytes()
	if line == 0 {
		d[dispiVirtHeight] = d[dispiYRes]
		return
	}
	size := v.lfb.Size()
	if d[dispiBPP] == 4 {
		size = planeSize
	}
	d[dispiVirtHeight] = uint16(min(size/line, 0xFFFF))
	if d[dispiVirtHeight] > d[dispiYRes] {
		d[dispiYOffset] = min(d[dispiYOffset], d[dispiVirtHeight]-d[dispiYRes])
	} else {
		d[dispiYOffset] = 0
	}
	d[dispiXOffset] = min(d[dispiXOffset], d[dispiVirtWidth]-d[dispiXRes])
}

// vbeStart is the byte offset of the first visible pixel in the LFB (in a
// plane for the 4-bit depth).
func (v *VGA) vbeStart() uint32 {
	x, y := uint32(v.Dispi[dispiXOffset]), uint32(v.Dispi[dispiYOffset])
	if v.Dispi[dispiBPP] == 4 {
		return y*v.vbeLineBytes() + x/8
	}
	return y*v.vbeLineBytes() + x*bytesPerPixel(v.Dispi[dispiBPP])
}

var zeros [bankSize]byte

func (v *VGA) clearLFB(n uint32) {
	n = min(n, v.lfb.Size())
	for off := uint32(0); off < n; off += bankSize {
		v.lfb.WriteAt(zeros[:min(bankSize, n-off)], off)
	}
}
