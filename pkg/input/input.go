// Package input is the one key and mouse model every sink shares: keys are
// PC scancode set 1 codes (an extended key as 0xE0xx), and the mouse is
// either relative motion (Mouse, as a PS/2 mouse reports it) or a position
// on the screen (Pointer, as VNC, terminals and browsers know it), with a
// wheel and three buttons.
// Tables from terminal keys, X keysyms and browser KeyboardEvent.code values
// live beside this file so that every sink maps keys the same way.
package input

// Scancode is a set-1 make code; extended keys carry 0xE0 in the high byte
// (right Ctrl is 0xE01D). The break code is the make code with bit 7 set.
type Scancode uint16

// Mouse buttons, as PS/2 reports them.
const (
	ButtonLeft   = 1 << 0
	ButtonRight  = 1 << 1
	ButtonMiddle = 1 << 2
)

// Sink receives input. The machine implements it; calls are safe from any
// goroutine and queue to the emulation goroutine.
type Sink interface {
	// Key presses (down) or releases a key.
	Key(code Scancode, down bool)
	// Mouse moves the mouse by dx, dy (y grows downward, as on screen), turns
	// the wheel by dz (positive: towards the user, scrolling down) and sets
	// the buttons held.
	Mouse(dx, dy, dz int, buttons uint8)
	// Pointer puts the pointer at x, y of a w×h picture of the guest's
	// screen (0 ≤ x < w, 0 ≤ y < h; the sink's own picture, scaled or not),
	// turns the wheel by dz and sets the buttons held. The machine reports
	// the position exactly when the guest drives an absolute pointing
	// device, and otherwise moves the relative mouse by the difference from
	// the last position.
	Pointer(x, y, w, h, dz int, buttons uint8)
}

// Absolute is implemented by sinks that can tell whether Pointer positions
// reach the guest exactly (an absolute pointing device is in use), so that
// a viewer can stop capturing the pointer. Safe from any goroutine.
type Absolute interface {
	PointerAbsolute() bool
}

// Bytes returns the byte sequence a set-1 keyboard sends for code pressed or
// released.
func (c Scancode) Bytes(down bool) []byte {
	b := byte(c)
	if !down {
		b |= 0x80
	}
	if c>>8 == 0xE0 {
		return []byte{0xE0, b}
	}
	return []byte{b}
}

// Common scancodes.
const (
	Esc       Scancode = 0x01
	Backspace Scancode = 0x0E
	Tab       Scancode = 0x0F
	Enter     Scancode = 0x1C
	LCtrl     Scancode = 0x1D
	LShift    Scancode = 0x2A
	RShift    Scancode = 0x36
	LAlt      Scancode = 0x38
	Space     Scancode = 0x39
	CapsLock  Scancode = 0x3A
	F1        Scancode = 0x3B
	RCtrl     Scancode = 0xE01D
	RAlt      Scancode = 0xE038
	Home      Scancode = 0xE047
	Up        Scancode = 0xE048
	PgUp      Scancode = 0xE049
	Left      Scancode = 0xE04B
	Right     Scancode = 0xE04D
	End       Scancode = 0xE04F
	Down      Scancode = 0xE050
	PgDn      Scancode = 0xE051
	Insert    Scancode = 0xE052
	Delete    Scancode = 0xE053
	LMeta     Scancode = 0xE05B
)

// Tap presses and releases code on s.
func Tap(s Sink, code Scancode) {
	s.Key(code, true)
	s.Key(code, false)
}

// Chord presses codes in order and releases them in reverse (Ctrl-Alt-Del).
func Chord(s Sink, codes ...Scancode) {
	for _, c := range codes {
		s.Key(c, true)
	}
	for i := len(codes) - 1; i >= 0; i-- {
		s.Key(codes[i], false)
	}
}
