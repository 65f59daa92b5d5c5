package input

import (
	"fmt"
	"strconv"
	"strings"
)

// keyNames are the names ParseCombo knows besides single characters and
// KeyboardEvent.code values, lower case.
var keyNames = map[string]Scancode{
	"ctrl": LCtrl, "control": LCtrl, "lctrl": LCtrl, "rctrl": RCtrl,
	"alt": LAlt, "lalt": LAlt, "ralt": RAlt, "altgr": RAlt,
	"shift": LShift, "lshift": LShift, "rshift": RShift,
	"win": LMeta, "meta": LMeta, "super": LMeta, "lwin": LMeta, "rwin": 0xE05C,
	"menu": 0xE05D,
	"esc":  Esc, "escape": Esc, "enter": Enter, "return": Enter, "tab": Tab,
	"backspace": Backspace, "bs": Backspace, "space": Space,
	"del": Delete, "delete": Delete, "ins": Insert, "insert": Insert,
	"home": Home, "end": End, "pgup": PgUp, "pageup": PgUp, "pgdn": PgDn, "pagedown": PgDn,
	"up": Up, "down": Down, "left": Left, "right": Right,
	"capslock": CapsLock, "numlock": 0x45, "scrolllock": 0x46,
	"prtsc": 0xE037, "print": 0xE037, "printscreen": 0xE037, "sysrq": 0x54,
	"f1": 0x3B, "f2": 0x3C, "f3": 0x3D, "f4": 0x3E, "f5": 0x3F, "f6": 0x40,
	"f7": 0x41, "f8": 0x42, "f9": 0x43, "f10": 0x44, "f11": 0x57, "f12": 0x58,
	"plus": 0x0D, "minus": 0x0C,
}

// ParseCombo parses a key combination such as "ctrl+alt+f1", "ctrl+alt+del",
// "alt+tab" or "shift+a" into the keys to hold, in order (Chord presses them
// and releases them in reverse). A part is a key name (ctrl, alt, shift,
// win, esc, enter, tab, del, f1–f12, up, pgdn, ...; a left key unless
// prefixed r as in rctrl), a single character of a US keyboard (its key,
// with Shift added when the character needs it), a KeyboardEvent.code value
// ("NumpadEnter") or a raw scancode in hex ("0x1d", "0xe053"). Names are
// case-insensitive; letters stand for their key whatever their case.
func ParseCombo(s string) ([]Scancode, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("input: empty key combination")
	}
	var codes []Scancode
	parts := strings.Split(s, "+")
	for i, p := range parts {
		// "ctrl++" names the + key: an empty part followed by another.
		if p == "" && i == len(parts)-1 && i > 0 && parts[i-1] == "" {
			p = "+"
		} else if p == "" {
			if i < len(parts)-1 && parts[i+1] == "" {
				continue
			}
			return nil, fmt.Errorf("input: empty key in %q", s)
		}
		cs, err := parseKey(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if !containsCode(codes, c) {
				codes = append(codes, c)
			}
		}
	}
	return codes, nil
}

func containsCode(cs []Scancode, c Scancode) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// parseKey parses one part of a combination: usually one key, two for a
// character that needs Shift.
func parseKey(p string) ([]Scancode, error) {
	if c, ok := keyNames[strings.ToLower(p)]; ok {
		return []Scancode{c}, nil
	}
	if r := []rune(p); len(r) == 1 {
		ch := r[0]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if c, shift, ok := FromRune(ch); ok {
			if shift {
				return []Scancode{LShift, c}, nil
			}
			return []Scancode{c}, nil
		}
	}
	for name, c := range keyboardCodes {
		if strings.EqualFold(name, p) {
			return []Scancode{c}, nil
		}
	}
	if h, ok := strings.CutPrefix(strings.ToLower(p), "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 16)
		if err == nil && (v < 0x80 || v>>8 == 0xE0 && v&0xFF < 0x80) && v != 0 {
			return []Scancode{Scancode(v)}, nil
		}
	}
	return nil, fmt.Errorf("input: unknown key %q", p)
}
