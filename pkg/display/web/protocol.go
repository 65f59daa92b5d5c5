package web

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/do86/do86/pkg/input"
)

// ProtocolVersion is sent in the hello message; a page and a server of
// different versions should not talk.
const ProtocolVersion = 1

// Binary message types from the server to the browser: the first byte of
// every binary WebSocket message (PROTOCOL.md has the layouts).
const (
	// MsgFrame carries changed tiles of the screen (a keyframe carries all).
	MsgFrame = 0x01
	// MsgSerial carries bytes the guest wrote to COM1.
	MsgSerial = 0x02
)

// Binary message types from the browser to the server: one event a message.
const (
	// MsgKey presses or releases the key a KeyboardEvent.code names.
	MsgKey = 0x01
	// MsgMouse moves the mouse by a relative delta, turns the wheel and sets
	// the buttons held.
	MsgMouse = 0x02
	// MsgSerialIn types bytes into the guest's COM1.
	MsgSerialIn = 0x03
	// MsgAck says the browser has drawn every frame up to a sequence number.
	MsgAck = 0x04
	// MsgRefresh asks for a keyframe.
	MsgRefresh = 0x05
	// MsgCtrlAltDel presses and releases Ctrl-Alt-Del.
	MsgCtrlAltDel = 0x06
	// MsgPointer puts the pointer at a position on the screen, turns the
	// wheel and sets the buttons held.
	MsgPointer = 0x07
	// MsgPaste types text (UTF-8, at most MaxPaste bytes) into the guest
	// as keystrokes: what the user pasted into the page.
	MsgPaste = 0x08
)

// MaxPaste is the most bytes one MsgPaste may carry.
const MaxPaste = 16 << 10

// Flags of a MsgFrame header.
const (
	// FlagKeyframe: the message holds every tile of the screen.
	FlagKeyframe = 1 << 0
	// FlagDeflate: the body is the next piece of the connection's one raw
	// deflate stream (RFC 1951), ending in a sync flush.
	FlagDeflate = 1 << 1
	// FlagReverse: the tiles go in descending index order, each skip
	// counting down from the one before (from cols×rows for the first).
	FlagReverse = 1 << 2
)

// Tile encodings inside a frame body.
const (
	// TileSolid: one RGB colour fills the tile.
	TileSolid = 0
	// TileRaw: the tile's pixels, RGB, row by row.
	TileRaw = 1
	// TilePacked: a palette of 2–16 colours, then palette indexes of 1, 2
	// or 4 bits, most significant first, each row starting on a byte.
	TilePacked = 2
	// TileRLE: a palette of 1–127 colours, then runs over the tile's
	// pixels in row order: a byte holding the index, with bit 7 set when a
	// varint follows holding the run's length minus 2.
	TileRLE = 3
	// TileCopy: a signed varint (zigzag, as encoding/binary's) d; the tile
	// is a copy of tile index+d as the browser has it at this point of the
	// message (tiles before this one in the message already applied). Both
	// tiles have the same size.
	TileCopy = 4
)

// FrameHeaderSize is the size of a MsgFrame header: type, flags, sequence
// number (uint32) and the body's uncompressed length (uint32), little-endian.
const FrameHeaderSize = 10

// Limits of browser messages.
const (
	// MaxClientMessage is the largest message a browser may send; a larger
	// one closes its connection (status 1009).
	MaxClientMessage = 8192
	// MaxSerialIn is the most bytes one MsgSerialIn may carry.
	MaxSerialIn = 4096
	// maxCodeLen bounds a KeyboardEvent.code name.
	maxCodeLen = 32
)

// Event is one decoded browser message.
type Event struct {
	// Type is the message type (MsgKey, MsgMouse, ...).
	Type byte
	// Code is the key of a MsgKey; Known is false for a code PC keyboards
	// have no key for (the event is then ignored). Down presses it.
	Code  input.Scancode
	Known bool
	Down  bool
	// DX, DY, DZ and Buttons are a MsgMouse's motion, wheel and buttons
	// (input.ButtonLeft | ...); a MsgPointer's wheel and buttons too.
	DX, DY, DZ int
	Buttons    uint8
	// X, Y, W and H are a MsgPointer's position on a W×H picture.
	X, Y, W, H int
	// Data is the bytes of a MsgSerialIn (a slice of the message).
	Data []byte
	// Seq is the sequence number a MsgAck acknowledges.
	Seq uint32
}

// ErrBadMessage wraps every reason DecodeInput refuses a message.
var ErrBadMessage = errors.New("bad message")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadMessage, fmt.Sprintf(format, a...))
}

// DecodeInput decodes one binary message from a browser. A message that does
// not follow PROTOCOL.md exactly (unknown type, wrong length, a key name with
// characters no KeyboardEvent.code has, a button outside the three) is an
// error wrapping ErrBadMessage; the server closes that connection.
func DecodeInput(b []byte) (Event, error) {
	if len(b) == 0 {
		return Event{}, bad("empty")
	}
	if len(b) > MaxClientMessage {
		return Event{}, bad("%d bytes, more than %d", len(b), MaxClientMessage)
	}
	ev := Event{Type: b[0]}
	p := b[1:]
	switch b[0] {
	case MsgKey:
		if len(p) < 2 || len(p) > 1+maxCodeLen {
			return ev, bad("key message of %d bytes", len(b))
		}
		if p[0] > 1 {
			return ev, bad("key state %d (want 0 or 1)", p[0])
		}
		for _, c := range p[1:] {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return ev, bad("key code %q", p[1:])
			}
		}
		ev.Down = p[0] == 1
		ev.Code, ev.Known = input.FromKeyboardCode(string(p[1:]))
	case MsgMouse:
		if len(p) != 6 {
			return ev, bad("mouse message of %d bytes (want 7)", len(b))
		}
		ev.DX = int(int16(binary.LittleEndian.Uint16(p[0:])))
		ev.DY = int(int16(binary.LittleEndian.Uint16(p[2:])))
		ev.DZ = int(int8(p[4]))
		ev.Buttons = p[5]
		if ev.Buttons&^(input.ButtonLeft|input.ButtonRight|input.ButtonMiddle) != 0 {
			return ev, bad("mouse buttons %#x", ev.Buttons)
		}
	case MsgPointer:
		if len(p) != 10 {
			return ev, bad("pointer message of %d bytes (want 11)", len(b))
		}
		le := binary.LittleEndian
		ev.X, ev.Y = int(le.Uint16(p[0:])), int(le.Uint16(p[2:]))
		ev.W, ev.H = int(le.Uint16(p[4:])), int(le.Uint16(p[6:]))
		ev.DZ = int(int8(p[8]))
		ev.Buttons = p[9]
		if ev.W == 0 || ev.H == 0 || ev.X >= ev.W || ev.Y >= ev.H {
			return ev, bad("pointer at %d,%d of %dx%d", ev.X, ev.Y, ev.W, ev.H)
		}
		if ev.Buttons&^(input.ButtonLeft|input.ButtonRight|input.ButtonMiddle) != 0 {
			return ev, bad("pointer buttons %#x", ev.Buttons)
		}
	case MsgPaste:
		if len(p) == 0 || len(p) > MaxPaste || !utf8.Valid(p) {
			return ev, bad("paste of %d bytes (want 1 to %d of UTF-8)", len(p), MaxPaste)
		}
		ev.Data = p
	case MsgSerialIn:
		if len(p) == 0 || len(p) > MaxSerialIn {
			return ev, bad("serial message of %d bytes", len(p))
		}
		ev.Data = p
	case MsgAck:
		if len(p) != 4 {
			return ev, bad("ack of %d bytes (want 5)", len(b))
		}
		ev.Seq = binary.LittleEndian.Uint32(p)
	case MsgRefresh, MsgCtrlAltDel:
		if len(p) != 0 {
			return ev, bad("message %d of %d bytes (want 1)", b[0], len(b))
		}
	default:
		return ev, bad("unknown message type %d", b[0])
	}
	return ev, nil
}

// Encoders of browser messages, for Go clients and tests; the page builds
// the same bytes in JavaScript.

// KeyMessage returns a MsgKey for a KeyboardEvent.code name.
func KeyMessage(code string, down bool) []byte {
	d := byte(0)
	if down {
		d = 1
	}
	return append([]byte{MsgKey, d}, code...)
}

// MouseMessage returns a MsgMouse; dx and dy are clamped to int16, dz to int8.
func MouseMessage(dx, dy, dz int, buttons uint8) []byte {
	b := []byte{MsgMouse, 0, 0, 0, 0, byte(int8(max(-128, min(127, dz)))), buttons}
	binary.LittleEndian.PutUint16(b[1:], uint16(int16(max(-32768, min(32767, dx)))))
	binary.LittleEndian.PutUint16(b[3:], uint16(int16(max(-32768, min(32767, dy)))))
	return b
}

// PointerMessage returns a MsgPointer: position x, y on a w×h picture
// (clamped to it), wheel dz (clamped to int8) and buttons.
func PointerMessage(x, y, w, h, dz int, buttons uint8) []byte {
	w, h = max(1, min(65535, w)), max(1, min(65535, h))
	x, y = max(0, min(w-1, x)), max(0, min(h-1, y))
	b := []byte{MsgPointer, 0, 0, 0, 0, 0, 0, 0, 0, byte(int8(max(-128, min(127, dz)))), buttons}
	le := binary.LittleEndian
	le.PutUint16(b[1:], uint16(x))
	le.PutUint16(b[3:], uint16(y))
	le.PutUint16(b[5:], uint16(w))
	le.PutUint16(b[7:], uint16(h))
	return b
}

// SerialMessage returns a MsgSerialIn carrying data.
func SerialMessage(data []byte) []byte { return append([]byte{MsgSerialIn}, data...) }

// AckMessage returns a MsgAck for frame seq.
func AckMessage(seq uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{MsgAck}, seq)
}
