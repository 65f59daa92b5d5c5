package i8042_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/i8042"
	"github.com/do86/do86/pkg/input"
)

func TestKeyboardCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cb   byte
		send []byte
		want []byte
	}{
		{"reset", cbTranslated, []byte{0xFF}, []byte{0xFA, 0xAA}},
		{"reset untranslated", cbRaw, []byte{0xFF}, []byte{0xFA, 0xAA}},
		{"identify untranslated", cbRaw, []byte{0xF2}, []byte{0xFA, 0xAB, 0x83}},
		// The controller translates the second ID byte like any set-2 byte.
		{"identify translated", cbTranslated, []byte{0xF2}, []byte{0xFA, 0xAB, 0x41}},
		{"LEDs", cbTranslated, []byte{0xED, 0x07}, []byte{0xFA, 0xFA}},
		{"LEDs interrupted by a command", cbTranslated, []byte{0xED, 0xF4}, []byte{0xFA, 0xFA}},
		{"echo", cbTranslated, []byte{0xEE}, []byte{0xEE}},
		{"typematic", cbTranslated, []byte{0xF3, 0x20}, []byte{0xFA, 0xFA}},
		{"get scancode set", cbRaw, []byte{0xF0, 0x00}, []byte{0xFA, 0xFA, 0x02}},
		{"set 1 then get", cbRaw, []byte{0xF0, 0x01, 0xF0, 0x00}, []byte{0xFA, 0xFA, 0xFA, 0xFA, 0x01}},
		{"set 3 refused", cbRaw, []byte{0xF0, 0x03, 0xF0, 0x00}, []byte{0xFA, 0xFE, 0xFA, 0xFA, 0x02}},
		{"enable", cbTranslated, []byte{0xF4}, []byte{0xFA}},
		{"disable", cbTranslated, []byte{0xF5}, []byte{0xFA}},
		{"defaults", cbTranslated, []byte{0xF6}, []byte{0xFA}},
		{"unknown", cbTranslated, []byte{0xE0}, []byte{0xFE}},
		{"resend", cbTranslated, []byte{0xEE, 0xFE}, []byte{0xEE, 0xEE}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.cb)
			for _, b := range tt.send {
				r.write(b)
			}
			r.expect(tt.name, false, tt.want...)
		})
	}
}

func TestKeyBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		code       input.Scancode
		translated []byte // press then release, as set 1 through translation
		raw        []byte // press then release, in set 2
	}{
		{"A", 0x1E, []byte{0x1E, 0x9E}, []byte{0x1C, 0xF0, 0x1C}},
		{"Esc", input.Esc, []byte{0x01, 0x81}, []byte{0x76, 0xF0, 0x76}},
		{"F7", 0x41, []byte{0x41, 0xC1}, []byte{0x83, 0xF0, 0x83}},
		{"right Ctrl", input.RCtrl, []byte{0xE0, 0x1D, 0xE0, 0x9D}, []byte{0xE0, 0x14, 0xE0, 0xF0, 0x14}},
		{"Up", input.Up, []byte{0xE0, 0x48, 0xE0, 0xC8}, []byte{0xE0, 0x75, 0xE0, 0xF0, 0x75}},
		{"Left", input.Left, []byte{0xE0, 0x4B, 0xE0, 0xCB}, []byte{0xE0, 0x6B, 0xE0, 0xF0, 0x6B}},
		{"Delete", input.Delete, []byte{0xE0, 0x53, 0xE0, 0xD3}, []byte{0xE0, 0x71, 0xE0, 0xF0, 0x71}},
		{"left GUI", input.LMeta, []byte{0xE0, 0x5B, 0xE0, 0xDB}, []byte{0xE0, 0x1F, 0xE0, 0xF0, 0x1F}},
		{"Print Screen", 0xE037,
			[]byte{0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA},
			[]byte{0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12}},
		{"Pause", i8042.Pause,
			[]byte{0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5},
			[]byte{0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77}},
		{"not a key", 0x1E | 0x80, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []struct {
				cb   byte
				want []byte
			}{{cbTranslated, tt.translated}, {cbRaw, tt.raw}} {
				r := newRig(t, mode.cb)
				r.c.Key(tt.code, true)
				r.c.Key(tt.code, false)
				r.expect(tt.name, false, mode.want...)
			}
		})
	}
}

// keyBytes presses and releases code on a fresh controller and returns what
// the guest reads.
func keyBytes(t *testing.T, cb byte, set byte, code input.Scancode) []byte {
	r := newRig(t, cb)
	r.write(0xF0)
	r.write(set)
	r.drain()
	r.c.Key(code, true)
	r.c.Key(code, false)
	return r.drain()
}

// Every key the keyboard knows in set 2 must reach the guest through
// translation exactly as a set-1 keyboard would have sent it.
func TestTranslationMatchesSet1(t *testing.T) {
	t.Parallel()
	var checked int
	for hi := 0; hi <= 0xE0; hi += 0xE0 {
		for lo := 1; lo < 0x80; lo++ {
			code := input.Scancode(hi<<8 | lo)
			got := keyBytes(t, cbTranslated, 2, code)
			if len(got) == 0 {
				continue // not on this keyboard
			}
			checked++
			if want := keyBytes(t, cbRaw, 1, code); !bytes.Equal(got, want) {
				t.Errorf("code %#04x: translated set 2 gives % X, set 1 gives % X", code, got, want)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d keys in set 2", checked)
	}
}

func TestKeysDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmds  []byte // controller commands
		kbd   []byte // keyboard commands (answers are drained)
		wantA bool   // the key reaches the guest
	}{
		{"scanning", nil, nil, true},
		{"keyboard disabled", nil, []byte{0xF5}, false},
		{"keyboard re-enabled", nil, []byte{0xF5, 0xF4}, true},
		{"keyboard reset", nil, []byte{0xF5, 0xFF}, true},
		{"interface disabled", []byte{0xAD}, nil, false},
		{"interface re-enabled", []byte{0xAD, 0xAE}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, cbTranslated)
			for _, c := range tt.cmds {
				r.command(c)
			}
			for _, b := range tt.kbd {
				r.write(b)
			}
			r.drain()
			r.c.Key(0x1E, true)
			var want []byte
			if tt.wantA {
				want = []byte{0x1E}
			}
			r.expect(tt.name, false, want...)
		})
	}
}

// Enabling (like resetting or disabling) the keyboard drops the keys it
// still holds; an echo (like LED and rate commands) answers first and keeps
// them.
func TestCommandFlushesKeys(t *testing.T) {
	t.Parallel()
	r := newRig(t, cbTranslated)
	r.c.Key(0x1E, true) // in the output buffer
	r.c.Key(0x30, true) // still in the keyboard
	r.write(0xF4)
	r.expect("key, then enable", false, 0x1E, 0xFA)
	r.c.Key(0x1E, true)
	r.c.Key(0x30, true)
	r.write(0xEE)
	r.expect("key, then echo", false, 0x1E, 0xEE, 0x30)
}

func TestKeyQueueBounded(t *testing.T) {
	t.Parallel()
	r := newRig(t, cbRaw)
	for i := 0; i < 10000; i++ {
		r.c.Key(input.RCtrl, i%2 == 0) // 2 and 3 bytes
	}
	got := r.drain()
	// At most 16 bytes, so that Linux's flush of 16 reads empties it.
	if len(got) == 0 || len(got) > 16 {
		t.Fatalf("guest read %d bytes after a flood, want 1..16", len(got))
	}
	// Whole sequences only: the bytes parse as E0 14 / E0 F0 14.
	for i := 0; i < len(got); {
		switch {
		case bytes.HasPrefix(got[i:], []byte{0xE0, 0x14}):
			i += 2
		case bytes.HasPrefix(got[i:], []byte{0xE0, 0xF0, 0x14}):
			i += 3
		default:
			t.Fatalf("torn sequence at %d: % X", i, got)
		}
	}
	// Keys flow again once the guest has read.
	r.c.Key(0x1E, true)
	r.expect("after the flood", false, 0x1C)
}

// A host typing ahead hands the keyboard one key at a time: a keyboard
// command (which clears the keyboard's buffer) then loses nothing the host
// still holds. While a command waits for its argument or the controller
// inhibits the keyboard, the host keeps its keys.
func TestKeyFitsOneKeyAtATime(t *testing.T) {
	t.Parallel()
	r := newRig(t, cbTranslated)
	if !r.c.KeyFits(input.Esc, true) {
		t.Fatal("an idle keyboard does not take a key")
	}
	r.c.Key(input.RCtrl, true) // E0 14: one byte waits in the keyboard
	if r.c.KeyFits(input.Tab, true) {
		t.Error("the keyboard takes a second key before sending the first")
	}
	r.drain()
	if !r.c.KeyFits(input.Tab, true) {
		t.Error("the keyboard takes no key after sending the first")
	}
	r.write(0xED) // set LEDs: waits for its argument
	r.drain()
	if r.c.KeyFits(input.Tab, true) {
		t.Error("the keyboard takes a key while waiting for the LED byte")
	}
	r.write(0x02)
	r.drain()
	if !r.c.KeyFits(input.Tab, true) {
		t.Error("the keyboard takes no key after the LED byte")
	}
	// A key half sent when the guest sets the LEDs is finished after the
	// ACK, not cut in two.
	r.c.Key(input.RCtrl, false)
	r.write(0xED)
	got := r.drain()
	if !bytes.Equal(got, []byte{0xE0, 0xFA, 0x9D}) {
		t.Errorf("Right Ctrl's break around an LED command reads % X, want E0 FA 9D", got)
	}
	r.write(0x00)
	r.drain()
	r.command(0xAD) // inhibit the keyboard interface
	if r.c.KeyFits(input.Tab, true) {
		t.Error("an inhibited keyboard takes a key (it would be lost)")
	}
	r.command(0xAE)
	if !r.c.KeyFits(input.Tab, true) {
		t.Error("the keyboard takes no key once enabled again")
	}
}
