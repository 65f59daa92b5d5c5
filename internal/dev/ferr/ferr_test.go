package ferr_test

import (
	"testing"

	"github.com/do86/do86/internal/dev/ferr"
)

type line struct{ level bool }

func (l *line) Raise() { l.level = true }
func (l *line) Lower() { l.level = false }

// FERR# sets the latch once per assertion; a write to port 0xF0 clears it
// whatever FERR# does; reads see nothing.
func TestLatch(t *testing.T) {
	t.Parallel()
	irq := &line{}
	l := ferr.New(irq)
	if irq.level {
		t.Fatal("IRQ 13 raised at power-on")
	}
	l.SetFERR(true)
	if !irq.level {
		t.Fatal("FERR# did not raise IRQ 13")
	}
	l.WritePort(0, 1, 0)
	if irq.level {
		t.Fatal("a write to port 0xF0 left IRQ 13 raised")
	}
	l.SetFERR(true) // still asserted: no new edge
	if irq.level {
		t.Fatal("FERR# held asserted raised IRQ 13 again")
	}
	l.SetFERR(false)
	l.SetFERR(true)
	if !irq.level {
		t.Fatal("a second error did not raise IRQ 13")
	}
	if v := l.ReadPort(0, 1); v != 0xFF {
		t.Errorf("port 0xF0 reads %#x", v)
	}
	s := l.SaveState()
	l.Reset()
	if irq.level {
		t.Fatal("reset left IRQ 13 raised")
	}
	if err := l.LoadState(s); err != nil || !irq.level {
		t.Fatalf("LoadState: %v, IRQ 13 %v", err, irq.level)
	}
	if err := l.LoadState([]byte{7}); err == nil {
		t.Error("LoadState took a state of another type")
	}
}
