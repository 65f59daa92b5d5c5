package vnc

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/do86/do86/pkg/display"
)

// rect is a rectangle in pixels (or tiles, where said).
type rect struct{ x, y, w, h int }

func (r rect) intersect(o rect) rect {
	x0, y0 := max(r.x, o.x), max(r.y, o.y)
	x1, y1 := min(r.x+r.w, o.x+o.w), min(r.y+r.h, o.y+o.h)
	if x1 <= x0 || y1 <= y0 {
		return rect{}
	}
	return rect{x0, y0, x1 - x0, y1 - y0}
}

func (r rect) union(o rect) rect {
	if r.w == 0 || r.h == 0 {
		return o
	}
	if o.w == 0 || o.h == 0 {
		return r
	}
	x0, y0 := min(r.x, o.x), min(r.y, o.y)
	x1, y1 := max(r.x+r.w, o.x+o.w), max(r.y+r.h, o.y+o.h)
	return rect{x0, y0, x1 - x0, y1 - y0}
}

func (r rect) contains(o rect) bool {
	return o.x >= r.x && o.y >= r.y && o.x+o.w <= r.x+r.w && o.y+o.h <= r.y+r.h
}

// frameBuf is a client's own copy of the machine's frame (RGBA), refreshed
// from the hub only where tiles changed.
type frameBuf struct {
	w, h int
	pix  []byte
}

// defaultWidth and defaultHeight size the screen shown before the machine
// publishes its first frame: black, like a monitor waiting for a signal.
const defaultWidth, defaultHeight = 640, 480

// client is one connection. The reader goroutine owns br and the input
// state; the writer goroutine owns everything under "writer only"; mu
// guards what they share.
type client struct {
	s     *Server
	conn  net.Conn
	br    *bufio.Reader
	minor int // RFB 3.minor

	authDeadline time.Time // a password must be checked before this

	mu       sync.Mutex
	pf       pixelFormat
	pfNew    bool // pf changed since the writer last looked
	encs     encodings
	encsNew  bool
	req      rect // pending FramebufferUpdateRequest (union), if hasReq
	reqFull  bool // some pending request was non-incremental
	hasReq   bool
	refuse   int // SetDesktopSize requests to answer
	wake     chan struct{}
	relative bool // pointer events carry deltas (QEMU pointer motion change)
	// screenW and screenH are the machine's screen as the writer last saw
	// it: what pointer positions are positions on.
	screenW, screenH int

	keys keyState
	ptr  pointerState

	// writer only
	sub          *display.Subscription
	fb           frameBuf
	dirty        *display.TileSet // tiles of fb not yet sent
	cw, ch       int              // framebuffer size the client knows
	sendAll      bool             // the client's whole area must be sent
	conv         *converter
	colourMap    bool // send SetColourMapEntries before the next update
	announced    encodings
	zrle         zrleEncoder
	hextile      hextileEncoder
	tight        tightEncoder
	px           []uint32
	out          []byte
	writeTimeout time.Duration
}

// encodings is what a client's SetEncodings said, reduced to what this
// server does.
type encodings struct {
	pixel       int32 // the encoding rectangles are sent in
	desktopSize bool
	extDesktop  bool
	qemuKeys    bool
	qemuPointer bool
}

// String names the choice for the log.
func (e encodings) String() string {
	s := map[int32]string{encRaw: "Raw", encHextile: "Hextile", encZRLE: "ZRLE", encTight: "Tight"}[e.pixel]
	for _, x := range []struct {
		on   bool
		name string
	}{{e.desktopSize, "DesktopSize"}, {e.extDesktop, "ExtendedDesktopSize"}, {e.qemuKeys, "QEMU keys"}, {e.qemuPointer, "QEMU relative pointer"}} {
		if x.on {
			s += ", " + x.name
		}
	}
	return s
}

func parseEncodings(list []int32) encodings {
	e := encodings{pixel: encRaw}
	chosen := false
	for _, v := range list {
		switch v {
		case encRaw, encHextile, encZRLE, encTight:
			if !chosen {
				e.pixel, chosen = v, true
			}
		case encDesktopSize:
			e.desktopSize = true
		case encExtendedDesktopSize:
			e.extDesktop = true
		case encQEMUExtendedKeyEvent:
			e.qemuKeys = true
		case encQEMUPointerMotionChange:
			e.qemuPointer = true
		}
	}
	return e
}

// serveClient runs one connection to its end and logs why it ended.
func serveClient(ctx context.Context, s *Server, c net.Conn) {
	cl := &client{s: s, conn: c, br: bufio.NewReaderSize(c, 4096), pf: serverFormat,
		encs: encodings{pixel: encRaw}, wake: make(chan struct{}, 1), writeTimeout: s.opts.WriteTimeout}
	cl.conv = newConverter(serverFormat)
	logf := s.opts.Logf
	who := c.RemoteAddr()
	cl.sub = s.hub.Subscribe()
	defer cl.sub.Close()

	c.SetDeadline(time.Now().Add(handshakeTimeout))
	cl.authDeadline = time.Now().Add(handshakeTimeout - time.Second)
	if err := cl.handshake(); err != nil {
		logf("vnc: %v: handshake failed: %v", who, err)
		return
	}
	c.SetDeadline(time.Time{})
	logf("vnc: %v: connected (RFB 3.%d)", who, cl.minor)

	done := make(chan struct{})
	werr := make(chan error, 1)
	go func() {
		err := cl.writeUpdates(done)
		if err != nil {
			c.Close() // stops the reader too
		}
		werr <- err
	}()
	rerr := cl.readMessages()
	close(done)
	c.Close()
	err := <-werr
	cl.releaseInput()
	switch {
	case errors.Is(rerr, errClientQuit):
		logf("vnc: %v: disconnected", who)
	case err != nil && !errors.Is(err, net.ErrClosed):
		logf("vnc: %v: closed: %v", who, err)
	case ctx.Err() != nil:
		logf("vnc: %v: closed by the server", who)
	default:
		logf("vnc: %v: closed: %v", who, rerr)
	}
}

// serverInit sizes the client's screen from the hub's current frame (or a
// black 640×480 before the first one) and sends ServerInit (RFC 6143 §7.3.2).
func (cl *client) serverInit() error {
	if !cl.pull() {
		cl.fb = frameBuf{w: defaultWidth, h: defaultHeight, pix: make([]byte, defaultWidth*defaultHeight*4)}
		cl.dirty = display.NewTileSet(defaultWidth, defaultHeight)
	}
	cl.cw, cl.ch = cl.fb.w, cl.fb.h
	cl.mu.Lock()
	cl.screenW, cl.screenH = cl.fb.w, cl.fb.h
	cl.mu.Unlock()
	cl.sendAll = false
	b := binary.BigEndian.AppendUint16(nil, uint16(cl.cw))
	b = binary.BigEndian.AppendUint16(b, uint16(cl.ch))
	b = append(b, serverFormat.marshal()...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(cl.s.opts.Name)))
	b = append(b, cl.s.opts.Name...)
	_, err := cl.conn.Write(b)
	return err
}

// pull copies what changed in the hub into the client's frame and marks
// those tiles dirty. It reports false while the hub has no frame yet.
func (cl *client) pull() bool {
	return cl.sub.Read(func(u display.Update) {
		f := u.Frame
		if u.Resized || cl.fb.w != f.Width || cl.fb.h != f.Height {
			cl.fb = frameBuf{w: f.Width, h: f.Height, pix: append(cl.fb.pix[:0], f.Pix...)}
			cl.mu.Lock()
			cl.screenW, cl.screenH = f.Width, f.Height
			cl.mu.Unlock()
			cl.dirty = display.NewTileSet(f.Width, f.Height)
			cl.dirty.AddAll()
			cl.sendAll = true // the client's area may have uncovered parts
			return
		}
		stride := f.Stride()
		u.Dirty.Each(f.Width, f.Height, func(x, y, w, h int) {
			for r := y; r < y+h; r++ {
				o := r*stride + x*4
				copy(cl.fb.pix[o:o+w*4], f.Pix[o:o+w*4])
			}
		})
		cl.dirty.Union(u.Dirty)
	})
}

func (cl *client) signal() {
	select {
	case cl.wake <- struct{}{}:
	default:
	}
}

func (cl *client) setPixelFormat(pf pixelFormat) {
	cl.mu.Lock()
	cl.pf, cl.pfNew = pf, true
	cl.mu.Unlock()
}

func (cl *client) setEncodings(list []int32) {
	e := parseEncodings(list)
	cl.s.opts.Logf("vnc: %v: encodings: %s", cl.conn.RemoteAddr(), e)
	cl.mu.Lock()
	cl.encs, cl.encsNew = e, true
	cl.mu.Unlock()
	cl.signal()
}

func (cl *client) requestUpdate(incremental bool, r rect) {
	cl.mu.Lock()
	if cl.hasReq {
		cl.req = cl.req.union(r)
	} else {
		cl.req = r
	}
	cl.hasReq = true
	cl.reqFull = cl.reqFull || !incremental
	cl.mu.Unlock()
	cl.signal()
}

func (cl *client) refuseDesktopSize() {
	cl.mu.Lock()
	cl.refuse++
	cl.mu.Unlock()
	cl.signal()
}

// writeUpdates answers update requests until done is closed or a write
// fails. It waits for the hub when the client asked for changes and there
// are none.
func (cl *client) writeUpdates(done <-chan struct{}) error {
	for {
		cl.mu.Lock()
		has := cl.hasReq
		cl.mu.Unlock()
		if has {
			cl.pull()
			if msg := cl.buildUpdate(); msg != nil {
				cl.conn.SetWriteDeadline(time.Now().Add(cl.writeTimeout))
				if _, err := cl.conn.Write(msg); err != nil {
					return err
				}
				continue
			}
			select {
			case <-cl.wake:
			case <-cl.sub.C():
			case <-done:
				return nil
			}
			continue
		}
		select {
		case <-cl.wake:
		case <-done:
			return nil
		}
	}
}
