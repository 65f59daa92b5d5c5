package term_test

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

// A 64×32 frame on 32×8 cells of picture: a cell is 2 guest pixels wide and
// 4 high.
func TestMouse(t *testing.T) {
	fx := newFixture(t, 32, 9, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 0, 0, 0 }), nil, nil)
	fx.sink.Redraw()
	steps := []struct {
		x, y int
		b    tcell.ButtonMask
		want string
	}{
		{5, 3, 0, ""}, // where the pointer is: nothing to report yet
		{7, 4, 0, "m 4 4 0 0"},
		{7, 4, tcell.Button1, "m 0 0 0 1"},
		{6, 4, tcell.Button1, "m -2 0 0 1"},
		{6, 4, 0, "m 0 0 0 0"},
		{6, 4, tcell.Button2, "m 0 0 0 2"},
		{6, 4, tcell.Button3, "m 0 0 0 4"},
		{6, 4, 0, "m 0 0 0 0"},
		{6, 4, tcell.WheelUp, "m 0 0 -1 0"},
		{6, 4, tcell.WheelDown, "m 0 0 1 0"},
		{6, 4, 0, ""},
		{6, 2, 0, "m 0 -8 0 0"},
	}
	for i, st := range steps {
		fx.sink.HandleEvent(tcell.NewEventMouse(st.x, st.y, st.b, 0))
		if got := fx.in.take(); got != st.want {
			t.Errorf("step %d (%d,%d %v): %q, want %q", i, st.x, st.y, st.b, got, st.want)
		}
	}
}
