package term

import (
	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/input"
)

// namedKeys are the scancodes of the terminal keys that type no character.
var namedKeys = map[tcell.Key]input.Scancode{
	tcell.KeyEnter: input.Enter, tcell.KeyTab: input.Tab, tcell.KeyBackspace: input.Backspace,
	tcell.KeyDEL: input.Backspace, tcell.KeyEscape: input.Esc,
	tcell.KeyUp: input.Up, tcell.KeyDown: input.Down, tcell.KeyLeft: input.Left, tcell.KeyRight: input.Right,
	tcell.KeyHome: input.Home, tcell.KeyEnd: input.End, tcell.KeyPgUp: input.PgUp, tcell.KeyPgDn: input.PgDn,
	tcell.KeyInsert: input.Insert, tcell.KeyDelete: input.Delete,
	// The keypad's corner and centre keys, as some terminals name them.
	tcell.KeyUpLeft: 0x47, tcell.KeyUpRight: 0x49, tcell.KeyDownLeft: 0x4F, tcell.KeyDownRight: 0x51,
	tcell.KeyCenter: 0x4C, tcell.KeyClear: 0x4C,
	tcell.KeyPrint: 0xE037, tcell.KeyMenu: 0xE05D,
	tcell.KeyCapsLock: input.CapsLock, tcell.KeyNumLock: 0x45, tcell.KeyScrollLock: 0x46,
}

// functionKeys are the scancodes of F1 to F12.
var functionKeys = [12]input.Scancode{0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41, 0x42, 0x43, 0x44, 0x57, 0x58}

// keyChord returns the keys that make what the terminal reported, in the
// order to press them (modifiers first); Chord releases them in reverse.
// ok is false for keys a PC keyboard cannot type (a non-US character).
func keyChord(ev *tcell.EventKey) (codes []input.Scancode, ok bool) {
	k, mods := ev.Key(), ev.Modifiers()
	var ctrl, alt, shift, meta bool
	var code input.Scancode
	switch {
	case k == tcell.KeyRune:
		r := ev.Rune()
		c, sh, ok := input.FromRune(r)
		if !ok {
			return nil, false
		}
		code, shift = c, sh
		if mods&tcell.ModShift != 0 {
			shift = true
		}
	case k == tcell.KeyBacktab:
		code, shift = input.Tab, true
	case k >= tcell.KeyF1 && k <= tcell.KeyF64:
		// xterm numbers F13 up as F1–F12 with Shift, then Ctrl, Ctrl+Shift,
		// Alt, Alt+Shift.
		n := int(k - tcell.KeyF1)
		code = functionKeys[n%12]
		switch n / 12 {
		case 1:
			shift = true
		case 2:
			ctrl = true
		case 3:
			ctrl, shift = true, true
		case 4:
			alt = true
		case 5:
			alt, shift = true, true
		}
	case k >= tcell.KeyCtrlA && k <= tcell.KeyCtrlZ:
		code, _, _ = input.FromRune(rune('a' + k - tcell.KeyCtrlA))
		ctrl = true
	case k >= tcell.KeyCtrlSpace && k <= tcell.KeyCtrlUnderscore:
		// Ctrl with @ (Space), [, \, ], ^ or _: the key of that character,
		// with Shift where the character needs it.
		r := rune('@' + k - tcell.KeyCtrlSpace)
		if k == tcell.KeyCtrlSpace {
			r = ' '
		}
		code, shift, _ = input.FromRune(r)
		ctrl = true
	case k < ' ' && k != tcell.KeyBackspace && k != tcell.KeyTab && k != tcell.KeyEnter && k != tcell.KeyEscape:
		// A bare control character: Ctrl and its letter.
		code, shift, ok = input.FromRune(rune(k) + '@')
		if !ok {
			return nil, false
		}
		if k >= 1 && k <= 26 {
			code, _, _ = input.FromRune(rune(k) + 'a' - 1)
			shift = false
		}
		ctrl = true
	default:
		c, ok := namedKeys[k]
		if !ok {
			return nil, false
		}
		code = c
		shift = shift || mods&tcell.ModShift != 0
	}
	if k != tcell.KeyRune && mods&tcell.ModShift != 0 {
		shift = true
	}
	ctrl = ctrl || mods&tcell.ModCtrl != 0
	alt = alt || mods&tcell.ModAlt != 0
	meta = mods&tcell.ModMeta != 0
	if ctrl {
		codes = append(codes, input.LCtrl)
	}
	if alt {
		codes = append(codes, input.LAlt)
	}
	if meta {
		codes = append(codes, input.LMeta)
	}
	if shift {
		codes = append(codes, input.LShift)
	}
	return append(codes, code), true
}

// sendKey types a terminal key on the guest: every key is pressed and
// released at once, with its modifiers held around it.
func (s *Sink) sendKey(ev *tcell.EventKey) {
	if codes, ok := keyChord(ev); ok {
		input.Chord(s.o.Input, codes...)
	}
}
