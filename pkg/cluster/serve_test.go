package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display/web"
)

// End-to-end tests of do86 serve as a cluster: an in-process JetStream
// cluster of three NATS servers on loopback, and do86 serve processes (the
// built binary) pointed at it.

const (
	testTTL        = 4 * time.Second
	testCheckpoint = 2 * time.Second
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveNode is one do86 serve process.
type serveNode struct {
	name, base string
	cmd        *exec.Cmd
	log        *logBuf
	done       chan struct{}
}

func natsURLs(servers []*server.Server) string {
	var l []string
	for _, s := range servers {
		l = append(l, s.ClientURL())
	}
	return strings.Join(l, ",")
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startNode runs do86 serve --cluster and waits until it is ready.
func startNode(t *testing.T, name, nats string, extra ...string) *serveNode {
	t.Helper()
	bin := testenv.Binary(t)
	addr := freeAddr(t)
	args := append([]string{"serve", "--listen", addr, "--cluster", nats, "--node", name,
		"--lease-ttl", testTTL.String(), "--checkpoint", testCheckpoint.String(), "--idle", "0", "--max-sessions", "12"}, extra...)
	cmd := exec.Command(bin, args...)
	n := &serveNode{name: name, base: "http://" + addr, cmd: cmd, log: &logBuf{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = n.log, n.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("node %s log:\n%s", name, n.log.String())
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		r, err := http.Get(n.base + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return n
			}
		}
		select {
		case <-n.done:
			t.Fatalf("node %s exited:\n%s", name, n.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s not ready in 90 s:\n%s", name, n.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill is kill -9.
func (n *serveNode) kill() {
	n.cmd.Process.Kill()
	<-n.done
}

func (n *serveNode) ws(id string) string {
	return "ws" + strings.TrimPrefix(n.base, "http") + "/s/" + id + "/websockify"
}

// create starts session id of image through n.
func (n *serveNode) create(t *testing.T, id, image string) {
	t.Helper()
	r, err := http.PostForm(n.base+"/api/sessions", url.Values{"id": {id}, "image": {image}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 201 && r.StatusCode != 200 {
		t.Fatalf("create %s on %s: %d %s", id, n.name, r.StatusCode, b)
	}
}

// sessions lists the sessions n itself holds.
func (n *serveNode) sessions(t *testing.T) map[string]web.SessionInfo {
	t.Helper()
	r, err := http.Get(n.base + "/api/sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var l []web.SessionInfo
	if err := json.NewDecoder(r.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	out := map[string]web.SessionInfo{}
	for _, s := range l {
		out[s.ID] = s
	}
	return out
}

// metric reads one value of n's /metrics (the first line naming it).
func (n *serveNode) metric(t *testing.T, name string) float64 {
	t.Helper()
	r, err := http.Get(n.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			return v
		}
	}
	t.Fatalf("no metric %s in\n%s", name, b)
	return 0
}

// testStore is the test's own client of the cluster's store.
func testStore(t *testing.T, servers []*server.Server) *Store {
	t.Helper()
	_, js := connect(t, natsURLs(servers))
	s, err := NewStore(context.Background(), js, StoreOptions{Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitCheckpoint waits for a checkpoint of session id saved after since.
func waitCheckpoint(t *testing.T, s *Store, id string, since time.Time, within time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if snap, err := s.Load(SessionName(id)); err == nil && snap.Info.Created.After(since) {
			return snap.Info.Created
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no checkpoint of %s after %v within %v", id, since.Format(time.StampMilli), within)
	return time.Time{}
}

// The demo's screen (mode 13h, scaled to the frame): the band of its echo
// line and key line, and the band of its clock and tick count, which
// change by themselves.
func demoBand(h int, y0, y1 int) (int, int) { return y0 * h / 200, y1 * h / 200 }

func band(fb []byte, w, h, y0, y1 int) []byte {
	a, b := demoBand(h, y0, y1)
	return fb[a*w*4 : b*w*4]
}

// demoReady: the demo drew its screen (its blue background in a corner,
// not a text-mode frame).
func demoReady(fb []byte, w, h int) bool {
	if w < 320 || h < 200 || w == 720 {
		return false
	}
	px := fb[((h-2)*w+1)*4:]
	return px[2] > 0x80 && px[0] < 0x40 && px[1] < 0x40
}

// sameOutsideClock compares two demo screens except the clock and tick
// rows.
func sameOutsideClock(a, b []byte, w, h int) bool {
	y0, y1 := demoBand(h, 50, 92)
	return len(a) == len(b) && bytes.Equal(a[:y0*w*4], b[:y0*w*4]) && bytes.Equal(a[y1*w*4:], b[y1*w*4:])
}

// A session started through node A is viewed through node B (proxied,
// WebSocket included): the same pixels as through A.
func TestClusterViewThroughAnotherNode(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary")
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", natsURLs(servers))
	b := startNode(t, "b", natsURLs(servers))
	a.create(t, "view1", "demo")
	grab(t, a.ws("view1"), 2*time.Minute, demoReady)
	// The demo may still be drawing when its corner first turns blue: look
	// through both nodes until a view through a and the next through b
	// agree (outside the clock), a few seconds at most.
	for try := 1; ; try++ {
		viaA, w, h := grab(t, a.ws("view1"), time.Minute, demoReady)
		viaB, w2, h2 := grab(t, b.ws("view1"), time.Minute, demoReady)
		if w == w2 && h == h2 && sameOutsideClock(viaA, viaB, w, h) {
			break
		}
		if try == 20 {
			t.Fatalf("screens differ: %dx%d through a, %dx%d through b", w, h, w2, h2)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if _, ok := b.sessions(t)["view1"]; ok {
		t.Fatal("node b runs the session too")
	}
	if s := a.sessions(t)["view1"]; s.State != web.StateRunning || s.Viewers != 0 {
		t.Fatalf("on a: %+v", s)
	}
	if v := b.metric(t, "do86_proxied_requests_total"); v < 1 {
		t.Fatalf("b proxied %v requests", v)
	}
}

var sigterm = syscall.SIGTERM

func mustLeaseKV(t *testing.T, s *Store) jetstream.KeyValue {
	t.Helper()
	kv, err := s.js.KeyValue(context.Background(), leaseBucket)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}
