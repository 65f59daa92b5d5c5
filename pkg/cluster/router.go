package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/pager"
)

// viaHeader marks a request one node passed on to another: the receiving
// node serves it itself (claiming the session if nobody owns it) and never
// passes it on again.
const viaHeader = "X-Do86-Via"

// Handler is the node's HTTP handler: /healthz, /readyz and /metrics
// (unguarded, for probes and scrapers), and every other route through the
// web server's checks (Host, token, origin) and then the router: a
// session's routes go to the node that owns it.
func (n *Node) Handler() http.Handler {
	if n.srv == nil {
		panic("cluster: Handler before Attach")
	}
	n.met.reg.MustRegister(newSessionCollector(n))
	routes := n.srv.Routes()
	mux := http.NewServeMux()
	session := func(w http.ResponseWriter, r *http.Request) { n.serveSession(w, r, r.PathValue("id"), routes) }
	mux.HandleFunc("/s/{id}", session)
	mux.HandleFunc("/s/{id}/{rest...}", session)
	mux.HandleFunc("/api/stats/{id}", session)
	mux.HandleFunc("DELETE /api/sessions/{id}", session)
	mux.HandleFunc("POST /api/sessions/{id}/delete", session)
	mux.HandleFunc("POST /api/sessions", func(w http.ResponseWriter, r *http.Request) { n.serveCreate(w, r, routes) })
	mux.HandleFunc("GET /api/cluster", n.serveCluster)
	mux.Handle("/", routes)

	outer := http.NewServeMux()
	outer.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	outer.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !n.Ready() {
			http.Error(w, "not ready: JetStream did not answer the last heartbeat", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	outer.Handle("GET /metrics", promhttp.HandlerFor(n.met.reg, promhttp.HandlerOpts{}))
	outer.Handle("/", n.srv.Guard(mux))
	return outer
}

// serveSession routes a request for session id: served here if this node
// owns it; passed on to its owner if another node does; claimed if nobody
// does and the store has its snapshot (a hibernated session, or one whose
// node died), the loser of a race passing it on to the winner.
func (n *Node) serveSession(w http.ResponseWriter, r *http.Request, id string, local http.Handler) {
	if !web.ValidID(id) {
		local.ServeHTTP(w, r)
		return
	}
	if _, ok := n.srv.Session(id); ok && n.holds(id) {
		local.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), n.ttl)
	defer cancel()
	owner, owned, err := n.leases.get(ctx, sessionKey(id))
	if err != nil {
		http.Error(w, "the cluster store does not answer: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if owned && owner.Node != n.cfg.ID {
		n.proxy(w, r, owner)
		return
	}
	if !owned {
		if _, has, err := n.store.ManifestEpoch(SessionName(id)); err == nil && has {
			won, winner, err := n.claim(ctx, id)
			switch {
			case err != nil:
				http.Error(w, "claiming the session: "+err.Error(), http.StatusServiceUnavailable)
				return
			case !won:
				n.proxy(w, r, winner)
				return
			}
			if err := n.adopt(id); err != nil {
				n.Ended(id)
				msg := fmt.Sprintf("session %s cannot be resumed: %v", id, err)
				n.cfg.Logf("cluster: %s", msg)
				code := http.StatusServiceUnavailable
				if errors.Is(err, pager.ErrCorrupt) || errors.Is(err, pager.ErrFormat) {
					code = http.StatusInternalServerError
				}
				http.Error(w, msg, code)
				return
			}
		} else if err != nil {
			http.Error(w, fmt.Sprintf("session %s: %v", id, err), http.StatusInternalServerError)
			return
		}
	}
	local.ServeHTTP(w, r)
}

// serveCreate is POST /api/sessions: the session id of the form (a fresh
// one if it names none) is claimed here unless another node owns it, which
// gets the request instead.
func (n *Node) serveCreate(w http.ResponseWriter, r *http.Request, local http.Handler) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	id := form.Get("id")
	if id == "" {
		id = r.URL.Query().Get("id")
	}
	if id == "" {
		var b [6]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
		form.Set("id", id)
		body = []byte(form.Encode())
		if r.Header.Get("Content-Type") == "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if !web.ValidID(id) {
		local.ServeHTTP(w, r)
		return
	}
	if _, ok := n.srv.Session(id); ok {
		n.serveSession(w, r, id, local)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), n.ttl)
	defer cancel()
	if _, has, _ := n.store.ManifestEpoch(SessionName(id)); has {
		n.serveSession(w, r, id, local) // a hibernated session: adopt it, or pass it on
		return
	}
	won, owner, err := n.claim(ctx, id)
	switch {
	case err != nil:
		http.Error(w, "claiming the session: "+err.Error(), http.StatusServiceUnavailable)
		return
	case !won && owner.Node != n.cfg.ID:
		n.proxy(w, r, owner)
		return
	}
	local.ServeHTTP(w, r)
	if _, ok := n.srv.Session(id); !ok {
		n.Ended(id) // refused (bad image, too many sessions): give the lease back
	}
}

// proxy passes the request on to the node that owns its session,
// WebSocket upgrades included, keeping the Host the browser used (the
// nodes of a cluster answer to the same names and share the access token).
func (n *Node) proxy(w http.ResponseWriter, r *http.Request, owner Owner) {
	if r.Header.Get(viaHeader) != "" {
		http.Error(w, fmt.Sprintf("node %s was sent a session that %s owns: try again", n.cfg.ID, owner.Node), http.StatusServiceUnavailable)
		return
	}
	target, err := url.Parse(owner.URL)
	if err != nil || target.Host == "" {
		http.Error(w, fmt.Sprintf("the session's node %s has a bad address %q", owner.Node, owner.URL), http.StatusBadGateway)
		return
	}
	n.met.proxied.Inc()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			pr.Out.Header.Set(viaHeader, n.cfg.ID)
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, fmt.Sprintf("the session's node %s does not answer: %v", owner.Node, err), http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(w, r)
}

// serveCluster is GET /api/cluster: the nodes and which sessions this node
// owns.
func (n *Node) serveCluster(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	nodes, err := n.Nodes(ctx)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	n.mu.Lock()
	owned := make([]string, 0, len(n.held))
	for id := range n.held {
		owned = append(owned, id)
	}
	n.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"node": n.cfg.ID, "nodes": nodes, "owned": owned, "leaseTTL": n.ttl.String()})
}

// Owner returns who holds session id's lease (false: nobody).
func (n *Node) Owner(ctx context.Context, id string) (Owner, bool, error) {
	return n.leases.get(ctx, sessionKey(id))
}
