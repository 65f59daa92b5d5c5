package term

import (
	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
)

// textView is how a text screen sits on the terminal and what each of its
// cells shows.
type textView struct {
	textGeom
	drawn []textCell
}

// textGeom is where a text screen sits on the terminal.
type textGeom struct {
	cols, rows int // the guest's grid
	aw, ah     int // the picture area
	offX, offY int // terminal cell of the first shown guest cell
	top        int // first guest row shown
	visC, visR int // guest columns and rows shown
}

type textCell struct {
	ch     byte
	fg, bg tcell.Color
	set    bool
}

// drawText paints the guest's text grid as characters: centred when the
// terminal is larger, cut off at the right and bottom when smaller — except
// that the rows scroll to keep the cursor in view.
func (s *Sink) drawText() {
	t := s.text
	aw, ah := s.pictureArea()
	rows := t.Rows
	if t.Cols <= 0 || len(t.Cells) < t.Cols*t.Rows {
		rows = 0 // a malformed grid shows nothing rather than crash
	}
	g := textGeom{cols: t.Cols, rows: rows, aw: aw, ah: ah,
		visC: max(0, min(t.Cols, aw)), visR: max(0, min(rows, ah)),
		offX: max(0, (aw-t.Cols)/2), offY: max(0, (ah-rows)/2)}
	if rows > ah && t.CursorVisible && t.CursorY >= ah {
		g.top = min(t.CursorY-ah+1, rows-ah)
	}
	if g != s.txt.textGeom || s.txt.drawn == nil {
		if !s.full {
			s.clear()
		}
		s.txt = textView{g, make([]textCell, g.visC*g.visR)}
	}
	v := s.txt
	pal := t.Palette
	if pal == ([16][3]uint8{}) {
		pal = defaultPalette // a machine that never set one: black on black helps nobody
	}
	var colors [16]tcell.Color
	for i, c := range pal {
		colors[i] = s.pal.color(c[0], c[1], c[2])
	}
	for r := 0; r < v.visR; r++ {
		row := t.Cells[(v.top+r)*t.Cols:]
		for c := 0; c < v.visC; c++ {
			cell := row[c]
			tc := textCell{ch: cell.Ch, fg: colors[cell.Attr&0x0F], bg: colors[cell.Attr>>4], set: true}
			d := &v.drawn[r*v.visC+c]
			if *d == tc {
				continue
			}
			*d = tc
			s.scr.SetContent(v.offX+c, v.offY+r, display.CP437[cell.Ch], nil,
				tcell.StyleDefault.Foreground(tc.fg).Background(tc.bg))
		}
	}
	s.dirty.Clear() // the pixels of a text mode are not shown
	s.cursorOn = t.CursorVisible && t.CursorX >= 0 && t.CursorX < v.visC &&
		t.CursorY >= v.top && t.CursorY < v.top+v.visR
	s.cursorX, s.cursorY = v.offX+t.CursorX, v.offY+t.CursorY-v.top
}

// defaultPalette is the VGA's text palette after reset.
var defaultPalette = [16][3]uint8{
	{0, 0, 0}, {0, 0, 170}, {0, 170, 0}, {0, 170, 170}, {170, 0, 0}, {170, 0, 170}, {170, 85, 0}, {170, 170, 170},
	{85, 85, 85}, {85, 85, 255}, {85, 255, 85}, {85, 255, 255}, {255, 85, 85}, {255, 85, 255}, {255, 255, 85}, {255, 255, 255},
}
