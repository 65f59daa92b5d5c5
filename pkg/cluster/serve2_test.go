package cluster

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display/web"
)

// typedDemo starts session id of the demo on n, types text into it and
// waits until the echo line shows it; it returns the screen.
func typedDemo(t *testing.T, n *serveNode, id, text string) ([]byte, int, int) {
	t.Helper()
	n.create(t, id, "demo")
	before, w, h := grab(t, n.ws(id), 2*time.Minute, demoReady)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := dialRFB(ctx, n.ws(id))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.typeText(text); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		fb, w2, h2, err := v.screen()
		if err != nil {
			t.Fatal(err)
		}
		if w2 == w && h2 == h && !bytes.Equal(band(fb, w, h, 112, 134), band(before, w, h, 112, 134)) {
			time.Sleep(500 * time.Millisecond) // every key echoed
			fb, _, _, err = v.screen()
			if err != nil {
				t.Fatal(err)
			}
			return fb, w, h
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the typed text never showed")
	return nil, 0, 0
}

// Kill -9 of the owning node: opening the session on another node brings
// it back from its last checkpoint within the lease TTL and the resume
// time. The text typed before the checkpoint is still on its screen: the
// guest continued, it did not boot again (a fresh demo has an empty echo
// line and prints its ready line on COM1 again).
func TestClusterKillOwnerResumesElsewhere(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary")
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", natsURLs(servers))
	b := startNode(t, "b", natsURLs(servers))
	store := testStore(t, servers)
	typed, w, h := typedDemo(t, a, "kill1", "hello")
	waitCheckpoint(t, store, "kill1", time.Now(), time.Minute)
	a.kill()
	t0 := time.Now()
	resumed, w2, h2 := grab(t, b.ws("kill1"), 2*time.Minute, demoReady)
	latency := time.Since(t0)
	if w2 != w || h2 != h || !bytes.Equal(band(resumed, w, h, 112, 134), band(typed, w, h, 112, 134)) {
		t.Fatal("the session resumed on b does not show the text typed on a")
	}
	s := b.sessions(t)["kill1"]
	if s.State != web.StateRunning || s.ResumedFrom != SessionName("kill1") {
		t.Fatalf("on b: %+v", s)
	}
	t.Logf("resumed on another node %v after kill -9 of its owner (lease TTL %v)", latency.Round(time.Millisecond), testTTL)
}

// Two nodes race to claim the same hibernated session (its node stopped
// and handed it back): exactly one runs it, the other passes its viewer
// on; both viewers see it.
func TestClusterClaimRace(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary")
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", natsURLs(servers))
	b := startNode(t, "b", natsURLs(servers))
	c := startNode(t, "c", natsURLs(servers))
	store := testStore(t, servers)
	typed, w, h := typedDemo(t, a, "race1", "race")
	a.cmd.Process.Signal(sigterm) // drain: a last checkpoint, leases released
	select {
	case <-a.done:
	case <-time.After(time.Minute):
		t.Fatal("a did not stop")
	}
	if !strings.Contains(a.log.String(), "handed off") {
		t.Fatalf("a did not hand the session off:\n%s", a.log.String())
	}
	if _, err := store.Load(SessionName("race1")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	screens := make([][]byte, 2)
	for i, n := range []*serveNode{b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			screens[i], _, _ = grab(t, n.ws("race1"), 2*time.Minute, demoReady)
		}()
	}
	wg.Wait()
	runners := 0
	for _, n := range []*serveNode{b, c} {
		if s, ok := n.sessions(t)["race1"]; ok && s.State == web.StateRunning {
			runners++
		}
	}
	if runners != 1 {
		t.Fatalf("%d nodes run the session", runners)
	}
	for _, fb := range screens {
		if !bytes.Equal(band(fb, w, h, 112, 134), band(typed, w, h, 112, 134)) {
			t.Fatal("a viewer does not see the session as it was handed off")
		}
	}
}

// One NATS server of three dies: the sessions keep running and
// checkpointing.
func TestClusterNATSServerDies(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary")
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", servers[0].ClientURL()+","+servers[1].ClientURL()+","+servers[2].ClientURL())
	store := testStore(t, servers[1:])
	a.create(t, "nats1", "demo")
	grab(t, a.ws("nats1"), 2*time.Minute, demoReady)
	waitCheckpoint(t, store, "nats1", time.Now(), time.Minute)
	servers[0].Shutdown()
	died := time.Now()
	// Checkpoints go on, and after three lease TTLs the session still runs.
	waitCheckpoint(t, store, "nats1", died.Add(time.Second), time.Minute)
	time.Sleep(3 * testTTL)
	last := waitCheckpoint(t, store, "nats1", time.Now(), time.Minute)
	if s := a.sessions(t)["nats1"]; s.State != web.StateRunning {
		t.Fatalf("after a NATS server died: %+v", s)
	}
	if f := a.metric(t, "do86_sessions_fenced_total"); f != 0 {
		t.Fatalf("%v sessions fenced", f)
	}
	t.Logf("checkpoints continued (last %v after the server died)", last.Sub(died).Round(time.Millisecond))
}

// Ten sessions of the same image on two nodes: the pages stored in
// JetStream are far fewer than ten times one session's.
func TestClusterDedup(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary")
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", natsURLs(servers))
	b := startNode(t, "b", natsURLs(servers))
	store := testStore(t, servers)
	for i := range 10 {
		n := a
		if i%2 == 1 {
			n = b
		}
		n.create(t, "dd"+string(rune('0'+i)), "demo")
	}
	for i := range 10 {
		n := a
		if i%2 == 1 {
			n = b
		}
		grab(t, n.ws("dd"+string(rune('0'+i))), 2*time.Minute, demoReady)
	}
	ready := time.Now()
	for i := range 10 {
		waitCheckpoint(t, store, "dd"+string(rune('0'+i)), ready, 2*time.Minute)
	}
	// Stop the nodes, so that no checkpoint lands while the pages are
	// counted: what the manifests name now is all a collection keeps.
	a.kill()
	b.kill()
	sum := 0
	union := map[[32]byte]bool{}
	for i := range 10 {
		snap, err := store.Load(SessionName("dd" + string(rune('0'+i))))
		if err != nil {
			t.Fatal(err)
		}
		sum += snap.Info.Unique
		for _, h := range snap.Memory {
			union[h] = true
		}
	}
	// Pages of the checkpoints taken while the demos booted are garbage
	// now, once older than the grace period. A collection deletes for a
	// quarter of the grace period after reading the manifests and stops:
	// collect until nothing more goes.
	const grace = 2 * time.Second
	time.Sleep(grace + 500*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := store.pages.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := store.GC(ctx, grace); err != nil {
			t.Fatal(err)
		}
		before := info.State.Msgs
		if info, err = store.pages.Info(ctx); err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == before {
			break
		}
	}
	stored := int(info.State.Msgs)
	t.Logf("ten demo sessions name %d pages in all (%d each on average), %d distinct; JetStream holds %d pages (%.1f%% of ten sessions', %d bytes stored)",
		sum, sum/10, len(union), stored, 100*float64(stored)/float64(sum), info.State.Bytes)
	if stored > len(union) {
		t.Errorf("%d pages stored where the manifests name %d distinct ones: a page stored twice, or garbage left", stored, len(union))
	}
	if stored*2 > sum { // the demo is tiny: a third of its pages are its own (stack, timers, the core's tables)
		t.Fatalf("%d pages stored for ten sessions naming %d: not deduplicated", stored, sum)
	}
}

// A manifest that fails its hash is refused with a clear error, and the
// session is not resumed from it on any node.
func TestClusterRefusesDamagedManifest(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary")
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", natsURLs(servers))
	b := startNode(t, "b", natsURLs(servers))
	store := testStore(t, servers)
	a.create(t, "bad1", "demo")
	grab(t, a.ws("bad1"), 2*time.Minute, demoReady)
	waitCheckpoint(t, store, "bad1", time.Now(), time.Minute)
	a.kill()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := store.manifests.Get(ctx, manifestKey(SessionName("bad1")))
	if err != nil {
		t.Fatal(err)
	}
	v := bytes.Clone(e.Value())
	v[len(v)/2] ^= 0x01
	if _, err := store.manifests.Put(ctx, manifestKey(SessionName("bad1")), v); err != nil {
		t.Fatal(err)
	}
	time.Sleep(testTTL + time.Second) // a's lease expires
	r, err := http.Get(b.base + "/s/bad1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "does not match its hash") {
		t.Fatalf("opening the damaged session: %d %s", r.StatusCode, body)
	}
	if _, ok := b.sessions(t)["bad1"]; ok {
		t.Fatal("b took the damaged session")
	}
	if owner, owned, _ := (&leases{kv: mustLeaseKV(t, store)}).get(ctx, sessionKey("bad1")); owned {
		t.Fatalf("the damaged session's lease is held by %s", owner.Node)
	}
}
