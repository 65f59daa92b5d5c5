package input_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/do86/do86/pkg/input"
)

// recorder is an input.Sink that writes down key events as "+1D" (press)
// and "-1D" (release).
type recorder struct{ ev []string }

func (r *recorder) Key(c input.Scancode, down bool) {
	s := "-"
	if down {
		s = "+"
	}
	r.ev = append(r.ev, fmt.Sprintf("%s%X", s, uint16(c)))
}

func (r *recorder) Mouse(dx, dy, dz int, b uint8) {}

func (r *recorder) Pointer(x, y, w, h, dz int, b uint8) {}

func TestFromRune(t *testing.T) {
	tests := []struct {
		r     rune
		code  input.Scancode
		shift bool
		ok    bool
	}{
		{'a', 0x1E, false, true},
		{'A', 0x1E, true, true},
		{'q', 0x10, false, true},
		{'m', 0x32, false, true},
		{'Z', 0x2C, true, true},
		{'1', 0x02, false, true},
		{'!', 0x02, true, true},
		{'0', 0x0B, false, true},
		{')', 0x0B, true, true},
		{'@', 0x03, true, true},
		{'-', 0x0C, false, true},
		{'_', 0x0C, true, true},
		{'\\', 0x2B, false, true},
		{'|', 0x2B, true, true},
		{'~', 0x29, true, true},
		{'"', 0x28, true, true},
		{'/', 0x35, false, true},
		{'?', 0x35, true, true},
		{' ', 0x39, false, true},
		{'\n', 0x1C, false, true},
		{'\t', 0x0F, false, true},
		{'é', 0, false, false},
		{'€', 0, false, false},
	}
	for _, tt := range tests {
		code, shift, ok := input.FromRune(tt.r)
		if code != tt.code || shift != tt.shift || ok != tt.ok {
			t.Errorf("FromRune(%q) = %#x, %v, %v; want %#x, %v, %v", tt.r, code, shift, ok, tt.code, tt.shift, tt.ok)
		}
	}
}

// Every printable ASCII character has a key, and no two characters share a
// key with the same shift state.
func TestFromRuneCoversASCII(t *testing.T) {
	seen := map[[2]uint16]rune{}
	for r := rune(0x20); r < 0x7f; r++ {
		code, shift, ok := input.FromRune(r)
		if !ok {
			t.Errorf("FromRune(%q): no key", r)
			continue
		}
		k := [2]uint16{uint16(code), 0}
		if shift {
			k[1] = 1
		}
		if o, dup := seen[k]; dup {
			t.Errorf("%q and %q both map to %#x shift=%v", o, r, code, shift)
		}
		seen[k] = r
	}
}

func TestTypeString(t *testing.T) {
	var rec recorder
	err := input.TypeString(&rec, "dIr!\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"+20", "-20", "+2A", "+17", "-17", "-2A", "+13", "-13", "+2A", "+2", "-2", "-2A", "+1C", "-1C"}
	if !slices.Equal(rec.ev, want) {
		t.Errorf("got %v, want %v", rec.ev, want)
	}
	rec.ev = nil
	if err := input.TypeString(&rec, "aéb"); err == nil {
		t.Error("no error for é")
	}
	if want := []string{"+1E", "-1E", "+30", "-30"}; !slices.Equal(rec.ev, want) {
		t.Errorf("got %v, want %v", rec.ev, want)
	}
}

func TestFromKeyboardCode(t *testing.T) {
	tests := []struct {
		code string
		want input.Scancode
		ok   bool
	}{
		{"KeyA", 0x1E, true}, {"KeyZ", 0x2C, true}, {"KeyQ", 0x10, true},
		{"Digit1", 0x02, true}, {"Digit0", 0x0B, true},
		{"Enter", 0x1C, true}, {"NumpadEnter", 0xE01C, true},
		{"ShiftLeft", 0x2A, true}, {"ShiftRight", 0x36, true},
		{"ControlLeft", 0x1D, true}, {"ControlRight", 0xE01D, true},
		{"AltLeft", 0x38, true}, {"AltRight", 0xE038, true},
		{"MetaLeft", 0xE05B, true}, {"MetaRight", 0xE05C, true}, {"OSLeft", 0xE05B, true},
		{"ContextMenu", 0xE05D, true},
		{"ArrowUp", 0xE048, true}, {"ArrowDown", 0xE050, true},
		{"ArrowLeft", 0xE04B, true}, {"ArrowRight", 0xE04D, true},
		{"Home", 0xE047, true}, {"End", 0xE04F, true}, {"PageUp", 0xE049, true},
		{"PageDown", 0xE051, true}, {"Insert", 0xE052, true}, {"Delete", 0xE053, true},
		{"F1", 0x3B, true}, {"F10", 0x44, true}, {"F11", 0x57, true}, {"F12", 0x58, true},
		{"Escape", 0x01, true}, {"Backquote", 0x29, true}, {"IntlBackslash", 0x56, true},
		{"Numpad0", 0x52, true}, {"Numpad7", 0x47, true}, {"NumpadDecimal", 0x53, true},
		{"NumpadDivide", 0xE035, true}, {"NumpadMultiply", 0x37, true},
		{"NumpadSubtract", 0x4A, true}, {"NumpadAdd", 0x4E, true}, {"NumLock", 0x45, true},
		{"CapsLock", 0x3A, true}, {"ScrollLock", 0x46, true}, {"PrintScreen", 0xE037, true},
		{"Pause", 0, false}, {"keya", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, ok := input.FromKeyboardCode(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FromKeyboardCode(%q) = %#x, %v; want %#x, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
}

// A browser's code for a letter or digit key and the US character on that
// key agree.
func TestKeyboardCodeMatchesRune(t *testing.T) {
	for r := 'A'; r <= 'Z'; r++ {
		c, _ := input.FromKeyboardCode("Key" + string(r))
		k, _, _ := input.FromRune(r)
		if c != k {
			t.Errorf("Key%c = %#x, rune %#x", r, c, k)
		}
	}
	for r := '0'; r <= '9'; r++ {
		c, _ := input.FromKeyboardCode("Digit" + string(r))
		k, _, _ := input.FromRune(r)
		if c != k {
			t.Errorf("Digit%c = %#x, rune %#x", r, c, k)
		}
	}
}

func TestFromKeysym(t *testing.T) {
	tests := []struct {
		sym   uint32
		code  input.Scancode
		shift bool
		ok    bool
	}{
		{'a', 0x1E, false, true},
		{'A', 0x1E, true, true},
		{'!', 0x02, true, true},
		{'5', 0x06, false, true},
		{' ', 0x39, false, true},
		{0x0100005f, 0x0C, true, true}, // U+005F as a Unicode keysym
		{0xff0d, 0x1C, false, true},    // Return
		{0xff08, 0x0E, false, true},    // BackSpace
		{0xff1b, 0x01, false, true},    // Escape
		{0xffff, 0xE053, false, true},  // Delete
		{0xff52, 0xE048, false, true},  // Up
		{0xff55, 0xE049, false, true},  // Prior
		{0xffbe, 0x3B, false, true},    // F1
		{0xffc9, 0x58, false, true},    // F12
		{0xffe1, 0x2A, false, true},    // Shift_L
		{0xffe4, 0xE01D, false, true},  // Control_R
		{0xffe9, 0x38, false, true},    // Alt_L
		{0xfe03, 0xE038, false, true},  // ISO_Level3_Shift
		{0xffeb, 0xE05B, false, true},  // Super_L
		{0xff8d, 0xE01C, false, true},  // KP_Enter
		{0xffb7, 0x47, false, true},    // KP_7
		{0xfe20, 0x0F, true, true},     // ISO_Left_Tab
		{0x00e9, 0, false, false},      // eacute
		{0xff13, 0, false, false},      // Pause
	}
	for _, tt := range tests {
		code, shift, ok := input.FromKeysym(tt.sym)
		if code != tt.code || shift != tt.shift || ok != tt.ok {
			t.Errorf("FromKeysym(%#x) = %#x, %v, %v; want %#x, %v, %v", tt.sym, code, shift, ok, tt.code, tt.shift, tt.ok)
		}
	}
}

func TestParseCombo(t *testing.T) {
	tests := []struct {
		in   string
		want []input.Scancode
		bad  bool
	}{
		{"ctrl+alt+del", []input.Scancode{0x1D, 0x38, 0xE053}, false},
		{"Ctrl+Alt+F1", []input.Scancode{0x1D, 0x38, 0x3B}, false},
		{"alt+tab", []input.Scancode{0x38, 0x0F}, false},
		{"shift+a", []input.Scancode{0x2A, 0x1E}, false},
		{"ctrl+A", []input.Scancode{0x1D, 0x1E}, false},
		{"ctrl+!", []input.Scancode{0x1D, 0x2A, 0x02}, false},
		{"shift+!", []input.Scancode{0x2A, 0x02}, false},
		{"rctrl+NumpadEnter", []input.Scancode{0xE01D, 0xE01C}, false},
		{"ctrl++", []input.Scancode{0x1D, 0x2A, 0x0D}, false},
		{"0x1d+0xe053", []input.Scancode{0x1D, 0xE053}, false},
		{" win + r ", []input.Scancode{0xE05B, 0x13}, false},
		{"", nil, true},
		{"ctrl+", nil, true},
		{"ctrl+bogus", nil, true},
		{"0x1ff", nil, true},
	}
	for _, tt := range tests {
		got, err := input.ParseCombo(tt.in)
		if (err != nil) != tt.bad || !slices.Equal(got, tt.want) {
			t.Errorf("ParseCombo(%q) = %#x, %v; want %#x, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
