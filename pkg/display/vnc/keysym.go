package vnc

import "do86/pkg/input"

// keysymScancode maps an X keysym, as RFB KeyEvents carry, to the set-1
// scancode of the key that types it on a US keyboard, and whether that
// keyboard needs Shift for it ('A', '!', ...). Keys of other layouts the
// US keyboard has no key for report ok false.
//
// This table is the VNC server's own until pkg/input carries the shared
// one; only this file needs to change then.
func keysymScancode(ks uint32) (code input.Scancode, shift bool, ok bool) {
	if ks >= 0x01000000 && ks < 0x01000080 {
		ks -= 0x01000000 // Unicode keysym of an ASCII character
	}
	if ks < 0x80 {
		k := asciiKeys[ks]
		return k.code, k.shift, k.code != 0
	}
	code, ok = specialKeys[ks]
	return code, false, ok
}

type asciiKey struct {
	code  input.Scancode
	shift bool
}

// asciiKeys is indexed by ASCII code.
var asciiKeys [128]asciiKey

func init() {
	// Each row of the US keyboard: the keys' unshifted and shifted
	// characters, pairwise, from the row's first scancode on.
	rows := []struct {
		first input.Scancode
		chars string
	}{
		{0x02, "1!2@3#4$5%6^7&8*9(0)-_=+"},
		{0x10, "qQwWeErRtTyYuUiIoOpP[{]}"},
		{0x1E, "aAsSdDfFgGhHjJkKlL;:'\"`~"},
		{0x2B, "\\|zZxXcCvVbBnNmM,<.>/?"},
	}
	for _, r := range rows {
		for i := 0; i < len(r.chars); i += 2 {
			asciiKeys[r.chars[i]] = asciiKey{r.first + input.Scancode(i/2), false}
			asciiKeys[r.chars[i+1]] = asciiKey{r.first + input.Scancode(i/2), true}
		}
	}
	asciiKeys[' '] = asciiKey{input.Space, false}
}

// specialKeys maps the keysyms of keys that type no character.
var specialKeys = map[uint32]input.Scancode{
	0xFF08: input.Backspace,
	0xFF09: input.Tab,
	0xFE20: input.Tab, // ISO_Left_Tab: Shift+Tab; the client sends the Shift
	0xFF0D: input.Enter,
	0xFF1B: input.Esc,
	0xFF14: 0x46,   // Scroll_Lock
	0xFF61: 0xE037, // Print
	0xFF50: input.Home,
	0xFF51: input.Left,
	0xFF52: input.Up,
	0xFF53: input.Right,
	0xFF54: input.Down,
	0xFF55: input.PgUp,
	0xFF56: input.PgDn,
	0xFF57: input.End,
	0xFF63: input.Insert,
	0xFFFF: input.Delete,
	0xFF67: 0xE05D, // Menu
	0xFF7F: 0x45,   // Num_Lock
	0xFFE1: input.LShift,
	0xFFE2: input.RShift,
	0xFFE3: input.LCtrl,
	0xFFE4: input.RCtrl,
	0xFFE5: input.CapsLock,
	0xFFE7: input.LMeta, // Meta_L
	0xFFE8: 0xE05C,      // Meta_R
	0xFFE9: input.LAlt,
	0xFFEA: input.RAlt,
	0xFE03: input.RAlt,  // ISO_Level3_Shift (AltGr)
	0xFFEB: input.LMeta, // Super_L
	0xFFEC: 0xE05C,      // Super_R
	// Keypad.
	0xFF8D: 0xE01C, // KP_Enter
	0xFFAA: 0x37,   // KP_Multiply
	0xFFAB: 0x4E,   // KP_Add
	0xFFAC: 0x53,   // KP_Separator
	0xFFAD: 0x4A,   // KP_Subtract
	0xFFAE: 0x53,   // KP_Decimal
	0xFFAF: 0xE035, // KP_Divide
	0xFFB0: 0x52, 0xFFB1: 0x4F, 0xFFB2: 0x50, 0xFFB3: 0x51, 0xFFB4: 0x4B,
	0xFFB5: 0x4C, 0xFFB6: 0x4D, 0xFFB7: 0x47, 0xFFB8: 0x48, 0xFFB9: 0x49,
	0xFF95: 0x47, // KP_Home
	0xFF96: 0x4B, // KP_Left
	0xFF97: 0x48, // KP_Up
	0xFF98: 0x4D, // KP_Right
	0xFF99: 0x50, // KP_Down
	0xFF9A: 0x49, // KP_Prior
	0xFF9B: 0x51, // KP_Next
	0xFF9C: 0x4F, // KP_End
	0xFF9D: 0x4C, // KP_Begin
	0xFF9E: 0x52, // KP_Insert
	0xFF9F: 0x53, // KP_Delete
	// Function keys F1–F12.
	0xFFBE: 0x3B, 0xFFBF: 0x3C, 0xFFC0: 0x3D, 0xFFC1: 0x3E, 0xFFC2: 0x3F, 0xFFC3: 0x40,
	0xFFC4: 0x41, 0xFFC5: 0x42, 0xFFC6: 0x43, 0xFFC7: 0x44, 0xFFC8: 0x57, 0xFFC9: 0x58,
}
