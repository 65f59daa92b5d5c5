package cluster

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/internal/rfbclient"
)

// rfb is an RFB client (internal/rfbclient) over a WebSocket: noVNC's
// endpoint of a session, through whichever node.
type rfb struct {
	cl *rfbclient.Client
}

func dialRFB(ctx context.Context, url string) (*rfb, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	c := websocket.NetConn(context.Background(), ws, websocket.MessageBinary)
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	cl, err := rfbclient.New(c, rfbclient.Config{})
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := cl.SetEncodings(rfbclient.EncodingRaw, rfbclient.EncodingDesktopSize); err != nil {
		c.Close()
		return nil, err
	}
	return &rfb{cl: cl}, nil
}

// screen asks for the whole screen and returns it (RGBA) once an update
// arrived.
func (v *rfb) screen() ([]byte, int, int, error) {
	v.cl.Conn().SetDeadline(time.Now().Add(time.Minute))
	if err := v.cl.RequestAll(false); err != nil {
		return nil, 0, 0, err
	}
	if _, err := v.cl.ReadUpdate(); err != nil {
		return nil, 0, 0, err
	}
	img := v.cl.Image
	if img == nil {
		return nil, 0, 0, errors.New("rfb: no screen")
	}
	return append([]byte(nil), img.Pix...), img.Rect.Dx(), img.Rect.Dy(), nil
}

// typeText types s, key by key.
func (v *rfb) typeText(s string) error {
	for _, r := range s {
		if err := v.cl.Type(string(r)); err != nil {
			return err
		}
		time.Sleep(30 * time.Millisecond)
	}
	return nil
}

func (v *rfb) Close() { v.cl.Close() }

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
