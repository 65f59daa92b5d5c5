package term_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
)

// Messages show on the status line and stay in the history the command
// bar's m shows over the picture until a key closes it.
func TestMessages(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 80, 10, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 0, 0, 255 }), nil, nil)
	fx.sink.Redraw()
	fx.sink.Notify("VNC server on 127.0.0.1:5901")
	fx.sink.Notify("resumed desk in 0.4s")
	if got := fx.row(9); !strings.Contains(got, "resumed desk in 0.4s") {
		t.Fatalf("status line %q, want the last message", got)
	}
	esc := tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl)
	fx.sink.HandleEvent(esc)
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyRune, 'm', 0))
	if a, b := fx.row(7), fx.row(8); !strings.Contains(a, "VNC server on 127.0.0.1:5901") || !strings.Contains(b, "resumed desk") {
		t.Fatalf("history rows:\n%q\n%q", a, b)
	}
	// A key closes the history and does not reach the guest.
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyRune, 'x', 0))
	if got := fx.row(7); strings.Contains(got, "VNC") {
		t.Fatalf("history still shown: %q", got)
	}
	if ev := fx.in.take(); ev != "" {
		t.Fatalf("the closing key reached the guest: %s", ev)
	}
}

// At 1:1 the arrows of the command bar pan over a picture larger than the
// terminal, and the status line says where the view is.
func TestOneToOnePan(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, nil)
	fx.hub.Publish(frameOf(256, 128, func(x, y int) (byte, byte, byte) {
		if x >= 128 {
			return 255, 0, 0
		}
		return 0, 0, 255
	}), nil, nil)
	fx.sink.Redraw()
	esc := tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl)
	fx.sink.HandleEvent(esc)
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyRune, 'z', 0))
	if _, fg, _ := fx.cell(0, 0); fg != rgb(0, 0, 255) {
		t.Fatalf("1:1 before panning: %v", fg)
	}
	fx.sink.HandleEvent(esc)
	for range 20 { // more than needed: the view stops at the edge
		fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyRight, 0, 0))
	}
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEscape, 0, 0))
	if _, fg, _ := fx.cell(63, 0); fg != rgb(255, 0, 0) {
		t.Fatalf("after panning right the right edge shows %v, want red", fg)
	}
	if got := fx.row(16); !strings.Contains(got, "1:1 at 192,0 of 256x128") {
		t.Fatalf("status line %q, want the view's position", got)
	}
}

// A text screen taller than the terminal says which rows it shows.
func TestTextCropIndicator(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 80, 24, nil)
	ts := textScreen(80, 25)
	ts.CursorX, ts.CursorY, ts.CursorVisible = 0, 24, true
	fx.hub.Publish(display.NewFrame(720, 400), nil, ts)
	fx.sink.Redraw()
	if got := fx.row(23); !strings.Contains(got, "rows 3-25 of 25") {
		t.Fatalf("status line %q, want the rows shown", got)
	}
}

// The status line says what a booting guest is doing, and shows no speed
// while paused.
func TestStatusPhase(t *testing.T) {
	t.Parallel()
	st := term.Status{Image: "x.img", Phase: "BIOS", MIPS: 42}
	fx := newFixture(t, 120, 10, &term.Options{Status: func() term.Status { return st }})
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 0, 0, 255 }), nil, nil)
	fx.sink.Redraw()
	if got := fx.row(9); !strings.Contains(got, "BIOS") || !strings.Contains(got, "42 MIPS") {
		t.Fatalf("status line %q, want the phase and speed", got)
	}
	st = term.Status{Image: "x.img", Phase: "protected mode", MIPS: 42, Paused: true}
	fx.sink.Tick(time.Now())
	if got := fx.row(9); strings.Contains(got, "MIPS") || strings.Contains(got, "protected") || !strings.Contains(got, "paused") {
		t.Fatalf("status line %q while paused", got)
	}
}

// Bracketed paste: the text is typed into the guest (Enter as Enter), and
// the escape key inside it is not the command bar's.
func TestBracketedPaste(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 80, 10, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return 0, 0, 255 }), nil, nil)
	fx.sink.Redraw()
	fx.sink.HandleEvent(tcell.NewEventPaste(true))
	for _, r := range "ab" {
		fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyRune, r, 0))
	}
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl))
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEnter, 0, 0))
	if ev := fx.in.take(); ev != "" {
		t.Fatalf("keys reached the guest before the paste ended: %s", ev)
	}
	fx.sink.HandleEvent(tcell.NewEventPaste(false))
	if got := fx.in.take(); got != "+1E -1E +30 -30 +1C -1C" {
		t.Fatalf("typed %q, want a, b, Enter", got)
	}
	if strings.Contains(fx.row(9), "q quit") {
		t.Fatal("the escape key inside the paste opened the command bar")
	}
}
