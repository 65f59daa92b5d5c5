package web_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/input"
)

// frameDecoder is a second, independent reading of PROTOCOL.md: it applies
// MsgFrame messages to its own copy of the screen.
type frameDecoder struct {
	feed *feedReader
	zr   io.Reader
	fb   *display.Frame
}

// feedReader hands the deflate reader each message's bytes in turn; it
// never reads ahead, so the stream state carries from message to message.
type feedReader struct{ buf []byte }

func (f *feedReader) Read(p []byte) (int, error) {
	if len(f.buf) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func (f *feedReader) ReadByte() (byte, error) {
	if len(f.buf) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	b := f.buf[0]
	f.buf = f.buf[1:]
	return b, nil
}

func newFrameDecoder() *frameDecoder {
	f := &feedReader{}
	return &frameDecoder{feed: f, zr: flate.NewReader(f)}
}

// frameInfo is what a frame message said about itself.
type frameInfo struct {
	seq      uint32
	keyframe bool
	tiles    int
	bodyLen  int
	msgLen   int
	encs     [5]int // tiles of each encoding
}

// apply decodes one MsgFrame into d.fb.
func (d *frameDecoder) apply(msg []byte) (frameInfo, error) {
	if len(msg) < web.FrameHeaderSize || msg[0] != web.MsgFrame {
		return frameInfo{}, fmt.Errorf("not a frame message: % x", msg[:min(len(msg), 12)])
	}
	flags := msg[1]
	info := frameInfo{seq: binary.LittleEndian.Uint32(msg[2:]), keyframe: flags&web.FlagKeyframe != 0, msgLen: len(msg)}
	n := int(binary.LittleEndian.Uint32(msg[6:]))
	info.bodyLen = n
	body := msg[web.FrameHeaderSize:]
	if flags&web.FlagDeflate != 0 {
		d.feed.buf = append(d.feed.buf, body...)
		body = make([]byte, n)
		if _, err := io.ReadFull(d.zr, body); err != nil {
			return info, fmt.Errorf("inflate: %w", err)
		}
		if len(d.feed.buf) != 0 {
			// What is left is the sync flush's empty stored block, which
			// the next read consumes first.
			if !bytes.Equal(d.feed.buf, []byte{0, 0, 0xff, 0xff}) && !bytes.HasSuffix(d.feed.buf, []byte{0, 0, 0xff, 0xff}) {
				return info, fmt.Errorf("%d bytes after the body: % x", len(d.feed.buf), d.feed.buf)
			}
		}
	} else if len(body) != n {
		return info, fmt.Errorf("body %d bytes, header says %d", len(body), n)
	}
	if len(body) < 8 {
		return info, errors.New("short body")
	}
	w, h := int(binary.LittleEndian.Uint16(body)), int(binary.LittleEndian.Uint16(body[2:]))
	count := int(binary.LittleEndian.Uint32(body[4:]))
	if d.fb == nil || d.fb.Width != w || d.fb.Height != h {
		if !info.keyframe {
			return info, fmt.Errorf("a delta of a new size %dx%d", w, h)
		}
		d.fb = display.NewFrame(w, h)
	}
	cols := (w + 15) / 16
	p := body[8:]
	idx, step := -1, 1
	if flags&web.FlagReverse != 0 {
		idx, step = cols*((h+15)/16), -1
	}
	get := func(n int) []byte {
		if len(p) < n {
			panic("short tile data")
		}
		b := p[:n]
		p = p[n:]
		return b
	}
	uvarint := func() int {
		v, k := binary.Uvarint(p)
		if k <= 0 {
			panic("bad varint")
		}
		p = p[k:]
		return int(v)
	}
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		for t := 0; t < count; t++ {
			idx += step * (uvarint() + 1)
			x, y := idx%cols*16, idx/cols*16
			if idx < 0 || y >= h {
				panic("tile outside the screen")
			}
			tw, th := min(16, w-x), min(16, h-y)
			set := func(i int, rgb []byte) {
				o := ((y+i/tw)*w + x + i%tw) * 4
				copy(d.fb.Pix[o:o+3], rgb)
			}
			enc := get(1)[0]
			if enc < 5 {
				info.encs[enc]++
			}
			switch enc {
			case web.TileSolid:
				c := get(3)
				for i := 0; i < tw*th; i++ {
					set(i, c)
				}
			case web.TileRaw:
				for i := 0; i < tw*th; i++ {
					set(i, get(3))
				}
			case web.TilePacked, web.TileRLE:
				n := int(get(1)[0])
				pal := get(3 * n)
				if enc == web.TilePacked {
					bpp := 4
					if n <= 2 {
						bpp = 1
					} else if n <= 4 {
						bpp = 2
					}
					for r := 0; r < th; r++ {
						row := get((tw*bpp + 7) / 8)
						for c := 0; c < tw; c++ {
							bit := c * bpp
							ix := int(row[bit/8]>>(8-bpp-bit%8)) & (1<<bpp - 1)
							if ix >= n {
								panic("index beyond the palette")
							}
							set(r*tw+c, pal[3*ix:3*ix+3])
						}
					}
				} else {
					for i := 0; i < tw*th; {
						b := get(1)[0]
						run := 1
						if b&0x80 != 0 {
							run = uvarint() + 2
						}
						ix := int(b & 0x7f)
						if ix >= n || i+run > tw*th {
							panic("bad run")
						}
						for ; run > 0; run-- {
							set(i, pal[3*ix:3*ix+3])
							i++
						}
					}
				}
			case web.TileCopy:
				dv, k := binary.Varint(p)
				if k <= 0 {
					panic("bad copy offset")
				}
				p = p[k:]
				src := idx + int(dv)
				sx, sy := src%cols*16, src/cols*16
				if src < 0 || src == idx || sy >= h || min(16, w-sx) != tw || min(16, h-sy) != th {
					panic(fmt.Sprintf("bad copy source %d for tile %d", src, idx))
				}
				for r := 0; r < th; r++ {
					copy(d.fb.Pix[((y+r)*w+x)*4:][:tw*4], d.fb.Pix[((sy+r)*w+sx)*4:][:tw*4])
				}
			default:
				panic(fmt.Sprintf("tile encoding %d", enc))
			}
			info.tiles++
		}
		if len(p) != 0 {
			panic(fmt.Sprintf("%d bytes after the last tile", len(p)))
		}
	}()
	return info, err
}

// sameRGB reports whether two frames have the same size and RGB pixels.
func sameRGB(a, b *display.Frame) bool {
	if a == nil || b == nil || a.Width != b.Width || a.Height != b.Height {
		return false
	}
	for i := 0; i < len(a.Pix); i += 4 {
		if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] {
			return false
		}
	}
	return true
}

func cloneFrame(f *display.Frame) *display.Frame {
	return &display.Frame{Width: f.Width, Height: f.Height, Pix: append([]byte(nil), f.Pix...)}
}

// fakeMachine is a synthetic machine: the test publishes its frames and
// reads back the input it got.
type fakeMachine struct {
	image  string
	hub    *display.Hub
	serial io.Writer
	crash  chan error
	closed atomic.Bool
	idle   bool // Info reports a halted guest (0 MIPS) rather than a busy one

	mu       sync.Mutex
	keys     []string // "1e+" / "1e-"
	mice     [][4]int
	pointers [][6]int
	absolute atomic.Bool
	typed    []byte
	frame    *display.Frame
	dirty    *display.TileSet
	booted   chan struct{}
}

func (m *fakeMachine) Key(c input.Scancode, down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := "-"
	if down {
		s = "+"
	}
	m.keys = append(m.keys, fmt.Sprintf("%x%s", uint16(c), s))
}

func (m *fakeMachine) Mouse(dx, dy, dz int, b uint8) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mice = append(m.mice, [4]int{dx, dy, dz, int(b)})
}

func (m *fakeMachine) Pointer(x, y, w, h, dz int, b uint8) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pointers = append(m.pointers, [6]int{x, y, w, h, dz, int(b)})
}

func (m *fakeMachine) SendSerial(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.typed = append(m.typed, b...)
}

func (m *fakeMachine) Hub() *display.Hub { return m.hub }

func (m *fakeMachine) Run(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-m.crash:
		return err
	}
}

func (m *fakeMachine) Info() web.MachineInfo {
	if m.idle {
		return web.MachineInfo{Mode: "fake", Absolute: m.absolute.Load()}
	}
	return web.MachineInfo{MIPS: 42, Mode: "fake", Absolute: m.absolute.Load()}
}
func (m *fakeMachine) Close() { m.closed.Store(true) }

func (m *fakeMachine) keysString() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.keys, " ")
}

// publish shows f (all of it dirty when dirty is nil).
func (m *fakeMachine) publish(f *display.Frame, dirty *display.TileSet) {
	m.hub.Publish(f, dirty, nil)
}

// rig is a many-session server of fake machines on a test HTTP server.
type rig struct {
	t   testing.TB
	srv *web.Server
	hs  *httptest.Server

	mu       sync.Mutex
	machines map[string]*fakeMachine // by image name
	bootErr  map[string]error
}

func newRig(t testing.TB, opts web.Options) *rig {
	t.Helper()
	r := &rig{t: t, machines: map[string]*fakeMachine{}, bootErr: map[string]error{}}
	opts.Boot = func(ctx context.Context, image string, serial io.Writer) (web.Machine, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := r.bootErr[image]; err != nil {
			return nil, err
		}
		m := &fakeMachine{image: image, hub: display.NewHub(), serial: serial, crash: make(chan error, 1)}
		r.machines[image] = m
		return m, nil
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	r.srv = web.New(opts)
	r.hs = httptest.NewServer(r.srv)
	t.Cleanup(func() {
		r.srv.Close()
		r.hs.Close()
	})
	return r
}

// machine waits for the machine booted for image.
func (r *rig) machine(image string) *fakeMachine {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		m := r.machines[image]
		r.mu.Unlock()
		if m != nil {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.t.Fatalf("no machine booted for %s", image)
	return nil
}

func (r *rig) wsURL(path string) string { return "ws" + strings.TrimPrefix(r.hs.URL, "http") + path }

// client is a Go viewer: it reads every message, applies frames to its own
// screen and acknowledges them (unless noAck).
type client struct {
	t     testing.TB
	c     *websocket.Conn
	dec   *frameDecoder
	noAck bool

	mu       sync.Mutex
	fb       *display.Frame
	frames   []frameInfo
	states   []string
	modes    []string
	absolute []bool // the stats messages' absolute field
	serial   []byte
	closeErr error
	err      error
	changed  chan struct{}
	done     chan struct{}
}

func dialClient(t testing.TB, url string, noAck bool) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(64 << 20)
	cl := &client{t: t, c: c, dec: newFrameDecoder(), noAck: noAck, changed: make(chan struct{}, 1), done: make(chan struct{})}
	go cl.loop()
	t.Cleanup(func() { c.CloseNow(); <-cl.done })
	return cl
}

func (cl *client) loop() {
	defer close(cl.done)
	for {
		typ, b, err := cl.c.Read(context.Background())
		if err != nil {
			cl.mu.Lock()
			cl.closeErr = err
			cl.mu.Unlock()
			cl.signal()
			return
		}
		cl.mu.Lock()
		if typ == websocket.MessageText {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				cl.err = fmt.Errorf("bad JSON %q: %v", b, err)
			}
			switch m["type"] {
			case "state":
				s := fmt.Sprint(m["state"])
				if r, ok := m["reason"]; ok {
					s += ": " + fmt.Sprint(r)
				}
				cl.states = append(cl.states, s)
			case "mode":
				cl.modes = append(cl.modes, fmt.Sprintf("%vx%v", m["width"], m["height"]))
			case "stats":
				a, _ := m["absolute"].(bool)
				cl.absolute = append(cl.absolute, a)
			}
		} else if len(b) > 0 && b[0] == web.MsgSerial {
			cl.serial = append(cl.serial, b[1:]...)
		} else {
			info, err := cl.dec.apply(b)
			if err != nil && cl.err == nil {
				cl.err = err
			}
			cl.frames = append(cl.frames, info)
			cl.fb = cloneFrame(cl.dec.fb)
			if !cl.noAck {
				cl.c.Write(context.Background(), websocket.MessageBinary, web.AckMessage(info.seq))
			}
		}
		cl.mu.Unlock()
		cl.signal()
	}
}

func (cl *client) signal() {
	select {
	case cl.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond (called with the client locked) holds.
func (cl *client) waitFor(what string, timeout time.Duration, cond func() bool) {
	cl.t.Helper()
	deadline := time.After(timeout)
	for {
		cl.mu.Lock()
		ok, err := cond(), cl.err
		cl.mu.Unlock()
		if err != nil {
			cl.t.Fatalf("client: %v", err)
		}
		if ok {
			return
		}
		select {
		case <-cl.changed:
		case <-deadline:
			cl.mu.Lock()
			defer cl.mu.Unlock()
			cl.t.Fatalf("timed out waiting for %s (frames %d, states %v, close %v)", what, len(cl.frames), cl.states, cl.closeErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitScreen waits until the client shows exactly want.
func (cl *client) waitScreen(want *display.Frame, timeout time.Duration) {
	cl.t.Helper()
	cl.waitFor("the screen", timeout, func() bool { return sameRGB(cl.fb, want) })
}

func (cl *client) send(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.c.Write(ctx, websocket.MessageBinary, b)
}

func (cl *client) frameCount() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return len(cl.frames)
}
