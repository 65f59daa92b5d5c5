package vga

import (
	"bytes"

	"github.com/do86/do86/pkg/display"
)

// granuleShift sets the size (256 bytes) of the plane regions whose writes
// Render tracks.
const granuleShift = 8

// renderState is what Render remembers of the screen it last produced. It
// is derived from the registers and memory, so a snapshot need not keep it.
type renderState struct {
	full bool // a display register changed: redraw all (tiles by comparison)
	pal  bool // the DAC or the pel mask changed

	memDirty [planeSize >> granuleShift / 64]uint64 // plane regions written
	memAny   bool                                   // any bit of memDirty
	font     bool                                   // plane 2 written

	shown mode
	frame *display.Frame
	tiles *display.TileSet

	rgb  [256][4]byte // DAC colour of each index, through the pel mask
	attr [16]uint8    // DAC index of each attribute colour

	cells  []uint32 // text cells shown: char | attr<<8 | 1<<16
	cursor cursorState
	text   *display.TextScreen

	idx  []uint8 // one line of DAC indices
	line []byte  // one line of RGBA
	buf  []byte  // one line of LFB bytes
}

func (r *renderState) markMem(addr uint32, plane int) {
	g := addr >> granuleShift
	r.memDirty[g>>6] |= 1 << (g & 63)
	r.memAny = true
	if plane == 2 {
		r.font = true
	}
}

// memWritten reports whether the planes changed in [lo, hi).
func (r *renderState) memWritten(lo, hi uint32) bool {
	for g := lo >> granuleShift; g <= (hi-1)>>granuleShift; g++ {
		if r.memDirty[g>>6]&(1<<(g&63)) != 0 {
			return true
		}
	}
	return false
}

// Render brings the picture of the screen up to date. f is the frame the
// previous call returned (or nil); Render returns the frame to show (f
// updated in place, or a new one when the size changed), the tiles that
// differ from what f showed before, and in text modes the character grid.
// The tile set and the text screen belong to the VGA and stay valid until
// the next call. When nothing changed, Render costs next to nothing and
// returns an empty tile set. Call it on the goroutine that runs the core.
func (v *VGA) Render(f *display.Frame) (*display.Frame, *display.TileSet, *display.TextScreen) {
	r := &v.r
	m := v.decode()
	lo, hi, lfbDirty := v.lfb.Dirty()

	full := r.full || m != r.shown || f == nil || f != r.frame
	if r.pal {
		v.buildRGB()
		full = true
	}
	fresh := false
	if f == nil || f.Width != m.w || f.Height != m.h {
		f = display.NewFrame(m.w, m.h)
		fresh, full = true, true
	}
	if r.tiles == nil || r.tiles.Cols != (m.w+display.TileSize-1)/display.TileSize ||
		r.tiles.Rows != (m.h+display.TileSize-1)/display.TileSize {
		r.tiles = display.NewTileSet(m.w, m.h)
	} else {
		r.tiles.Clear()
	}
	if full {
		v.buildAttr()
	}

	var text *display.TextScreen
	switch {
	case m.kind == kindBlank || m.blank:
		if full {
			v.fillBlack(f)
		}
		r.cells = r.cells[:0]
	case m.kind == kindText:
		text = v.renderText(&m, f, full)
	case m.kind == kindVBE:
		v.renderVBE(&m, f, full, lo, hi, lfbDirty)
	default:
		v.renderPlanes(&m, f, full)
	}
	if fresh {
		r.tiles.AddAll()
	}

	r.full, r.pal, r.font, r.memAny = false, false, false, false
	r.memDirty = [len(r.memDirty)]uint64{}
	r.shown, r.frame = m, f
	return f, r.tiles, text
}

// buildRGB converts the DAC to RGBA, 6-bit components scaled to 8 bits.
func (v *VGA) buildRGB() {
	eight := v.dac8()
	for i := range v.r.rgb {
		c := v.DAC[uint8(i)&v.PelMask]
		for k := 0; k < 3; k++ {
			x := c[k]
			if !eight {
				x &= 0x3F
				x = x<<2 | x>>4
			}
			v.r.rgb[i][k] = x
		}
		v.r.rgb[i][3] = 0xFF
	}
}

// buildAttr maps the 16 attribute colours through the palette registers
// and the colour select register to DAC indices.
func (v *VGA) buildAttr() {
	sel := v.AR[arColorSelect]
	for i := range v.r.attr {
		p := v.AR[i] & 0x3F
		if v.AR[arModeControl]&0x80 != 0 {
			p = p&0x0F | (sel&3)<<4
		}
		v.r.attr[i] = p | (sel&0x0C)<<4
	}
}

// segBytes is one tile's width of a frame row.
const segBytes = display.TileSize * 4

// putLine stores one RGBA row into line y of f, marking the tiles whose
// pixels differ.
func (v *VGA) putLine(f *display.Frame, y int, src []byte) {
	stride := f.Width * 4
	row := f.Pix[y*stride : (y+1)*stride]
	ty := y / display.TileSize
	for x := 0; x < stride; x += segBytes {
		e := min(x+segBytes, stride)
		if !bytes.Equal(row[x:e], src[x:e]) {
			copy(row[x:e], src[x:e])
			v.r.tiles.Add(x/segBytes, ty)
		}
	}
}

// lineBuf returns the RGBA line buffer for a frame w pixels wide.
func (v *VGA) lineBuf(w int) []byte {
	if cap(v.r.line) < w*4 {
		v.r.line = make([]byte, w*4)
	}
	return v.r.line[:w*4]
}

func (v *VGA) fillBlack(f *display.Frame) {
	line := v.lineBuf(f.Width)
	for i := 0; i < len(line); i += 4 {
		line[i], line[i+1], line[i+2], line[i+3] = 0, 0, 0, 0xFF
	}
	for y := 0; y < f.Height; y++ {
		v.putLine(f, y, line)
	}
}
