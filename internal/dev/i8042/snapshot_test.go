package i8042_test

import (
	"testing"

	"github.com/do86/do86/internal/dev/i8042"
	"github.com/do86/do86/pkg/input"
)

// TestSnapshotKeepsQueues saves a controller with keys and mouse packets
// queued and a byte waiting in the output buffer, loads the state into a
// fresh controller, and checks that both then give the guest the same bytes
// with the same interrupt lines.
func TestSnapshotKeepsQueues(t *testing.T) {
	t.Parallel()
	a := newRig(t, cbRaw)
	a.toMouse(0xF4) // enable reporting
	a.drain()
	a.c.Key(input.Enter, true)
	a.c.Key(input.Enter, false)
	a.c.Mouse(5, -3, 0, 1)
	a.c.Key(input.Esc, true)
	if !a.kbdIRQ.Level {
		t.Fatal("no IRQ 1 with a key waiting")
	}
	state := a.c.SaveState()
	b := newRig(t, cbTranslated) // a different command byte, overwritten by LoadState
	if err := b.c.LoadState(state); err != nil {
		t.Fatal(err)
	}
	if b.kbdIRQ.Level != a.kbdIRQ.Level || b.auxIRQ.Level != a.auxIRQ.Level {
		t.Fatalf("lines after LoadState %v/%v, the original's %v/%v", b.kbdIRQ.Level, b.auxIRQ.Level, a.kbdIRQ.Level, a.auxIRQ.Level)
	}
	want, got := a.drainUnits(), b.drainUnits()
	if len(want) < 6 {
		t.Fatalf("the original gave only %v", want)
	}
	if len(got) != len(want) {
		t.Fatalf("after LoadState the guest reads %v, the original %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after LoadState the guest reads %v, the original %v", got, want)
		}
	}
	if b.cb() != cbRaw {
		t.Fatal("the command byte was not restored")
	}
	if err := b.c.LoadState(&struct{ RAM [32]byte }{}); err == nil {
		t.Fatal("loaded a state of another type")
	}
	bad := a.c.SaveState().(*i8042.State)
	bad.Kbd.Keys = make([]byte, 4096)
	if err := b.c.LoadState(bad); err == nil {
		t.Fatal("loaded a state with more keys queued than the keyboard holds")
	}
}
