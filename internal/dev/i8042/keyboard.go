package i8042

import "github.com/do86/do86/pkg/input"

// Keyboard commands, sent through port 0x60.
const (
	kbdSetLEDs      = 0xED
	kbdEcho         = 0xEE
	kbdScancodeSet  = 0xF0
	kbdIdentify     = 0xF2
	kbdTypematic    = 0xF3
	kbdEnable       = 0xF4
	kbdDisable      = 0xF5 // stop scanning and restore defaults
	kbdDefaults     = 0xF6
	kbdSet3AllFirst = 0xF7 // 0xF7–0xFA: set-3 key types for all keys
	kbdSet3AllLast  = 0xFA
	kbdResend       = 0xFE
	kbdReset        = 0xFF
)

// Keyboard answers.
const (
	kbdACK       = 0xFA
	kbdNAK       = 0xFE // resend: the command was not understood
	kbdBATOK     = 0xAA // self test passed
	kbdEchoReply = 0xEE
	kbdID1       = 0xAB // MF2 keyboard
	kbdID2       = 0x83
)

// defaultTypematic is 10.9 characters a second after 500 ms.
const defaultTypematic = 0x2B

// keyBuffer is how many key bytes the keyboard holds while the guest does not
// read: with the output buffer, 16 bytes, as on a real keyboard. A guest's
// flush loop (Linux reads at most 16 bytes before it declares the controller
// missing) must always be able to empty it.
const keyBuffer = 15

// keyboard is an MF2 keyboard. It speaks scancode set 2 unless the guest
// selects set 1; the controller translates its bytes to set 1 when the
// command byte asks for it.
type keyboard struct {
	answers   fifo // answers to commands, sent before any key
	keys      fifo // key bytes on their way to the controller
	scanning  bool // keys are reported
	set       byte // 1 or 2
	arg       byte // command awaiting its argument byte
	leds      byte
	typematic byte
	lastSent  byte // for the resend command
}

func (k *keyboard) powerOn() {
	*k = keyboard{scanning: true, set: 2, typematic: defaultTypematic}
}

// send queues the keyboard's answer bytes.
func (k *keyboard) send(bs ...byte) {
	if k.answers.push(bs...) && len(bs) > 0 {
		k.lastSent = bs[len(bs)-1]
	}
}

// receive is a byte from the host: a command, or the argument of the
// previous one. Its answer is the next thing the guest reads (answers go
// before keys). The commands that reset or re-enable the keyboard drop the
// keys it still holds, as a real keyboard's buffer is cleared; the others
// (LEDs, typematic rate, echo, identify) keep them: the host hands the
// keyboard one key at a time (KeyFits), and what is left is the end of a
// key already half sent, which a guest setting its LEDs while a person
// types must not see cut in two.
func (k *keyboard) receive(b byte) {
	if k.arg == 0 && (b == kbdEnable || b == kbdDisable || b == kbdDefaults || b == kbdReset) {
		k.keys.clear()
	}
	if arg := k.arg; arg != 0 {
		k.arg = 0
		// A command byte where an LED or rate argument belongs starts a new
		// command, as on real keyboards.
		if arg == kbdScancodeSet || b < kbdSetLEDs {
			k.argument(arg, b)
			return
		}
	}
	switch b {
	case kbdSetLEDs, kbdTypematic, kbdScancodeSet:
		k.arg = b
		k.send(kbdACK)
	case kbdEcho:
		k.send(kbdEchoReply)
	case kbdIdentify:
		k.send(kbdACK, kbdID1, kbdID2)
	case kbdEnable:
		k.scanning = true
		k.send(kbdACK)
	case kbdDisable:
		k.defaults()
		k.scanning = false
		k.send(kbdACK)
	case kbdDefaults:
		k.defaults()
		k.send(kbdACK)
	case kbdResend:
		k.send(k.lastSent)
	case kbdReset:
		k.powerOn()
		k.send(kbdACK, kbdBATOK)
	default:
		if b >= kbdSet3AllFirst && b <= kbdSet3AllLast {
			k.send(kbdACK) // set 3 key types: nothing to do in sets 1 and 2
			return
		}
		k.send(kbdNAK)
	}
}

// argument completes a command that takes a byte.
func (k *keyboard) argument(cmd, b byte) {
	switch cmd {
	case kbdSetLEDs:
		k.leds = b & 7
		k.send(kbdACK)
	case kbdTypematic:
		k.typematic = b & 0x7F
		k.send(kbdACK)
	case kbdScancodeSet:
		switch b {
		case 0:
			k.send(kbdACK, k.set)
		case 1, 2:
			k.set = b
			k.send(kbdACK)
		default:
			k.send(kbdNAK) // set 3 is not offered
		}
	}
}

// defaults restores the typematic rate, as 0xF5 and 0xF6 do.
func (k *keyboard) defaults() {
	k.typematic = defaultTypematic
}

// Key presses (down) or releases a key given as a set-1 code (input.Scancode;
// 0xE11D stands for Pause). The keyboard sends it in its current scancode set.
// Keys are dropped while the keyboard does not scan (0xF5) or the guest has
// disabled its interface (command byte bit 4), and when the keyboard's
// buffer is full (the host should pace pasted text).
func (c *Controller) Key(code input.Scancode, down bool) {
	if !c.kbd.scanning || c.ram[0]&CmdKbdOff != 0 {
		return
	}
	var bs []byte
	if c.kbd.set == 1 {
		bs = set1Bytes(code, down)
	} else {
		bs = set2Bytes(code, down)
	}
	if len(bs) == 0 || c.kbd.keys.len()+len(bs) > keyBuffer {
		return
	}
	c.kbd.keys.push(bs...)
	c.feed()
}

// KeyFits reports whether the keyboard takes Key(code, down) now, for a
// host that types faster than the guest reads and keeps the rest in its
// own queue. A keyboard that does not scan (0xF5) drops keys: true, and
// Key drops it. One whose interface the controller inhibits holds its keys
// until released, and one waiting for a command's argument does not scan:
// false, the host keeps the key. Otherwise the keyboard takes a key only
// once it has sent the previous one, as keys come from a person: any
// command clears the keyboard's buffer (0xED from a guest updating its
// LEDs, say), and a host queue poured into it would lose up to 16 bytes of
// keys at once.
func (c *Controller) KeyFits(code input.Scancode, down bool) bool {
	if !c.kbd.scanning {
		return true
	}
	if c.ram[0]&CmdKbdOff != 0 || c.kbd.arg != 0 {
		return false
	}
	return c.kbd.keys.len() == 0
}

// pop takes the keyboard's next byte for the controller; one must be waiting.
func (k *keyboard) pop() byte {
	if k.answers.len() > 0 {
		return k.answers.pop()
	}
	return k.keys.pop()
}
