package vga

import "github.com/do86/do86/internal/bus"

// I/O ports of the VGA (FreeVGA names).
const (
	portCRTCIndexMono = 0x3B4
	portCRTCDataMono  = 0x3B5
	portStatus1Mono   = 0x3BA // read: input status 1; write: feature control
	portAttrIndex     = 0x3C0 // write: index/data flip-flop; read: index
	portAttrData      = 0x3C1 // read: data
	portMisc          = 0x3C2 // write: misc output; read: input status 0
	portVGAEnable     = 0x3C3
	portSeqIndex      = 0x3C4
	portSeqData       = 0x3C5
	portPelMask       = 0x3C6
	portDACReadIndex  = 0x3C7 // write: read index; read: DAC state
	portDACWriteIndex = 0x3C8
	portDACData       = 0x3C9
	portFeatureRead   = 0x3CA
	portMiscRead      = 0x3CC
	portGCIndex       = 0x3CE
	portGCData        = 0x3CF
	portCRTCIndex     = 0x3D4
	portCRTCData      = 0x3D5
	portStatus1       = 0x3DA
	portDispiIndex    = 0x1CE
	portDispiData     = 0x1CF
)

// Sequencer registers.
const (
	seqReset      = 0
	seqClocking   = 1
	seqMapMask    = 2
	seqCharMap    = 3
	seqMemoryMode = 4
)

// CRTC registers.
const (
	crtcHDisplayEnd   = 0x01
	crtcOverflow      = 0x07
	crtcPresetRowScan = 0x08
	crtcMaxScanLine   = 0x09
	crtcCursorStart   = 0x0A
	crtcCursorEnd     = 0x0B
	crtcStartHigh     = 0x0C
	crtcStartLow      = 0x0D
	crtcCursorHigh    = 0x0E
	crtcCursorLow     = 0x0F
	crtcVRetraceEnd   = 0x11
	crtcVDisplayEnd   = 0x12
	crtcOffset        = 0x13
	crtcUnderline     = 0x14
	crtcModeControl   = 0x17
	crtcLineCompare   = 0x18
)

// Graphics controller registers.
const (
	gcSetReset       = 0
	gcEnableSetReset = 1
	gcColorCompare   = 2
	gcDataRotate     = 3
	gcReadMapSelect  = 4
	gcMode           = 5
	gcMisc           = 6
	gcColorDontCare  = 7
	gcBitMask        = 8
)

// Attribute controller registers beyond the 16 palette registers.
const (
	arModeControl   = 0x10
	arOverscan      = 0x11
	arColorPlane    = 0x12
	arHPan          = 0x13
	arColorSelect   = 0x14
	arPaletteSource = 0x20 // bit 5 of the index: the palette drives the display
)

// Retrace timing: a 60 Hz frame whose last stretch is vertical retrace.
const (
	framePeriod   = 1000.0 / 60 // ms
	retraceLength = 1.0         // ms
	// A guest polling input status 1 while the clock stands still sees the
	// retrace bit flip every spinFlip reads instead.
	spinFlip = 64
)

func (v *VGA) colorPorts() bool { return v.MiscOutput&1 != 0 }

func (v *VGA) readIO(port uint16, size int) uint32 {
	if port == portDispiIndex || port == portDispiData {
		return v.readDispiPort(port, size)
	}
	return bus.ReadSplit(v.readPort8, port, size)
}

func (v *VGA) writeIO(port uint16, size int, val uint32) {
	if port == portDispiIndex || port == portDispiData {
		v.writeDispiPort(port, size, val)
		return
	}
	bus.WriteSplit(v.writePort8, port, size, val)
}

func (v *VGA) readPort8(port uint16) uint8 {
	switch port {
	case portCRTCIndexMono, portCRTCIndex:
		if v.crtcPort(port) {
			return v.CRTCIndex
		}
	case portCRTCDataMono, portCRTCData:
		if v.crtcPort(port) && int(v.CRTCIndex) < numCRTC {
			return v.CRTC[v.CRTCIndex]
		}
	case portStatus1Mono, portStatus1:
		if v.crtcPort(port) {
			return v.inputStatus1()
		}
	case portAttrIndex:
		return v.ARIndex
	case portAttrData:
		if i := v.ARIndex & 0x1F; int(i) < numAR {
			return v.AR[i]
		}
	case portMisc:
		// Input status 0: the switch sense line reads high, as it does with
		// a colour monitor attached.
		return 0x10
	case portVGAEnable:
		return v.VGAEnable
	case portSeqIndex:
		return v.SeqIndex
	case portSeqData:
		if int(v.SeqIndex) < numSeq {
			return v.Seq[v.SeqIndex]
		}
	case portPelMask:
		return v.PelMask
	case portDACReadIndex:
		if v.DACReading {
			return 3
		}
		return 0
	case portDACWriteIndex:
		return v.DACWrite
	case portDACData:
		c := v.DAC[v.DACRead][v.DACRStep]
		if !v.dac8() {
			c &= 0x3F
		}
		if v.DACRStep++; v.DACRStep == 3 {
			v.DACRStep = 0
			v.DACRead++
		}
		return c
	case portFeatureRead:
		return v.FeatureControl
	case portMiscRead:
		return v.MiscOutput
	case portGCIndex:
		return v.GCIndex
	case portGCData:
		if int(v.GCIndex) < numGC {
			return v.GC[v.GCIndex]
		}
	}
	return 0xFF
}

func (v *VGA) writePort8(port uint16, b uint8) {
	switch port {
	case portCRTCIndexMono, portCRTCIndex:
		if v.crtcPort(port) {
			v.CRTCIndex = b
		}
	case portCRTCDataMono, portCRTCData:
		if v.crtcPort(port) {
			v.writeCRTC(v.CRTCIndex, b)
		}
	case portStatus1Mono, portStatus1:
		if v.crtcPort(port) {
			v.FeatureControl = b
		}
	case portAttrIndex, portAttrData:
		// Writes at 0x3C1 act as at 0x3C0, so a 16-bit OUT of index and
		// data lands as the guest meant.
		v.writeAttr(b)
	case portMisc:
		v.MiscOutput = b
	case portVGAEnable:
		v.VGAEnable = b
	case portSeqIndex:
		v.SeqIndex = b
	case portSeqData:
		if i := v.SeqIndex; int(i) < numSeq {
			if i == seqCharMap {
				v.touch(&v.Seq[i], b) // a new font
			} else {
				v.Seq[i] = b
			}
		}
	case portPelMask:
		if v.PelMask != b {
			v.PelMask = b
			v.r.pal = true
		}
	case portDACReadIndex:
		v.DACRead, v.DACRStep, v.DACReading = b, 0, true
	case portDACWriteIndex:
		v.DACWrite, v.DACStep, v.DACReading = b, 0, false
	case portDACData:
		if !v.dac8() {
			b &= 0x3F
		}
		if c := &v.DAC[v.DACWrite][v.DACStep]; *c != b {
			*c = b
			v.r.pal = true
		}
		if v.DACStep++; v.DACStep == 3 {
			v.DACStep = 0
			v.DACWrite++
		}
	case portGCIndex:
		v.GCIndex = b
	case portGCData:
		if int(v.GCIndex) < numGC {
			v.GC[v.GCIndex] = b
		}
	}
}

// crtcPort reports whether port (a 0x3Bx or 0x3Dx port) is decoded under
// the current I/O address select: colour ports when misc output bit 0 is
// set, monochrome ones otherwise.
func (v *VGA) crtcPort(port uint16) bool {
	return (port&0xF0 == 0xD0) == v.colorPorts()
}

// touch stores b in *r and asks for a full redraw when that changes it:
// for the registers that shape pixels without changing the decoded mode
// (palette, font, underline). Registers the mode captures need no touch.
func (v *VGA) touch(r *uint8, b uint8) {
	if *r != b {
		*r = b
		v.r.full = true
	}
}

func (v *VGA) writeCRTC(i, b uint8) {
	if int(i) >= numCRTC {
		return
	}
	// With the protect bit set, the guest cannot change the horizontal and
	// vertical timing registers 0–7, except the line compare bit of the
	// overflow register.
	if v.CRTC[crtcVRetraceEnd]&0x80 != 0 && i <= crtcOverflow {
		if i != crtcOverflow {
			return
		}
		b = v.CRTC[i]&^0x10 | b&0x10
	}
	switch i {
	case crtcCursorStart, crtcCursorEnd, crtcCursorHigh, crtcCursorLow:
		// Render compares the cursor itself.
		v.CRTC[i] = b
	default:
		v.touch(&v.CRTC[i], b)
	}
}

// writeAttr serves the attribute controller's single write port: the first
// write after the flip-flop reset is an index, the next one data.
func (v *VGA) writeAttr(b uint8) {
	if !v.ARData {
		v.ARIndex = b & 0x3F
		v.ARData = true
		return
	}
	if i := v.ARIndex & 0x1F; int(i) < numAR {
		v.touch(&v.AR[i], b)
	}
	v.ARData = false
}

// inputStatus1 reads input status 1, which also resets the attribute
// flip-flop. Vertical retrace (bit 3) follows a 60 Hz frame of the guest's
// clock; display enable (bit 0, set while the beam is blanked) toggles on
// every read, so both kinds of polling loop finish.
func (v *VGA) inputStatus1() uint8 {
	v.ARData = false
	v.StatusReads++
	now := v.clock.Now()
	if now != v.StatusTime {
		v.StatusTime, v.StatusSpins = now, 0
	} else {
		v.StatusSpins++
	}
	var retrace bool
	if v.StatusSpins >= spinFlip {
		retrace = (v.StatusSpins/spinFlip)&1 == 1
	} else {
		phase := now - framePeriod*float64(int64(now/framePeriod))
		retrace = phase >= framePeriod-retraceLength
	}
	s := uint8(v.StatusReads & 1)
	if retrace {
		s |= 0x09
	}
	return s
}

// dac8 reports whether the guest switched the DAC to 8 bits a component
// (VBE function 08h through the dispi enable register).
func (v *VGA) dac8() bool { return v.Dispi[dispiEnable]&dispi8BitDAC != 0 }
