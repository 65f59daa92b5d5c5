package vnc_test

import (
	"testing"
	"time"

	"github.com/do86/do86/internal/rfbclient"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
)

func TestMalformedMessagesClose(t *testing.T) {
	hub := display.NewHub()
	f := desktop(96, 64, 9)
	hub.Publish(f, nil, nil)
	addr, logs := startServer(t, hub, &recorder{}, vnc.Options{})
	good := dial(t, addr, rfbclient.Config{})
	good.SetEncodings(rfbclient.EncodingZRLE)
	fullUpdate(t, good)

	for _, tc := range []struct {
		name string
		msg  []byte
		log  string
	}{
		{"unknown type", []byte{7, 0, 0, 0}, "unknown message type 7"},
		{"huge cut text", []byte{6, 0, 0, 0, 0, 0x20, 0, 0}, "ClientCutText of 2097152 bytes"},
		{"cut text of 4 GiB", []byte{6, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, "ClientCutText of 4294967295 bytes"},
		{"24 bits per pixel", append([]byte{0, 0, 0, 0}, rfbclient.PixelFormat{BPP: 24, Depth: 24, TrueColour: true, RedMax: 255, GreenMax: 255, BlueMax: 255}.Marshal()...), "24 bits per pixel"},
		{"shift outside pixel", append([]byte{0, 0, 0, 0}, rfbclient.PixelFormat{BPP: 16, Depth: 16, TrueColour: true, RedMax: 31, GreenMax: 63, BlueMax: 31, RedShift: 20}.Marshal()...), "outside a 16-bit pixel"},
		{"16-bit colour map", append([]byte{0, 0, 0, 0}, rfbclient.PixelFormat{BPP: 16, Depth: 16}.Marshal()...), "colour map with 16 bits"},
		{"QEMU subtype 1", []byte{255, 1, 0, 0}, "unknown QEMU message subtype 1"},
		{"fence too long", []byte{248, 0, 0, 0, 0, 0, 0, 0, 65}, "ClientFence with 65 bytes"},
		{"cut short", []byte{3, 0, 0}, "cut short"},
		{"SetEncodings cut short", []byte{2, 0, 0, 5, 0, 0, 0, 0}, "cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := dial(t, addr, rfbclient.Config{})
			bad.Conn().Write(tc.msg)
			if tc.log == "cut short" {
				bad.Conn().(interface{ CloseWrite() error }).CloseWrite()
			}
			bad.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
			var buf [1]byte
			if _, err := bad.Conn().Read(buf[:]); err == nil {
				t.Fatal("connection still open after a malformed message")
			}
			logs.waitFor(t, tc.log)
			// The other client is still served.
			hub.Publish(f, paint(f, 0, 0, 20, 20, byte(len(tc.name)), 7, 7), nil)
			good.RequestAll(true)
			readUpdate(t, good)
			checkImage(t, good, f)
		})
	}
}

func TestStalledClientDropped(t *testing.T) {
	hub := display.NewHub()
	f := desktop(1024, 768, 1)
	hub.Publish(f, nil, nil)
	addr, logs := startServer(t, hub, nil, vnc.Options{WriteTimeout: 200 * time.Millisecond})
	cl := dial(t, addr, rfbclient.Config{})
	// Ask for raw full screens again and again and never read: the
	// socket buffers fill, a write times out and the server drops us.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if cl.RequestAll(false) != nil {
				return
			}
		}
	}()
	logs.waitFor(t, "i/o timeout")
}
