package vnc

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
	"unicode/utf8"
)

// Failed VNC passwords slow their address down: after n failures in a row
// the next answer from that address is checked no sooner than
// delay(n) after the last failure (0.5 s, 1 s, 2 s, … up to 30 s, with
// Options.AuthDelay's default), and
// answers from one address are checked one at a time, so that parallel
// connections gain nothing. Other addresses are not slowed, and no
// goroutine but the waiting client's own ever waits. A client whose turn
// would come after its handshake's deadline is refused at once, told when
// to try again. A success clears the address's record; records idle for
// authForget are forgotten.
const (
	defaultAuthDelay = 500 * time.Millisecond
	authMaxFactor    = 60 // the longest wait, in AuthDelays
	authForget       = 15 * time.Minute
	authMaxHosts     = 4096 // records kept at most (idle ones are dropped first)
)

// delay is the wait after fails failures in a row.
func (t *authThrottle) delay(fails int) time.Duration {
	if fails <= 0 {
		return 0
	}
	most := t.base * authMaxFactor
	if fails > 16 {
		return most
	}
	return min(t.base<<(fails-1), most)
}

// authThrottle keeps the failures of each client address.
type authThrottle struct {
	base  time.Duration // the wait after one failure
	mu    sync.Mutex
	hosts map[string]*authRecord
}

type authRecord struct {
	turn  chan struct{} // held by the one client being checked
	fails int           // failures in a row
	next  time.Time     // no check before this
	last  time.Time     // the last failure (or use)
}

// errThrottled refuses a client that would wait past its deadline.
type errThrottled struct {
	host  string
	retry time.Duration
}

func (e *errThrottled) Error() string {
	return fmt.Sprintf("too many failed passwords from %s: try again in %v", e.host, e.retry.Round(time.Second))
}

// hostOf is the part of a client's address the throttle counts by: its IP
// (every port of one computer counts as one).
func hostOf(a net.Addr) string {
	if a == nil {
		return "?"
	}
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	s := a.String()
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}

// record returns host's record, creating it; t.mu is held.
func (t *authThrottle) record(host string, now time.Time) *authRecord {
	if t.hosts == nil {
		t.hosts = map[string]*authRecord{}
	}
	r := t.hosts[host]
	if r == nil {
		if len(t.hosts) >= authMaxHosts {
			t.sweep(now)
		}
		r = &authRecord{turn: make(chan struct{}, 1), last: now}
		t.hosts[host] = r
	}
	if r.fails > 0 && now.Sub(r.last) > authForget {
		r.fails, r.next = 0, time.Time{}
	}
	return r
}

// sweep drops idle records: forgotten ones first, then any not in use.
func (t *authThrottle) sweep(now time.Time) {
	for h, r := range t.hosts {
		if len(r.turn) == 0 && (r.fails == 0 || now.Sub(r.last) > authForget) {
			delete(t.hosts, h)
		}
	}
	for h, r := range t.hosts {
		if len(t.hosts) < authMaxHosts {
			break
		}
		if len(r.turn) == 0 {
			delete(t.hosts, h)
		}
	}
}

// errAuthQuit: the server closed while a client waited for its turn.
var errAuthQuit = errors.New("the server closed")

// check waits for host's turn and then runs verify, recording its outcome.
// It refuses (errThrottled) a client whose turn comes after deadline, and
// gives up when quit is closed.
func (t *authThrottle) check(host string, deadline time.Time, quit <-chan struct{}, verify func() bool) (bool, error) {
	now := time.Now()
	t.mu.Lock()
	r := t.record(host, now)
	t.mu.Unlock()
	select {
	case r.turn <- struct{}{}:
	case <-quit:
		return false, errAuthQuit
	case <-time.After(time.Until(deadline)):
		t.mu.Lock()
		retry := time.Until(r.next) + t.delay(r.fails)
		t.mu.Unlock()
		return false, &errThrottled{host, max(retry, time.Second)}
	}
	defer func() { <-r.turn }()
	t.mu.Lock()
	at := r.next
	t.mu.Unlock()
	if at.After(deadline) {
		return false, &errThrottled{host, time.Until(at)}
	}
	if wait := time.Until(at); wait > 0 {
		tm := time.NewTimer(wait)
		select {
		case <-tm.C:
		case <-quit:
			tm.Stop()
			return false, errAuthQuit
		}
	}
	ok := verify()
	t.mu.Lock()
	defer t.mu.Unlock()
	now = time.Now()
	if ok {
		r.fails, r.next = 0, time.Time{}
	} else {
		r.fails++
		r.last = now
		r.next = now.Add(t.delay(r.fails))
	}
	return ok, nil
}

// PasswordWarning returns what to tell the user about a VNC password, or
// "" if nothing: VNC Authentication (RFB's only password scheme) keys DES
// with the first 8 bytes of the password and ignores the rest, so a longer
// one is no stronger than its first 8 bytes (characters beyond ASCII take
// several). The command line shows it when --vnc-password is given.
func PasswordWarning(password string) string {
	if len(password) <= maxPassword {
		return ""
	}
	return fmt.Sprintf("the VNC password has %d characters (%d bytes), but VNC Authentication uses only its first 8 bytes: the rest is ignored, and any password that starts with the same 8 bytes is accepted",
		utf8.RuneCountInString(password), len(password))
}

// maxPassword is how much of a password VNC authentication uses: RFB's DES
// challenge takes an 8-byte key.
const maxPassword = 8
