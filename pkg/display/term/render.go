package term

import (
	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
)

// upperHalf is the glyph of a graphics cell: its foreground paints the upper
// pixel, its background the lower.
const upperHalf = '▀'

// cellColors is what a graphics cell shows.
type cellColors struct {
	top, bottom tcell.Color
	set         bool
}

var black = tcell.StyleDefault.Foreground(tcell.ColorBlack).Background(tcell.ColorBlack)

// Redraw reads what changed in the hub and repaints the cells it affects,
// then the status line, and shows the result. It reports whether the hub
// had anything new.
func (s *Sink) Redraw() bool {
	got := s.read()
	if w, h := s.scr.Size(); w != s.w || h != s.h {
		s.w, s.h = w, h
		s.full = true
	}
	if s.full {
		s.clear()
	}
	if got || s.full {
		switch {
		case s.text != nil:
			s.drawText()
		case s.frame != nil:
			s.drawGraphics()
		}
		if got {
			s.stat.frames++
		}
	}
	s.full = false
	if s.showLog {
		s.drawLog()
	}
	s.drawBottom()
	s.placeCursor()
	s.scr.Show()
	return got
}

// read copies what changed since the last read out of the hub, so that the
// hub is locked only for a copy, never for drawing.
func (s *Sink) read() bool {
	return s.sub.Read(func(u display.Update) {
		f := u.Frame
		if s.frame == nil || u.Resized || s.frame.Width != f.Width || s.frame.Height != f.Height {
			s.frame = &display.Frame{Width: f.Width, Height: f.Height, Pix: append([]byte(nil), f.Pix...)}
			s.dirty = display.NewTileSet(f.Width, f.Height)
			s.full = true
		} else {
			stride := f.Stride()
			u.Dirty.Each(f.Width, f.Height, func(x, y, w, h int) {
				for r := y; r < y+h; r++ {
					o := r*stride + x*4
					copy(s.frame.Pix[o:o+w*4], f.Pix[o:o+w*4])
				}
			})
			s.dirty.Union(u.Dirty)
		}
		if u.TextChanged {
			if (u.Text == nil) != (s.text == nil) {
				s.full = true // text ↔ graphics
			}
			s.text = u.Text.Clone()
		}
	})
}

// clear blanks the screen and forgets what every cell shows, for a repaint
// of everything.
func (s *Sink) clear() {
	s.scr.Fill(' ', black)
	s.drawn = nil
	s.txt.drawn = nil
	s.stat.shown = ""
	s.full = true
}

// pictureArea is the screen minus the status line.
func (s *Sink) pictureArea() (w, h int) {
	return s.w, max(s.h-1, 0)
}

// drawGraphics repaints the cells whose source tiles changed, skipping those
// whose colours come out as before.
func (s *Sink) drawGraphics() {
	f := s.frame
	aw, ah := s.pictureArea()
	l := s.lay
	if l == nil || l.fw != f.Width || l.fh != f.Height || l.aw != aw || l.ah != ah || s.drawn == nil {
		s.lay = newLayout(f.Width, f.Height, aw, ah, s.oneToOne, s.panX, s.panY, display.TileSize)
		l = s.lay
		if !s.full {
			s.clear()
		}
	}
	if l.ow == 0 || l.oh == 0 { // no room to show anything
		s.dirty.Clear()
		return
	}
	cw, ch := l.ow, (l.oh+1)/2 // output cells
	if len(s.drawn) != cw*ch {
		s.drawn = make([]cellColors, cw*ch)
		s.need = make([]bool, cw*ch)
		s.full = true
	}
	need := s.need
	if s.full {
		for i := range need {
			need[i] = true
		}
	} else {
		s.dirty.Each(f.Width, f.Height, func(x, y, _, _ int) {
			cs, rs := l.tileCols[x/display.TileSize], l.tileRows[y/display.TileSize]
			for r := rs[0]; r < rs[1]; r++ {
				for c := cs[0]; c < cs[1]; c++ {
					need[r*cw+c] = true
				}
			}
		})
	}
	s.dirty.Clear()
	for cy := 0; cy < ch; cy++ {
		for cx := 0; cx < cw; cx++ {
			i := cy*cw + cx
			if !need[i] {
				continue
			}
			need[i] = false
			top := s.pal.color(s.average(cx, 2*cy))
			bottom := tcell.ColorBlack
			if 2*cy+1 < l.oh {
				bottom = s.pal.color(s.average(cx, 2*cy+1))
			}
			d := &s.drawn[i]
			if d.set && d.top == top && d.bottom == bottom {
				continue
			}
			*d = cellColors{top, bottom, true}
			s.scr.SetContent(l.offX+cx, l.offY+cy, upperHalf, nil,
				tcell.StyleDefault.Foreground(top).Background(bottom))
		}
	}
}

// average is the mean colour of the source pixels output pixel (ox, oy)
// covers, rounded.
func (s *Sink) average(ox, oy int) (r, g, b uint8) {
	l := s.lay
	x0, x1 := box(l.xs, ox)
	y0, y1 := box(l.ys, oy)
	stride := s.frame.Stride()
	var sr, sg, sb int
	for y := y0; y < y1; y++ {
		row := s.frame.Pix[y*stride+x0*4 : y*stride+x1*4]
		for i := 0; i+3 < len(row); i += 4 {
			sr += int(row[i])
			sg += int(row[i+1])
			sb += int(row[i+2])
		}
	}
	n := (x1 - x0) * (y1 - y0)
	return uint8((sr + n/2) / n), uint8((sg + n/2) / n), uint8((sb + n/2) / n)
}

// placeCursor shows the terminal cursor where the guest's text cursor is,
// or at the command bar's prompt, and hides it otherwise.
func (s *Sink) placeCursor() {
	switch {
	case s.bar.open && s.bar.prompt != "":
		s.scr.ShowCursor(s.bar.cursorX, s.h-1)
	case !s.bar.open && s.text != nil && s.cursorOn:
		s.scr.ShowCursor(s.cursorX, s.cursorY)
	default:
		s.scr.HideCursor()
	}
}
