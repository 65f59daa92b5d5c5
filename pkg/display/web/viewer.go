package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/input"
)

// frameWindow is how many frames may be on their way to a browser, sent
// but not yet acknowledged as drawn. A browser that draws slowly keeps the
// window full; its frames then wait in the subscription, merging into
// fewer, larger updates, and nothing queues up on its behalf.
const frameWindow = 3

// wsViewer is one page connected to a session's WebSocket.
type wsViewer struct {
	srv  *Server
	sess *Session
	v    *viewer
	c    *websocket.Conn

	enc      *FrameEncoder
	pacer    *display.Pacer
	sentSeq  atomic.Uint32   // the last frame written
	acked    atomic.Uint32   // the last frame the browser drew
	refresh  atomic.Bool     // the browser asked for a keyframe
	signal   chan struct{}   // an ack or a refresh arrived
	refused  atomic.Bool     // the reader closed the connection over a bad message
	conn     context.Context // the connection's life: reads, writes, pings
	forceKey bool

	hub    *display.Hub     // the hub subscribed to (a resumed session has a new one)
	shadow *display.Frame   // the screen as this browser will have it
	dirty  *display.TileSet // the tiles of the next frame
	hubSeq uint64
	mode   modeMsg
}

// Messages the server sends as JSON text.
type (
	helloMsg struct {
		Type     string `json:"type"` // hello
		Protocol int    `json:"protocol"`
		Session  string `json:"session"`
		Image    string `json:"image"`
		Viewer   uint64 `json:"viewer"`
	}
	stateMsg struct {
		Type   string `json:"type"` // state
		State  State  `json:"state"`
		Reason string `json:"reason,omitempty"`
	}
	modeMsg struct {
		Type   string `json:"type"` // mode
		Width  int    `json:"width"`
		Height int    `json:"height"`
		Text   bool   `json:"text"`
		Cols   int    `json:"cols,omitempty"`
		Rows   int    `json:"rows,omitempty"`
	}
	statsMsg struct {
		Type      string  `json:"type"` // stats
		FPS       float64 `json:"fps"`
		BytesPerS float64 `json:"bytesPerSec"`
		Dropped   uint64  `json:"dropped"`
		MIPS      float64 `json:"mips"`
		Viewers   int     `json:"viewers"`
		// Absolute: the guest drives an absolute pointer, so the page
		// sends positions and leaves the pointer free.
		Absolute bool `json:"absolute"`
	}
)

// serveViewer speaks the page protocol (PROTOCOL.md) on c until the browser
// leaves, stops answering, breaks the protocol, or the session ends.
func (srv *Server) serveViewer(c *websocket.Conn, sess *Session, deflate bool, remote string) {
	c.SetReadLimit(MaxClientMessage)
	v := sess.addViewer("web", remote)
	defer sess.removeViewer(v)
	w := &wsViewer{srv: srv, sess: sess, v: v, c: c, enc: NewFrameEncoder(deflate, srv.opts.DeflateLevel),
		pacer: display.NewPacer(srv.opts.MaxFPS), signal: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancelCause(sess.life)
	defer cancel(nil)
	// The connection's own reads and pings end only when this function
	// does: the library closes a connection whose read context ends, and
	// a viewer of a session that stops is still told why.
	conn, endConn := context.WithCancel(context.Background())
	defer endConn()
	w.conn = conn
	go w.readLoop(conn, cancel)
	err := w.writeLoop(ctx, conn, cancel)
	switch {
	case w.refused.Load():
		// The reader closed it with the reason.
	case sess.life.Err() != nil:
		st, reason := sess.State()
		wctx, stop := context.WithTimeout(context.Background(), time.Second)
		w.writeJSON(wctx, stateMsg{Type: "state", State: st, Reason: reason})
		stop()
		c.Close(websocket.StatusGoingAway, trimReason("session ended: "+reason))
	case normalClose(err):
		srv.logf("session %s: viewer %d (%s) left", sess.id, v.id, remote)
		c.CloseNow()
	default:
		srv.logf("session %s: viewer %d (%s) left: %v", sess.id, v.id, remote, err)
		c.CloseNow()
	}
}

// trimReason fits a close reason into a control frame (123 bytes).
func trimReason(s string) string {
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// refuse closes the connection over a protocol violation, with the close
// handshake, before the writer learns of it.
func (w *wsViewer) refuse(code websocket.StatusCode, reason string) {
	w.refused.Store(true)
	w.srv.logf("session %s: viewer %d refused: %s", w.sess.id, w.v.id, reason)
	w.c.Close(code, trimReason(reason))
}

// readLoop reads the browser's messages until conn ends or the connection
// fails: input goes to the machine, acks and refresh requests to the
// writer. Its end (and why) goes to cancel.
func (w *wsViewer) readLoop(conn context.Context, cancel context.CancelCauseFunc) {
	for {
		typ, b, err := w.c.Read(conn)
		if err != nil {
			cancel(err)
			return
		}
		if typ != websocket.MessageBinary {
			w.refuse(websocket.StatusUnsupportedData, "text messages are not part of the protocol")
			cancel(errors.New("text message"))
			return
		}
		ev, err := DecodeInput(b)
		if err == nil && ev.Type == MsgAck && ev.Seq-w.acked.Load() > w.sentSeq.Load()-w.acked.Load() {
			err = bad("ack of frame %d, which was not sent", ev.Seq)
		}
		if err != nil {
			w.refuse(websocket.StatusPolicyViolation, err.Error())
			cancel(err)
			return
		}
		switch ev.Type {
		case MsgKey:
			if ev.Known {
				w.sess.Key(ev.Code, ev.Down)
			}
			w.pacer.Poke()
		case MsgMouse:
			w.sess.Mouse(ev.DX, ev.DY, ev.DZ, ev.Buttons)
			w.pacer.Poke()
		case MsgPointer:
			w.sess.Pointer(ev.X, ev.Y, ev.W, ev.H, ev.DZ, ev.Buttons)
			w.pacer.Poke()
		case MsgPaste:
			// Characters the layout cannot type are left out.
			input.TypeString(w.sess, string(ev.Data))
			w.pacer.Poke()
		case MsgSerialIn:
			w.sess.sendSerial(ev.Data)
		case MsgCtrlAltDel:
			input.Chord(w.sess, input.LCtrl, input.LAlt, input.Delete)
			w.pacer.Poke()
		case MsgAck:
			w.acked.Store(ev.Seq)
		case MsgRefresh:
			w.refresh.Store(true)
		}
		if ev.Type == MsgAck || ev.Type == MsgRefresh {
			select {
			case w.signal <- struct{}{}:
			default:
			}
		}
	}
}

// writeLoop sends everything the browser sees: the hello, the session's
// state, COM1 output, stats, and frames as fast as the pacer and the
// browser's acks allow. It returns why it stopped.
func (w *wsViewer) writeLoop(ctx, conn context.Context, cancel context.CancelCauseFunc) error {
	sess := w.sess
	if err := w.writeJSON(ctx, helloMsg{Type: "hello", Protocol: ProtocolVersion, Session: sess.id, Image: sess.image, Viewer: w.v.id}); err != nil {
		return err
	}
	stateC, unwatch := sess.watch()
	defer unwatch()
	if err := w.sendState(ctx); err != nil {
		return err
	}
	serialC, unnotify := sess.console.Notify()
	defer unnotify()
	var serialAt int64
	if err := w.sendSerial(ctx, &serialAt); err != nil {
		return err
	}
	ping := time.NewTicker(w.srv.opts.PingInterval)
	defer ping.Stop()
	stats := time.NewTicker(time.Second)
	defer stats.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var pinging atomic.Bool

	var sub *display.Subscription
	defer func() {
		if sub != nil {
			sub.Close()
		}
	}()
	var subC <-chan struct{}
	// subscribe follows the session's machine: its first, and the one a
	// hibernated session resumes with (whose first frame goes as a keyframe).
	subscribe := func() {
		hub, _ := sess.screen()
		if hub == nil || hub == w.hub {
			return
		}
		if sub != nil {
			sub.Close()
			w.forceKey = true
		}
		w.hub, sub = hub, hub.Subscribe()
		subC = sub.C()
	}
	ready := sess.ready
	pending := false
	for {
		var due <-chan time.Time
		if sub != nil && pending && w.sentSeq.Load()-w.acked.Load() < frameWindow {
			if d := w.pacer.Due(); d <= 0 {
				w.pacer.Shown()
				pending = false
				if err := w.sendFrame(ctx, sub); err != nil {
					return err
				}
				continue
			} else {
				timer.Reset(d)
				due = timer.C
			}
		}
		select {
		case <-ready:
			ready = nil
			subscribe()
		case <-subC:
			pending = true
		case <-due:
		case <-w.signal:
			if w.refresh.Swap(false) && sub != nil {
				w.forceKey, pending = true, true
			}
		case <-stateC:
			if err := w.sendState(ctx); err != nil {
				return err
			}
			if ready == nil {
				subscribe()
			}
		case <-serialC:
			if err := w.sendSerial(ctx, &serialAt); err != nil {
				return err
			}
		case <-stats.C:
			in := sess.Info()
			w.v.mu.Lock()
			m := statsMsg{Type: "stats", FPS: w.v.fps, BytesPerS: w.v.bps, Dropped: w.v.dropped.Load(), MIPS: in.MIPS, Viewers: in.Viewers, Absolute: in.Absolute}
			w.v.mu.Unlock()
			if err := w.writeJSON(ctx, m); err != nil {
				return err
			}
		case <-ping.C:
			if pinging.CompareAndSwap(false, true) {
				go func() {
					defer pinging.Store(false)
					pctx, stop := context.WithTimeout(conn, w.srv.opts.PingTimeout)
					defer stop()
					if err := w.c.Ping(pctx); err != nil && ctx.Err() == nil {
						cancel(errors.New("no answer to a ping: " + err.Error()))
					}
				}()
			}
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if due != nil {
			timer.Stop()
		}
	}
}

// sendFrame reads the subscription into the viewer's own copy of the
// screen (the hub stays locked only for the copy) and sends the changed
// tiles, or a keyframe after a resize, on request, or when most of the
// screen changed anyway (a browser that fell behind).
func (w *wsViewer) sendFrame(ctx context.Context, sub *display.Subscription) error {
	key := w.forceKey
	var mode modeMsg
	ok := sub.Read(func(u display.Update) {
		f := u.Frame
		if w.shadow == nil || w.shadow.Width != f.Width || w.shadow.Height != f.Height {
			w.shadow = &display.Frame{Width: f.Width, Height: f.Height, Pix: make([]byte, len(f.Pix))}
			w.dirty = display.NewTileSet(f.Width, f.Height)
			key = true
		}
		if key || u.Resized || u.Dirty.Cols != w.dirty.Cols || u.Dirty.Rows != w.dirty.Rows {
			copy(w.shadow.Pix, f.Pix)
			key = true
		} else {
			stride := f.Stride()
			u.Dirty.Each(f.Width, f.Height, func(x, y, tw, th int) {
				for r := y; r < y+th; r++ {
					o := r*stride + x*4
					copy(w.shadow.Pix[o:o+tw*4], f.Pix[o:o+tw*4])
				}
			})
			w.dirty.Clear()
			w.dirty.Union(u.Dirty)
		}
		if w.hubSeq != 0 && u.Seq > w.hubSeq+1 {
			w.v.dropped.Add(u.Seq - w.hubSeq - 1)
		}
		w.hubSeq = u.Seq
		mode = modeMsg{Type: "mode", Width: f.Width, Height: f.Height}
		if u.Text != nil {
			mode.Text, mode.Cols, mode.Rows = true, u.Text.Cols, u.Text.Rows
		}
	})
	if !ok {
		return nil
	}
	if mode != w.mode {
		w.mode = mode
		if err := w.writeJSON(ctx, mode); err != nil {
			return err
		}
	}
	if !key {
		n := w.dirty.Count()
		if n == 0 {
			return nil // only the text grid changed, not a pixel
		}
		key = 2*n > w.dirty.Cols*w.dirty.Rows
	}
	var msg []byte
	if key {
		msg = w.enc.Encode(w.shadow, nil)
		w.v.keyframes.Add(1)
	} else if msg = w.enc.Encode(w.shadow, w.dirty); msg == nil {
		return nil // the tiles marked changed are what the browser has
	}
	w.forceKey = false
	w.sentSeq.Store(w.enc.Seq())
	if err := w.write(ctx, websocket.MessageBinary, msg); err != nil {
		return err
	}
	w.v.frames.Add(1)
	return nil
}

func (w *wsViewer) sendState(ctx context.Context) error {
	st, reason := w.sess.State()
	return w.writeJSON(ctx, stateMsg{Type: "state", State: st, Reason: reason})
}

// sendSerial sends the COM1 output written since *at.
func (w *wsViewer) sendSerial(ctx context.Context, at *int64) error {
	data, next := w.sess.console.ReadFrom(*at)
	*at = next
	for len(data) > 0 {
		n := min(len(data), 32<<10)
		if err := w.write(ctx, websocket.MessageBinary, append([]byte{MsgSerial}, data[:n]...)); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func (w *wsViewer) writeJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(ctx, websocket.MessageText, b)
}

// write sends one message; a browser that takes longer than WriteTimeout
// to take it is dropped (the library closes the connection). Writes are
// bounded by the connection's life, not the session's, so that the last
// word about a session that ends still goes out.
func (w *wsViewer) write(ctx context.Context, typ websocket.MessageType, b []byte) error {
	wctx, cancel := context.WithTimeout(w.conn, w.srv.opts.WriteTimeout)
	defer cancel()
	if err := w.c.Write(wctx, typ, b); err != nil {
		return err
	}
	w.v.bytes.Add(uint64(len(b)))
	return nil
}

// normalClose reports whether a viewer's connection ended as browsers end
// them: the tab closed or navigated away (a close frame saying so, or the
// connection's context ended), which is no error worth logging.
func normalClose(err error) bool {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return true
	}
	return err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF)
}
