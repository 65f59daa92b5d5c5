package term_test

import (
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
)

// TestMouse: a 64×32 frame on 32×8 cells of picture, so a cell stands for
// 2 guest pixels across and 4 down; each mouse event becomes the position
// of the middle of the cell's pixels on the 64×32 screen, with its buttons
// and wheel.
func TestMouse(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 32, 9, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 0, 0, 0 }), nil, nil)
	fx.sink.Redraw()
	steps := []struct {
		x, y int
		b    tcell.ButtonMask
		want string
	}{
		{0, 0, 0, "p 1 2 64x32 0 0"},
		{5, 3, 0, "p 11 14 64x32 0 0"},
		{7, 4, tcell.Button1, "p 15 18 64x32 0 1"},
		{7, 4, tcell.Button2, "p 15 18 64x32 0 2"},
		{7, 4, tcell.Button3, "p 15 18 64x32 0 4"},
		{6, 4, tcell.WheelUp, "p 13 18 64x32 -1 0"},
		{6, 4, tcell.WheelDown, "p 13 18 64x32 1 0"},
		{31, 7, 0, "p 63 30 64x32 0 0"},
		{31, 8, 0, "p 63 30 64x32 0 0"}, // the status line: the picture's nearest edge
	}
	for i, st := range steps {
		fx.sink.HandleEvent(tcell.NewEventMouse(st.x, st.y, st.b, 0))
		if got := fx.in.take(); got != st.want {
			t.Errorf("step %d (%d,%d %v): %q, want %q", i, st.x, st.y, st.b, got, st.want)
		}
	}
}

// TestMouseTextMode: in a text mode a terminal cell is a guest character
// cell (9×16 pixels of a 720×400 screen here), centred in a wider terminal.
func TestMouseTextMode(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 84, 26, nil)
	ts := &display.TextScreen{Cols: 80, Rows: 25, Cells: make([]display.Cell, 80*25), Palette: vgaPalette}
	fx.hub.Publish(frameOf(720, 400, func(x, y int) (byte, byte, byte) { return 0, 0, 0 }), nil, ts)
	fx.sink.Redraw()
	for _, st := range []struct {
		x, y int
		want string
	}{
		{2, 0, "p 4 8 720x400 0 0"},       // the first column is terminal column 2
		{81, 24, "p 715 392 720x400 0 0"}, // the last cell
		{0, 0, "p 4 8 720x400 0 0"},       // left of the text: its edge
	} {
		fx.sink.HandleEvent(tcell.NewEventMouse(st.x, st.y, 0, 0))
		if got := fx.in.take(); got != st.want {
			t.Errorf("(%d,%d): %q, want %q", st.x, st.y, got, st.want)
		}
	}
}
