package web_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// FuzzDecodeInput: whatever a browser sends, DecodeInput returns an event
// or ErrBadMessage without panicking, and what it accepts re-encodes to the
// same bytes. The seed corpus is in testdata/fuzz/FuzzDecodeInput; run
// `go test -fuzz FuzzDecodeInput ./pkg/display/web` to search further.
func FuzzDecodeInput(f *testing.F) {
	f.Add(web.KeyMessage("KeyA", true))
	f.Add(web.MouseMessage(1, -1, 0, 1))
	f.Add(web.AckMessage(7))
	f.Add(web.PointerMessage(3, 4, 640, 480, -1, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := web.DecodeInput(b)
		if err != nil {
			if !errors.Is(err, web.ErrBadMessage) {
				t.Fatalf("error %v does not wrap ErrBadMessage", err)
			}
			return
		}
		var again []byte
		switch ev.Type {
		case web.MsgKey:
			again = web.KeyMessage(string(b[2:]), ev.Down)
			if ev.Known && ev.Code == 0 {
				t.Fatal("a known key with scancode 0")
			}
		case web.MsgMouse:
			again = web.MouseMessage(ev.DX, ev.DY, ev.DZ, ev.Buttons)
		case web.MsgPointer:
			again = web.PointerMessage(ev.X, ev.Y, ev.W, ev.H, ev.DZ, ev.Buttons)
		case web.MsgSerialIn:
			again = web.SerialMessage(ev.Data)
		case web.MsgAck:
			again = web.AckMessage(ev.Seq)
		case web.MsgRefresh, web.MsgCtrlAltDel:
			again = []byte{ev.Type}
		default:
			t.Fatalf("accepted message type %d", ev.Type)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("% x decodes to %+v, which encodes to % x", b, ev, again)
		}
	})
}

// FuzzViewerMessages: a sequence of messages from a browser (each a length
// byte and that many bytes; a text message when the length's top bit is
// set) sent over a real WebSocket to a session: the server either keeps the
// connection or closes it with a status of PROTOCOL.md (1003, 1008, 1009),
// never panics, and goes on serving the session to the next viewer. The
// seeds run in every `go test`; `go test -fuzz FuzzViewerMessages
// ./pkg/display/web` searches further.
func FuzzViewerMessages(f *testing.F) {
	seq := func(msgs ...[]byte) []byte {
		var b []byte
		for _, m := range msgs {
			b = append(b, byte(len(m)&0x7f))
			b = append(b, m...)
		}
		return b
	}
	f.Add(seq(web.KeyMessage("KeyA", true), web.KeyMessage("KeyA", false), web.MouseMessage(3, -4, 1, 1)))
	f.Add(seq(web.AckMessage(1), web.AckMessage(1), []byte{web.MsgRefresh}))
	f.Add(seq(web.AckMessage(99)))
	f.Add(seq([]byte{web.MsgCtrlAltDel}, web.SerialMessage([]byte("ls\r"))))
	f.Add([]byte{0x83, '{', '}', ' '})
	f.Add([]byte{5, 0x55, 1, 2, 3, 4})
	r := newRig(f, web.Options{Logf: func(string, ...any) {}})
	if _, err := r.srv.Start("fz", "fake-fz"); err != nil {
		f.Fatal(err)
	}
	m := r.machine("fake-fz")
	m.publish(display.NewFrame(32, 16), nil)
	url := r.wsURL("/s/fz/ws")
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		go func() { // read (and drop) what the server sends
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
		}()
		for len(b) > 0 {
			n := int(b[0] & 0x7f)
			typ := websocket.MessageBinary
			if b[0]&0x80 != 0 {
				typ = websocket.MessageText
			}
			b = b[1:]
			n = min(n, len(b))
			if err := c.Write(ctx, typ, b[:n]); err != nil {
				break // the server closed it
			}
			b = b[n:]
		}
		switch st := websocket.CloseStatus(c.Close(websocket.StatusNormalClosure, "")); st {
		case -1, websocket.StatusNormalClosure, websocket.StatusUnsupportedData, websocket.StatusPolicyViolation, websocket.StatusMessageTooBig:
		default:
			t.Fatalf("closed with %v", st)
		}
		// The session is still served.
		c2, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatalf("the next viewer: %v", err)
		}
		typ, _, err := c2.Read(ctx)
		c2.CloseNow()
		if err != nil || typ != websocket.MessageText {
			t.Fatalf("the next viewer's first message: %v %v", typ, err)
		}
	})
}
