// Package rfbclient is a small RFB (VNC) client, just enough to test and
// script a VNC server: the handshake of RFB 3.3, 3.7 and 3.8 with or
// without VNC Authentication, any pixel format, Raw, Hextile and ZRLE
// (and lossless Tight) decoded into an RGBA picture, the DesktopSize, ExtendedDesktopSize and
// QEMU pseudo-encodings, and key and pointer events. It does not do
// CopyRect, Tight's JPEG and gradient modes, cursors or the clipboard.
package rfbclient

import (
	"bufio"
	"crypto/des"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"time"
)

// Encodings and pseudo-encodings a client may name in SetEncodings.
const (
	EncodingRaw                     int32 = 0
	EncodingCopyRect                int32 = 1
	EncodingHextile                 int32 = 5
	EncodingTight                   int32 = 7
	EncodingZRLE                    int32 = 16
	EncodingDesktopSize             int32 = -223
	EncodingLastRect                int32 = -224
	EncodingCursor                  int32 = -239
	EncodingQEMUPointerMotionChange int32 = -257
	EncodingQEMUExtendedKeyEvent    int32 = -258
	EncodingExtendedDesktopSize     int32 = -308
)

// Config says how a client connects.
type Config struct {
	// Password for VNC Authentication, if the server asks for it.
	Password string
	// Minor is the RFB version the client answers, 3.Minor: 3, 7 or 8.
	// Zero: 8.
	Minor int
	// Exclusive asks the server to disconnect other clients (the shared
	// flag of ClientInit clear).
	Exclusive bool
}

// AuthError is a refusal in the security handshake.
type AuthError struct {
	// Reason is the server's explanation (RFB 3.8 only; empty before).
	Reason string
}

func (e *AuthError) Error() string {
	if e.Reason == "" {
		return "rfb: authentication failed"
	}
	return "rfb: authentication failed: " + e.Reason
}

// Client is one connection to an RFB server. Its methods are not safe for
// concurrent use, except that the input methods (Key, QEMUKey, Pointer,
// SetEncodings, RequestUpdate, SetPixelFormat) may run while another
// goroutine is in ReadUpdate.
type Client struct {
	conn net.Conn
	r    *bufio.Reader

	// Minor is the RFB version spoken, 3.Minor.
	Minor int
	// Name is the desktop's name.
	Name string
	// ServerFormat is the pixel format of ServerInit.
	ServerFormat PixelFormat
	// Format is the pixel format the client asked for last.
	Format PixelFormat
	// Image is the framebuffer as decoded so far; replaced on a resize.
	Image *image.RGBA
	// Colours is the colour map a server set with SetColourMapEntries,
	// 16 bits per component.
	Colours [256][3]uint16
	// QEMUKeys and RelativePointer record the server's acknowledgements
	// of the QEMU extensions.
	QEMUKeys, RelativePointer bool

	zin   chunkReader
	zr    io.ReadCloser
	tight [4]tightStream
}

// Rect is one rectangle of an update.
type Rect struct {
	X, Y, W, H int
	Encoding   int32
}

// Update is one FramebufferUpdate, already applied to Image.
type Update struct {
	Rects []Rect
	// Bytes is the message's size on the wire.
	Bytes int
}

// Dial connects to addr over TCP and runs the handshake.
func Dial(addr string, cfg Config) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	cl, err := New(c, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

// New runs the handshake over conn (RFC 6143 §7.1–7.3) and returns the
// client ready to request updates.
func New(conn net.Conn, cfg Config) (*Client, error) {
	c := &Client{conn: conn, r: bufio.NewReader(conn), Minor: cfg.Minor}
	if c.Minor == 0 {
		c.Minor = 8
	}
	var ver [12]byte
	if _, err := io.ReadFull(c.r, ver[:]); err != nil {
		return nil, err
	}
	if string(ver[:4]) != "RFB " {
		return nil, fmt.Errorf("rfb: not an RFB server: %q", ver[:])
	}
	if _, err := fmt.Fprintf(conn, "RFB 003.%03d\n", c.Minor); err != nil {
		return nil, err
	}
	var sec uint32
	if c.Minor == 3 {
		v, err := c.u32()
		if err != nil {
			return nil, err
		}
		sec = v
		if sec == 0 {
			return nil, c.reason()
		}
	} else {
		n, err := c.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, c.reason()
		}
		types := make([]byte, n)
		if _, err := io.ReadFull(c.r, types); err != nil {
			return nil, err
		}
		for _, t := range types {
			if t == 1 || t == 2 && sec != 1 {
				sec = uint32(t)
			}
		}
		if sec == 0 {
			return nil, fmt.Errorf("rfb: no supported security type in %v", types)
		}
		if _, err := conn.Write([]byte{byte(sec)}); err != nil {
			return nil, err
		}
	}
	switch sec {
	case 1:
		if c.Minor == 8 {
			if err := c.securityResult(); err != nil {
				return nil, err
			}
		}
	case 2:
		var ch [16]byte
		if _, err := io.ReadFull(c.r, ch[:]); err != nil {
			return nil, err
		}
		resp := AuthResponse(cfg.Password, ch)
		if _, err := conn.Write(resp[:]); err != nil {
			return nil, err
		}
		if err := c.securityResult(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("rfb: unsupported security type %d", sec)
	}
	shared := byte(1)
	if cfg.Exclusive {
		shared = 0
	}
	if _, err := conn.Write([]byte{shared}); err != nil {
		return nil, err
	}
	var si [24]byte
	if _, err := io.ReadFull(c.r, si[:]); err != nil {
		return nil, err
	}
	w, h := int(binary.BigEndian.Uint16(si[0:])), int(binary.BigEndian.Uint16(si[2:]))
	c.ServerFormat = parseFormat(si[4:20])
	c.Format = c.ServerFormat
	name := make([]byte, binary.BigEndian.Uint32(si[20:]))
	if len(name) > 1<<16 {
		return nil, errors.New("rfb: desktop name too long")
	}
	if _, err := io.ReadFull(c.r, name); err != nil {
		return nil, err
	}
	c.Name = string(name)
	c.Image = image.NewRGBA(image.Rect(0, 0, w, h))
	return c, nil
}

func (c *Client) u32() (uint32, error) {
	var b [4]byte
	if _, err := io.ReadFull(c.r, b[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b[:]), nil
}

// reason reads a failure reason string.
func (c *Client) reason() error {
	n, err := c.u32()
	if err != nil || n > 1<<16 {
		return &AuthError{}
	}
	b := make([]byte, n)
	io.ReadFull(c.r, b)
	return &AuthError{Reason: string(b)}
}

func (c *Client) securityResult() error {
	v, err := c.u32()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return &AuthError{}
		}
		return err
	}
	if v == 0 {
		return nil
	}
	if c.Minor == 8 {
		return c.reason()
	}
	return &AuthError{}
}

// AuthResponse answers a VNC Authentication challenge: DES-ECB under the
// password's first 8 bytes, each byte bit-mirrored.
func AuthResponse(password string, challenge [16]byte) [16]byte {
	var key [8]byte
	copy(key[:], password)
	for i, b := range key {
		r := byte(0)
		for j := range 8 {
			r = r<<1 | b>>j&1
		}
		key[i] = r
	}
	blk, _ := des.NewCipher(key[:])
	var out [16]byte
	blk.Encrypt(out[:8], challenge[:8])
	blk.Encrypt(out[8:], challenge[8:])
	return out
}

// Conn is the underlying connection (to send raw bytes in tests).
func (c *Client) Conn() net.Conn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// SetPixelFormat asks for pf; updates from the next one on use it.
func (c *Client) SetPixelFormat(pf PixelFormat) error {
	c.Format = pf
	_, err := c.conn.Write(append([]byte{0, 0, 0, 0}, pf.Marshal()...))
	return err
}

// SetEncodings names the encodings the client accepts, preferred first.
func (c *Client) SetEncodings(encs ...int32) error {
	b := []byte{2, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(encs)))
	for _, e := range encs {
		b = binary.BigEndian.AppendUint32(b, uint32(e))
	}
	_, err := c.conn.Write(b)
	return err
}

// RequestUpdate sends FramebufferUpdateRequest.
func (c *Client) RequestUpdate(incremental bool, x, y, w, h int) error {
	b := []byte{3, boolByte(incremental)}
	for _, v := range []int{x, y, w, h} {
		b = binary.BigEndian.AppendUint16(b, uint16(v))
	}
	_, err := c.conn.Write(b)
	return err
}

// RequestAll asks for the whole screen, incrementally or not.
func (c *Client) RequestAll(incremental bool) error {
	b := c.Image.Bounds()
	return c.RequestUpdate(incremental, 0, 0, b.Dx(), b.Dy())
}

// Key sends a KeyEvent.
func (c *Client) Key(keysym uint32, down bool) error {
	b := []byte{4, boolByte(down), 0, 0}
	_, err := c.conn.Write(binary.BigEndian.AppendUint32(b, keysym))
	return err
}

// QEMUKey sends a QEMU extended key event: keysym plus the XT keycode
// (0xE0-prefixed codes as 0x80|code).
func (c *Client) QEMUKey(keysym, keycode uint32, down bool) error {
	b := []byte{255, 0, 0, boolByte(down)}
	b = binary.BigEndian.AppendUint32(b, keysym)
	_, err := c.conn.Write(binary.BigEndian.AppendUint32(b, keycode))
	return err
}

// Pointer sends a PointerEvent: buttons is RFB's mask (1 left, 2 middle, 4
// right, 8 wheel up, 16 wheel down).
func (c *Client) Pointer(buttons uint8, x, y int) error {
	b := []byte{5, buttons}
	b = binary.BigEndian.AppendUint16(b, uint16(x))
	_, err := c.conn.Write(binary.BigEndian.AppendUint16(b, uint16(y)))
	return err
}

// CutText sends ClientCutText.
func (c *Client) CutText(text string) error {
	b := binary.BigEndian.AppendUint32([]byte{6, 0, 0, 0}, uint32(len(text)))
	_, err := c.conn.Write(append(b, text...))
	return err
}

// ReadUpdate reads server messages until a FramebufferUpdate, applies it to
// Image and returns it. Colour map entries are stored; bells and cut text
// are skipped.
func (c *Client) ReadUpdate() (*Update, error) {
	for {
		t, err := c.r.ReadByte()
		if err != nil {
			return nil, err
		}
		switch t {
		case 0:
			return c.readUpdate()
		case 1:
			var h [5]byte
			if _, err := io.ReadFull(c.r, h[:]); err != nil {
				return nil, err
			}
			first, n := int(binary.BigEndian.Uint16(h[1:])), int(binary.BigEndian.Uint16(h[3:]))
			for i := range n {
				var e [6]byte
				if _, err := io.ReadFull(c.r, e[:]); err != nil {
					return nil, err
				}
				if k := first + i; k < 256 {
					c.Colours[k] = [3]uint16{binary.BigEndian.Uint16(e[0:]), binary.BigEndian.Uint16(e[2:]), binary.BigEndian.Uint16(e[4:])}
				}
			}
		case 2:
		case 3:
			var h [3]byte
			if _, err := io.ReadFull(c.r, h[:]); err != nil {
				return nil, err
			}
			n, err := c.u32()
			if err != nil {
				return nil, err
			}
			if _, err := io.CopyN(io.Discard, c.r, int64(n)); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("rfb: unknown server message %d", t)
		}
	}
}

func (c *Client) readUpdate() (*Update, error) {
	var h [3]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(h[1:]))
	u := &Update{Bytes: 4}
	cr := &countingReader{r: c.r}
	for i := 0; i < n; i++ {
		var rh [12]byte
		if _, err := io.ReadFull(cr, rh[:]); err != nil {
			return nil, err
		}
		r := Rect{X: int(binary.BigEndian.Uint16(rh[0:])), Y: int(binary.BigEndian.Uint16(rh[2:])),
			W: int(binary.BigEndian.Uint16(rh[4:])), H: int(binary.BigEndian.Uint16(rh[6:])),
			Encoding: int32(binary.BigEndian.Uint32(rh[8:]))}
		if r.Encoding == EncodingLastRect {
			break
		}
		u.Rects = append(u.Rects, r)
		if err := c.decodeRect(cr, r); err != nil {
			return nil, fmt.Errorf("rfb: rectangle %d %+v: %w", i, r, err)
		}
	}
	u.Bytes += cr.n
	return u, nil
}

type countingReader struct {
	r *bufio.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// Type sends key presses and releases that type s: ASCII characters by
// their keysyms (the server adds Shift where needed), '\n' as Return, '\t'
// as Tab and '\b' as BackSpace.
func (c *Client) Type(s string) error {
	for _, r := range s {
		ks := uint32(r)
		switch r {
		case '\n':
			ks = 0xFF0D
		case '\t':
			ks = 0xFF09
		case '\b':
			ks = 0xFF08
		}
		if err := c.Key(ks, true); err != nil {
			return err
		}
		if err := c.Key(ks, false); err != nil {
			return err
		}
	}
	return nil
}
