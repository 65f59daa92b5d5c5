package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Options configure a Server. Zero fields take the defaults named.
type Options struct {
	// Boot builds a session's machine. Required by New.
	Boot BootFunc
	// CheckImage vets the image a new session asks for, before anything
	// is created: an error refuses the request with 400 and its text.
	// Nil accepts every name (Boot may still fail).
	CheckImage func(image string) error
	// Images lists what the landing page offers. Nil: nothing.
	Images func() []Image
	// Idle stops (or, with Hibernate, hibernates) a session nobody has
	// watched for this long (default 10 minutes; negative: never).
	Idle time.Duration
	// Snapshot saves a running machine as a named snapshot and returns how
	// to build it again. Nil: no hibernation and no warm start.
	Snapshot SnapshotFunc
	// DeleteSnapshot deletes a snapshot Snapshot made (a hibernated
	// session's, once the session ends). Nil: snapshots stay.
	DeleteSnapshot func(name string) error
	// Hibernate makes a running session idle for Idle hibernate instead of
	// stop: it is saved as the snapshot "serve/ID", its machine freed, and
	// it resumes when opened again (hibernate.go). Needs Snapshot. Crashed
	// and failed sessions are stopped as before.
	Hibernate bool
	// Checkpoint, when positive, saves every running session to its
	// snapshot "serve/ID" this often (needs Snapshot; cluster.go), so that
	// a node's death loses at most that much.
	Checkpoint time.Duration
	// Ended, when set, is called with a session's id once the session is
	// removed from this server for good (stopped, fenced or handed off).
	Ended func(id string)
	// Warm lists images booted once at start and saved as "warm/IMAGE"
	// when ready, from which their later sessions start (warm.go). Needs
	// Snapshot.
	Warm []string
	// WarmReady returns once a warming machine is ready to be saved (nil
	// if it is); it is cancelled if the machine stops. Default:
	// ScreenSettled(5 * time.Second).
	WarmReady WarmReadyFunc
	// WarmTimeout is how long a warm start may take at most (default 10
	// minutes).
	WarmTimeout time.Duration
	// MaxSessions bounds the sessions holding a machine (booting or
	// running); more are refused with 503. Zero or less: no bound.
	MaxSessions int
	// MaxFPS is each browser's highest frame rate (default 30).
	MaxFPS int
	// PingInterval is how often a browser is pinged (default 15 s);
	// PingTimeout how long its pong may take before it is dropped (10 s).
	PingInterval, PingTimeout time.Duration
	// WriteTimeout bounds each message to a browser; one that takes no
	// more for this long is dropped (default 10 s).
	WriteTimeout time.Duration
	// DeflateLevel is the compress/flate level of frame bodies (default
	// flate.BestSpeed, 1).
	DeflateLevel int
	// Scrollback is how much COM1 output a session keeps for new viewers
	// (default 64 KiB).
	Scrollback int
	// Logf receives one line per event worth noting. Nil: discarded.
	Logf func(format string, args ...any)

	// Addr is the address the server listens on (HOST:PORT): requests
	// naming it in their Host header are served (guard.go). Empty: only
	// loopback names and addresses, AllowHosts, and (as for a wildcard
	// address) this computer's own addresses.
	Addr string
	// AllowHosts are more host names requests may name (DNS names by which
	// users reach the server); any other name is refused with 421, as a DNS
	// rebinding attack would send it.
	AllowHosts []string
	// Token, when set, is required of every request: ?token=TOKEN in the
	// URL (kept in a cookie for the page's own requests), that cookie, or
	// "Authorization: Bearer TOKEN"; without it the answer is 401. For a
	// server reachable from other computers (see Loopback and NewToken).
	Token string
	// MaxViewers bounds the pages and noVNC clients watching one session
	// at once; more are refused (503 before the upgrade). Default 64.
	MaxViewers int
	// ControlToken turns the control endpoint on (control.go): requests
	// must carry "Authorization: Bearer ControlToken". Empty: off.
	ControlToken string
}

// Image is one line of the landing page's image table.
type Image struct {
	Name   string
	Title  string
	OS     string
	Boot   string // floppy, cdrom, disk, multiboot, ...
	Size   int64  // bytes, 0 when not known
	Cached bool   // present locally: no download before it boots
	// Where says where it is for people: "in the image directory",
	// "cached", "built in", or how it will be had ("download first").
	Where string
}

func (o *Options) defaults() {
	if o.Idle == 0 {
		o.Idle = 10 * time.Minute
	}
	if o.WarmReady == nil {
		o.WarmReady = ScreenSettled(5 * time.Second)
	}
	if o.WarmTimeout <= 0 {
		o.WarmTimeout = 10 * time.Minute
	}
	if o.MaxFPS <= 0 {
		o.MaxFPS = 30
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 15 * time.Second
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.DeflateLevel == 0 {
		o.DeflateLevel = 1
	}
	if o.Scrollback <= 0 {
		o.Scrollback = 64 << 10
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.MaxViewers <= 0 {
		o.MaxViewers = 64
	}
}

// Server serves sessions to browsers: an http.Handler. New makes the
// many-session server of do86 serve, NewSingle the one-machine server of
// do86 run --web.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	guard  http.Handler // the checks of guard.go, then mux
	ctx    context.Context
	cancel context.CancelFunc
	single *Session // NewSingle's session, nil for New
	wg     sync.WaitGroup

	controls controls // control.go

	mu       sync.Mutex
	sessions map[string]*Session
	warm     map[string]ResumeFunc // images with a warm snapshot ready
	closed   bool
}

// idPattern is what a session id may be.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidID reports whether id may name a session: 1–64 of A–Z, a–z, 0–9,
// '_' and '-'.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// New returns the many-session server. Close stops every session.
func New(opts Options) *Server {
	opts.defaults()
	s := newServer(opts)
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleLanding)
	m.HandleFunc("GET /new", s.handleNew)
	m.HandleFunc("GET /s/{id}", s.withSession(s.handlePage, true))
	m.HandleFunc("GET /s/{id}/ws", s.withSession(s.handleWS, false))
	m.HandleFunc("GET /s/{id}/websockify", s.withSession(s.handleVNC, false))
	m.HandleFunc("GET /api/sessions", s.handleList)
	m.HandleFunc("POST /api/sessions", s.handleCreate)
	m.HandleFunc("GET /api/stats/{id}", s.withSession(s.handleStats, false))
	m.HandleFunc("DELETE /api/sessions/{id}", s.handleDelete)
	m.HandleFunc("POST /api/sessions/{id}/delete", s.handleDelete)
	s.controlRoutes("/s/{id}", func(h func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
		return s.withSession(h, false)
	})
	s.wg.Add(1)
	go s.janitor()
	if opts.Snapshot != nil {
		for _, image := range opts.Warm {
			s.wg.Add(1)
			go s.warmUp(image)
		}
	}
	return s
}

// NewSingle returns a server for one machine that someone else runs (do86
// run --web): its page at /, its WebSocket at /ws, noVNC's endpoint at
// /websockify and its stats at /api/stats. console is the machine's COM1
// output (nil: none). Close disconnects every viewer but leaves m alone.
func NewSingle(m Machine, name string, console *Console, opts Options) *Server {
	opts.defaults()
	s := newServer(opts)
	sess := newSession(s.ctx, "vm", name, opts.Scrollback, s.logf)
	if console != nil {
		sess.console = console
	}
	sess.attach(m, nil, "")
	close(sess.done)
	s.single = sess
	page := func(w http.ResponseWriter, r *http.Request) { s.handlePage(w, r, sess) }
	mx := s.mux
	mx.HandleFunc("GET /{$}", page)
	mx.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) { s.handleWS(w, r, sess) })
	mx.HandleFunc("GET /websockify", func(w http.ResponseWriter, r *http.Request) { s.handleVNC(w, r, sess) })
	mx.HandleFunc("GET /api/stats", func(w http.ResponseWriter, r *http.Request) { s.handleStats(w, r, sess) })
	s.controlRoutes("", func(h func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { h(w, r, sess) }
	})
	s.wg.Add(1)
	go s.janitor()
	return s
}

func newServer(opts Options) *Server {
	s := &Server{opts: opts, mux: http.NewServeMux(), sessions: map[string]*Session{}, warm: map[string]ResumeFunc{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	s.guard = newGuard(&s.opts).wrap(s.mux)
	return s
}

func (s *Server) logf(format string, a ...any) { s.opts.Logf(format, a...) }

// ServeHTTP serves the pages, the WebSockets and the JSON API, to the
// requests that pass the checks of guard.go (Host, token, origin).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.guard.ServeHTTP(w, r)
}

// Close stops every session and disconnects every viewer.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.sessions = map[string]*Session{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, sess := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess.stop("the server is shutting down")
			s.ended(sess.id)
		}()
	}
	wg.Wait()
	if s.single != nil {
		s.single.setState(StateStopped, "the machine stopped")
		s.single.endLife()
		if s.single.vnc != nil {
			s.single.vnc.Close()
		}
	}
	s.controls.closeAll()
	s.cancel()
	s.wg.Wait()
	return nil
}

// Session returns the session named id.
func (s *Server) Session(id string) (*Session, bool) {
	if s.single != nil {
		return s.single, id == s.single.id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	return sess, ok
}

// Sessions lists the sessions, oldest first.
func (s *Server) Sessions() []SessionInfo {
	var all []*Session
	if s.single != nil {
		all = []*Session{s.single}
	} else {
		s.mu.Lock()
		for _, sess := range s.sessions {
			all = append(all, sess)
		}
		s.mu.Unlock()
	}
	out := make([]SessionInfo, 0, len(all))
	for _, sess := range all {
		out = append(out, sess.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// ErrTooMany is why Start refuses a session beyond MaxSessions.
var ErrTooMany = errors.New("too many sessions")

// Start creates session id booting image, or returns the session of that
// id if there is one (whatever it runs). It refuses a bad id, an image
// CheckImage refuses, and a session beyond MaxSessions (ErrTooMany).
func (s *Server) Start(id, image string) (*Session, error) {
	if err := s.checkNewID(id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[id]; ok {
		return sess, nil
	}
	if s.closed {
		return nil, errors.New("the server is shutting down")
	}
	if err := s.checkImage(image); err != nil {
		return nil, err
	}
	if err := s.roomLocked(); err != nil {
		return nil, err
	}
	sess := newSession(s.ctx, id, image, s.opts.Scrollback, s.logf)
	sess.deleteSnap = s.opts.DeleteSnapshot
	s.sessions[id] = sess
	if s.warm[image] != nil {
		s.logf("session %s: starting %s from %s", id, image, warmName(image))
	} else {
		s.logf("session %s: booting %s", id, image)
	}
	go sess.boot(s.warmBuilderLocked(sess, image))
	return sess, nil
}

// Stop stops session id and forgets it; false if there is none.
func (s *Server) Stop(id, reason string) bool {
	s.mu.Lock()
	sess, ok := s.sessions[id]
	delete(s.sessions, id)
	s.mu.Unlock()
	if ok {
		s.logf("session %s: stopped: %s", id, reason)
		sess.stop(reason)
		s.ended(id)
	}
	return ok
}

// janitor samples the viewers' rates every second and stops sessions idle
// for longer than Options.Idle.
func (s *Server) janitor() {
	defer s.wg.Done()
	tick := time.Second
	if s.opts.Idle > 0 && s.opts.Idle/4 < tick {
		tick = max(s.opts.Idle/4, 10*time.Millisecond)
	}
	if s.opts.Checkpoint > 0 && s.opts.Checkpoint/4 < tick {
		tick = max(s.opts.Checkpoint/4, 10*time.Millisecond)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	lastSample := time.Now()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			var all []*Session
			if s.single != nil {
				all = append(all, s.single)
			}
			s.mu.Lock()
			for _, sess := range s.sessions {
				all = append(all, sess)
			}
			s.mu.Unlock()
			sample := now.Sub(lastSample) >= 900*time.Millisecond
			if sample {
				lastSample = now
			}
			for _, sess := range all {
				if sample {
					sess.sampleViewers(now)
				}
				if s.checkpointDue(sess, now) {
					go s.checkpoint(sess)
				}
				if sess == s.single || s.opts.Idle <= 0 || sess.idleFor(now) < s.opts.Idle || sess.isHibernating() {
					continue
				}
				if st, _ := sess.State(); st == StateRunning && s.hibernates() {
					go s.hibernateOrStop(sess)
				} else {
					go s.Stop(sess.id, fmt.Sprintf("nobody watched it for %v", s.opts.Idle))
				}
			}
		}
	}
}

// acceptOptions: frames are compressed by the protocol itself; the origin
// must be the server's own (coder/websocket's default), so other sites'
// pages cannot drive a session.
var acceptOptions = &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled}

func (s *Server) handleWS(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.tooManyViewers(w, sess) {
		return
	}
	c, err := websocket.Accept(w, r, acceptOptions)
	if err != nil {
		return // Accept answered the request (a cross-origin page, not a WebSocket)
	}
	sess.wake() // only a real viewer wakes a hibernated session
	s.serveViewer(c, sess, r.URL.Query().Get("deflate") != "0", r.RemoteAddr)
}

// checkNewID says why this server cannot make a session called id.
func (s *Server) checkNewID(id string) error {
	if s.single != nil {
		return errors.New("this server shows one machine")
	}
	if !ValidID(id) {
		return fmt.Errorf("bad session id %q: use 1 to 64 letters, digits, '_' or '-'", id)
	}
	return nil
}
