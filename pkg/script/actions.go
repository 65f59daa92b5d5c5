package script

import (
	"context"
	"regexp"
	"time"

	"github.com/do86/do86/pkg/input"
)

// Action is what a step does on a session. The types below are the steps
// of the script format, one each.
type Action interface {
	Run(ctx context.Context, s *Session) error
}

// WaitSerial is "wait serial RE".
type WaitSerial struct{ Re *regexp.Regexp }

// Run waits (Session.WaitSerial).
func (a WaitSerial) Run(ctx context.Context, s *Session) error {
	_, err := s.WaitSerial(ctx, a.Re)
	return err
}

// WaitText is "wait text RE".
type WaitText struct{ Re *regexp.Regexp }

// Run waits (Session.WaitText).
func (a WaitText) Run(ctx context.Context, s *Session) error {
	_, err := s.WaitText(ctx, a.Re)
	return err
}

// WaitScreen is "wait screen FILE.png".
type WaitScreen struct{ Screen Screen }

// Run waits (Session.WaitScreen).
func (a WaitScreen) Run(ctx context.Context, s *Session) error { return s.WaitScreen(ctx, a.Screen) }

// WaitPowerOff is "wait poweroff".
type WaitPowerOff struct{}

// Run waits (Session.WaitPowerOff).
func (WaitPowerOff) Run(ctx context.Context, s *Session) error { return s.WaitPowerOff(ctx) }

// Sleep is "sleep DURATION".
type Sleep struct{ Duration time.Duration }

// Run sleeps (Session.Sleep).
func (a Sleep) Run(ctx context.Context, s *Session) error { return s.Sleep(ctx, a.Duration) }

// Type is "type TEXT".
type Type struct {
	Text string
	// Delay, when not 0, is the time between two characters (delay=):
	// some guests (KolibriOS's console) take keys only so fast.
	Delay time.Duration
}

// Run types (Session.Type, Session.TypeSlowly).
func (a Type) Run(ctx context.Context, s *Session) error {
	if a.Delay > 0 {
		return s.TypeSlowly(ctx, a.Text, a.Delay)
	}
	return s.Type(a.Text)
}

// Key is "key COMBO...": Names as written, Codes as parsed.
type Key struct {
	Names []string
	Codes [][]input.Scancode
}

// Run presses the keys (Session.Key).
func (a Key) Run(_ context.Context, s *Session) error { return s.keys(a.Codes) }

// Send is "send TEXT".
type Send struct{ Text string }

// Run writes to COM1 (Session.Send).
func (a Send) Run(_ context.Context, s *Session) error { return s.Send(a.Text) }

// Mouse operations.
const (
	MouseMove  = "move"
	MouseClick = "click"
	MouseDown  = "down"
	MouseUp    = "up"
)

// Mouse is "mouse move|click|down|up X Y".
type Mouse struct {
	Op     string // MouseMove, MouseClick, MouseDown or MouseUp
	X, Y   int
	Button uint8 // input.ButtonLeft, ...
	Count  int   // clicks (MouseClick)
}

// Run moves and clicks (Session.Move, Click, Press, Release).
func (a Mouse) Run(ctx context.Context, s *Session) error {
	switch a.Op {
	case MouseClick:
		return s.Click(ctx, a.X, a.Y, a.Button, a.Count)
	case MouseDown:
		return s.Press(ctx, a.X, a.Y, a.Button)
	case MouseUp:
		return s.Release(ctx, a.X, a.Y, a.Button)
	}
	return s.Move(ctx, a.X, a.Y)
}

// Screenshot is "screenshot FILE".
type Screenshot struct{ File string }

// Run writes the screenshot (Session.Screenshot).
func (a Screenshot) Run(ctx context.Context, s *Session) error { return s.Screenshot(ctx, a.File) }

// Save is "save NAME".
type Save struct{ Name string }

// Run saves a snapshot (Session.Save).
func (a Save) Run(ctx context.Context, s *Session) error { return s.Save(ctx, a.Name) }

// Restore is "restore NAME".
type Restore struct{ Name string }

// Run restores a snapshot (Session.Restore).
func (a Restore) Run(ctx context.Context, s *Session) error { return s.Restore(ctx, a.Name) }

// What an assertion checks.
const (
	AssertSerial = "serial"
	AssertText   = "text"
	AssertScreen = "screen"
)

// Assert is "assert [not] serial|text|screen ... [MESSAGE]".
type Assert struct {
	What    string         // AssertSerial, AssertText or AssertScreen
	Not     bool           // the condition must not hold
	Re      *regexp.Regexp // serial and text
	Screen  Screen         // screen
	Message string         // the failure's first line, before its own message ("" for none)
}

// Run checks (Session.AssertSerial, AssertText, AssertScreen); a false
// assertion fails with the message.
func (a Assert) Run(ctx context.Context, s *Session) error {
	var err error
	switch a.What {
	case AssertSerial:
		err = s.AssertSerial(a.Re, a.Not)
	case AssertText:
		err = s.AssertText(ctx, a.Re, a.Not)
	default:
		err = s.AssertScreen(ctx, a.Screen, a.Not)
	}
	if a.Message != "" && IsFailure(err) {
		return &Failure{Msg: a.Message + "\n" + err.Error()}
	}
	return err
}

// PowerOff is "poweroff".
type PowerOff struct{}

// Run stops the machine (Session.PowerOff).
func (PowerOff) Run(_ context.Context, s *Session) error { return s.PowerOff() }
