package term

import (
	"math"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/input"
)

// mouseState turns the terminal's absolute cell positions into the relative
// motion a PS/2 mouse reports.
type mouseState struct {
	known   bool // x, y hold a position
	x, y    int
	fx, fy  float64 // motion not yet sent, in guest pixels
	buttons uint8
}

// mouseEvent sends the motion since the last event, scaled from cells to
// guest pixels, with the buttons held and the wheel.
func (s *Sink) mouseEvent(ev *tcell.EventMouse) {
	m := &s.mouse
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
	dx, dy := 0, 0
	if m.known {
		cw, ch := s.cellSize()
		m.fx += float64(x-m.x) * cw
		m.fy += float64(y-m.y) * ch
		dx, dy = int(math.Round(m.fx)), int(math.Round(m.fy))
		m.fx -= float64(dx)
		m.fy -= float64(dy)
	}
	m.known, m.x, m.y = true, x, y
	if dx == 0 && dy == 0 && dz == 0 && buttons == m.buttons {
		return
	}
	m.buttons = buttons
	s.o.Input.Mouse(dx, dy, dz, buttons)
}

// cellSize is how many guest pixels one terminal cell stands for, across
// and down.
func (s *Sink) cellSize() (w, h float64) {
	switch {
	case s.text != nil && s.frame != nil && s.text.Cols > 0 && s.text.Rows > 0:
		return float64(s.frame.Width) / float64(s.text.Cols), float64(s.frame.Height) / float64(s.text.Rows)
	case s.lay != nil && s.lay.cellW > 0:
		return s.lay.cellW, s.lay.cellH
	}
	return 1, 2
}
