package term

import (
	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/input"
)

// mouseEvent sends the guest pixel under the terminal cell the mouse is on
// (its centre) as a position on the guest's screen, with the buttons held
// and the wheel: the machine puts the guest's pointer there exactly when
// the guest drives an absolute pointer, and otherwise moves its mouse by
// the difference from the last position.
func (s *Sink) mouseEvent(ev *tcell.EventMouse) {
	x, y := ev.Position()
	b := ev.Buttons()
	var buttons uint8
	if b&tcell.Button1 != 0 {
		buttons |= input.ButtonLeft
	}
	if b&tcell.Button2 != 0 {
		buttons |= input.ButtonRight
	}
	if b&tcell.Button3 != 0 {
		buttons |= input.ButtonMiddle
	}
	dz := 0
	if b&tcell.WheelUp != 0 {
		dz--
	}
	if b&tcell.WheelDown != 0 {
		dz++
	}
	gx, gy, w, h, ok := s.guestPixel(x, y)
	if !ok {
		return
	}
	s.o.Input.Pointer(gx, gy, w, h, dz, buttons)
}

// guestPixel returns the guest pixel terminal cell (x, y) shows (the middle
// of the pixels it stands for; a cell outside the picture counts as its
// nearest edge) and the guest screen's size. ok is false before anything
// is shown.
func (s *Sink) guestPixel(x, y int) (gx, gy, w, h int, ok bool) {
	f := s.frame
	if f == nil || f.Width <= 0 || f.Height <= 0 {
		return 0, 0, 0, 0, false
	}
	w, h = f.Width, f.Height
	if s.text != nil && s.txt.cols > 0 && s.txt.rows > 0 {
		g := s.txt.textGeom
		col := min(max(x-g.offX, 0), g.cols-1)
		row := min(max(y-g.offY+g.top, 0), g.rows-1)
		return (2*col + 1) * w / (2 * g.cols), (2*row + 1) * h / (2 * g.rows), w, h, true
	}
	l := s.lay
	if l == nil || l.fw != w || l.fh != h || l.ow == 0 || l.oh == 0 {
		return 0, 0, 0, 0, false
	}
	ox := min(max(x-l.offX, 0), l.ow-1)
	oy := 2 * min(max(y-l.offY, 0), (l.oh-1)/2) // the cell's upper pixel
	oy2 := min(oy+2, l.oh)                      // the end of its lower one
	gx = (l.xs[ox] + max(l.xs[ox+1], l.xs[ox]+1)) / 2
	gy = (l.ys[oy] + max(l.ys[oy2], l.ys[oy]+1)) / 2
	return min(gx, w-1), min(gy, h-1), w, h, true
}
