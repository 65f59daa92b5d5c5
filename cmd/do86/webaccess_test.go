package main

import (
	"net"
	"strings"
	"testing"
)

// TestWebAccess: a web server beyond loopback gets a generated token
// (printed in the address to open) unless one is given or "none" is asked
// for; on loopback none is needed.
func TestWebAccess(t *testing.T) {
	t.Parallel()
	wild := &net.TCPAddr{IP: net.IPv4zero, Port: 8086}
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8086}
	tok, url := webAccess{}.resolve("0.0.0.0:8086", "serve")
	if len(tok) < 20 || !strings.HasSuffix(url(wild), ":8086/?token="+tok) || strings.Contains(url(wild), "0.0.0.0") {
		t.Errorf("beyond loopback: token %q, address %s", tok, url(wild))
	}
	if tok, url := (webAccess{}).resolve("127.0.0.1:8086", "serve"); tok != "" || url(loop) != "http://127.0.0.1:8086/" {
		t.Errorf("loopback: token %q, address %s", tok, url(loop))
	}
	if tok, _ := (webAccess{token: "none"}).resolve("0.0.0.0:8086", "serve"); tok != "" {
		t.Errorf("--web-token none: token %q", tok)
	}
	if tok, url := (webAccess{token: "abc"}).resolve("127.0.0.1:8086", "serve"); tok != "abc" || url(loop) != "http://127.0.0.1:8086/?token=abc" {
		t.Errorf("--web-token abc: token %q, address %s", tok, url(loop))
	}
	for _, name := range []string{"web-token", "allow-host"} {
		if newServeCmd().Flags().Lookup(name) == nil {
			t.Errorf("serve has no --%s", name)
		}
	}
}

// TestServeRefusesMeaninglessFlags: serve refuses what would silently mean
// something else (a negative --max-sessions was "no bound", a negative
// --idle "at once").
func TestServeRefusesMeaninglessFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--max-sessions", "-1"}, {"--max-sessions", "0"}, {"--idle", "-5s"}} {
		cmd := newServeCmd()
		cmd.SetArgs(append(args, "--listen", "127.0.0.1:1"))
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}
