package web_test

import (
	"bytes"
	"errors"
	"testing"

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
