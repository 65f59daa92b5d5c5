package term_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
)

// Run shows what the hub publishes, passes keys on and ends when the user
// quits from the command bar.
func TestRunQuit(t *testing.T) {
	t.Parallel()
	var quits atomic.Int32
	fx := newFixture(t, 82, 27, &term.Options{Quit: func() { quits.Add(1) }})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ts := textScreen(80, 25)
	put(ts, 0, 0, "A>", 0x07)
	fx.hub.Publish(display.NewFrame(720, 400), nil, ts)
	done := make(chan error, 1)
	go func() { done <- fx.sink.Run(ctx) }()
	fx.scr.InjectKey(tcell.KeyRune, 'a', 0)
	fx.in.waitFor(t, "+1E -1E")
	fx.scr.InjectKey(tcell.KeyCtrlRightSq, 0, tcell.ModCtrl)
	fx.scr.InjectKey(tcell.KeyRune, 'q', 0)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not end on q")
	}
	if quits.Load() != 1 {
		t.Errorf("Quit called %d times", quits.Load())
	}
	if got := fx.row(0); !strings.HasPrefix(got, " A>") {
		t.Errorf("row 0 = %q", got)
	}
}

func TestRunEndsWithContext(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, 80, 25, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fx.sink.Run(ctx) }()
	fx.hub.Publish(display.NewFrame(64, 32), nil, nil)
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end with its context")
	}
}

// A panic inside the sink gives the terminal back before it goes on.
func TestRunRestoresTerminalOnPanic(t *testing.T) {
	t.Parallel()
	scr := tcell.NewSimulationScreen("UTF-8")
	h := display.NewHub()
	h.Publish(display.NewFrame(64, 32), nil, nil)
	defer func() {
		r := recover()
		if r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
		if _, w, _ := scr.GetContents(); w != 0 {
			t.Error("screen not finished (Fini) after the panic")
		}
	}()
	term.Run(context.Background(), term.Options{Screen: scr, Hub: h, Input: &recorder{},
		Status: func() term.Status { panic("boom") }})
	t.Fatal("Run returned")
}

func TestNewNeedsHubAndInput(t *testing.T) {
	t.Parallel()
	if _, err := term.New(term.Options{Screen: tcell.NewSimulationScreen("")}); err == nil {
		t.Error("New without Hub and Input succeeded")
	}
}
