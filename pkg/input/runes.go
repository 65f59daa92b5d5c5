package input

import "fmt"

// usKey is one key of a US keyboard as a character table entry: the key's
// scancode and whether Shift must be held to type the character.
type usKey struct {
	code  Scancode
	shift bool
}

// usRunes maps the characters of a US keyboard (plus the control characters
// that have keys of their own) to the key that types them.
var usRunes = map[rune]usKey{
	'\x1b': {0x01, false}, '\b': {0x0E, false}, '\t': {0x0F, false},
	'\n': {0x1C, false}, '\r': {0x1C, false}, ' ': {0x39, false},

	'1': {0x02, false}, '!': {0x02, true},
	'2': {0x03, false}, '@': {0x03, true},
	'3': {0x04, false}, '#': {0x04, true},
	'4': {0x05, false}, '$': {0x05, true},
	'5': {0x06, false}, '%': {0x06, true},
	'6': {0x07, false}, '^': {0x07, true},
	'7': {0x08, false}, '&': {0x08, true},
	'8': {0x09, false}, '*': {0x09, true},
	'9': {0x0A, false}, '(': {0x0A, true},
	'0': {0x0B, false}, ')': {0x0B, true},
	'-': {0x0C, false}, '_': {0x0C, true},
	'=': {0x0D, false}, '+': {0x0D, true},
	'[': {0x1A, false}, '{': {0x1A, true},
	']': {0x1B, false}, '}': {0x1B, true},
	';': {0x27, false}, ':': {0x27, true},
	'\'': {0x28, false}, '"': {0x28, true},
	'`': {0x29, false}, '~': {0x29, true},
	'\\': {0x2B, false}, '|': {0x2B, true},
	',': {0x33, false}, '<': {0x33, true},
	'.': {0x34, false}, '>': {0x34, true},
	'/': {0x35, false}, '?': {0x35, true},
}

// letterCodes are the scancodes of the keys A to Z.
var letterCodes = [26]Scancode{
	0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32, // A–M
	0x31, 0x18, 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C, // N–Z
}

// FromRune returns the key that types r on a US keyboard and whether Shift
// must be held for it ('A' is Shift and the A key, '!' Shift and 1). Tab,
// Enter ('\n' or '\r'), Backspace ('\b') and Esc count as characters; ok is
// false for characters a US keyboard has no key for.
func FromRune(r rune) (code Scancode, shift bool, ok bool) {
	switch {
	case r >= 'a' && r <= 'z':
		return letterCodes[r-'a'], false, true
	case r >= 'A' && r <= 'Z':
		return letterCodes[r-'A'], true, true
	}
	k, ok := usRunes[r]
	return k.code, k.shift, ok
}

// TypeString types text on s as a user at a US keyboard would: each
// character is a press and release of its key, with Shift held around the
// shifted ones. Characters without a key are skipped; the error names the
// first of them.
func TypeString(s Sink, text string) error {
	var bad error
	for _, r := range text {
		code, shift, ok := FromRune(r)
		if !ok {
			if bad == nil {
				bad = fmt.Errorf("input: no US key types %q", r)
			}
			continue
		}
		if shift {
			Chord(s, LShift, code)
		} else {
			Tap(s, code)
		}
	}
	return bad
}
