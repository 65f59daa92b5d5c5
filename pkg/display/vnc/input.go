package vnc

import "github.com/do86/do86/pkg/input"

// keyState is what the server remembers of one client's keyboard.
type keyState struct {
	// cut is the client's clipboard as it last sent it (ClientCutText),
	// typed into the guest on Ctrl+Shift+V (pasteKey).
	cut     string
	shifts  map[input.Scancode]bool // Shift keys the client holds
	caps    bool                    // Caps Lock toggled on by the client's presses
	pressed map[uint32]input.Scancode
	down    map[input.Scancode]bool // keys made and not yet broken
}

// keyEvent turns a KeyEvent (keycode 0) or a QEMU extended key event into
// scancodes. A raw XT keycode is sent as is. A keysym is looked up on a US
// layout (input.FromKeysym); keysyms it does not know are dropped. When the
// character needs Shift and the client holds none, the make code is wrapped
// in a Shift make and break (and the other way round: held Shifts are
// released around a character typed without one), so that the guest types
// what the client's user typed whatever the two layouts.
// The guest's Caps Lock is assumed to follow the client's Caps Lock presses
// from off. Releases use the code the matching press used.
func (cl *client) keyEvent(down bool, keysym, keycode uint32) {
	in := cl.s.in
	if in == nil {
		return
	}
	k := &cl.keys
	if k.pressed == nil {
		k.shifts, k.pressed, k.down = map[input.Scancode]bool{}, map[uint32]input.Scancode{}, map[input.Scancode]bool{}
	}
	if code, ok := xtScancode(keycode); ok {
		cl.send(code, down)
		return
	}
	if !down {
		code, ok := k.pressed[keysym]
		if !ok {
			if code, _, ok = input.FromKeysym(keysym); !ok {
				return
			}
		}
		delete(k.pressed, keysym)
		if code != 0 { // 0: a paste key, never sent
			cl.send(code, false)
		}
		return
	}
	code, shift, ok := input.FromKeysym(keysym)
	if !ok {
		return
	}
	if cl.pasteKey(keysym) {
		return
	}
	k.pressed[keysym] = code
	ch := keysym &^ 0x01000000
	if ch >= 0x80 || ch <= ' ' {
		cl.send(code, true) // not a character: Shift does not matter
		return
	}
	if k.caps && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
		shift = !shift // Caps Lock already shifts letters
	}
	held := len(k.shifts) > 0
	switch {
	case shift && !held:
		in.Key(input.LShift, true)
		cl.send(code, true)
		in.Key(input.LShift, false)
	case !shift && held:
		for s := range k.shifts {
			in.Key(s, false)
		}
		cl.send(code, true)
		for s := range k.shifts {
			in.Key(s, true)
		}
	default:
		cl.send(code, true)
	}
}

// send passes one make or break to the machine, keeping track of the keys
// held down and of the client's Shift and Caps Lock.
func (cl *client) send(code input.Scancode, down bool) {
	k := &cl.keys
	switch code {
	case input.LShift, input.RShift:
		if down {
			k.shifts[code] = true
		} else {
			delete(k.shifts, code)
		}
	case input.CapsLock:
		if down && !k.down[code] {
			k.caps = !k.caps
		}
	}
	if down {
		k.down[code] = true
	} else {
		delete(k.down, code)
	}
	cl.s.in.Key(code, down)
}

// xtScancode decodes the keycode of a QEMU extended key event: an XT make
// code, with 0xE0-prefixed codes folded into 0x80..0xFF (0xE0 0x1D is
// 0x9D). Some clients send the 0xE0xx form itself; 0 means no keycode.
func xtScancode(keycode uint32) (input.Scancode, bool) {
	switch {
	case keycode == 0:
		return 0, false
	case keycode < 0x80:
		return input.Scancode(keycode), true
	case keycode < 0x100:
		return 0xE000 | input.Scancode(keycode&0x7F), true
	case keycode>>8 == 0xE0 && keycode&0xFF < 0x80:
		return input.Scancode(keycode), true
	}
	return 0, false
}

// pointerState is what the server remembers of one client's mouse.
type pointerState struct {
	mask       uint8
	x, y, w, h int // the last position (w is 0 before the first)
}

// RFB button-mask bits (RFC 6143 §7.5.5): buttons 1–3 and the wheel, which
// clients send as a press and release of buttons 4 (up) and 5 (down).
const (
	rfbLeft      = 1 << 0
	rfbMiddle    = 1 << 1
	rfbRight     = 1 << 2
	rfbWheelUp   = 1 << 3
	rfbWheelDown = 1 << 4
)

// pointerEvent passes a PointerEvent on as the position it is on the
// machine's screen (input.Sink's Pointer): the machine puts the guest's
// pointer there exactly when the guest drives an absolute pointing device,
// and otherwise moves its mouse by the difference from the last position.
// Clients that speak the QEMU pointer motion change extension (gtk-vnc)
// are switched to relative mode while the guest has no absolute pointer:
// they then send their own motion (offset by 0x7FFF), which goes on as
// motion and never drifts.
func (cl *client) pointerEvent(mask uint8, x, y int) {
	in := cl.s.in
	if in == nil {
		return
	}
	cl.mu.Lock()
	rel, w, h := cl.relative, cl.screenW, cl.screenH
	cl.mu.Unlock()
	p := &cl.ptr
	dz := 0
	pressed := mask &^ p.mask
	if pressed&rfbWheelUp != 0 {
		dz-- // away from the user: scroll up
	}
	if pressed&rfbWheelDown != 0 {
		dz++
	}
	b, old := psButtons(mask), psButtons(p.mask)
	p.mask = mask
	if rel {
		if dx, dy := x-0x7FFF, y-0x7FFF; dx != 0 || dy != 0 || dz != 0 || b != old {
			in.Mouse(dx, dy, dz, b)
		}
		return
	}
	if w <= 0 || h <= 0 {
		return
	}
	p.x, p.y, p.w, p.h = min(x, w-1), min(y, h-1), w, h
	in.Pointer(p.x, p.y, w, h, dz, b)
}

func psButtons(mask uint8) uint8 {
	var b uint8
	if mask&rfbLeft != 0 {
		b |= input.ButtonLeft
	}
	if mask&rfbMiddle != 0 {
		b |= input.ButtonMiddle
	}
	if mask&rfbRight != 0 {
		b |= input.ButtonRight
	}
	return b
}

// releaseInput lets go of every key and button a departing client still
// holds, so that the guest does not see them stuck.
func (cl *client) releaseInput() {
	in := cl.s.in
	if in == nil {
		return
	}
	for code := range cl.keys.down {
		in.Key(code, false)
	}
	cl.keys.down = nil
	cl.keys.pressed = nil
	if p := cl.ptr; psButtons(p.mask) != 0 {
		if p.w > 0 {
			in.Pointer(p.x, p.y, p.w, p.h, 0, 0)
		} else {
			in.Mouse(0, 0, 0, 0)
		}
	}
}

// pasteKey types the client's clipboard into the guest when the user
// presses Ctrl+Shift+V (the paste key of terminals and of do86's page) and
// the client has sent a clipboard: the held Ctrl and Shift are released in
// the guest first, so the text is typed as it reads. A clipboard is never
// typed on its own: clients send it whenever it changes, which may be a
// password copied elsewhere. It reports whether it typed.
func (cl *client) pasteKey(keysym uint32) bool {
	k := &cl.keys
	if keysym != 'v' && keysym != 'V' || k.cut == "" || len(k.shifts) == 0 || !k.down[input.LCtrl] && !k.down[input.RCtrl] {
		return false
	}
	for _, m := range []input.Scancode{input.LCtrl, input.RCtrl, input.LShift, input.RShift} {
		if k.down[m] {
			cl.send(m, false)
		}
	}
	k.pressed[keysym] = 0 // the V's release goes nowhere
	input.TypeString(cl.s.in, k.cut)
	return true
}
