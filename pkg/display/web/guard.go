package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Who may use a server. Every request, whatever its route (pages, static
// files, the JSON API, WebSocket upgrades), passes three checks before it
// is served:
//
//   - Its Host header must name this server: a loopback name ("localhost",
//     "*.localhost") or address, the address it listens on (for a wildcard
//     address, any address of this computer's interfaces), or a name of
//     Options.AllowHosts. Any other name is what a DNS rebinding attack
//     sends (a page of evil.example whose name was turned to 127.0.0.1):
//     421 Misdirected Request.
//   - With Options.Token, it must carry the token: ?token= in the URL (the
//     server then sets a cookie holding it, so the page's own requests
//     carry it), that cookie, or "Authorization: Bearer TOKEN": else 401.
//   - A request that changes something (any method but GET, HEAD and
//     OPTIONS) must come from the server's own pages: a browser's
//     Sec-Fetch-Site must say same-origin (or none: typed by the user), or
//     without it, Origin must name the server (net/http's
//     CrossOriginProtection): else 403. Clients other than browsers send
//     neither and pass. WebSocket upgrades (GET) check Origin against Host
//     themselves, and no GET starts a machine or changes a session.
//
// Pages also tell the browser never to show them in another site's frame
// and to load nothing but their own scripts (Content-Security-Policy).

// TokenCookie is the name of the cookie that carries Options.Token, for a
// server whose Host names port (one per port: browsers share cookies
// between the ports of a host).
func TokenCookie(port string) string {
	if port == "" {
		return "do86-token"
	}
	return "do86-token-" + port
}

// NewToken returns a fresh access token: 128 random bits, URL-safe.
func NewToken() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Loopback reports whether the listen address addr (HOST:PORT) reaches
// this computer alone: a loopback address, or "localhost". An empty host or
// a wildcard address (0.0.0.0, ::) listens on every interface: not
// loopback.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// guard holds the checks of one server.
type guard struct {
	listenIP   net.IP          // nil: not known, or a name
	listenName string          // the listen address's host when it is a name
	allow      map[string]bool // Options.AllowHosts, lower case
	token      string
	cop        *http.CrossOriginProtection

	mu      sync.Mutex
	local   map[string]bool // this computer's interface addresses
	localAt time.Time
}

func newGuard(o *Options) *guard {
	g := &guard{allow: map[string]bool{}, token: o.Token, cop: http.NewCrossOriginProtection()}
	if host, _, err := net.SplitHostPort(o.Addr); err == nil {
		if ip := net.ParseIP(host); ip != nil {
			g.listenIP = ip
		} else {
			g.listenName = normHost(host)
		}
	}
	for _, h := range o.AllowHosts {
		g.allow[normHost(h)] = true
	}
	g.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusForbidden, "cross-origin request refused: only this server's own pages may start, stop or change sessions")
	}))
	return g
}

// normHost is a host name as compared: lower case, no trailing dot, no
// brackets around an IPv6 address, no port.
func normHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
}

// hostOK reports whether a request's Host names this server.
func (g *guard) hostOK(hostHeader string) bool {
	h := normHost(hostHeader)
	switch {
	case h == "" || strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789-.:") != "":
		return false // not a DNS name or an address
	case h == "localhost" || strings.HasSuffix(h, ".localhost"):
		return true // browsers resolve these to loopback themselves
	case g.allow[h] || h == g.listenName:
		return true
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() || g.listenIP != nil && ip.Equal(g.listenIP) {
		return true
	}
	if g.listenIP == nil || g.listenIP.IsUnspecified() {
		return g.localAddress(ip)
	}
	return false
}

// localAddress reports whether ip is an address of this computer (looked
// up again at most every 10 s, when an address is not found).
func (g *guard) localAddress(ip net.IP) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := ip.String()
	if g.local[key] {
		return true
	}
	if time.Since(g.localAt) < 10*time.Second {
		return false
	}
	g.localAt = time.Now()
	g.local = map[string]bool{}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			g.local[n.IP.String()] = true
		}
	}
	return g.local[key]
}

// tokenOK reports whether r carries the token, and whether it came in the
// URL (to be kept in a cookie).
func (g *guard) tokenOK(r *http.Request) (ok, fromURL bool) {
	if g.token == "" {
		return true, false
	}
	same := func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), []byte(g.token)) == 1 }
	if t := r.URL.Query().Get("token"); t != "" && same(t) {
		return true, true
	}
	_, port, _ := net.SplitHostPort(r.Host)
	if c, err := r.Cookie(TokenCookie(port)); err == nil && same(c.Value) {
		return true, false
	}
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && same(strings.TrimSpace(a)) {
		return true, false
	}
	return false, false
}

// refuse answers a refused request with a one-line explanation.
func refuse(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintf(w, "do86: %s\n", msg)
}

// wrap runs the checks in front of h and sets the headers every answer
// carries.
func (g *guard) wrap(h http.Handler) http.Handler {
	inner := g.cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		if !g.hostOK(r.Host) {
			refuse(w, http.StatusMisdirectedRequest, fmt.Sprintf(
				"%q is not a name of this server: open it by a loopback name or address, or by the address it listens on (start it with --allow-host %s to allow this name)",
				r.Host, normHost(r.Host)))
			return
		}
		hd.Set("Content-Security-Policy", fmt.Sprintf(
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://%[1]s wss://%[1]s; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
			r.Host))
		ok, fromURL := g.tokenOK(r)
		if !ok {
			refuse(w, http.StatusUnauthorized,
				"this server needs its access token: open the address it printed when it started (ending in ?token=…), or send the token as ?token=, its cookie, or Authorization: Bearer")
			return
		}
		if fromURL {
			_, port, _ := net.SplitHostPort(r.Host)
			http.SetCookie(w, &http.Cookie{Name: TokenCookie(port), Value: g.token, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		}
		inner.ServeHTTP(w, r)
	})
}
