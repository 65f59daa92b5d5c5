package vnc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Client-to-server message types (RFC 6143 §7.5, and the registered
// extensions a client may send unasked).
const (
	msgSetPixelFormat           = 0
	msgSetEncodings             = 2
	msgFramebufferUpdateRequest = 3
	msgKeyEvent                 = 4
	msgPointerEvent             = 5
	msgClientCutText            = 6
	msgEnableContinuousUpdates  = 150
	msgClientFence              = 248
	msgSetDesktopSize           = 251
	msgQEMU                     = 255

	qemuExtendedKeyEvent = 0 // subtype of msgQEMU
)

// Server-to-client message types (RFC 6143 §7.6).
const (
	msgFramebufferUpdate   = 0
	msgSetColourMapEntries = 1
)

// Encodings and pseudo-encodings (RFC 6143 §7.7, §7.8 and the RFB registry).
const (
	encRaw                     = 0
	encCopyRect                = 1
	encHextile                 = 5
	encTight                   = 7
	encZRLE                    = 16
	encDesktopSize             = -223
	encLastRect                = -224
	encCursor                  = -239
	encQEMUPointerMotionChange = -257
	encQEMUExtendedKeyEvent    = -258
	encExtendedDesktopSize     = -308
)

// maxCutText bounds ClientCutText: a longer text closes the connection
// rather than being read into memory.
const maxCutText = 1 << 20

// errClientQuit is the normal end: the client closed between messages.
var errClientQuit = errors.New("client disconnected")

// readMessages reads and acts on client messages until the connection ends
// or a message is malformed. It returns why it stopped.
func (cl *client) readMessages() error {
	r := cl.br
	var b [64]byte
	for {
		t, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errClientQuit
			}
			return err
		}
		full := func(n int) ([]byte, error) {
			if _, err := io.ReadFull(r, b[:n]); err != nil {
				return nil, fmt.Errorf("message %d cut short: %w", t, err)
			}
			return b[:n], nil
		}
		switch t {
		case msgSetPixelFormat:
			m, err := full(19)
			if err != nil {
				return err
			}
			pf := parsePixelFormat(m[3:])
			if err := pf.check(); err != nil {
				return fmt.Errorf("SetPixelFormat: unsupported format: %v", err)
			}
			cl.setPixelFormat(pf)
		case msgSetEncodings:
			m, err := full(3)
			if err != nil {
				return err
			}
			n := int(binary.BigEndian.Uint16(m[1:]))
			encs := make([]int32, n)
			for i := range encs {
				m, err := full(4)
				if err != nil {
					return err
				}
				encs[i] = int32(binary.BigEndian.Uint32(m))
			}
			cl.setEncodings(encs)
		case msgFramebufferUpdateRequest:
			m, err := full(9)
			if err != nil {
				return err
			}
			cl.requestUpdate(m[0] != 0, rect{
				x: int(binary.BigEndian.Uint16(m[1:])), y: int(binary.BigEndian.Uint16(m[3:])),
				w: int(binary.BigEndian.Uint16(m[5:])), h: int(binary.BigEndian.Uint16(m[7:]))})
		case msgKeyEvent:
			m, err := full(7)
			if err != nil {
				return err
			}
			cl.keyEvent(m[0] != 0, binary.BigEndian.Uint32(m[3:]), 0)
		case msgPointerEvent:
			m, err := full(5)
			if err != nil {
				return err
			}
			cl.pointerEvent(m[0], int(binary.BigEndian.Uint16(m[1:])), int(binary.BigEndian.Uint16(m[3:])))
		case msgClientCutText:
			m, err := full(7)
			if err != nil {
				return err
			}
			n := binary.BigEndian.Uint32(m[3:])
			if n > maxCutText {
				return fmt.Errorf("ClientCutText of %d bytes (at most %d)", n, maxCutText)
			}
			// Kept to be typed on the paste key (input.go pasteKey); RFB's
			// text is ISO 8859-1.
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return fmt.Errorf("ClientCutText cut short: %w", err)
			}
			cl.keys.cut = latin1(b)
		case msgEnableContinuousUpdates:
			// Never offered; a client that sends it anyway is ignored.
			if _, err := full(9); err != nil {
				return err
			}
		case msgClientFence:
			m, err := full(8)
			if err != nil {
				return err
			}
			if n := int(m[7]); n > 64 {
				return fmt.Errorf("ClientFence with %d bytes of payload (at most 64)", n)
			} else if _, err := full(n); err != nil {
				return err
			}
		case msgSetDesktopSize:
			m, err := full(7)
			if err != nil {
				return err
			}
			for range int(m[5]) {
				if _, err := full(16); err != nil {
					return err
				}
			}
			cl.refuseDesktopSize()
		case msgQEMU:
			m, err := full(1)
			if err != nil {
				return err
			}
			if m[0] != qemuExtendedKeyEvent {
				return fmt.Errorf("unknown QEMU message subtype %d", m[0])
			}
			m, err = full(10)
			if err != nil {
				return err
			}
			cl.keyEvent(binary.BigEndian.Uint16(m) != 0, binary.BigEndian.Uint32(m[2:]), binary.BigEndian.Uint32(m[6:]))
		default:
			return fmt.Errorf("unknown message type %d", t)
		}
	}
}

// latin1 decodes ISO 8859-1 text, CR LF line ends made LF.
func latin1(b []byte) string {
	r := make([]rune, 0, len(b))
	for i, c := range b {
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			continue
		}
		r = append(r, rune(c))
	}
	return string(r)
}
