package vnc_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/internal/rfbclient"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
)

// dialFrom connects to addr from the loopback address from (127.0.0.x) and
// runs the handshake.
func dialFrom(addr, from, password string) (*rfbclient.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	cl, err := rfbclient.New(c, rfbclient.Config{Password: password})
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

func wantAuthFailure(t *testing.T, err error) *rfbclient.AuthError {
	t.Helper()
	var ae *rfbclient.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("handshake: %v, want an authentication failure", err)
	}
	return ae
}

// TestPasswordDelayGrows: each wrong password from an address makes the
// next answer from it wait twice as long (the waits asserted are lower
// bounds, which only a missing delay breaks); a right password afterwards
// still gets in and clears the record.
func TestPasswordDelayGrows(t *testing.T) {
	t.Parallel()
	hub := display.NewHub()
	hub.Publish(desktop(32, 32, 1), nil, nil)
	const base = 80 * time.Millisecond
	addr, _ := startServer(t, hub, nil, vnc.Options{Password: "secret", AuthDelay: base})
	last := time.Now()
	for i := range 5 {
		_, err := dialFrom(addr, "127.0.0.1", "guess")
		wantAuthFailure(t, err)
		now := time.Now()
		// The server times its delay from its own reply, a moment before
		// the client sees it: allow a tenth for that.
		if want := (base << i >> 1) * 9 / 10; i > 0 && now.Sub(last) < want {
			t.Errorf("failure %d came %v after the one before, want at least %v", i+1, now.Sub(last), want)
		}
		last = now
	}
	cl, err := dialFrom(addr, "127.0.0.1", "secret")
	if err != nil {
		t.Fatalf("the right password after failures: %v", err)
	}
	cl.Close()
	if d := time.Since(last); d < base<<5>>1 {
		t.Errorf("the right password was checked %v after the 5th failure, want at least %v", d, base<<5>>1)
	}
	// The record is cleared: the next wrong answer is checked at once and
	// the one after waits one step.
	t0 := time.Now()
	_, err = dialFrom(addr, "127.0.0.1", "guess")
	wantAuthFailure(t, err)
	_, err = dialFrom(addr, "127.0.0.1", "guess")
	wantAuthFailure(t, err)
	if d := time.Since(t0); d < base {
		t.Errorf("two failures after a success took %v, want at least %v", d, base)
	}
}

// TestPasswordGuessesInParallel: 8 connections from one address guessing at
// once are checked one after the other, each later than the one before:
// parallel connections gain nothing (before the delay, 30 such guesses took
// 0.9 s).
func TestPasswordGuessesInParallel(t *testing.T) {
	t.Parallel()
	hub := display.NewHub()
	hub.Publish(desktop(32, 32, 1), nil, nil)
	const base = 20 * time.Millisecond
	addr, _ := startServer(t, hub, nil, vnc.Options{Password: "secret", AuthDelay: base})
	const n = 8
	var wg sync.WaitGroup
	t0 := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := dialFrom(addr, "127.0.0.1", "guess")
			wantAuthFailure(t, err)
		}()
	}
	wg.Wait()
	var want time.Duration
	for i := 1; i < n; i++ {
		want += min(base<<(i-1), 60*base) // the longest wait is 60 AuthDelays
	}
	if d := time.Since(t0); d < want {
		t.Errorf("%d parallel guesses took %v, want at least %v", n, d, want)
	}
}

// TestThrottleSparesOthers: while an address waits its turn, a client from
// another address logs in at once; an address whose turn comes after its
// handshake deadline is refused at once, told when to try again.
func TestThrottleSparesOthers(t *testing.T) {
	t.Parallel()
	hub := display.NewHub()
	hub.Publish(desktop(32, 32, 1), nil, nil)
	addr, logs := startServer(t, hub, nil, vnc.Options{Password: "secret", AuthDelay: 10 * time.Second})
	_, err := dialFrom(addr, "127.0.0.1", "guess")
	wantAuthFailure(t, err)
	waiting := make(chan error, 1)
	go func() { // waits 10 s for its turn
		_, err := dialFrom(addr, "127.0.0.1", "secret")
		waiting <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cl, err := dialFrom(addr, "127.0.0.2", "secret")
	if err != nil {
		t.Fatalf("another address while one waits: %v", err)
	}
	cl.Close()
	select {
	case err := <-waiting:
		t.Fatalf("the throttled address got its answer before the other logged in: %v", err)
	default:
	}

	// 40 s of turns: past any handshake deadline.
	addr2, _ := startServer(t, hub, nil, vnc.Options{Password: "secret", AuthDelay: 40 * time.Second})
	_, err = dialFrom(addr2, "127.0.0.1", "guess")
	wantAuthFailure(t, err)
	t0 := time.Now()
	_, err = dialFrom(addr2, "127.0.0.1", "secret")
	ae := wantAuthFailure(t, err)
	if !strings.Contains(ae.Reason, "too many failed passwords from 127.0.0.1: try again in") || time.Since(t0) > 20*time.Second {
		t.Errorf("refusal %q after %v", ae.Reason, time.Since(t0))
	}
	logs.waitFor(t, "authentication failed")
}

func TestPasswordWarning(t *testing.T) {
	t.Parallel()
	for pw, warn := range map[string]bool{"": false, "12345678": false, "123456789": true, "pässwörd": true, "pässwö": false} {
		got := vnc.PasswordWarning(pw)
		if (got != "") != warn {
			t.Errorf("PasswordWarning(%q) = %q", pw, got)
		}
		if got != "" && (strings.Contains(got, pw) || !strings.Contains(got, "first 8 bytes")) {
			t.Errorf("PasswordWarning(%q) = %q: it must not repeat the password, and must say what counts", pw, got)
		}
	}
}

// TestMaxClients: connections beyond MaxClients (handshakes included) are
// closed at once; the ones served go on, and a place that frees is taken.
func TestMaxClients(t *testing.T) {
	t.Parallel()
	hub := display.NewHub()
	hub.Publish(desktop(32, 32, 1), nil, nil)
	addr, logs := startServer(t, hub, nil, vnc.Options{MaxClients: 2})
	a := dial(t, addr, rfbclient.Config{})
	idle, err := net.Dial("tcp", addr) // sits in its handshake
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	var v [12]byte
	if _, err := io.ReadFull(idle, v[:]); err != nil {
		t.Fatal(err)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := extra.Read(v[:]); err == nil {
		t.Fatalf("a third client got %q", v[:n])
	}
	extra.Close()
	logs.waitFor(t, "refused: 2 clients already")
	fullUpdate(t, a)
	idle.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := dialFrom(addr, "127.0.0.1", "")
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after one left: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
