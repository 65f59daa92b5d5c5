package term_test

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   *tcell.EventKey
		want string
	}{
		{"a", tcell.NewEventKey(tcell.KeyRune, 'a', 0), "+1E -1E"},
		{"A", tcell.NewEventKey(tcell.KeyRune, 'A', 0), "+2A +1E -1E -2A"},
		{"!", tcell.NewEventKey(tcell.KeyRune, '!', 0), "+2A +2 -2 -2A"},
		{"space", tcell.NewEventKey(tcell.KeyRune, ' ', 0), "+39 -39"},
		{"Ctrl-C", tcell.NewEventKey(tcell.KeyCtrlC, 0, tcell.ModCtrl), "+1D +2E -2E -1D"},
		{"Ctrl-C as ETX", tcell.NewEventKey(tcell.KeyRune, 3, 0), "+1D +2E -2E -1D"},
		{"Ctrl-Space", tcell.NewEventKey(tcell.KeyCtrlSpace, 0, tcell.ModCtrl), "+1D +39 -39 -1D"},
		{"Ctrl-\\", tcell.NewEventKey(tcell.KeyCtrlBackslash, 0, tcell.ModCtrl), "+1D +2B -2B -1D"},
		{"Ctrl-_", tcell.NewEventKey(tcell.KeyCtrlUnderscore, 0, tcell.ModCtrl), "+1D +2A +C -C -2A -1D"},
		{"Alt-x", tcell.NewEventKey(tcell.KeyRune, 'x', tcell.ModAlt), "+38 +2D -2D -38"},
		{"Ctrl-Alt-x", tcell.NewEventKey(tcell.KeyRune, 'x', tcell.ModAlt|tcell.ModCtrl), "+1D +38 +2D -2D -38 -1D"},
		{"F1", tcell.NewEventKey(tcell.KeyF1, 0, 0), "+3B -3B"},
		{"F5", tcell.NewEventKey(tcell.KeyF5, 0, 0), "+3F -3F"},
		{"F12", tcell.NewEventKey(tcell.KeyF12, 0, 0), "+58 -58"},
		{"F13 is Shift-F1", tcell.NewEventKey(tcell.KeyF13, 0, 0), "+2A +3B -3B -2A"},
		{"Alt-F4", tcell.NewEventKey(tcell.KeyF4, 0, tcell.ModAlt), "+38 +3E -3E -38"},
		{"Up", tcell.NewEventKey(tcell.KeyUp, 0, 0), "+E048 -E048"},
		{"Shift-Up", tcell.NewEventKey(tcell.KeyUp, 0, tcell.ModShift), "+2A +E048 -E048 -2A"},
		{"Left", tcell.NewEventKey(tcell.KeyLeft, 0, 0), "+E04B -E04B"},
		{"Home", tcell.NewEventKey(tcell.KeyHome, 0, 0), "+E047 -E047"},
		{"End", tcell.NewEventKey(tcell.KeyEnd, 0, 0), "+E04F -E04F"},
		{"PgUp", tcell.NewEventKey(tcell.KeyPgUp, 0, 0), "+E049 -E049"},
		{"PgDn", tcell.NewEventKey(tcell.KeyPgDn, 0, 0), "+E051 -E051"},
		{"Insert", tcell.NewEventKey(tcell.KeyInsert, 0, 0), "+E052 -E052"},
		{"Delete", tcell.NewEventKey(tcell.KeyDelete, 0, 0), "+E053 -E053"},
		{"Ctrl-Alt-Delete", tcell.NewEventKey(tcell.KeyDelete, 0, tcell.ModCtrl|tcell.ModAlt), "+1D +38 +E053 -E053 -38 -1D"},
		{"Esc", tcell.NewEventKey(tcell.KeyEscape, 0, 0), "+1 -1"},
		{"Enter", tcell.NewEventKey(tcell.KeyEnter, 0, 0), "+1C -1C"},
		{"Tab", tcell.NewEventKey(tcell.KeyTab, 0, 0), "+F -F"},
		{"Backtab", tcell.NewEventKey(tcell.KeyBacktab, 0, 0), "+2A +F -F -2A"},
		{"Backspace", tcell.NewEventKey(tcell.KeyBackspace, 0, 0), "+E -E"},
		{"DEL is Backspace", tcell.NewEventKey(tcell.KeyDEL, 0, 0), "+E -E"},
		{"no US key", tcell.NewEventKey(tcell.KeyRune, 'é', 0), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, 80, 25, nil)
			if fx.sink.HandleEvent(tt.ev) {
				t.Fatal("HandleEvent reported quit")
			}
			if got := fx.in.take(); got != tt.want {
				t.Errorf("%s: %q, want %q", tt.ev.Name(), got, tt.want)
			}
		})
	}
}
