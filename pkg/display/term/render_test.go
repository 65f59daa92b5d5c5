package term_test

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
)

// A 64×32 frame on a 64×17 terminal is shown 1:1: each cell is the ▀ glyph
// with the upper pixel as foreground and the lower as background.
func TestHalfBlocks(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) {
		switch {
		case y >= 16:
			return 0, 0, 255 // lower half blue
		case y%2 == 0:
			return 255, 0, 0 // upper half: red rows ...
		}
		return 0, 255, 0 // ... and green ones
	}), nil, nil)
	fx.sink.Redraw()
	tests := []struct {
		x, y   int
		fg, bg tcell.Color
	}{
		{0, 0, rgb(255, 0, 0), rgb(0, 255, 0)},
		{63, 7, rgb(255, 0, 0), rgb(0, 255, 0)},
		{10, 8, rgb(0, 0, 255), rgb(0, 0, 255)},
		{63, 15, rgb(0, 0, 255), rgb(0, 0, 255)},
	}
	for _, tt := range tests {
		r, fg, bg := fx.cell(tt.x, tt.y)
		if r != '▀' || fg != tt.fg || bg != tt.bg {
			t.Errorf("cell %d,%d = %q %v/%v, want ▀ %v/%v", tt.x, tt.y, r, fg, bg, tt.fg, tt.bg)
		}
	}
	if st := fx.row(16); !strings.Contains(st, "64x32") || !strings.Contains(st, "Ctrl-] menu") {
		t.Errorf("status line %q", st)
	}
}

// Scaled to fit, the picture keeps its aspect ratio and is centred.
func TestFitCentres(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 100, 17, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 255, 255, 255 }), nil, nil)
	fx.sink.Redraw()
	for _, tt := range []struct {
		x     int
		glyph rune
	}{{17, ' '}, {18, '▀'}, {81, '▀'}, {82, ' '}} {
		if r, _, _ := fx.cell(tt.x, 3); r != tt.glyph {
			t.Errorf("cell %d,3 = %q, want %q", tt.x, r, tt.glyph)
		}
	}
}

// Shrinking averages every source pixel an output pixel covers: a
// one-pixel black and white checkerboard halved is grey, where picking the
// nearest pixel would give black or white.
func TestAreaAveraging(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 32, 9, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) {
		if (x+y)%2 == 0 {
			return 255, 255, 255
		}
		return 0, 0, 0
	}), nil, nil)
	fx.sink.Redraw()
	grey := rgb(128, 128, 128)
	for _, p := range [][2]int{{0, 0}, {31, 7}, {15, 4}} {
		if r, fg, bg := fx.cell(p[0], p[1]); r != '▀' || fg != grey || bg != grey {
			t.Errorf("cell %v = %q %v/%v, want grey", p, r, fg, bg)
		}
	}
}

// A second frame repaints only the cells whose pixels changed.
func TestRedrawsOnlyChangedCells(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, nil)
	f := frameOf(64, 32, func(x, y int) (byte, byte, byte) { return byte(x * 4), byte(y * 8), 100 })
	fx.hub.Publish(f, nil, nil)
	fx.sink.Redraw()
	if n := len(fx.cnt.painted(16)); n != 64*16 {
		t.Fatalf("first frame painted %d cells, want %d", n, 64*16)
	}

	setPixel(f, 40, 21, 255, 255, 255)
	d := display.NewTileSet(64, 32)
	d.AddRect(40, 21, 1, 1)
	fx.hub.Publish(f, d, nil)
	fx.sink.Redraw()
	if got := fx.cnt.painted(16); len(got) != 1 || got[0] != [2]int{40, 10} {
		t.Errorf("painted %v, want only [40 10]", got)
	}
	if _, fg, bg := fx.cell(40, 10); fg != rgb(160, 160, 100) || bg != rgb(255, 255, 255) {
		t.Errorf("changed cell %v/%v", fg, bg)
	}

	// A tile reported dirty whose pixels are as before paints nothing.
	d.Clear()
	d.Add(0, 0)
	fx.hub.Publish(f, d, nil)
	fx.sink.Redraw()
	if got := fx.cnt.painted(16); len(got) != 0 {
		t.Errorf("unchanged tile painted %d cells", len(got))
	}
}

// Without truecolor the sink picks from the 256-colour palette itself.
func TestColorFallback(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, &term.Options{Colors: 256})
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) {
		if y < 16 {
			return 255, 0, 0
		}
		return 0x80, 0x80, 0x80
	}), nil, nil)
	fx.sink.Redraw()
	if _, fg, bg := fx.cell(0, 0); fg != tcell.PaletteColor(196) || bg != tcell.PaletteColor(196) {
		t.Errorf("red = %v/%v, want palette 196", fg, bg)
	}
	if _, fg, _ := fx.cell(0, 12); fg != tcell.PaletteColor(244) {
		t.Errorf("grey 0x80 = %v, want palette 244", fg)
	}
}

// The escape key, then z, switches to one guest pixel a half cell from the
// top-left corner, cropped.
func TestOneToOne(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, nil)
	fx.hub.Publish(frameOf(128, 64, func(x, y int) (byte, byte, byte) {
		if x == 0 && y == 0 {
			return 255, 0, 0
		}
		return 0, 0, 255
	}), nil, nil)
	fx.sink.Redraw()
	if _, fg, _ := fx.cell(0, 0); fg == rgb(255, 0, 0) {
		t.Fatalf("fit: top-left output pixel is the bare source pixel")
	}
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl))
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyRune, 'z', 0))
	if _, fg, bg := fx.cell(0, 0); fg != rgb(255, 0, 0) || bg != rgb(0, 0, 255) {
		t.Errorf("1:1: top-left %v/%v, want red/blue", fg, bg)
	}
	if r, _, _ := fx.cell(63, 15); r != '▀' {
		t.Errorf("1:1: cell 63,15 = %q, want ▀", r)
	}
}

// A resize lays the picture out again at once.
func TestResize(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 255, 255, 255 }), nil, nil)
	fx.sink.Redraw()
	fx.scr.SetSize(100, 17)
	fx.sink.HandleEvent(tcell.NewEventResize(100, 17))
	if r, _, _ := fx.cell(17, 0); r != ' ' {
		t.Errorf("after resize cell 17,0 = %q, want blank", r)
	}
	if r, fg, _ := fx.cell(18, 0); r != '▀' || fg != rgb(255, 255, 255) {
		t.Errorf("after resize cell 18,0 = %q %v, want white ▀", r, fg)
	}
	if st := fx.row(16); !strings.Contains(st, "menu") {
		t.Errorf("status line after resize %q", st)
	}
}

var vgaPalette = [16][3]uint8{
	{0, 0, 0}, {0, 0, 170}, {0, 170, 0}, {0, 170, 170}, {170, 0, 0}, {170, 0, 170}, {170, 85, 0}, {170, 170, 170},
	{85, 85, 85}, {85, 85, 255}, {85, 255, 85}, {85, 255, 255}, {255, 85, 85}, {255, 85, 255}, {255, 255, 85}, {255, 255, 255},
}

func textScreen(cols, rows int) *display.TextScreen {
	ts := &display.TextScreen{Cols: cols, Rows: rows, Cells: make([]display.Cell, cols*rows), Palette: vgaPalette}
	for i := range ts.Cells {
		ts.Cells[i] = display.Cell{Ch: ' ', Attr: 0x07}
	}
	return ts
}

func put(ts *display.TextScreen, x, y int, s string, attr uint8) {
	for i := 0; i < len(s); i++ {
		ts.Cells[y*ts.Cols+x+i] = display.Cell{Ch: s[i], Attr: attr}
	}
}

// A text mode shows as characters in the VGA colours, with the cursor.
func TestTextMode(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 82, 27, nil)
	ts := textScreen(80, 25)
	put(ts, 0, 0, "C:\\>dir", 0x07)
	put(ts, 0, 1, "\x84\xC9\x01", 0x1E) // ä ╔ ☺, yellow on blue
	ts.CursorX, ts.CursorY, ts.CursorVisible = 7, 0, true
	fx.hub.Publish(display.NewFrame(720, 400), nil, ts)
	fx.sink.Redraw()

	if got := fx.row(0); got != " C:\\>dir"+strings.Repeat(" ", 74) {
		t.Errorf("row 0 = %q", got)
	}
	tests := []struct {
		x, y   int
		r      rune
		fg, bg tcell.Color
	}{
		{1, 0, 'C', rgb(170, 170, 170), rgb(0, 0, 0)},
		{1, 1, 'ä', rgb(255, 255, 85), rgb(0, 0, 170)},
		{2, 1, '╔', rgb(255, 255, 85), rgb(0, 0, 170)},
		{3, 1, '☺', rgb(255, 255, 85), rgb(0, 0, 170)},
	}
	for _, tt := range tests {
		r, fg, bg := fx.cell(tt.x, tt.y)
		if r != tt.r || fg != tt.fg || bg != tt.bg {
			t.Errorf("cell %d,%d = %q %v/%v, want %q %v/%v", tt.x, tt.y, r, fg, bg, tt.r, tt.fg, tt.bg)
		}
	}
	if x, y, vis := fx.scr.GetCursor(); x != 8 || y != 0 || !vis {
		t.Errorf("cursor %d,%d visible=%v, want 8,0 visible", x, y, vis)
	}
	if st := fx.row(26); !strings.Contains(st, "80x25 text") {
		t.Errorf("status line %q", st)
	}

	// Typing one character repaints one cell.
	fx.cnt.painted(26)
	put(ts, 7, 0, "x", 0x07)
	ts.CursorX = 8
	fx.hub.Publish(display.NewFrame(720, 400), display.NewTileSet(720, 400), ts)
	fx.sink.Redraw()
	if got := fx.cnt.painted(26); len(got) != 1 || got[0] != [2]int{8, 0} {
		t.Errorf("painted %v, want [8 0]", got)
	}
	if x, _, _ := fx.scr.GetCursor(); x != 9 {
		t.Errorf("cursor x %d, want 9", x)
	}
}

// On a terminal shorter than the guest's text screen the rows scroll to keep
// the cursor (a DOS prompt on the last row) in view.
func TestTextModeSmallTerminal(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 80, 24, nil)
	ts := textScreen(80, 25)
	put(ts, 0, 24, "C:\\>", 0x07)
	put(ts, 0, 0, "top", 0x07)
	ts.CursorX, ts.CursorY, ts.CursorVisible = 4, 24, true
	fx.hub.Publish(display.NewFrame(720, 400), nil, ts)
	fx.sink.Redraw()
	if got := fx.row(22); !strings.HasPrefix(got, "C:\\>") {
		t.Errorf("row 22 = %q, want the prompt", got)
	}
	if x, y, vis := fx.scr.GetCursor(); x != 4 || y != 22 || !vis {
		t.Errorf("cursor %d,%d %v, want 4,22", x, y, vis)
	}
	// Back to graphics: the text is gone.
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 0, 255, 0 }), nil, nil)
	fx.sink.Redraw()
	if r, _, _ := fx.cell(40, 5); r != '▀' {
		t.Errorf("graphics after text: %q", r)
	}
	if _, _, vis := fx.scr.GetCursor(); vis {
		t.Error("cursor shown in graphics mode")
	}
}
