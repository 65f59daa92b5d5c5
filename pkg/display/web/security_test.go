package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// request sends method to the rig's server with the given headers (Host
// among them) and returns the status and body.
func request(t *testing.T, hs *httptest.Server, method, path string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// dialWS tries a WebSocket upgrade with the given headers; nil error means
// the server upgraded it.
func dialWS(t *testing.T, hs *httptest.Server, path string, hdr map[string]string) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	host := ""
	for k, v := range hdr {
		if k == "Host" {
			host = v
		} else {
			h.Set(k, v)
		}
	}
	opts := &websocket.DialOptions{HTTPHeader: h}
	if host != "" {
		opts.Host = host
	}
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+path, opts)
	if err == nil {
		c.CloseNow()
		return http.StatusSwitchingProtocols, nil
	}
	if resp == nil {
		return 0, err
	}
	return resp.StatusCode, err
}

// sessionCount is how many sessions the server has.
func sessionCount(r *rig) int { return len(r.srv.Sessions()) }

// TestDNSRebinding: a page of evil.example whose name was rebound to
// 127.0.0.1 sends Host: evil.example:PORT (and its own Origin, which then
// matches). Every route refuses it with 421 before doing anything: the
// pages, the JSON API, the WebSocket and noVNC upgrades, DELETE and the
// create POST. Loopback names and addresses, and names allowed by
// AllowHosts, are served.
func TestDNSRebinding(t *testing.T) {
	t.Parallel()
	r := newRig(t, web.Options{AllowHosts: []string{"do86.lan"}})
	r.srv.Start("x1", "fake-x1")
	r.machine("fake-x1").publish(display.NewFrame(32, 32), nil)
	port := r.hs.URL[strings.LastIndex(r.hs.URL, ":")+1:]
	evil := map[string]string{"Host": "evil.example:" + port, "Origin": "http://evil.example:" + port, "Sec-Fetch-Site": "same-origin"}
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/", ""},
		{"GET", "/s/x1", ""},
		{"GET", "/static/app.js", ""},
		{"GET", "/api/sessions", ""},
		{"GET", "/api/stats/x1", ""},
		{"GET", "/new?image=fake-new", ""},
		{"POST", "/api/sessions", "id=x2&image=fake-x2"},
		{"POST", "/api/sessions/x1/delete", ""},
		{"DELETE", "/api/sessions/x1", ""},
	} {
		code, body := request(t, r.hs, tc.method, tc.path, evil, tc.body)
		if code != http.StatusMisdirectedRequest || !strings.Contains(body, "--allow-host evil.example") {
			t.Errorf("%s %s under a rebound name: %d %q", tc.method, tc.path, code, body)
		}
	}
	for _, path := range []string{"/s/x1/ws", "/s/x1/websockify"} {
		if code, err := dialWS(t, r.hs, path, evil); code != http.StatusMisdirectedRequest {
			t.Errorf("WebSocket %s under a rebound name: %d %v", path, code, err)
		}
	}
	if n := sessionCount(r); n != 1 {
		t.Errorf("%d sessions after the rebinding attempts, want the one", n)
	}
	if st, _ := mustSession(t, r, "x1").State(); st != web.StateRunning {
		t.Errorf("session x1 is %s", st)
	}
	// The names that are this server's.
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST.:" + port, "app.localhost:" + port,
		"[::1]:" + port, "127.0.0.2:" + port, "do86.lan:" + port, "do86.lan"} {
		hdr := map[string]string{"Host": host}
		if code, body := request(t, r.hs, "GET", "/api/sessions", hdr, ""); code != http.StatusOK {
			t.Errorf("Host %s: %d %q", host, code, body)
		}
		if code, err := dialWS(t, r.hs, "/s/x1/ws", hdr); code != http.StatusSwitchingProtocols {
			t.Errorf("WebSocket with Host %s: %d %v", host, code, err)
		}
	}
	for _, host := range []string{"10.1.2.3:" + port, "do86.lan.evil.example", "localhost.evil.example", "a;b.localhost"} {
		if code, _ := request(t, r.hs, "GET", "/", map[string]string{"Host": host}, ""); code != http.StatusMisdirectedRequest && code != http.StatusBadRequest {
			t.Errorf("Host %q: %d", host, code)
		}
	}
}

func mustSession(t *testing.T, r *rig, id string) *web.Session {
	t.Helper()
	s, ok := r.srv.Session(id)
	if !ok {
		t.Fatalf("no session %s", id)
	}
	return s
}

// TestCrossSiteRequests: what another site's page can make a browser send
// changes nothing. <img src=/s/x2?image=…> and /new boot nothing (the page
// they get would wait for a click); a cross-site POST to create, a form
// POST to stop, a DELETE, and a WebSocket from another origin are refused;
// a hibernating session is not woken by loading its page. The server's own
// pages (same-origin, or a typed address) and clients other than browsers
// still do all of it.
func TestCrossSiteRequests(t *testing.T) {
	t.Parallel()
	r := newRig(t, web.Options{})
	r.srv.Start("x1", "fake-x1")
	r.machine("fake-x1").publish(display.NewFrame(32, 32), nil)
	img := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"}
	for _, path := range []string{"/s/x2?image=fake-x2", "/new?image=fake-x2", "/s/x2/ws", "/s/x2/websockify"} {
		request(t, r.hs, "GET", path, img, "")
	}
	code, body := request(t, r.hs, "GET", "/s/x3?image=fake-x3", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "document"}, "")
	if code != http.StatusOK || !strings.Contains(body, `"AutoStart":false`) || !strings.Contains(body, `"Start":"/api/sessions"`) {
		t.Errorf("a cross-site link to a new session: %d, want a page that waits for a click\n%s", code, body)
	}
	if n := sessionCount(r); n != 1 {
		t.Fatalf("cross-site GETs made %d sessions: %+v", n, r.srv.Sessions())
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, // another port of this host
		{"Origin": "http://evil.example"},                               // a browser without Fetch Metadata
		{"Origin": "null", "Sec-Fetch-Site": "cross-site"},              // a sandboxed frame
	} {
		for _, tc := range []struct{ method, path, body string }{
			{"POST", "/api/sessions", "id=x4&image=fake-x4"},
			{"POST", "/api/sessions/x1/delete", ""},
			{"DELETE", "/api/sessions/x1", ""},
		} {
			if code, body := request(t, r.hs, tc.method, tc.path, hdr, tc.body); code != http.StatusForbidden || !strings.Contains(body, "cross-origin request refused") {
				t.Errorf("%s %s with %v: %d %q", tc.method, tc.path, hdr, code, body)
			}
		}
		if code, _ := dialWS(t, r.hs, "/s/x1/ws", map[string]string{"Origin": hdr["Origin"]}); code != http.StatusForbidden {
			t.Errorf("a WebSocket from origin %s: %d", hdr["Origin"], code)
		}
	}
	if n := sessionCount(r); n != 1 {
		t.Fatalf("%d sessions after the cross-site requests: %+v", n, r.srv.Sessions())
	}
	if st, _ := mustSession(t, r, "x1").State(); st != web.StateRunning {
		t.Fatalf("session x1 is %s", st)
	}

	// The server's own pages may.
	own := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": r.hs.URL}
	if code, body := request(t, r.hs, "POST", "/api/sessions", own, "id=x5&image=fake-x5"); code != http.StatusCreated {
		t.Errorf("a same-origin POST: %d %q", code, body)
	}
	r.machine("fake-x5")
	if code, err := dialWS(t, r.hs, "/s/x5/ws", map[string]string{"Origin": r.hs.URL}); code != http.StatusSwitchingProtocols {
		t.Errorf("a same-origin WebSocket: %d %v", code, err)
	}
	if code, body := request(t, r.hs, "GET", "/s/x6?image=fake-x6", map[string]string{"Sec-Fetch-Site": "none"}, ""); code != http.StatusOK || !strings.Contains(body, `"AutoStart":true`) {
		t.Errorf("a typed address of a new session: %d, want a page that boots it\n%s", code, body)
	}
	if code, body := request(t, r.hs, "DELETE", "/api/sessions/x5", own, ""); code != http.StatusOK {
		t.Errorf("a same-origin DELETE: %d %q", code, body)
	}
	// Tools (no Origin, no Sec-Fetch-Site) may too.
	if code, body := request(t, r.hs, "DELETE", "/api/sessions/x1", nil, ""); code != http.StatusOK {
		t.Errorf("DELETE from a tool: %d %q", code, body)
	}
	// Headers that keep the pages out of other sites' frames.
	req, _ := http.NewRequest("GET", r.hs.URL+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("headers %v", resp.Header)
	}
}

// TestHibernatedNotWokenByGET: loading a hibernated session's page (an
// <img> of it) does not resume it; its WebSocket does.
func TestHibernatedNotWokenByGET(t *testing.T) {
	t.Parallel()
	var resumes atomic.Int32
	snap := func(ctx context.Context, m web.Machine, name string) (web.ResumeFunc, error) {
		hub := m.Hub()
		return func(ctx context.Context, serial io.Writer) (web.Machine, error) {
			resumes.Add(1)
			return &fakeMachine{hub: hub, crash: make(chan error, 1)}, nil
		}, nil
	}
	r := newRig(t, web.Options{Hibernate: true, Idle: 300 * time.Millisecond, Snapshot: snap})
	r.srv.Start("h1", "fake-h1")
	r.machine("fake-h1").publish(display.NewFrame(32, 32), nil)
	sess := mustSession(t, r, "h1")
	deadline := time.Now().Add(10 * time.Second)
	for st, _ := sess.State(); st != web.StateHibernated; st, _ = sess.State() {
		if time.Now().After(deadline) {
			t.Fatalf("never hibernated: %s", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	img := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"}
	for _, p := range []string{"/s/h1", "/s/h1/ws", "/s/h1/websockify", "/api/stats/h1"} {
		request(t, r.hs, "GET", p, img, "")
	}
	time.Sleep(300 * time.Millisecond)
	if st, _ := sess.State(); st != web.StateHibernated || resumes.Load() != 0 {
		t.Fatalf("after GETs of its page: %s, %d resumes", st, resumes.Load())
	}
	cl := dialClient(t, r.wsURL("/s/h1/ws"), false)
	cl.waitFor("the resume", 10*time.Second, func() bool {
		return len(cl.states) > 0 && cl.states[len(cl.states)-1] == "running"
	})
	if resumes.Load() != 1 {
		t.Errorf("%d resumes after a viewer connected", resumes.Load())
	}
}

// TestAccessToken: with a token, every route wants it: in the URL (which
// sets a cookie), the cookie, or a Bearer header; without it, or with a
// wrong one, 401 — WebSocket upgrades included.
func TestAccessToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-t0ken"
	r := newRig(t, web.Options{Token: token})
	r.srv.Start("x1", "fake-x1")
	r.machine("fake-x1").publish(display.NewFrame(32, 32), nil)
	paths := []string{"/", "/s/x1", "/static/app.js", "/api/sessions", "/api/stats/x1", "/new?image=fake-y"}
	for _, p := range paths {
		for _, bad := range []string{"", "?token=wrong", "&token=wrong"} {
			q := bad
			if strings.Contains(p, "?") == (bad != "" && bad[0] == '?') {
				continue
			}
			if code, body := request(t, r.hs, "GET", p+q, nil, ""); code != http.StatusUnauthorized || !strings.Contains(body, "access token") {
				t.Errorf("GET %s%s: %d %q", p, q, code, body)
			}
		}
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/sessions", "id=x2&image=fake-x2"},
		{"DELETE", "/api/sessions/x1", ""},
	} {
		if code, _ := request(t, r.hs, tc.method, tc.path, nil, tc.body); code != http.StatusUnauthorized {
			t.Errorf("%s %s without the token: %d", tc.method, tc.path, code)
		}
	}
	if code, _ := dialWS(t, r.hs, "/s/x1/ws", nil); code != http.StatusUnauthorized {
		t.Errorf("WebSocket without the token: %d", code)
	}
	if n := sessionCount(r); n != 1 {
		t.Fatalf("%d sessions", n)
	}

	// The token in the URL: served, and a cookie set for the page's own
	// requests.
	resp, err := http.Get(r.hs.URL + "/s/x1?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "do86-token") {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusOK || cookie == nil || cookie.Value != token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("page with the token: %d, cookie %+v", resp.StatusCode, cookie)
	}
	withCookie := map[string]string{"Cookie": cookie.Name + "=" + cookie.Value}
	for _, p := range paths {
		if code, _ := request(t, r.hs, "GET", p, withCookie, ""); code != http.StatusOK && code != http.StatusSeeOther {
			t.Errorf("GET %s with the cookie: %d", p, code)
		}
	}
	if code, err := dialWS(t, r.hs, "/s/x1/ws", withCookie); code != http.StatusSwitchingProtocols {
		t.Errorf("WebSocket with the cookie: %d %v", code, err)
	}
	if code, err := dialWS(t, r.hs, "/s/x1/ws?token="+token, nil); code != http.StatusSwitchingProtocols {
		t.Errorf("WebSocket with the token in the URL: %d %v", code, err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + token}
	if code, body := request(t, r.hs, "POST", "/api/sessions", bearer, "id=x2&image=fake-x2"); code != http.StatusCreated {
		t.Errorf("POST with a Bearer token: %d %q", code, body)
	}
	// The token does not excuse another site's request.
	if code, _ := request(t, r.hs, "DELETE", "/api/sessions/x2", map[string]string{"Cookie": withCookie["Cookie"], "Sec-Fetch-Site": "cross-site"}, ""); code != http.StatusForbidden {
		t.Errorf("a cross-site DELETE with the cookie: %d", code)
	}
}

// TestLoopbackAndToken covers the helpers the command line decides with.
func TestLoopbackAndToken(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{"127.0.0.1:8086": true, "[::1]:80": true, "localhost:1": true, "127.9.9.9:1": true,
		"0.0.0.0:8086": false, ":8086": false, "[::]:1": false, "192.168.1.2:1": false, "example.com:1": false} {
		if got := web.Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v", addr, got)
		}
	}
	a, b := web.NewToken(), web.NewToken()
	if a == b || len(a) < 20 || strings.ContainsAny(a, "+/=?&") {
		t.Errorf("tokens %q %q", a, b)
	}
}
