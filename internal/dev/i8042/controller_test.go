package i8042_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/i8042"
	"github.com/do86/do86/pkg/input"
)

var _ bus.Resetter = (*i8042.Controller)(nil)

func TestControllerAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  byte
		want byte
	}{
		{"self test", 0xAA, 0x55},
		{"test mouse port", 0xA9, 0x00},
		{"test keyboard port", 0xAB, 0x00},
		{"no password", 0xA4, 0xF1},
		{"read test inputs", 0xE0, 0x00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, cbTranslated)
			r.command(tt.cmd)
			r.expect(tt.name, false, tt.want)
		})
	}
}

func TestCommandByte(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmds  []byte // controller commands after writing 0x00
		write byte   // the command byte written, if no cmds
		want  byte
	}{
		{name: "write and read back", write: 0x65, want: 0x65},
		{name: "all bits", write: 0x77, want: 0x77},
		{name: "disable mouse", cmds: []byte{0xA7}, want: 0x20},
		{name: "disable keyboard", cmds: []byte{0xAD}, want: 0x10},
		{name: "disable both, enable mouse", cmds: []byte{0xA7, 0xAD, 0xA8}, want: 0x10},
		{name: "disable both, enable keyboard", cmds: []byte{0xA7, 0xAD, 0xAE}, want: 0x20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.write)
			for _, c := range tt.cmds {
				r.command(c)
			}
			if got := r.cb(); got != tt.want {
				t.Errorf("command byte %#02x, want %#02x", got, tt.want)
			}
		})
	}
}

func TestStatusFlags(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0x00)
	if st := r.status(); st&i8042.StatusSystem != 0 {
		t.Errorf("status %#02x: system flag set with command byte 0", st)
	}
	if st := r.status(); st&i8042.StatusCommand != 0 {
		t.Errorf("status %#02x after a data write: command flag set", st)
	}
	r.setCB(i8042.CmdSystem)
	if st := r.status(); st&i8042.StatusSystem == 0 {
		t.Errorf("status %#02x: system flag clear with command byte bit 2", st)
	}
	r.command(0xAE)
	st := r.status()
	if st&i8042.StatusCommand == 0 {
		t.Errorf("status %#02x after a command write: command flag clear", st)
	}
	if st&(i8042.StatusOBF|i8042.StatusIBF) != 0 {
		t.Errorf("status %#02x: buffers busy with nothing to say", st)
	}
}

func TestResetLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cmd    byte
		data   []byte // data bytes after cmd
		resets int
	}{
		{"pulse reset", 0xFE, nil, 1},
		{"pulse all lines", 0xF0, nil, 1},
		{"pulse no line", 0xFF, nil, 0},
		{"pulse line 1 only", 0xFD, nil, 0},
		{"output port reset low", 0xD1, []byte{0xFE}, 1},
		{"output port A20 off", 0xD1, []byte{0xDD}, 0},
		{"output port A20 on", 0xD1, []byte{0xDF}, 0},
		{"A20 commands", 0xDD, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, cbTranslated)
			r.command(tt.cmd)
			for _, b := range tt.data {
				r.write(b)
			}
			if r.resets != tt.resets {
				t.Errorf("reset callback called %d times, want %d", r.resets, tt.resets)
			}
			r.expect("after "+tt.name, false) // none answers
		})
	}
}

func TestOutputPort(t *testing.T) {
	t.Parallel()
	for _, written := range []byte{0xDD, 0xDF, 0x01, 0xFF} {
		r := newRig(t, cbTranslated)
		r.command(0xD1)
		r.write(written)
		r.command(0xD0)
		got := r.drain()
		if len(got) != 1 || got[0]&0x03 != 0x03 {
			t.Errorf("after writing %#02x the output port reads % X, want A20 and reset set", written, got)
		}
	}
	// Bits 4 and 5 follow the output buffer, sampled while a key byte waits.
	r := newRig(t, cbTranslated)
	r.c.Key(input.Scancode(0x1E), true)
	r.command(0xD0)
	got := r.drain()
	if len(got) != 2 || got[0] != 0x1E || got[1]&0x30 != 0x10 {
		t.Errorf("output port with a keyboard byte waiting: % X, want 1E then bit 4 set", got)
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  byte
		aux  bool
	}{
		{"keyboard output buffer", 0xD2, false},
		{"mouse output buffer", 0xD3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, cbTranslated)
			r.command(tt.cmd)
			r.write(0x5A)
			r.expect(tt.name, tt.aux, 0x5A) // untranslated, with its IRQ
			irq := &r.kbdIRQ
			if tt.aux {
				irq = &r.auxIRQ
			}
			if irq.Raises != 1 || irq.Lowers != 1 {
				t.Errorf("IRQ raised %d and lowered %d times, want 1 and 1", irq.Raises, irq.Lowers)
			}
		})
	}
}

func TestKeyboardIRQ(t *testing.T) {
	t.Parallel()
	r := newRig(t, cbTranslated)
	r.c.Key(input.Scancode(0x1E), true)
	r.c.Key(input.Scancode(0x1E), false)
	if !r.kbdIRQ.Level || r.auxIRQ.Level {
		t.Fatalf("after a key: IRQ1=%v IRQ12=%v, want IRQ1 only", r.kbdIRQ.Level, r.auxIRQ.Level)
	}
	if b := r.readData(); b != 0x1E {
		t.Errorf("first byte %#02x, want 0x1E", b)
	}
	// The next byte moves in at once, after a falling edge.
	if b := r.readData(); b != 0x9E {
		t.Errorf("second byte %#02x, want 0x9E", b)
	}
	if r.kbdIRQ.Level {
		t.Error("IRQ1 still up with the output buffer empty")
	}
	if r.kbdIRQ.Raises != 2 || r.kbdIRQ.Lowers != 2 {
		t.Errorf("IRQ1 raised %d, lowered %d times, want 2 and 2", r.kbdIRQ.Raises, r.kbdIRQ.Lowers)
	}
	// A stale read returns the last byte and leaves the line alone.
	if b := r.readData(); b != 0x9E {
		t.Errorf("stale read %#02x, want 0x9E again", b)
	}
	if r.kbdIRQ.Raises != 2 {
		t.Error("a stale read raised IRQ1")
	}
}

func TestIRQDisabled(t *testing.T) {
	t.Parallel()
	r := newRig(t, i8042.CmdTranslate) // no interrupts: the guest polls
	r.c.Key(input.Scancode(0x1E), true)
	if r.kbdIRQ.Raises != 0 {
		t.Fatal("IRQ1 raised with command byte bit 0 clear")
	}
	// Enabling the interrupt with a byte waiting raises it.
	r.setCB(cbTranslated)
	if !r.kbdIRQ.Level {
		t.Error("IRQ1 not raised when enabled with a byte waiting")
	}
	r.expect("polled key", false, 0x1E)
}

func TestWideAccess(t *testing.T) {
	t.Parallel()
	r := newRig(t, cbTranslated)
	r.command(0xAA)
	if got := r.data.ReadPort(0, 2); got != 0xFF55 {
		t.Errorf("word read of the data port %#04x, want 0xFF55", got)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := newRig(t, cbTranslated)
	r.c.Key(input.Scancode(0x1E), true)
	r.c.Key(input.Scancode(0x30), true)
	r.toMouse(0xF2)
	r.c.Reset()
	if r.status()&i8042.StatusOBF != 0 || r.kbdIRQ.Level || r.auxIRQ.Level {
		t.Errorf("after Reset: status %#02x IRQ1=%v IRQ12=%v, want all quiet", r.status(), r.kbdIRQ.Level, r.auxIRQ.Level)
	}
	if r.resets != 0 {
		t.Error("Reset called the reset callback")
	}
	// Power-on: translation on and the keyboard scanning.
	r.lastCB = r.cb()
	if r.lastCB&i8042.CmdTranslate == 0 {
		t.Errorf("power-on command byte %#02x lacks translation", r.lastCB)
	}
	r.c.Key(input.Scancode(0x1E), true)
	r.expect("key after reset", false, 0x1E)
}
