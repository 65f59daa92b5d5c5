package vga

import "fmt"

// kind is how the display turns video memory into pixels.
type kind uint8

const (
	kindBlank  kind = iota // nothing sensible programmed: a black screen
	kindText               // alphanumeric: characters, attributes, font
	kindPlanar             // 16 colours, one bit a pixel from each plane
	kindCGA                // 4 colours, shift register interleave (modes 4/5)
	kind256                // 256 colours, one byte a pixel (mode 13h, mode X)
	kindVBE                // a dispi mode of 8 to 32 bits in the LFB
)

// Largest legacy frame accepted; anything larger is a half-programmed CRTC.
const maxLegacy = 2560

// mode is what the registers say the display shows, decoded once per
// Render. It is comparable: any difference from the mode last shown means
// a full redraw.
type mode struct {
	kind  kind
	blank bool // the guest turned the screen off
	w, h  int  // frame size in pixels

	// Text modes.
	cols, rows int // cells drawn (rows counts a partial last row)
	textRows   int // whole rows
	cellW      int // pixels a cell across (8 or 9, doubled in 40-column modes)
	cellH      int // scan lines a cell down
	nine       bool
	dotDouble  bool

	// Scan-out of the planes: CRTC address counters.
	start       uint32 // counter of the first character
	stride      uint32 // counter increment per character row
	shift       uint8  // counter to memory address: 0 byte, 1 word, 2 dword
	wrapBit     uint8  // word mode: the counter bit that becomes address bit 0
	subst       uint8  // bit 0: row scan bit 0 replaces MA13; bit 1: bit 1 replaces MA14
	msl         int    // maximum scan line: scan lines per row - 1
	dscan       int    // 2 when every line is scanned twice
	rep         int    // physical lines per frame line
	lineCompare int    // split screen after this physical line
	pan         int    // pixels of horizontal panning
	panReset    bool   // the split part ignores panning
	clocks      int    // character clocks fetched per line

	// VBE modes.
	bpp             uint16
	vstart, vstride uint32
}

// blankMode is shown when the registers describe nothing displayable.
var blankMode = mode{kind: kindBlank, w: 720, h: 400}

// decode reads the mode from the registers.
func (v *VGA) decode() mode {
	if v.vbeOn() {
		return v.decodeVBE()
	}
	cr := &v.CRTC
	cols := int(cr[crtcHDisplayEnd]) + 1
	lines := int(cr[crtcVDisplayEnd]) | int(cr[crtcOverflow]&0x02)<<7 | int(cr[crtcOverflow]&0x40)<<3
	lines++
	if cols < 8 || lines < 8 {
		return blankMode
	}
	m := mode{
		start:       uint32(cr[crtcStartHigh])<<8 | uint32(cr[crtcStartLow]),
		stride:      uint32(cr[crtcOffset]) * 2,
		msl:         int(cr[crtcMaxScanLine] & 0x1F),
		dscan:       1,
		wrapBit:     13,
		subst:       ^cr[crtcModeControl] & 3,
		lineCompare: int(cr[crtcLineCompare]) | int(cr[crtcOverflow]&0x10)<<4 | int(cr[crtcMaxScanLine]&0x40)<<3,
		blank:       v.ARIndex&arPaletteSource == 0 || v.Seq[seqClocking]&0x20 != 0,
	}
	if cr[crtcMaxScanLine]&0x80 != 0 {
		m.dscan = 2
	}
	switch {
	case cr[crtcUnderline]&0x40 != 0:
		m.shift = 2
	case cr[crtcModeControl]&0x40 == 0:
		m.shift = 1
	}
	if cr[crtcModeControl]&0x20 != 0 {
		m.wrapBit = 15
	}

	if v.GC[gcMisc]&1 == 0 {
		m.kind = kindText
		m.nine = v.Seq[seqClocking]&1 == 0
		m.dotDouble = v.Seq[seqClocking]&0x08 != 0
		m.cellW = 8
		if m.nine {
			m.cellW = 9
		}
		if m.dotDouble {
			m.cellW *= 2
		}
		m.cellH = m.msl + 1
		scan := lines / m.dscan
		m.cols = cols
		m.rows = (scan + m.cellH - 1) / m.cellH
		m.textRows = max(scan/m.cellH, 1)
		m.w, m.h = cols*m.cellW, scan
		m.subst = 0
		m.lineCompare = 0
	} else {
		ppc := 8
		switch {
		case v.GC[gcMode]&mode256 != 0 || v.AR[arModeControl]&0x40 != 0:
			m.kind, ppc = kind256, 4
			m.pan = int(v.AR[arHPan]&7) >> 1
		case v.GC[gcMode]&modeInterleave != 0:
			m.kind = kindCGA
		default:
			m.kind = kindPlanar
		}
		if m.kind != kind256 && v.AR[arHPan]&0xF < 8 {
			m.pan = int(v.AR[arHPan] & 7)
		}
		m.panReset = v.AR[arModeControl]&0x20 != 0
		m.rep = m.dscan
		if m.subst == 0 {
			// Every scan line of a character row shows the same memory.
			m.rep *= m.msl + 1
		}
		m.w, m.h = cols*ppc, lines/m.rep
		m.clocks = cols
		if m.pan > 0 {
			m.clocks++
		}
	}
	if m.w > maxLegacy || m.h > maxLegacy || m.h == 0 {
		return blankMode
	}
	return m
}

// decodeVBE describes the dispi mode; the 4-bit depth scans the planes
// like a 16-colour VGA mode.
func (v *VGA) decodeVBE() mode {
	d := &v.Dispi
	m := mode{w: int(d[dispiXRes]), h: int(d[dispiYRes]), bpp: d[dispiBPP]}
	if m.w == 0 || m.h == 0 {
		return blankMode
	}
	if m.bpp != 4 {
		m.kind = kindVBE
		m.vstart, m.vstride = v.vbeStart(), v.vbeLineBytes()
		return m
	}
	m.kind = kindPlanar
	m.start, m.stride = v.vbeStart(), v.vbeLineBytes()
	m.dscan, m.rep = 1, 1
	m.lineCompare = 0xFFFF
	m.clocks = m.w / 8
	return m
}

// String names the mode for a status line.
func (m mode) String() string {
	switch m.kind {
	case kindText:
		return fmt.Sprintf("%dx%d text", m.cols, m.textRows)
	case kindVBE:
		return fmt.Sprintf("%dx%dx%d VBE", m.w, m.h, m.bpp)
	case kindPlanar:
		if m.bpp == 4 {
			return fmt.Sprintf("%dx%dx4 VBE", m.w, m.h)
		}
		return fmt.Sprintf("%dx%d VGA 16", m.w, m.h)
	case kindCGA:
		return fmt.Sprintf("%dx%d CGA 4", m.w, m.h)
	case kind256:
		return fmt.Sprintf("%dx%d VGA 256", m.w, m.h)
	}
	return "blank"
}

// lineStart returns the address counter and row scan of frame line y of a
// graphics mode, and the panning that applies to it.
func (m *mode) lineStart(y int) (c uint32, rs, pan int) {
	p := y * m.rep
	c, pan = m.start, m.pan
	if p > m.lineCompare {
		// Below the split line the display restarts at address 0.
		p -= m.lineCompare + 1
		c = 0
		if m.panReset {
			pan = 0
		}
	}
	vis := p / m.dscan
	row := vis / (m.msl + 1)
	rs = vis % (m.msl + 1)
	return c + uint32(row)*m.stride, rs, pan
}

// addr turns an address counter into a plane address: shifted for word
// and doubleword modes, with the CGA-compatible row scan substitution.
func (m *mode) addr(c uint32, rs int) uint32 {
	var a uint32
	switch m.shift {
	case 0:
		a = c
	case 1:
		a = c<<1 | (c>>m.wrapBit)&1
	case 2:
		a = c<<2 | (c>>14)&3
	}
	if m.subst&1 != 0 {
		a = a&^0x2000 | uint32(rs&1)<<13
	}
	if m.subst&2 != 0 {
		a = a&^0x4000 | uint32(rs>>1&1)<<14
	}
	return a & (planeSize - 1)
}
