package term_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
)

var escKey = tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl)

func runeKey(r rune) *tcell.EventKey { return tcell.NewEventKey(tcell.KeyRune, r, 0) }

func typeLine(fx *fixture, s string) {
	for _, r := range s {
		fx.sink.HandleEvent(runeKey(r))
	}
}

func TestBarQuit(t *testing.T) {
	t.Parallel()
	quits := 0
	fx := newFixture(t, 80, 25, &term.Options{Quit: func() { quits++ }})
	fx.sink.Redraw()
	if fx.sink.HandleEvent(escKey) {
		t.Fatal("escape key quit")
	}
	if st := fx.row(24); !strings.Contains(st, "q quit") {
		t.Errorf("bar %q", st)
	}
	if !fx.sink.HandleEvent(runeKey('q')) || quits != 1 {
		t.Errorf("q: quit not reported or Quit called %d times", quits)
	}
	if got := fx.in.take(); got != "" {
		t.Errorf("guest got %q", got)
	}
}

func TestBarCommands(t *testing.T) {
	t.Parallel()
	pauses, saves := 0, 0
	var shot string
	fx := newFixture(t, 100, 25, &term.Options{
		Pause:      func() bool { pauses++; return pauses%2 == 1 },
		Screenshot: func(p string) error { shot = p; return nil },
		Save:       func() (string, error) { saves++; return "saved snapshot t1", nil },
	})
	fx.sink.Redraw()

	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('d'))
	if got, want := fx.in.take(), "+1D +38 +E053 -E053 -38 -1D"; got != want {
		t.Errorf("d: %q, want %q", got, want)
	}

	// The escape key twice reaches the guest.
	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(escKey)
	if got, want := fx.in.take(), "+1D +1B -1B -1D"; got != want {
		t.Errorf("escape twice: %q, want %q", got, want)
	}

	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('k'))
	typeLine(fx, "ctrl+alt+f1")
	if st := fx.row(24); !strings.Contains(st, "ctrl+alt+f1") {
		t.Errorf("prompt %q", st)
	}
	if fx.in.take() != "" {
		t.Error("prompt typing reached the guest")
	}
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEnter, 0, 0))
	if got, want := fx.in.take(), "+1D +38 +3B -3B -38 -1D"; got != want {
		t.Errorf("k: %q, want %q", got, want)
	}

	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('k'))
	typeLine(fx, "ctrl+nosuchkey")
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEnter, 0, 0))
	if st := fx.row(24); !strings.Contains(st, "unknown key") {
		t.Errorf("bad combination: status %q", st)
	}

	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('s'))
	if st := fx.row(24); !strings.Contains(st, "do86-") || !strings.Contains(st, ".png") {
		t.Errorf("screenshot prompt %q lacks the default name", st)
	}
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyCtrlU, 0, tcell.ModCtrl))
	typeLine(fx, "shot.png")
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEnter, 0, 0))
	if shot != "shot.png" {
		t.Errorf("Screenshot(%q), want shot.png", shot)
	}

	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('v'))
	fx.sink.Tick(time.Now())
	if st := fx.row(24); saves != 1 || !strings.Contains(st, "saved snapshot t1") {
		t.Errorf("v: Save called %d times, status %q", saves, st)
	}

	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('p'))
	if pauses != 1 {
		t.Errorf("Pause called %d times", pauses)
	}
	fx.sink.Tick(time.Now())
	if st := fx.row(24); !strings.Contains(st, "paused") {
		t.Errorf("status %q, want paused", st)
	}

	// Esc closes the bar and the guest gets nothing.
	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEscape, 0, 0))
	fx.sink.HandleEvent(runeKey('a'))
	if got := fx.in.take(); got != "+1E -1E" {
		t.Errorf("after Esc: %q, want only the a", got)
	}
}

// Without a Screenshot callback the sink writes the frame it shows.
func TestScreenshotFallback(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 64, 17, nil)
	fx.hub.Publish(frameOf(64, 32, func(x, y int) (byte, byte, byte) { return byte(x), byte(y), 7 }), nil, nil)
	fx.sink.Redraw()
	path := filepath.Join(t.TempDir(), "s.png")
	fx.sink.HandleEvent(escKey)
	fx.sink.HandleEvent(runeKey('s'))
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyCtrlU, 0, tcell.ModCtrl))
	typeLine(fx, path)
	fx.sink.HandleEvent(tcell.NewEventKey(tcell.KeyEnter, 0, 0))
	img, err := display.LoadPNG(path)
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(10, 20).RGBA()
	if img.Bounds().Dx() != 64 || img.Bounds().Dy() != 32 || r>>8 != 10 || g>>8 != 20 || b>>8 != 7 {
		t.Errorf("screenshot %v, pixel %d %d %d", img.Bounds(), r>>8, g>>8, b>>8)
	}
}

// Terminals speaking the kitty keyboard protocol report Ctrl-] as the
// character ] with Ctrl; the escape key works all the same, and a
// configured escape key replaces Ctrl-].
func TestEscapeKeyForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		esc  tcell.Key
		ev   *tcell.EventKey
		bar  bool
	}{
		{"legacy Ctrl-]", 0, tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl), true},
		{"kitty Ctrl-]", 0, tcell.NewEventKey(tcell.KeyRune, ']', tcell.ModCtrl), true},
		{"bare GS byte", 0, tcell.NewEventKey(tcell.Key(0x1d), 0, tcell.ModCtrl), true},
		{"plain ]", 0, tcell.NewEventKey(tcell.KeyRune, ']', 0), false},
		{"Ctrl-Alt-]", 0, tcell.NewEventKey(tcell.KeyRune, ']', tcell.ModCtrl|tcell.ModAlt), false},
		{"Ctrl-G configured", tcell.KeyCtrlG, tcell.NewEventKey(tcell.KeyCtrlG, 0, tcell.ModCtrl), true},
		{"Ctrl-] not configured", tcell.KeyCtrlG, tcell.NewEventKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl), false},
	}
	for _, tt := range tests {
		fx := newFixture(t, 120, 25, &term.Options{EscapeKey: tt.esc})
		fx.sink.Redraw()
		fx.sink.HandleEvent(tt.ev)
		bar := strings.Contains(fx.row(24), "q quit")
		sent := fx.in.take()
		if bar != tt.bar || (sent == "") != tt.bar {
			t.Errorf("%s: bar open %v, guest got %q; want bar %v", tt.name, bar, sent, tt.bar)
		}
	}
}
