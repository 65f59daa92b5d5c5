package vga

import "github.com/do86/do86/pkg/display"

// cursorState is the text cursor as shown: its cell (-1 when hidden) and
// the first and last scan lines it covers.
type cursorState struct {
	cell       int
	start, end int
}

var noCursor = cursorState{cell: -1}

// cursor decodes the CRTC cursor registers for text mode m.
func (v *VGA) cursor(m *mode) cursorState {
	cs := v.CRTC[crtcCursorStart]
	if cs&0x20 != 0 {
		return noCursor // the guest turned the cursor off
	}
	start, end := int(cs&0x1F), min(int(v.CRTC[crtcCursorEnd]&0x1F), m.cellH-1)
	if start > end {
		return noCursor
	}
	loc := int(v.CRTC[crtcCursorHigh])<<8 | int(v.CRTC[crtcCursorLow])
	d := loc - int(m.start)
	if d < 0 || m.stride == 0 {
		return noCursor
	}
	row, col := d/int(m.stride), d%int(m.stride)
	if row >= m.rows || col >= m.cols {
		return noCursor
	}
	return cursorState{cell: row*m.cols + col, start: start, end: end}
}

// fontBase returns the plane 2 offsets of character maps A (attribute bit 3
// set) and B, from the sequencer's character map select register.
func (v *VGA) fontBase() (a, b uint32) {
	sel := v.Seq[seqCharMap]
	off := func(n uint8) uint32 { return uint32(n&3)*0x4000 + uint32(n>>2)*0x2000 }
	return off(sel>>2&3 | sel>>5&1<<2), off(sel&3 | sel>>4&1<<2)
}

// renderText redraws the cells whose character or attribute changed (all
// of them when full or when the font changed) and the cells the cursor
// left or entered, and returns the text grid.
func (v *VGA) renderText(m *mode, f *display.Frame, full bool) *display.TextScreen {
	r := &v.r
	cur := v.cursor(m)
	full = full || r.font
	moved := cur != r.cursor
	if !full && !r.memAny && !moved && r.text != nil {
		return r.text
	}
	n := m.cols * m.rows
	if len(r.cells) != n {
		r.cells = make([]uint32, n)
		full = true
	}
	for row := 0; row < m.rows; row++ {
		c0 := m.start + uint32(row)*m.stride
		for col := 0; col < m.cols; col++ {
			i := row*m.cols + col
			a := m.addr(c0+uint32(col), 0)
			ch, at := v.Planes[0][a], v.Planes[1][a]
			key := uint32(ch) | uint32(at)<<8 | 1<<16
			if !full && key == r.cells[i] && !(moved && (i == cur.cell || i == r.cursor.cell)) {
				continue
			}
			r.cells[i] = key
			var c *cursorState
			if i == cur.cell {
				c = &cur
			}
			v.drawCell(m, f, row, col, ch, at, c)
		}
	}
	r.cursor = cur
	return v.textScreen(m, cur)
}

// attrColors returns the foreground and background attribute colours of
// attribute at. With blinking enabled bit 7 blinks instead of brightening
// the background; blinking itself is not shown.
func (v *VGA) attrColors(at uint8) (fg, bg uint8) {
	fg, bg = at&0x0F, at>>4
	if v.AR[arModeControl]&0x08 != 0 {
		bg &= 7
	}
	return fg, bg
}

// drawCell draws one character cell with the font in plane 2, and the
// cursor over it when c is not nil.
func (v *VGA) drawCell(m *mode, f *display.Frame, row, col int, ch, at uint8, c *cursorState) {
	r := &v.r
	fgi, bgi := v.attrColors(at)
	fg, bg := r.rgb[r.attr[fgi]], r.rgb[r.attr[bgi]]
	fontA, fontB := v.fontBase()
	glyph := fontB
	if at&0x08 != 0 {
		glyph = fontA
	}
	glyph += uint32(ch) * 32
	dots := 8
	if m.nine {
		dots = 9
	}
	rep := 1
	if m.dotDouble {
		rep = 2
	}
	// The ninth column repeats the eighth for the line-drawing characters.
	lineGfx := m.nine && v.AR[arModeControl]&0x04 != 0 && ch >= 0xC0 && ch <= 0xDF
	underline := -1
	if at&0x77 == 0x01 {
		underline = int(v.CRTC[crtcUnderline] & 0x1F)
	}

	x0, y0 := col*m.cellW, row*m.cellH
	changed := false
	for gy := 0; gy < m.cellH; gy++ {
		y := y0 + gy
		if y >= f.Height {
			break
		}
		bits := uint16(v.Planes[2][(glyph+uint32(gy))&(planeSize-1)]) << 1
		if lineGfx {
			bits |= bits >> 1 & 1
		}
		if gy == underline || c != nil && gy >= c.start && gy <= c.end {
			bits = 0x1FF
		}
		o := (y*f.Width + x0) * 4
		for gx := 0; gx < dots; gx++ {
			px := &bg
			if bits&(0x100>>gx) != 0 {
				px = &fg
			}
			for k := 0; k < rep; k++ {
				p := f.Pix[o : o+4 : o+4]
				if p[0] != px[0] || p[1] != px[1] || p[2] != px[2] {
					p[0], p[1], p[2], p[3] = px[0], px[1], px[2], 0xFF
					changed = true
				}
				o += 4
			}
		}
	}
	if changed {
		r.tiles.AddRect(x0, y0, m.cellW, m.cellH)
	}
}

// textScreen fills the text grid from the cells last drawn.
func (v *VGA) textScreen(m *mode, cur cursorState) *display.TextScreen {
	r := &v.r
	t := r.text
	if t == nil || t.Cols != m.cols || t.Rows != m.textRows {
		t = &display.TextScreen{Cols: m.cols, Rows: m.textRows, Cells: make([]display.Cell, m.cols*m.textRows)}
		r.text = t
	}
	for i := range t.Cells {
		k := r.cells[i]
		fg, bg := v.attrColors(uint8(k >> 8))
		t.Cells[i] = display.Cell{Ch: uint8(k), Attr: bg<<4 | fg}
	}
	t.CursorVisible = cur.cell >= 0 && cur.cell < len(t.Cells)
	t.CursorX, t.CursorY = 0, 0
	if t.CursorVisible {
		t.CursorX, t.CursorY = cur.cell%m.cols, cur.cell/m.cols
	}
	for i := range t.Palette {
		c := r.rgb[r.attr[i]]
		t.Palette[i] = [3]uint8{c[0], c[1], c[2]}
	}
	return t
}
