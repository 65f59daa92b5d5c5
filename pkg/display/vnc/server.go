package vnc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/input"
)

// Options configure a Server.
type Options struct {
	// Password, when not empty, makes every client pass VNC Authentication
	// (only its first 8 bytes count, as the protocol's DES key holds 8: see
	// PasswordWarning). Empty: security type None. After a wrong password
	// the next answer from the same address is checked later, 0.5 s after
	// the first failure and twice as late after each further one (up to
	// 30 s; AuthDelay).
	Password string
	// Name is the desktop name clients show in their title bar; "do86" if
	// empty.
	Name string
	// MaxClients bounds the connections served at once, handshakes
	// included; more are closed at once (logged). Zero: 64.
	MaxClients int
	// AuthDelay is how long after a failed password the next answer from
	// the same address waits before it is checked; it doubles with each
	// further failure, up to 60 times as long (0: 500 ms, so 30 s at most).
	AuthDelay time.Duration
	// Logf receives one line per connection event (connected, refused,
	// closed and why). Nil: discard.
	Logf func(format string, args ...any)
	// WriteTimeout bounds each write to a client; a client that stops
	// reading for that long is dropped. Zero: 30 seconds.
	WriteTimeout time.Duration
}

// handshakeTimeout bounds the whole handshake, so that a client that
// connects and says nothing does not hold a goroutine forever.
const handshakeTimeout = 30 * time.Second

// Server is an RFB server for one machine: it reads frames from a
// display.Hub and sends input to an input.Sink. It serves any number of
// clients at once; all methods are safe for concurrent use.
type Server struct {
	hub  *display.Hub
	in   input.Sink
	opts Options

	auth authThrottle  // failed passwords by address
	quit chan struct{} // closed by Close

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
}

// New returns a server showing hub and sending input to in. in may be nil
// for a view-only server: key and pointer events are then read and dropped.
func New(hub *display.Hub, in input.Sink, opts Options) *Server {
	if opts.Name == "" {
		opts.Name = "do86"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	if opts.AuthDelay <= 0 {
		opts.AuthDelay = defaultAuthDelay
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = 64
	}
	return &Server{hub: hub, in: in, opts: opts, auth: authThrottle{base: opts.AuthDelay}, quit: make(chan struct{}),
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{}}
}

// absolute reports whether the sink takes positions exactly (an absolute
// pointing device is in use in the guest).
func (s *Server) absolute() bool {
	a, ok := s.in.(input.Absolute)
	return ok && a.PointerAbsolute()
}

// Serve accepts clients on l until l fails or the server is closed, serving
// each on its own goroutine. It returns nil after Close, else the accept
// error. Serving on an address other than loopback without a password logs
// a warning.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	if a, ok := l.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() && s.opts.Password == "" {
		s.opts.Logf("vnc: warning: serving %v without a password: anyone who can reach it controls the machine", a)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		go s.ServeConn(context.Background(), c)
	}
}

// ServeConn speaks RFB to one client over c, any net.Conn (a TCP
// connection, or a WebSocket carrying RFB for noVNC), and returns when the
// client leaves, the connection fails, ctx is done or the server is closed.
// It always closes c.
func (s *Server) ServeConn(ctx context.Context, c net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	if len(s.conns) >= s.opts.MaxClients {
		s.mu.Unlock()
		s.opts.Logf("vnc: %v: refused: %d clients already, the most this server takes", c.RemoteAddr(), s.opts.MaxClients)
		c.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.wg.Done()
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	serveClient(ctx, s, c)
}

// Close stops every Serve loop, disconnects every client and waits for
// their goroutines to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		close(s.quit)
	}
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// DefaultHost is where ParseAddr puts an address that names no host: the
// loopback interface, so that only this computer's users can connect.
const DefaultHost = "127.0.0.1"

// MaxDisplay is the largest N that "HOST:N" takes as a display number.
const MaxDisplay = 99

// ParseAddr turns a command-line VNC address into a TCP address to listen
// on, in QEMU's convention: ":N" and "HOST:N" with N up to MaxDisplay are
// display N, port 5900+N (":1" is 127.0.0.1:5901); a larger N after a
// colon, or a bare number, is a TCP port (a bare number on 127.0.0.1).
func ParseAddr(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("vnc: empty address")
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 65535 {
			return "", fmt.Errorf("vnc: port %d out of range", n)
		}
		return net.JoinHostPort(DefaultHost, strconv.Itoa(n)), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("vnc: bad address %q: want :N (display N), HOST:N or HOST:PORT", s)
	}
	if host == "" {
		host = DefaultHost
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("vnc: bad display or port in %q", s)
	}
	if p <= MaxDisplay {
		p += 5900
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// Listen parses addr with ParseAddr and listens on it over TCP.
func Listen(addr string) (net.Listener, error) {
	a, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	return net.Listen("tcp", a)
}
