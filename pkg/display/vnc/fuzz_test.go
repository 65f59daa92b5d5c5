package vnc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
	"github.com/do86/do86/pkg/input"
)

// memConn is a net.Conn that reads a fixed script and discards what is
// written.
type memConn struct {
	mu     sync.Mutex
	r      *bytes.Reader
	closed bool
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.r.Read(p)
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return len(p), nil
}

func (c *memConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}

func (*memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (*memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (*memConn) SetDeadline(time.Time) error      { return nil }
func (*memConn) SetReadDeadline(time.Time) error  { return nil }
func (*memConn) SetWriteDeadline(time.Time) error { return nil }

type nopSink struct{}

func (nopSink) Key(input.Scancode, bool)               {}
func (nopSink) Mouse(int, int, int, uint8)             {}
func (nopSink) Pointer(int, int, int, int, int, uint8) {}

// clientHello is a 3.8 client choosing security None, then ClientInit.
var clientHello = []byte("RFB 003.008\n\x01\x01")

// FuzzClientMessages feeds arbitrary bytes after the handshake: the server
// must neither panic nor hang, whatever it is sent.
func FuzzClientMessages(f *testing.F) {
	seeds := [][]byte{
		{3, 0, 0, 0, 0, 0, 0, 64, 0, 48},                  // full update request
		{2, 0, 0, 2, 0, 0, 0, 16, 0xFF, 0xFF, 0xFF, 0x21}, // ZRLE, DesktopSize
		{2, 0, 0, 1, 0, 0, 0, 5, 3, 1, 0, 0, 0, 0, 0, 64, 0, 48},
		{2, 0, 0, 1, 0, 0, 0, 7, 3, 0, 0, 0, 0, 0, 0, 64, 0, 48}, // Tight
		{0, 0, 0, 0, 16, 16, 1, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 64, 0, 48},
		{0, 0, 0, 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 64, 0, 48},
		{4, 1, 0, 0, 0, 0, 0, 0x41, 4, 0, 0, 0, 0, 0, 0, 0x41},
		{5, 1, 0, 10, 0, 20, 5, 0, 0, 30, 0, 5},
		{6, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c'},
		{255, 0, 0, 1, 0, 0, 0, 0x41, 0, 0, 0, 0x1E},
		{251, 0, 3, 32, 2, 88, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 32, 2, 88, 0, 0, 0, 0},
		{248, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2},
		{150, 1, 0, 0, 0, 0, 0, 64, 0, 48},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	hub := display.NewHub()
	frame := display.NewFrame(64, 48)
	for i := range frame.Pix {
		if i%4 != 3 {
			frame.Pix[i] = byte(i * 7 / 3)
		}
	}
	hub.Publish(frame, nil, nil)
	s := vnc.New(hub, nopSink{}, vnc.Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &memConn{r: bytes.NewReader(append(append([]byte(nil), clientHello...), data...))}
		done := make(chan struct{})
		go func() {
			s.ServeConn(context.Background(), c)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("ServeConn did not return at the end of its input")
		}
		if _, err := c.Read(nil); !errors.Is(err, net.ErrClosed) && err != io.EOF {
			t.Fatal("connection left open")
		}
	})
}
