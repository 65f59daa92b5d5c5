package cluster

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// rfb is a minimal RFB 3.8 client over a WebSocket (noVNC's endpoint):
// raw encoding, 32-bit pixels; just enough to read a screen and type.
type rfb struct {
	c    net.Conn
	r    *bufio.Reader
	w, h int
	fb   []byte // BGRX rows
}

func dialRFB(ctx context.Context, url string) (*rfb, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	c := websocket.NetConn(context.Background(), ws, websocket.MessageBinary)
	v := &rfb{c: c, r: bufio.NewReaderSize(c, 1<<16)}
	if err := v.handshake(); err != nil {
		c.Close()
		return nil, err
	}
	return v, nil
}

func (v *rfb) handshake() error {
	v.c.SetDeadline(time.Now().Add(2 * time.Minute))
	var ver [12]byte
	if _, err := io.ReadFull(v.r, ver[:]); err != nil {
		return fmt.Errorf("rfb version: %w", err)
	}
	v.c.Write([]byte("RFB 003.008\n"))
	n, err := v.r.ReadByte()
	if err != nil || n == 0 {
		return fmt.Errorf("rfb security types: %d %v", n, err)
	}
	types := make([]byte, n)
	io.ReadFull(v.r, types)
	v.c.Write([]byte{1})
	var res [4]byte
	if _, err := io.ReadFull(v.r, res[:]); err != nil || binary.BigEndian.Uint32(res[:]) != 0 {
		return fmt.Errorf("rfb security result %x %v", res, err)
	}
	v.c.Write([]byte{1}) // shared
	var si [24]byte
	if _, err := io.ReadFull(v.r, si[:]); err != nil {
		return err
	}
	v.w, v.h = int(binary.BigEndian.Uint16(si[0:])), int(binary.BigEndian.Uint16(si[2:]))
	io.CopyN(io.Discard, v.r, int64(binary.BigEndian.Uint32(si[20:])))
	pf := []byte{0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0}
	enc := []byte{2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21} // raw, DesktopSize (-223)
	_, err = v.c.Write(append(pf, enc...))
	v.fb = make([]byte, v.w*v.h*4)
	return err
}

// screen asks for the whole screen and returns it once an update arrived.
func (v *rfb) screen() ([]byte, int, int, error) {
	v.c.SetDeadline(time.Now().Add(time.Minute))
	req := []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(req[6:], uint16(v.w))
	binary.BigEndian.PutUint16(req[8:], uint16(v.h))
	if _, err := v.c.Write(req); err != nil {
		return nil, 0, 0, err
	}
	for {
		t, err := v.r.ReadByte()
		if err != nil {
			return nil, 0, 0, err
		}
		switch t {
		case 0:
			var hd [3]byte
			io.ReadFull(v.r, hd[:])
			for range int(binary.BigEndian.Uint16(hd[1:])) {
				var rh [12]byte
				if _, err := io.ReadFull(v.r, rh[:]); err != nil {
					return nil, 0, 0, err
				}
				x, y := int(binary.BigEndian.Uint16(rh[0:])), int(binary.BigEndian.Uint16(rh[2:]))
				w, h := int(binary.BigEndian.Uint16(rh[4:])), int(binary.BigEndian.Uint16(rh[6:]))
				switch int32(binary.BigEndian.Uint32(rh[8:])) {
				case 0:
					row := make([]byte, w*4)
					for j := range h {
						if _, err := io.ReadFull(v.r, row); err != nil {
							return nil, 0, 0, err
						}
						if y+j < v.h && x+w <= v.w {
							copy(v.fb[((y+j)*v.w+x)*4:], row)
						}
					}
				case -223:
					v.w, v.h = w, h
					v.fb = make([]byte, w*h*4)
				default:
					return nil, 0, 0, fmt.Errorf("rfb: unexpected encoding")
				}
			}
			return append([]byte(nil), v.fb...), v.w, v.h, nil
		case 1:
			var hd [5]byte
			io.ReadFull(v.r, hd[:])
			io.CopyN(io.Discard, v.r, int64(binary.BigEndian.Uint16(hd[3:]))*6)
		case 2:
		case 3:
			var hd [7]byte
			io.ReadFull(v.r, hd[:])
			io.CopyN(io.Discard, v.r, int64(binary.BigEndian.Uint32(hd[3:])))
		default:
			return nil, 0, 0, fmt.Errorf("rfb: message type %d", t)
		}
	}
}

// typeText presses and releases each character's key (ASCII keysyms).
func (v *rfb) typeText(s string) error {
	for _, c := range []byte(s) {
		for _, down := range []byte{1, 0} {
			m := []byte{4, down, 0, 0, 0, 0, 0, c}
			if _, err := v.c.Write(m); err != nil {
				return err
			}
			time.Sleep(30 * time.Millisecond)
		}
	}
	return nil
}

func (v *rfb) Close() { v.c.Close() }

// grab connects, reads one screen and closes; retried until within passes
// (the session may be moving between nodes).
func grab(t testing.TB, url string, within time.Duration, ok func(fb []byte, w, h int) bool) ([]byte, int, int) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		v, err := dialRFB(ctx, url)
		cancel()
		if err == nil {
			for time.Now().Before(deadline) {
				fb, w, h, err := v.screen()
				if err != nil {
					last = err
					break
				}
				if ok == nil || ok(fb, w, h) {
					v.Close()
					return fb, w, h
				}
				last = fmt.Errorf("screen %dx%d not as wanted yet", w, h)
				time.Sleep(200 * time.Millisecond)
			}
			v.Close()
		} else {
			last = err
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("no screen from %s in %v: %v", url, within, last)
	return nil, 0, 0
}
