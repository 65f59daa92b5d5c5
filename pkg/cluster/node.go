package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/pager"
)

// Config configures a Node.
type Config struct {
	// Conn is the connection to NATS (JetStream enabled). Required.
	Conn *nats.Conn
	// ID names this node (unique in the cluster); URL is how other nodes
	// reach its HTTP server ("http://HOST:PORT"). Both required.
	ID, URL string
	// LeaseTTL is how long a session's lease and a node's registration last
	// without renewal (default 15 s). The buckets are created with it; a
	// node joining buckets made with another TTL uses theirs.
	LeaseTTL time.Duration
	// Replicas of every stream (default: 3 when the NATS server is part of
	// a cluster, else 1).
	Replicas int
	// Grace and GCInterval: pages and state objects no manifest names are
	// deleted once older than Grace (default 10 minutes), by whichever node
	// holds the GC lease, every GCInterval (default 5 minutes; negative:
	// never).
	Grace, GCInterval time.Duration
	// Resume returns how to build session machines again from the snapshot
	// name of store (cmd/do86 builds emu machines). Required.
	Resume func(store pager.SnapshotStore, name string) web.ResumeFunc
	// MaxSessions is advertised in the registry (0: unknown).
	MaxSessions int
	// Logf receives one line per event worth noting.
	Logf func(format string, args ...any)
}

// Node is one do86 serve process of a cluster.
type Node struct {
	cfg    Config
	js     jetstream.JetStream
	store  *Store
	leases *leases
	nodes  jetstream.KeyValue
	ttl    time.Duration
	srv    *web.Server
	met    *metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	held    map[string]*held // session id → its lease, while this node owns it
	lastGC  time.Time
	healthy bool // the last heartbeat reached JetStream
}

// held is a lease this node holds.
type held struct {
	epoch, rev uint64
	lastOK     time.Time // when the last successful renewal was sent
}

// ErrNotOwner: this node holds no lease for the session.
var ErrNotOwner = errors.New("cluster: this node does not own the session")

// New joins the cluster: opens the store, the lease and node buckets
// (creating them if needed, retrying while JetStream elects leaders).
// Attach a web server, then Start.
func New(ctx context.Context, cfg Config) (*Node, error) {
	switch {
	case cfg.Conn == nil:
		return nil, errors.New("cluster: no NATS connection")
	case cfg.ID == "" || cfg.URL == "":
		return nil, errors.New("cluster: a node needs an id and a URL")
	case cfg.Resume == nil:
		return nil, errors.New("cluster: no Resume")
	case strings.ContainsAny(cfg.ID, ".*> "):
		return nil, fmt.Errorf("cluster: node id %q: use letters, digits, '-' and '_'", cfg.ID)
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 15 * time.Second
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Minute
	}
	if cfg.GCInterval == 0 {
		cfg.GCInterval = 5 * time.Minute
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	js, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
		if cfg.Conn.ConnectedClusterName() != "" {
			cfg.Replicas = 3
		}
	}
	n := &Node{cfg: cfg, js: js, held: map[string]*held{}, met: newMetrics(cfg.ID)}
	n.store, err = NewStore(ctx, js, StoreOptions{Replicas: cfg.Replicas, Grace: cfg.Grace})
	if err != nil {
		return nil, err
	}
	var lkv jetstream.KeyValue
	err = retry(ctx, 30*time.Second, func(ctx context.Context) error {
		var err error
		if lkv == nil {
			if lkv, err = openBucket(ctx, js, leaseBucket, "do86 session leases", cfg.LeaseTTL, cfg.Replicas); err != nil {
				return err
			}
		}
		if n.nodes == nil {
			if n.nodes, err = openBucket(ctx, js, nodeBucket, "do86 serve nodes", cfg.LeaseTTL, cfg.Replicas); err != nil {
				return err
			}
		}
		n.ttl, err = bucketTTL(ctx, lkv)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: setting up leases: %w", err)
	}
	if n.ttl != cfg.LeaseTTL {
		cfg.Logf("cluster: the lease bucket has a TTL of %v (not %v): using it", n.ttl, cfg.LeaseTTL)
	}
	n.leases = &leases{kv: lkv, node: cfg.ID, url: cfg.URL, timeout: n.ttl / 4}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n, nil
}

// Store returns the cluster's snapshot store (saves through it carry epoch
// 0: warm snapshots and other names that no lease guards).
func (n *Node) Store() *Store { return n.store }

// TTL is the lease TTL in force.
func (n *Node) TTL() time.Duration { return n.ttl }

// Attach gives the node the web server whose sessions it owns. Its Options
// should have Ended set to the node's Ended.
func (n *Node) Attach(srv *web.Server) { n.srv = srv }

// Start registers the node and starts renewing leases (every TTL/4),
// checkpoints being the web server's, and collecting garbage under the GC
// lease.
func (n *Node) Start() {
	n.heartbeat()
	n.wg.Add(1)
	go n.loop()
}

// SessionName is the snapshot a session's checkpoints go to.
func SessionName(id string) string { return "serve/" + id }

// sessionOf returns the session a snapshot name belongs to ("" for none).
func sessionOf(name string) string {
	id, ok := strings.CutPrefix(name, "serve/")
	if !ok || !web.ValidID(id) {
		return ""
	}
	return id
}

// StoreFor returns the store through which the snapshot name is saved: for
// a session's ("serve/ID") the view carrying this node's lease epoch
// (ErrNotOwner without the lease), for any other name the store itself.
func (n *Node) StoreFor(name string) (pager.SnapshotStore, error) {
	id := sessionOf(name)
	if id == "" {
		return n.store, nil
	}
	n.mu.Lock()
	h := n.held[id]
	n.mu.Unlock()
	if h == nil {
		return nil, fmt.Errorf("%w %s", ErrNotOwner, id)
	}
	return n.store.Epoch(h.epoch), nil
}

// Saved records a checkpoint (or hibernation) of snapshot name for the
// metrics; a save refused as fenced stops the session at once.
func (n *Node) Saved(name string, bytes int64, d time.Duration, err error) {
	switch {
	case err == nil:
		n.met.checkpointBytes.Add(float64(bytes))
		n.met.checkpointSeconds.Observe(d.Seconds())
	case errors.Is(err, ErrFenced):
		n.met.checkpointsFailed.Inc()
		if id := sessionOf(name); id != "" {
			n.fence(id, "another node owns it now (its snapshot carries a newer epoch)")
		}
	default:
		n.met.checkpointsFailed.Inc()
	}
}

// Ended releases the lease of a session that left the web server.
func (n *Node) Ended(id string) {
	n.mu.Lock()
	h := n.held[id]
	delete(n.held, id)
	n.mu.Unlock()
	if h == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.ttl/2)
	defer cancel()
	if err := n.leases.release(ctx, sessionKey(id), h.rev); err != nil {
		n.cfg.Logf("cluster: releasing the lease of session %s: %v (it expires in %v)", id, err, n.ttl)
	}
}

// fence stops session id here at once: its lease is lost.
func (n *Node) fence(id, why string) {
	n.mu.Lock()
	_, had := n.held[id]
	delete(n.held, id)
	n.mu.Unlock()
	if had {
		n.met.fenced.Inc()
	}
	if n.srv != nil && n.srv.Fence(id, "this node lost the session: "+why) {
		n.cfg.Logf("cluster: session %s stopped here: %s", id, why)
	}
}

// claim tries to take session id's lease: won (holding it now), or the
// owner that has it.
func (n *Node) claim(ctx context.Context, id string) (bool, Owner, error) {
	t0 := time.Now()
	won, epoch, rev, owner, err := n.leases.claim(ctx, sessionKey(id))
	if err != nil || !won {
		return false, owner, err
	}
	n.mu.Lock()
	n.held[id] = &held{epoch: epoch, rev: rev, lastOK: t0}
	n.mu.Unlock()
	n.cfg.Logf("cluster: claimed session %s (epoch %d)", id, epoch)
	return true, owner, nil
}

// holds reports whether this node holds session id's lease.
func (n *Node) holds(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.held[id] != nil
}

// adopt takes over the hibernated (or orphaned) session id whose snapshot
// the store has, after winning its lease: the manifest is raised to this
// node's epoch (fencing the former owner), and the web server gets a
// hibernated session that its first viewer resumes.
func (n *Node) adopt(id string) error {
	name := SessionName(id)
	n.mu.Lock()
	h := n.held[id]
	n.mu.Unlock()
	if h == nil {
		return fmt.Errorf("%w %s", ErrNotOwner, id)
	}
	info, err := n.store.Claim(name, h.epoch)
	if err != nil {
		return err
	}
	store := n.store.Epoch(h.epoch)
	_, err = n.srv.Adopt(id, info.Image, name, n.cfg.Resume(store, name))
	if errors.Is(err, web.ErrExists) {
		err = nil
	}
	if err == nil {
		n.met.adopted.Inc()
	}
	return err
}

// loop renews the leases and the registration every TTL/4 and collects
// garbage when due.
func (n *Node) loop() {
	defer n.wg.Done()
	t := time.NewTicker(n.ttl / 4)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
			n.heartbeat()
			n.maybeGC()
		}
	}
}

// nodeInfo is a node's registration.
type nodeInfo struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Sessions    int       `json:"sessions"` // sessions it owns
	MaxSessions int       `json:"maxSessions,omitempty"`
	Updated     time.Time `json:"updated"`
}

// heartbeat registers the node and renews every lease it holds. A lease
// whose renewal is refused (another node took it) is fenced at once; one
// not renewed for 3/4 of the TTL (JetStream unreachable) too, well before
// another node could take it.
func (n *Node) heartbeat() {
	n.mu.Lock()
	ids := make(map[string]held, len(n.held))
	for id, h := range n.held {
		ids[id] = *h
	}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(n.ctx, n.ttl/4)
	defer cancel()
	v, _ := json.Marshal(nodeInfo{ID: n.cfg.ID, URL: n.cfg.URL, Sessions: len(ids), MaxSessions: n.cfg.MaxSessions, Updated: time.Now()})
	_, regErr := n.nodes.Put(ctx, n.cfg.ID, v)
	var wg sync.WaitGroup
	for id, h := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := time.Now()
			rev, err := n.leases.renew(ctx, sessionKey(id), h.epoch, h.rev)
			switch {
			case err == nil:
				n.mu.Lock()
				if cur := n.held[id]; cur != nil && cur.rev == h.rev {
					cur.rev, cur.lastOK = rev, sent
				}
				n.mu.Unlock()
			case errors.Is(err, ErrLost):
				n.met.renewalsFailed.Inc()
				n.fence(id, "its lease was taken or expired")
			default:
				n.met.renewalsFailed.Inc()
				if time.Since(h.lastOK) > n.ttl*3/4 {
					n.fence(id, fmt.Sprintf("its lease could not be renewed for %v (%v)", time.Since(h.lastOK).Round(time.Millisecond), err))
				}
			}
		}()
	}
	wg.Wait()
	n.mu.Lock()
	n.healthy = regErr == nil
	n.mu.Unlock()
}

// Ready reports whether the node can take sessions: JetStream answered its
// last heartbeat.
func (n *Node) Ready() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.healthy && n.cfg.Conn.IsConnected()
}

// Nodes lists the registered nodes.
func (n *Node) Nodes(ctx context.Context) ([]nodeInfo, error) {
	l, err := n.nodes.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Stop()
	var out []nodeInfo
	for k := range l.Keys() {
		e, err := n.nodes.Get(ctx, k)
		if err != nil {
			continue
		}
		var ni nodeInfo
		if json.Unmarshal(e.Value(), &ni) == nil {
			out = append(out, ni)
		}
	}
	return out, nil
}

// Close hands this node's sessions back to the cluster (each running one
// saved a last time, then stopped; their leases released so that any node
// resumes them), deregisters the node and stops its loops. The web server
// is the caller's to close afterwards.
func (n *Node) Close(ctx context.Context) {
	if n.srv != nil {
		if k := n.srv.Drain(ctx); k > 0 {
			n.cfg.Logf("cluster: handed off %d sessions", k)
		}
	}
	n.cancel()
	n.wg.Wait()
	dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n.nodes.Delete(dctx, n.cfg.ID)
}

// maybeGC collects garbage when GCInterval has passed and this node wins
// (or holds) the GC lease; the lease is released after.
func (n *Node) maybeGC() {
	if n.cfg.GCInterval < 0 || time.Since(n.lastGC) < n.cfg.GCInterval {
		return
	}
	n.lastGC = time.Now()
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.Grace/4)
	defer cancel()
	won, _, rev, _, err := n.leases.claim(ctx, gcKey)
	if err != nil || !won {
		return
	}
	defer n.leases.release(context.Background(), gcKey, rev)
	st, err := n.store.GC(ctx, n.cfg.Grace)
	if err != nil {
		n.cfg.Logf("cluster: garbage collection: %v", err)
		return
	}
	n.met.gcDeleted.Add(float64(st.DeletedPages + st.DeletedObjects))
	if st.DeletedPages+st.DeletedObjects > 0 {
		n.cfg.Logf("cluster: garbage collection deleted %d of %d pages and %d of %d state objects in %v",
			st.DeletedPages, st.Pages, st.DeletedObjects, st.Objects, st.Duration.Round(time.Millisecond))
	}
}
