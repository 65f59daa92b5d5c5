package web_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// fakeSaves records what a cluster-style server saves and deletes.
type fakeSaves struct {
	mu      sync.Mutex
	saves   map[string]int
	deletes []string
	ended   []string
	resumed int
}

func newFakeSaves() *fakeSaves { return &fakeSaves{saves: map[string]int{}} }

func (f *fakeSaves) snapshot(ctx context.Context, m web.Machine, name string) (web.ResumeFunc, error) {
	f.mu.Lock()
	f.saves[name]++
	f.mu.Unlock()
	return f.resume, nil
}

func (f *fakeSaves) resume(ctx context.Context, serial io.Writer) (web.Machine, error) {
	f.mu.Lock()
	f.resumed++
	f.mu.Unlock()
	return &fakeMachine{image: "resumed", hub: display.NewHub(), serial: serial, crash: make(chan error, 1)}, nil
}

func (f *fakeSaves) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saves[name]
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Running sessions are checkpointed every Options.Checkpoint; Fence stops a
// session without deleting its snapshot; Adopt makes a hibernated session
// that its first viewer resumes; Drain saves a running session and forgets
// it, snapshot kept; Ended hears of each.
func TestClusterHooks(t *testing.T) {
	t.Parallel()
	f := newFakeSaves()
	var r *rig
	r = newRig(t, web.Options{Snapshot: f.snapshot, Checkpoint: 30 * time.Millisecond, Idle: -1,
		DeleteSnapshot: func(name string) error { f.mu.Lock(); f.deletes = append(f.deletes, name); f.mu.Unlock(); return nil },
		Ended:          func(id string) { f.mu.Lock(); f.ended = append(f.ended, id); f.mu.Unlock() }})
	if _, err := r.srv.Start("c1", "img"); err != nil {
		t.Fatal(err)
	}
	r.machine("img")
	waitFor(t, "two checkpoints", func() bool { return f.count("serve/c1") >= 2 })

	if !r.srv.Fence("c1", "test") {
		t.Fatal("no session to fence")
	}
	if _, ok := r.srv.Session("c1"); ok {
		t.Fatal("a fenced session is still listed")
	}
	f.mu.Lock()
	if len(f.deletes) != 0 || len(f.ended) != 1 || f.ended[0] != "c1" {
		t.Fatalf("after fencing: deletes %v, ended %v", f.deletes, f.ended)
	}
	f.mu.Unlock()

	sess, err := r.srv.Adopt("c2", "img", "serve/c2", f.resume)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := sess.State(); st != web.StateHibernated {
		t.Fatalf("adopted session is %s", st)
	}
	if _, err := r.srv.Adopt("c2", "img", "serve/c2", f.resume); err != web.ErrExists {
		t.Fatalf("adopting twice: %v", err)
	}
	cl := dialClient(t, r.wsURL("/s/c2/ws"), false)
	waitFor(t, "the adopted session resumed", func() bool { st, _ := sess.State(); return st == web.StateRunning })
	cl.c.CloseNow()
	if n := r.srv.Drain(context.Background()); n != 1 {
		t.Fatalf("drained %d sessions", n)
	}
	if _, ok := r.srv.Session("c2"); ok {
		t.Fatal("a drained session is still listed")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resumed != 1 || f.saves["serve/c2"] < 1 || len(f.deletes) != 0 || len(f.ended) != 2 {
		t.Fatalf("resumed %d, saves %v, deletes %v, ended %v", f.resumed, f.saves, f.deletes, f.ended)
	}
}
