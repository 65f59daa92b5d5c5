package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/input"
)

// The control endpoint: a session driven by programs, in the spirit of
// QEMU's QMP. POST /s/{id}/control (/control under do86 run --web) with
// "Authorization: Bearer TOKEN" (Options.ControlToken) and a JSON command
// {"execute": NAME, "arguments": {...}}; the answer is {"return": {...}} or
// {"error": {"class": ..., "desc": ...}}. PROTOCOL.md lists the commands.

// maxControlBody bounds a control request.
const maxControlBody = 64 << 10

// controlRequest is one command.
type controlRequest struct {
	Execute   string          `json:"execute"`
	Arguments json.RawMessage `json:"arguments"`
}

// controlError is a command's failure: a QMP-like class and a description.
type controlError struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

func (e *controlError) Error() string { return e.Desc }

func ctlErr(class, format string, a ...any) *controlError {
	return &controlError{Class: class, Desc: fmt.Sprintf(format, a...)}
}

// controls keeps what the control endpoint and the record button hold for
// each session: a pointer that knows where it put the mouse, a recording.
type controls struct {
	mu   sync.Mutex
	sess map[*Session]*sessionControl
}

// sessionControl is one session's: mu serialises commands that move the
// pointer or record.
type sessionControl struct {
	mu      sync.Mutex
	pointer *input.AutoPointer
	rec     *recording
}

// of returns the session's controls, forgetting those of ended sessions.
func (c *controls) of(sess *Session) *sessionControl {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		c.sess = map[*Session]*sessionControl{}
	}
	for s, sc := range c.sess {
		if s != sess && s.life.Err() != nil {
			sc.close()
			delete(c.sess, s)
		}
	}
	sc, ok := c.sess[sess]
	if !ok {
		sc = &sessionControl{pointer: input.NewAutoPointer(sess)}
		c.sess[sess] = sc
	}
	return sc
}

// closeAll ends every recording and removes its files (Server.Close).
func (c *controls) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s, sc := range c.sess {
		sc.close()
		delete(c.sess, s)
	}
}

// controlRoutes adds the control endpoint and the recording endpoints
// under prefix ("/s/{id}" or "" for the one-machine server).
func (s *Server) controlRoutes(prefix string, with func(func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc) {
	s.mux.HandleFunc("POST "+prefix+"/control", with(s.handleControl))
	s.mux.HandleFunc("POST "+prefix+"/record/{action}", with(s.handleRecord))
	s.mux.HandleFunc("GET "+prefix+"/record.png", with(s.handleRecording))
}

// authorized checks the request's bearer token against ControlToken.
func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	want := s.opts.ControlToken
	return ok && want != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(want)) == 1
}

func writeControl(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handleControl(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.opts.ControlToken == "" {
		writeControl(w, http.StatusNotFound, map[string]any{"error": ctlErr("GenericError", "the control endpoint is off: start the server with a control token")})
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="do86 control"`)
		writeControl(w, http.StatusUnauthorized, map[string]any{"error": ctlErr("Unauthorized", "a valid Authorization: Bearer token is needed")})
		return
	}
	var req controlRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err := dec.Decode(&req); err != nil {
		writeControl(w, http.StatusBadRequest, map[string]any{"error": ctlErr("GenericError", "the request is not a JSON command: %v", err)})
		return
	}
	ret, err := s.execute(r.Context(), sess, req)
	if err != nil {
		var ce *controlError
		if !errors.As(err, &ce) {
			ce = ctlErr("GenericError", "%v", err)
		}
		code := http.StatusBadRequest
		switch ce.Class {
		case "CommandNotFound":
			code = http.StatusNotFound
		case "DeviceNotActive":
			code = http.StatusConflict
		}
		writeControl(w, code, map[string]any{"error": ce})
		return
	}
	if ret == nil {
		ret = struct{}{}
	}
	writeControl(w, http.StatusOK, map[string]any{"return": ret})
}

// args decodes a command's arguments strictly.
func args(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return ctlErr("GenericError", "bad arguments: %v", err)
	}
	return nil
}

// controlCommands lists the commands, for query-commands and errors.
var controlCommands = []string{"query-status", "query-commands", "type", "key", "mouse", "serial", "serial-read", "screenshot", "text", "snapshot", "record"}

// execute runs one command on sess.
func (s *Server) execute(ctx context.Context, sess *Session, req controlRequest) (any, error) {
	// Commands that need no running machine.
	switch req.Execute {
	case "query-commands":
		return controlCommands, nil
	case "query-status":
		st, reason := sess.State()
		out := map[string]any{"session": sess.id, "image": sess.image, "state": st, "reason": reason}
		if f := sessionFrame(sess); f != nil {
			out["width"], out["height"] = f.Rect.Dx(), f.Rect.Dy()
		}
		return out, nil
	case "serial-read":
		return serialRead(ctx, sess, req.Arguments)
	case "screenshot":
		f := sessionFrame(sess)
		if f == nil {
			return nil, ctlErr("DeviceNotActive", "nothing shown yet")
		}
		var b bytes.Buffer
		if err := png.Encode(&b, f); err != nil {
			return nil, err
		}
		return map[string]any{"width": f.Rect.Dx(), "height": f.Rect.Dy(), "png": base64.StdEncoding.EncodeToString(b.Bytes())}, nil
	case "text":
		hub, _ := sess.screen()
		out := map[string]any{"text": nil}
		if hub != nil {
			sub := hub.Subscribe()
			sub.Read(func(u display.Update) {
				if t := u.Text; t != nil {
					out["text"], out["cols"], out["rows"] = t.String(), t.Cols, t.Rows
				}
			})
			sub.Close()
		}
		return out, nil
	case "record":
		var a struct {
			Action string `json:"action"`
		}
		if err := args(req.Arguments, &a); err != nil {
			return nil, err
		}
		return s.recordAction(sess, a.Action)
	}
	if st, reason := sess.State(); st != StateRunning {
		if reason != "" {
			reason = " (" + reason + ")"
		}
		return nil, ctlErr("DeviceNotActive", "the session is %s%s", st, reason)
	}
	switch req.Execute {
	case "type":
		var a struct {
			Text string `json:"text"`
		}
		if err := args(req.Arguments, &a); err != nil {
			return nil, err
		}
		for _, r := range a.Text {
			if _, _, ok := input.FromRune(r); !ok {
				return nil, ctlErr("GenericError", "no key of a US keyboard types %q", r)
			}
		}
		input.TypeString(sess, a.Text)
		return nil, nil
	case "key":
		var a struct {
			Keys []string `json:"keys"`
		}
		if err := args(req.Arguments, &a); err != nil {
			return nil, err
		}
		if len(a.Keys) == 0 {
			return nil, ctlErr("GenericError", `key needs "keys", such as ["ctrl+alt+del"]`)
		}
		var all [][]input.Scancode
		for _, k := range a.Keys {
			codes, err := input.ParseCombo(k)
			if err != nil {
				return nil, ctlErr("GenericError", "%v", err)
			}
			all = append(all, codes)
		}
		for _, codes := range all {
			input.Chord(sess, codes...)
		}
		return nil, nil
	case "mouse":
		return s.mouse(ctx, sess, req.Arguments)
	case "serial":
		var a struct {
			Text string `json:"text"`
		}
		if err := args(req.Arguments, &a); err != nil {
			return nil, err
		}
		if len(a.Text) == 0 || len(a.Text) > 4096 {
			return nil, ctlErr("GenericError", "serial takes 1 to 4096 bytes of text")
		}
		sess.sendSerial([]byte(a.Text))
		return nil, nil
	case "snapshot":
		return s.controlSnapshot(ctx, sess, req.Arguments)
	}
	return nil, ctlErr("CommandNotFound", "unknown command %q: the commands are %s", req.Execute, strings.Join(controlCommands, ", "))
}

// sessionFrame returns a copy of the session's screen (nil before the
// first frame).
func sessionFrame(sess *Session) *image.RGBA {
	hub, _ := sess.screen()
	if hub == nil {
		return nil
	}
	sub := hub.Subscribe()
	defer sub.Close()
	var img *image.RGBA
	sub.Read(func(u display.Update) {
		f := u.Frame
		img = &image.RGBA{Pix: append([]byte(nil), f.Pix...), Stride: f.Stride(), Rect: image.Rect(0, 0, f.Width, f.Height)}
	})
	return img
}

// mouse moves the pointer: relative (dx, dy, dz) or to a point of the
// screen (x, y), with buttons held.
func (s *Server) mouse(ctx context.Context, sess *Session, raw json.RawMessage) (any, error) {
	var a struct {
		DX      *int  `json:"dx"`
		DY      *int  `json:"dy"`
		DZ      *int  `json:"dz"`
		X       *int  `json:"x"`
		Y       *int  `json:"y"`
		Buttons uint8 `json:"buttons"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	if a.Buttons > 7 {
		return nil, ctlErr("GenericError", "buttons is a mask of 1 (left), 2 (right) and 4 (middle)")
	}
	sc := s.controls.of(sess)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch {
	case a.X != nil || a.Y != nil:
		if a.X == nil || a.Y == nil || a.DX != nil || a.DY != nil {
			return nil, ctlErr("GenericError", "give x and y (a point of the screen) or dx and dy (a motion)")
		}
		f := sessionFrame(sess)
		if f == nil {
			return nil, ctlErr("DeviceNotActive", "nothing shown yet")
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := sc.pointer.PointAt(ctx, *a.X, *a.Y, f.Rect.Dx(), f.Rect.Dy(), a.Buttons); err != nil {
			return nil, ctlErr("GenericError", "%v", err)
		}
	default:
		val := func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		}
		dx, dy, dz := val(a.DX), val(a.DY), val(a.DZ)
		if max(dx, dy, -dx, -dy) > 4096 || dz > 127 || dz < -127 {
			return nil, ctlErr("GenericError", "a motion is at most 4096 counts a direction, a wheel turn at most 127")
		}
		sc.pointer.Forget() // the pointer is no longer where it was put
		sess.Mouse(dx, dy, dz, a.Buttons)
	}
	return nil, nil
}

// serialRead returns COM1 output since an offset; with match, it waits
// (up to timeout ms, at most a minute) until that output matches.
func serialRead(ctx context.Context, sess *Session, raw json.RawMessage) (any, error) {
	var a struct {
		From    int64  `json:"from"`
		Match   string `json:"match"`
		Timeout int    `json:"timeout"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	var re *regexp.Regexp
	if a.Match != "" {
		var err error
		if re, err = regexp.Compile(a.Match); err != nil {
			return nil, ctlErr("GenericError", "match: %v", err)
		}
	}
	wait := time.Duration(min(max(a.Timeout, 0), 60000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	notify, stop := sess.console.Notify()
	defer stop()
	for {
		data, next := sess.console.ReadFrom(a.From)
		if re == nil || re.Match(data) {
			return map[string]any{"data": string(data), "next": next, "matched": re != nil}, nil
		}
		select {
		case <-notify:
		case <-ctx.Done():
			return map[string]any{"data": string(data), "next": next, "matched": false}, nil
		}
	}
}

// snapshotName is what a control snapshot may be called.
var snapshotName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// controlSnapshot saves the running machine as "control/ID/NAME".
func (s *Server) controlSnapshot(ctx context.Context, sess *Session, raw json.RawMessage) (any, error) {
	var a struct {
		Name string `json:"name"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	if !snapshotName.MatchString(a.Name) {
		return nil, ctlErr("GenericError", "name: 1 to 64 letters, digits, '_', '.' or '-'")
	}
	if s.opts.Snapshot == nil {
		return nil, ctlErr("GenericError", "this server has no snapshot store")
	}
	m := sess.machine()
	if m == nil {
		return nil, ctlErr("DeviceNotActive", "the session has no running machine")
	}
	name := "control/" + sess.id + "/" + a.Name
	ctx, cancel := context.WithTimeout(ctx, hibernateTimeout)
	defer cancel()
	t0 := time.Now()
	if _, err := s.opts.Snapshot(ctx, m, name); err != nil {
		return nil, err
	}
	return map[string]any{"name": name, "ms": time.Since(t0).Milliseconds()}, nil
}
