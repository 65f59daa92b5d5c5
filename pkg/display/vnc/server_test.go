package vnc_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/do86/do86/internal/rfbclient"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
)

func TestHandshake(t *testing.T) {
	for _, minor := range []int{3, 7, 8} {
		for _, tc := range []struct {
			name, server, client string
			ok                   bool
		}{
			{"none", "", "", true},
			{"password", "secret", "secret", true},
			{"long password", "12345678", "12345678-and-more", true}, // only 8 bytes count
			{"wrong password", "secret", "guess", false},
		} {
			t.Run(fmt.Sprintf("3.%d/%s", minor, tc.name), func(t *testing.T) {
				hub := display.NewHub()
				hub.Publish(desktop(64, 48, 1), nil, nil)
				addr, logs := startServer(t, hub, nil, vnc.Options{Password: tc.server, Name: "test desk"})
				cl, err := rfbclient.Dial(addr, rfbclient.Config{Minor: minor, Password: tc.client})
				if !tc.ok {
					var ae *rfbclient.AuthError
					if !errors.As(err, &ae) {
						t.Fatalf("handshake: %v, want an authentication failure", err)
					}
					if want := map[int]string{8: "authentication failed"}[minor]; ae.Reason != want {
						t.Errorf("reason %q, want %q", ae.Reason, want)
					}
					logs.waitFor(t, "authentication failed")
					return
				}
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				defer cl.Close()
				if cl.Name != "test desk" || cl.Image.Bounds().Dx() != 64 || cl.Image.Bounds().Dy() != 48 {
					t.Errorf("ServerInit: %q %v", cl.Name, cl.Image.Bounds())
				}
				if cl.ServerFormat != rfbclient.FormatRGB888 {
					t.Errorf("server pixel format %+v", cl.ServerFormat)
				}
				fullUpdate(t, cl)
				checkImage(t, cl, desktop(64, 48, 1))
				logs.waitFor(t, fmt.Sprintf("connected (RFB 3.%d)", minor))
			})
		}
	}
}

func TestHandshakeRaw(t *testing.T) {
	for _, tc := range []struct {
		name  string
		send  string
		reply []byte // what follows the server's version
		log   string
	}{
		{"not RFB", "HELLO WORLD!", nil, "bad ProtocolVersion"},
		{"version 4", "RFB 004.000\n", nil, "unsupported RFB version 4.0"},
		{"3.5 is 3.3", "RFB 003.005\n\x01", []byte{0, 0, 0, 1, 0, 64}, "connected (RFB 3.3)"},
		{"Apple's 3.889 is 3.8", "RFB 003.889\n\x01\x01", []byte{1, 1, 0, 0, 0, 0, 0, 64}, "connected (RFB 3.8)"},
		{"type not offered", "RFB 003.008\n\x02", []byte{1, 1, 0, 0, 0, 1, 0, 0, 0, 31, 's', 'e', 'c', 'u', 'r', 'i', 't', 'y', ' ', 't', 'y', 'p', 'e', ' ', '2'}, "client chose security type 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := display.NewHub()
			hub.Publish(display.NewFrame(64, 48), nil, nil)
			addr, logs := startServer(t, hub, nil, vnc.Options{})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			var ver [12]byte
			if _, err := io.ReadFull(c, ver[:]); err != nil || string(ver[:]) != "RFB 003.008\n" {
				t.Fatalf("server version %q, %v", ver, err)
			}
			c.Write([]byte(tc.send))
			got := make([]byte, len(tc.reply))
			if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, tc.reply) {
				t.Fatalf("reply % x (%v), want % x", got, err, tc.reply)
			}
			logs.waitFor(t, tc.log)
		})
	}
}

func TestBeforeFirstFrame(t *testing.T) {
	hub := display.NewHub()
	addr, _ := startServer(t, hub, nil, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	if b := cl.Image.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Fatalf("size before the first frame %v, want 640x480", b)
	}
	fullUpdate(t, cl)
	checkImage(t, cl, display.NewFrame(640, 480))
}

func TestEncodings(t *testing.T) {
	formats := []struct {
		name string
		pf   rfbclient.PixelFormat
	}{
		{"rgb888", rfbclient.FormatRGB888},
		{"bgr888be", rfbclient.FormatBGR888BE},
		{"rgb565be", rfbclient.FormatRGB565BE},
		{"rgb555le", rfbclient.PixelFormat{BPP: 16, Depth: 15, TrueColour: true, RedMax: 31, GreenMax: 31, BlueMax: 31, RedShift: 10, GreenShift: 5}},
		{"rgb332", rfbclient.FormatRGB332},
		{"depth32", rfbclient.PixelFormat{BPP: 32, Depth: 32, BigEndian: true, TrueColour: true, RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 24, GreenShift: 16, BlueShift: 8}},
	}
	encodings := []struct {
		name string
		enc  int32
	}{{"raw", rfbclient.EncodingRaw}, {"hextile", rfbclient.EncodingHextile}, {"zrle", rfbclient.EncodingZRLE}, {"tight", rfbclient.EncodingTight}}
	for _, e := range encodings {
		for _, pf := range formats {
			t.Run(e.name+"/"+pf.name, func(t *testing.T) {
				const w, h = 203, 150 // not a multiple of 16 or 64
				hub := display.NewHub()
				f := desktop(w, h, 7)
				hub.Publish(f, nil, nil)
				addr, _ := startServer(t, hub, nil, vnc.Options{})
				cl := dial(t, addr, rfbclient.Config{})
				cl.SetPixelFormat(pf.pf)
				cl.SetEncodings(rfbclient.EncodingCopyRect, e.enc, rfbclient.EncodingRaw, rfbclient.EncodingZRLE)
				u := fullUpdate(t, cl)
				for _, r := range u.Rects {
					if r.Encoding != e.enc {
						t.Fatalf("rectangle in encoding %d, want %d", r.Encoding, e.enc)
					}
				}
				checkImage(t, cl, f)
				// Two more changes: the ZRLE stream goes on across updates.
				for i, c := range [][3]byte{{255, 0, 0}, {1, 2, 3}} {
					d := paint(f, 20+i*40, 30, 70, 50, c[0], c[1], c[2])
					hub.Publish(f, d, nil)
					cl.RequestAll(true)
					readUpdate(t, cl)
					checkImage(t, cl, f)
				}
			})
		}
	}
}

func TestTightWideFrame(t *testing.T) {
	// Tight rectangles are at most 2048 wide and 65536 pixels: the server
	// splits larger ones.
	hub := display.NewHub()
	f := desktop(2100, 40, 8)
	hub.Publish(f, nil, nil)
	addr, _ := startServer(t, hub, nil, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	cl.SetEncodings(rfbclient.EncodingTight)
	u := fullUpdate(t, cl)
	for _, r := range u.Rects {
		if r.W > 2048 || r.W*r.H > 65536 {
			t.Errorf("Tight rectangle %+v too large", r)
		}
	}
	checkImage(t, cl, f)
}

func TestColourMapClient(t *testing.T) {
	hub := display.NewHub()
	f := desktop(100, 60, 3)
	hub.Publish(f, nil, nil)
	addr, _ := startServer(t, hub, nil, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	cl.SetPixelFormat(rfbclient.FormatColourMap8)
	cl.SetEncodings(rfbclient.EncodingHextile)
	fullUpdate(t, cl)
	// The server fills the map with a 3-3-2 palette: every colour within
	// half a step of 2-bit blue.
	for i := 0; i < len(f.Pix); i += 4 {
		for c := range 3 {
			if d := int(f.Pix[i+c]) - int(cl.Image.Pix[i+c]); d > 43 || d < -43 {
				t.Fatalf("pixel %d component %d: %d, want about %d", i/4, c, cl.Image.Pix[i+c], f.Pix[i+c])
			}
		}
	}
}

func TestIncrementalUpdate(t *testing.T) {
	for _, enc := range []int32{rfbclient.EncodingRaw, rfbclient.EncodingHextile, rfbclient.EncodingZRLE, rfbclient.EncodingTight} {
		t.Run(fmt.Sprint(enc), func(t *testing.T) {
			hub := display.NewHub()
			f := desktop(320, 200, 5)
			hub.Publish(f, nil, nil)
			addr, _ := startServer(t, hub, nil, vnc.Options{})
			cl := dial(t, addr, rfbclient.Config{})
			cl.SetEncodings(enc)
			fullUpdate(t, cl)

			// Nothing changed: an incremental request waits.
			cl.RequestAll(true)
			cl.Conn().SetReadDeadline(time.Now().Add(150 * time.Millisecond))
			if u, err := cl.ReadUpdate(); err == nil {
				t.Fatalf("update %+v with nothing changed", u)
			}
			// A change crossing a tile boundary: tiles x 32..63, y 48..63.
			d := paint(f, 40, 50, 10, 8, 9, 200, 9)
			hub.Publish(f, d, nil)
			u := readUpdate(t, cl) // answers the pending request
			area := 0
			for _, r := range u.Rects {
				if r.X < 32 || r.Y < 48 || r.X+r.W > 64 || r.Y+r.H > 64 {
					t.Errorf("rectangle %+v outside the changed tiles", r)
				}
				area += r.W * r.H
			}
			if area == 0 || area > 32*16 {
				t.Errorf("update covers %d pixels", area)
			}
			checkImage(t, cl, f)
		})
	}
}

func TestPartialRequest(t *testing.T) {
	hub := display.NewHub()
	f := desktop(128, 128, 2)
	hub.Publish(f, nil, nil)
	addr, _ := startServer(t, hub, nil, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	cl.SetEncodings(rfbclient.EncodingZRLE)
	cl.RequestUpdate(false, 10, 20, 30, 40)
	u := readUpdate(t, cl)
	for _, r := range u.Rects {
		if r.X < 10 || r.Y < 20 || r.X+r.W > 40 || r.Y+r.H > 60 {
			t.Errorf("rectangle %+v outside the requested 10,20 30x40", r)
		}
	}
	if len(u.Rects) == 0 {
		t.Fatal("empty update")
	}
}

func TestResize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		enc    int32
		resize bool
	}{
		{"DesktopSize", rfbclient.EncodingDesktopSize, true},
		{"ExtendedDesktopSize", rfbclient.EncodingExtendedDesktopSize, true},
		{"neither", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := display.NewHub()
			hub.Publish(desktop(64, 48, 1), nil, nil)
			addr, _ := startServer(t, hub, nil, vnc.Options{})
			cl := dial(t, addr, rfbclient.Config{})
			encs := []int32{rfbclient.EncodingZRLE}
			if tc.enc != 0 {
				encs = append(encs, tc.enc)
			}
			cl.SetEncodings(encs...)
			fullUpdate(t, cl)

			big := desktop(100, 70, 2)
			hub.Publish(big, nil, nil)
			cl.RequestAll(true)
			u := readUpdate(t, cl)
			saw := false
			for _, r := range u.Rects {
				if r.Encoding == tc.enc && r.W == 100 && r.H == 70 {
					saw = true
				}
			}
			if !tc.resize {
				if b := cl.Image.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
					t.Fatalf("client resized to %v without asking", b)
				}
				// The client sees the frame's top-left part.
				part := display.NewFrame(64, 48)
				for y := range 48 {
					copy(part.Pix[y*64*4:(y+1)*64*4], big.Pix[y*100*4:])
				}
				checkImage(t, cl, part)
				// Back to a smaller frame: black beyond it.
				small := desktop(40, 30, 3)
				hub.Publish(small, nil, nil)
				cl.RequestAll(true)
				readUpdate(t, cl)
				part = display.NewFrame(64, 48)
				for y := range 30 {
					copy(part.Pix[y*64*4:], small.Pix[y*40*4:(y+1)*40*4])
				}
				checkImage(t, cl, part)
				return
			}
			if !saw {
				t.Fatalf("no %s rectangle in %+v", tc.name, u.Rects)
			}
			checkImage(t, cl, big)
		})
	}
}

func TestSetDesktopSizeRefused(t *testing.T) {
	hub := display.NewHub()
	hub.Publish(desktop(64, 48, 1), nil, nil)
	addr, _ := startServer(t, hub, nil, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	cl.SetEncodings(rfbclient.EncodingRaw, rfbclient.EncodingExtendedDesktopSize)
	fullUpdate(t, cl)
	// SetDesktopSize 800x600, one screen.
	msg := []byte{251, 0, 3, 32, 2, 88, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 32, 2, 88, 0, 0, 0, 0}
	cl.Conn().Write(msg)
	cl.RequestAll(true)
	u := readUpdate(t, cl)
	if len(u.Rects) != 1 || u.Rects[0].Encoding != rfbclient.EncodingExtendedDesktopSize || u.Rects[0].X != 1 || u.Rects[0].Y != 1 {
		t.Fatalf("answer to SetDesktopSize: %+v, want one ExtendedDesktopSize reason 1 status 1", u.Rects)
	}
	if b := cl.Image.Bounds(); b.Dx() != 64 {
		t.Fatalf("resized to %v", b)
	}
}

func TestTwoClients(t *testing.T) {
	hub := display.NewHub()
	f := desktop(160, 120, 4)
	hub.Publish(f, nil, nil)
	addr, logs := startServer(t, hub, nil, vnc.Options{})
	a := dial(t, addr, rfbclient.Config{})
	b := dial(t, addr, rfbclient.Config{})
	a.SetEncodings(rfbclient.EncodingZRLE)
	b.SetPixelFormat(rfbclient.FormatRGB565BE)
	b.SetEncodings(rfbclient.EncodingHextile)
	fullUpdate(t, a)
	fullUpdate(t, b)
	checkImage(t, a, f)
	checkImage(t, b, f)

	// b asks, then leaves while its request is pending.
	b.RequestAll(true)
	b.Close()
	logs.waitFor(t, "disconnected")
	hub.Publish(f, paint(f, 0, 0, 50, 50, 1, 1, 250), nil)
	a.RequestAll(true)
	readUpdate(t, a)
	checkImage(t, a, f)
}

func TestSlowClientSeesLatestFrame(t *testing.T) {
	hub := display.NewHub()
	f := desktop(64, 64, 1)
	hub.Publish(f, nil, nil)
	addr, _ := startServer(t, hub, nil, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	fullUpdate(t, cl)
	// Many frames while the client does not ask: one update carries the
	// last of them.
	for i := range 50 {
		hub.Publish(f, paint(f, i, i, 3, 3, byte(i), 0, 0), nil)
	}
	cl.RequestAll(true)
	readUpdate(t, cl)
	checkImage(t, cl, f)
}

func TestServerClose(t *testing.T) {
	hub := display.NewHub()
	hub.Publish(desktop(32, 32, 1), nil, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := vnc.New(hub, nil, vnc.Options{})
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	cl, err := rfbclient.Dial(l.Addr().String(), rfbclient.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cl.RequestAll(true)
	readUpdate(t, cl)
	cl.RequestAll(true) // pending when the server closes
	s.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
	cl.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := cl.ReadUpdate(); err == nil {
		t.Fatal("client still served after Close")
	}
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{":0", "127.0.0.1:5900"},
		{":1", "127.0.0.1:5901"},
		{"5905", "127.0.0.1:5905"},
		{"0.0.0.0:5900", "0.0.0.0:5900"},
		{"localhost:6000", "localhost:6000"},
		{"[::1]:5900", "[::1]:5900"},
		{"", ""},
		{":x", ""},
		{"70000", ""},
		{"host:port", ""},
		{":65000", "127.0.0.1:65000"},
		{"127.0.0.1:5", "127.0.0.1:5905"},
		{":99", "127.0.0.1:5999"},
		{":100", "127.0.0.1:100"},
		{":70000", ""},
	} {
		got, err := vnc.ParseAddr(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseAddr(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
