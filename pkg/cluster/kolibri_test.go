package cluster

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display/web"
)

// A KolibriOS desktop in a cluster: its checkpoints (what they send, how
// long they take) and its resume on another node after kill -9 of its
// owner, whose screen is the desktop it left. The figures go to the log
// (RATIONALE.md quotes them).
func TestClusterKolibriDesktop(t *testing.T) {
	t.Parallel()
	testenv.SkipShort(t, "the built do86 binary and the KolibriOS image")
	dir := filepath.Dir(testenv.Image(t, "kolibri.img"))
	servers := StartTestCluster(t, 3)
	a := startNode(t, "a", natsURLs(servers), "--image-dir", dir)
	b := startNode(t, "b", natsURLs(servers), "--image-dir", dir)
	store := testStore(t, servers)
	a.create(t, "kol", "kolibri")
	desktop := func(fb []byte, w, h int) bool { return w == 1024 && h == 768 }
	settled(t, a, "kol", desktop)
	since := time.Now()
	waitCheckpoint(t, store, "kol", since, time.Minute)
	b0, s0, n0 := a.metric(t, "do86_checkpoint_bytes_total"), a.metric(t, "do86_checkpoint_seconds_sum"), a.metric(t, "do86_checkpoint_seconds_count")
	time.Sleep(5 * testCheckpoint)
	b1, s1, n1 := a.metric(t, "do86_checkpoint_bytes_total"), a.metric(t, "do86_checkpoint_seconds_sum"), a.metric(t, "do86_checkpoint_seconds_count")
	snap, err := store.Load(SessionName("kol"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := store.pages.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n1 > n0 {
		t.Logf("KolibriOS desktop: %d distinct pages (%.1f MiB); idle checkpoints send %.0f bytes and take %.0f ms on average (%v apart); the cluster holds %.1f MiB of its pages (deflated)",
			snap.Info.Unique, float64(snap.Info.Bytes)/(1<<20), (b1-b0)/(n1-n0), 1000*(s1-s0)/(n1-n0), testCheckpoint, float64(info.State.Bytes)/(1<<20))
	}
	before, w, h := settled(t, a, "kol", desktop)
	waitCheckpoint(t, store, "kol", time.Now(), time.Minute)
	a.kill()
	t0 := time.Now()
	after, _, _ := grab(t, b.ws("kol"), 3*time.Minute, desktop)
	latency := time.Since(t0)
	if s := b.sessions(t)["kol"]; s.State != web.StateRunning || s.ResumedFrom != SessionName("kol") {
		t.Fatalf("on b: %+v", s)
	}
	// The desktop as it was, save the taskbar's clock: compare the top
	// nine tenths of the screen.
	top := w * 4 * h * 9 / 10
	diff := diffPixels(before, after, top)
	if diff > top/4/100 {
		t.Fatalf("the resumed desktop differs from the one left in %d of %d pixels", diff, top/4)
	}
	waitCheckpoint(t, store, "kol", time.Now(), time.Minute)
	t.Logf("first checkpoint on b after the resume (every page asked of the cluster, none new): %.0f ms, %.0f bytes sent",
		1000*b.metric(t, "do86_checkpoint_seconds_sum")/b.metric(t, "do86_checkpoint_seconds_count"), b.metric(t, "do86_checkpoint_bytes_total")/b.metric(t, "do86_checkpoint_seconds_count"))
	t.Logf("KolibriOS resumed on another node %v after kill -9 of its owner (lease TTL %v; %v after the lease expired at the latest)",
		latency.Round(time.Millisecond), testTTL, (latency - testTTL).Round(time.Millisecond))
}

// diffPixels counts the pixels that differ in the first n bytes.
func diffPixels(a, b []byte, n int) int {
	diff := 0
	for i := 0; i+3 < n && i+3 < len(a) && i+3 < len(b); i += 4 {
		if !bytes.Equal(a[i:i+3], b[i:i+3]) {
			diff++
		}
	}
	return diff
}

// settled waits until session id's screen is wanted and its top nine
// tenths (the taskbar clock left out) stayed the same for 3 s.
func settled(t *testing.T, n *serveNode, id string, ok func([]byte, int, int) bool) ([]byte, int, int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	prev, w, h := grab(t, n.ws(id), 5*time.Minute, ok)
	for time.Now().Before(deadline) {
		time.Sleep(3 * time.Second)
		cur, w2, h2 := grab(t, n.ws(id), time.Minute, ok)
		if w2 == w && h2 == h && diffPixels(prev, cur, w*4*h*9/10) == 0 {
			return cur, w, h
		}
		prev, w, h = cur, w2, h2
	}
	t.Fatal("the screen never settled")
	return nil, 0, 0
}
