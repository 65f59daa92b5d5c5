package vga_test

import (
	"testing"

	"github.com/do86/do86/pkg/display"
)

var glyphA = []uint8{0x00, 0x18, 0x3C, 0x66, 0x66, 0x7E, 0x66, 0x66, 0x66, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}

// glyphLine is a horizontal line across the cell at row 8, like CP437 0xC4.
var glyphLine = []uint8{0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0}

var (
	black  = [3]uint8{0, 0, 0}
	blue   = [3]uint8{0, 0, 170}
	grey   = [3]uint8{170, 170, 170}
	yellow = [3]uint8{255, 255, 85}
)

// textRig is mode 3 with a small font and the DAC colours of the
// attributes the tests use.
func textRig(t *testing.T) *rig {
	r := newRig(t)
	r.setMode(mode03)
	r.loadFont(map[uint8][]uint8{'A': glyphA, 0xC4: glyphLine})
	r.dac(0x00, 0, 0, 0)
	r.dac(0x01, 0, 0, 42)
	r.dac(0x07, 42, 42, 42)
	r.dac(0x3E, 63, 63, 21)
	return r
}

func (r *rig) putChar(row, col int, ch, attr uint8) {
	a := 0xB8000 + uint32(row*80+col)*2
	r.poke(a, ch)
	r.poke(a+1, attr)
}

func (r *rig) setCursor(pos uint16) {
	r.crtc(0x0E, uint8(pos>>8))
	r.crtc(0x0F, uint8(pos))
}

func TestTextRendersFontFromPlane2(t *testing.T) {
	t.Parallel()
	r := textRig(t)
	r.putChar(2, 3, 'A', 0x1E)
	r.putChar(2, 5, 0xC4, 0x07)
	r.putChar(2, 4, ' ', 0x07)
	r.setCursor(2*80 + 4)
	tiles, text := r.render()

	if r.frame.Width != 720 || r.frame.Height != 400 {
		t.Fatalf("frame %dx%d, want 720x400", r.frame.Width, r.frame.Height)
	}
	if tiles.Count() != tiles.Cols*tiles.Rows {
		t.Errorf("first frame marks %d tiles, want all %d", tiles.Count(), tiles.Cols*tiles.Rows)
	}
	x0, y0 := 3*9, 2*16
	for _, p := range []struct {
		x, y int
		want [3]uint8
	}{
		{x0 + 3, y0 + 1, yellow}, // 0x18: the two middle dots
		{x0 + 4, y0 + 1, yellow},
		{x0 + 2, y0 + 1, blue},
		{x0 + 1, y0 + 3, yellow}, // 0x66
		{x0 + 3, y0 + 3, blue},
		{x0 + 8, y0 + 5, blue},   // ninth column of a letter: background
		{x0 + 0, y0 + 0, blue},   // top row blank
		{5*9 + 8, y0 + 8, grey},  // ninth column of a line character repeats the eighth
		{5*9 + 0, y0 + 8, grey},  // the line itself
		{5*9 + 0, y0 + 7, black}, // above it
		{4*9 + 0, y0 + 13, grey}, // cursor scan lines 13–14 in the cell's foreground
		{4*9 + 8, y0 + 14, grey},
		{4*9 + 0, y0 + 12, black},
		{0, 0, black},
	} {
		if got := r.pixel(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}

	if text == nil {
		t.Fatal("no text screen in mode 3")
	}
	if text.Cols != 80 || text.Rows != 25 {
		t.Errorf("text %dx%d, want 80x25", text.Cols, text.Rows)
	}
	if c := text.Cells[2*80+3]; c != (display.Cell{Ch: 'A', Attr: 0x1E}) {
		t.Errorf("cell (2,3) = %+v", c)
	}
	if !text.CursorVisible || text.CursorX != 4 || text.CursorY != 2 {
		t.Errorf("cursor (%d,%d) visible=%v, want (4,2) visible", text.CursorX, text.CursorY, text.CursorVisible)
	}
	if text.Palette[0x0E] != yellow || text.Palette[1] != blue {
		t.Errorf("palette 1=%v E=%v", text.Palette[1], text.Palette[0x0E])
	}
	if got := []rune(text.Text(2)); string(got[3:6]) != "A ─" {
		t.Errorf("row 2 = %q", string(got[:8]))
	}
}

func TestTextDirtyTracking(t *testing.T) {
	t.Parallel()
	r := textRig(t)
	r.putChar(0, 0, 'A', 0x07)
	r.putChar(24, 79, ' ', 0x07) // a cell where the cursor shows
	r.setCursor(0)
	r.render()

	tiles, text := r.render()
	if !tiles.Empty() {
		t.Errorf("unchanged screen: %d dirty tiles", tiles.Count())
	}
	if text == nil || text.Cells[0].Ch != 'A' {
		t.Error("unchanged screen lost its text")
	}

	// Writing the same byte again changes nothing.
	r.putChar(0, 0, 'A', 0x07)
	if tiles, _ := r.render(); !tiles.Empty() {
		t.Errorf("rewritten identical cell: %d dirty tiles", tiles.Count())
	}

	r.putChar(10, 40, 'A', 0x1E) // cell at x 360..368, y 160..175
	tiles, text = r.render()
	if n := tiles.Count(); n < 1 || n > 2 || !tiles.Has(360/16, 160/16) {
		t.Errorf("one changed cell marks %d tiles", n)
	}
	if text.Cells[10*80+40].Ch != 'A' {
		t.Error("text screen misses the new character")
	}

	r.setCursor(80*24 + 79)
	tiles, text = r.render()
	if n := tiles.Count(); n < 2 || n > 4 {
		t.Errorf("cursor move marks %d tiles, want the old and new cells", n)
	}
	if !tiles.Has(0, 0) || !tiles.Has(79*9/16, 24*16/16) {
		t.Error("cursor move misses the old or new cell")
	}
	if text.CursorX != 79 || text.CursorY != 24 {
		t.Errorf("cursor at (%d,%d)", text.CursorX, text.CursorY)
	}

	r.crtc(0x0A, 0x20) // cursor off
	if _, text = r.render(); text.CursorVisible {
		t.Error("cursor visible after the guest disabled it")
	}

	// A DAC change repaints what uses the colour.
	r.dac(0x3E, 0, 63, 0)
	tiles, _ = r.render()
	if !tiles.Has(360/16, 160/16) {
		t.Error("palette change does not repaint the yellow cell")
	}
	if got := r.pixel(360+3, 160+1); got != [3]uint8{0, 255, 0} {
		t.Errorf("recoloured pixel = %v", got)
	}
}

func TestTextBlinkAttribute(t *testing.T) {
	t.Parallel()
	r := textRig(t)
	r.putChar(0, 0, 'A', 0x9E)
	_, text := r.render()
	if got := text.Cells[0].Attr; got != 0x1E {
		t.Errorf("blink enabled: attr %02X, want 1E (bit 7 blinks)", got)
	}
	r.attr(0x10, 0x04) // blink off: bit 7 brightens the background
	_, text = r.render()
	if got := text.Cells[0].Attr; got != 0x9E {
		t.Errorf("blink disabled: attr %02X, want 9E", got)
	}
}

func TestTextGeometry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tweak      func(r *rig)
		cols, rows int
		w, h       int
	}{
		{"80x25", func(r *rig) {}, 80, 25, 720, 400},
		{"80x50 with 8-line cells", func(r *rig) { r.crtc(0x09, 0x47) }, 80, 50, 720, 400},
		{"40x25 with halved dot clock", func(r *rig) { r.seq(1, 0x08); r.crtc(0x01, 0x27); r.crtc(0x13, 0x14) }, 40, 25, 720, 400},
		{"80x25 8-dot", func(r *rig) { r.seq(1, 0x01) }, 80, 25, 640, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := textRig(t)
			tc.tweak(r)
			cols, rows, text := r.v.Mode()
			if !text || cols != tc.cols || rows != tc.rows {
				t.Errorf("Mode() = %d, %d, %v", cols, rows, text)
			}
			_, ts := r.render()
			if r.frame.Width != tc.w || r.frame.Height != tc.h {
				t.Errorf("frame %dx%d, want %dx%d", r.frame.Width, r.frame.Height, tc.w, tc.h)
			}
			if ts == nil || ts.Cols != tc.cols || ts.Rows != tc.rows {
				t.Errorf("text screen %+v", ts)
			}
		})
	}
	r := textRig(t)
	if got := r.v.Status(); got != "80x25 text" {
		t.Errorf("Status() = %q", got)
	}
}

func TestTextScrollsWithStartAddress(t *testing.T) {
	t.Parallel()
	r := textRig(t)
	r.putChar(1, 0, 'A', 0x07)
	_, text := r.render()
	if text.Cells[80].Ch != 'A' {
		t.Fatal("character not in row 1")
	}
	r.crtc(0x0C, 0)
	r.crtc(0x0D, 80) // start one row down
	_, text = r.render()
	if text.Cells[0].Ch != 'A' {
		t.Errorf("after scrolling, cell 0 = %q", text.Cells[0].Ch)
	}
	if got := r.pixel(3, 1); got != grey {
		t.Errorf("scrolled glyph pixel = %v", got)
	}
}
