package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// realSnapshots saves real machines in store and resumes them with the
// configuration they were booted with, as do86 serve does.
func realSnapshots(ms *machines, store *pager.Store) web.SnapshotFunc {
	return func(ctx context.Context, m web.Machine, name string) (web.ResumeFunc, error) {
		rm := m.(*realMachine)
		if _, err := rm.SaveSnapshot(ctx, store, name); err != nil {
			return nil, err
		}
		cfg, image := rm.cfg, rm.image
		return func(ctx context.Context, serial io.Writer) (web.Machine, error) {
			c := cfg
			c.Serial = serial
			m, err := emu.Resume(c, store, name)
			if err != nil {
				return nil, err
			}
			nm := &realMachine{Machine: m, cfg: c, image: image}
			ms.mu.Lock()
			ms.by[image] = nm
			ms.resumes++
			ms.mu.Unlock()
			return nm, nil
		}, nil
	}
}

func tempStore(t *testing.T) *pager.Store {
	t.Helper()
	st, err := pager.Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func hasSnapshot(t *testing.T, st *pager.Store, name string) bool {
	t.Helper()
	list, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		if in.Name == name {
			return true
		}
	}
	return false
}

// sessionInfo returns /api/sessions' entry for id.
func sessionInfo(t *testing.T, base, id string) web.SessionInfo {
	t.Helper()
	var all []web.SessionInfo
	getJSON(t, base+"/api/sessions", &all)
	for _, in := range all {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("session %s is not listed: %+v", id, all)
	return web.SessionInfo{}
}

// waitSession polls /api/sessions until id's entry satisfies cond.
func waitSession(t *testing.T, base, id, what string, cond func(web.SessionInfo) bool) web.SessionInfo {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		in := sessionInfo(t, base, id)
		if cond(in) {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, in)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHibernateDemo: a demo session nobody watches for --idle is saved to
// the store and freed, listed as hibernated; a viewer coming back gets a
// keyframe at once and the guest continues in mode 13h (a reboot would
// pass through the BIOS's text mode first) with its clock running; stopping
// the session deletes the snapshot.
func TestHibernateDemo(t *testing.T) {
	testenv.SkipShort(t, "the CPU core and SeaBIOS")
	store := tempStore(t)
	defer store.Close()
	ms := newMachines()
	srv := web.New(web.Options{Boot: realBoot(ms), Snapshot: realSnapshots(ms, store), DeleteSnapshot: store.Delete,
		Hibernate: true, Idle: time.Second, Logf: t.Logf})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	if code, body := startSession(t, hs.URL, "h1", "demo"); code != http.StatusCreated {
		t.Fatalf("start: %d %s", code, body)
	}
	ws := "ws" + hs.URL[4:] + "/s/h1/ws"
	cl := dialClient(t, ws, false)
	cl.waitFor("mode 13h", 20*time.Second, func() bool { return cl.fb != nil && cl.fb.Width == 320 })
	first := ms.get("demo")
	// Stay a while: a viewer keeps it from hibernating.
	time.Sleep(1500 * time.Millisecond)
	if in := sessionInfo(t, hs.URL, "h1"); in.State != web.StateRunning || in.Viewers != 1 {
		t.Fatalf("watched session: %+v", in)
	}
	cl.c.Close(websocket.StatusNormalClosure, "bye")
	in := waitSession(t, hs.URL, "h1", "hibernation", func(in web.SessionInfo) bool { return in.State == web.StateHibernated })
	if in.Viewers != 0 || in.MIPS != 0 {
		t.Errorf("hibernated session: %+v", in)
	}
	if !hasSnapshot(t, store, "serve/h1") {
		t.Fatal("no snapshot serve/h1 in the store")
	}
	// It stays hibernated however long nobody comes.
	time.Sleep(1500 * time.Millisecond)
	if in := sessionInfo(t, hs.URL, "h1"); in.State != web.StateHibernated {
		t.Fatalf("after a further idle period: %+v", in)
	}

	cl2 := dialClient(t, ws, false)
	cl2.waitFor("a keyframe", 10*time.Second, func() bool { return len(cl2.frames) > 0 })
	cl2.mu.Lock()
	key := cl2.frames[0].keyframe
	cl2.mu.Unlock()
	if !key {
		t.Error("the first frame after coming back is not a keyframe")
	}
	in = waitSession(t, hs.URL, "h1", "the resume", func(in web.SessionInfo) bool { return in.State == web.StateRunning })
	if in.ResumedFrom != "serve/h1" {
		t.Errorf("resumed session: %+v", in)
	}
	if ms.get("demo") == first {
		t.Fatal("the session runs the machine it hibernated")
	}
	// The resumed machine's screen arrives and keeps changing (its PIT
	// tick counter and clock advance).
	cl2.waitFor("the resumed machine's frames", 10*time.Second, func() bool {
		n := 0
		for _, s := range cl2.states {
			if s == "running" {
				n++
			}
		}
		return n > 0 && len(cl2.frames) > 3
	})
	cl2.mu.Lock()
	a := cloneFrame(cl2.fb)
	cl2.mu.Unlock()
	cl2.waitFor("the screen to change", 10*time.Second, func() bool { return !sameRGB(cl2.fb, a) })
	cl2.mu.Lock()
	modes := append([]string(nil), cl2.modes...)
	states := append([]string(nil), cl2.states...)
	cl2.mu.Unlock()
	for _, m := range modes {
		if m != "320x200" {
			t.Errorf("modes after coming back %v: the guest rebooted rather than resumed", modes)
			break
		}
	}
	t.Logf("states after coming back: %v", states)
	ms.mu.Lock()
	boots, resumes := ms.boots, ms.resumes
	ms.mu.Unlock()
	if boots != 1 || resumes != 1 {
		t.Errorf("%d boots, %d resumes; want 1 and 1", boots, resumes)
	}

	// A second round: the resumed machine hibernates and comes back too.
	cl2.c.Close(websocket.StatusNormalClosure, "bye")
	waitSession(t, hs.URL, "h1", "the second hibernation", func(in web.SessionInfo) bool { return in.State == web.StateHibernated })
	cl3 := dialClient(t, ws, false)
	waitSession(t, hs.URL, "h1", "the second resume", func(in web.SessionInfo) bool { return in.State == web.StateRunning })
	cl3.waitFor("frames after the second resume", 10*time.Second, func() bool { return len(cl3.frames) > 3 })
	cl3.mu.Lock()
	b := cloneFrame(cl3.fb)
	cl3.mu.Unlock()
	cl3.waitFor("the screen to change after the second resume", 10*time.Second, func() bool { return !sameRGB(cl3.fb, b) })
	ms.mu.Lock()
	boots, resumes = ms.boots, ms.resumes
	ms.mu.Unlock()
	if boots != 1 || resumes != 2 {
		t.Errorf("%d boots, %d resumes; want 1 and 2", boots, resumes)
	}

	req, _ := http.NewRequest(http.MethodDelete, hs.URL+"/api/sessions/h1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if hasSnapshot(t, store, "serve/h1") {
		t.Error("the snapshot outlived its session")
	}
}

// TestHibernateOff: with Hibernate false an idle session stops, as before.
func TestHibernateOff(t *testing.T) {
	testenv.SkipShort(t, "the CPU core and SeaBIOS")
	store := tempStore(t)
	defer store.Close()
	ms := newMachines()
	srv := web.New(web.Options{Boot: realBoot(ms), Snapshot: realSnapshots(ms, store), DeleteSnapshot: store.Delete,
		Idle: 300 * time.Millisecond, Logf: t.Logf})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	if _, err := srv.Start("off", "demo"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, ok := srv.Session("off"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle session was never stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if list, _ := store.List(); len(list) != 0 {
		t.Errorf("snapshots without hibernation: %v", list)
	}
}

// TestWarmStartDemo: the server boots the demo once, saves it as
// warm/demo when it is ready (here: once it shows mode 13h), and a session
// opened after that resumes it instead of booting: its very first screen
// is the demo's 320x200 one, not the BIOS's text.
func TestWarmStartDemo(t *testing.T) {
	testenv.SkipShort(t, "the CPU core and SeaBIOS")
	store := tempStore(t)
	defer store.Close()
	ms := newMachines()
	inMode13h := func(ctx context.Context, image string, m web.Machine) error {
		for {
			if f := hubFrame(m.Hub()); f != nil && f.Width == 320 {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	t0 := time.Now()
	srv := web.New(web.Options{Boot: realBoot(ms), Snapshot: realSnapshots(ms, store), DeleteSnapshot: store.Delete,
		Hibernate: true, Warm: []string{"demo"}, WarmReady: inMode13h, Logf: t.Logf})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	for !srv.Warmed("demo") {
		if time.Since(t0) > 30*time.Second {
			t.Fatal("the warm snapshot never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("warm/demo ready after %v", time.Since(t0))
	if !hasSnapshot(t, store, "warm/demo") {
		t.Fatal("no snapshot warm/demo in the store")
	}
	if code, body := startSession(t, hs.URL, "w1", "demo"); code != http.StatusCreated {
		t.Fatalf("start: %d %s", code, body)
	}
	cl := dialClient(t, "ws"+hs.URL[4:]+"/s/w1/ws", false)
	cl.waitFor("the first frame", 10*time.Second, func() bool { return len(cl.frames) > 0 })
	cl.mu.Lock()
	first := cloneFrame(cl.fb)
	cl.mu.Unlock()
	if first.Width != 320 || first.Height != 200 {
		t.Errorf("the first frame is %dx%d, not the warm demo's 320x200", first.Width, first.Height)
	}
	in := sessionInfo(t, hs.URL, "w1")
	if in.State != web.StateRunning || in.ResumedFrom != "warm/demo" {
		t.Errorf("warm-started session: %+v", in)
	}
	cl.waitFor("the clock to tick", 10*time.Second, func() bool { return !sameRGB(cl.fb, first) })
	ms.mu.Lock()
	boots, resumes := ms.boots, ms.resumes
	ms.mu.Unlock()
	if boots != 1 || resumes != 1 {
		t.Errorf("%d boots (the warm one only, want 1), %d resumes (want 1)", boots, resumes)
	}
}

// TestScreenSettled: the default warm-start readiness waits for a first
// frame and then a screen that changes little (a ticking clock) for the
// given time while the guest is mostly halted, or four times as long when
// it computes behind a still screen; a screen redrawn all over, or none at
// all, is never ready.
func TestScreenSettled(t *testing.T) {
	const quiet = 200 * time.Millisecond
	tests := []struct {
		name  string
		tiles int // tiles of the 64×64-tile screen changed every 10 ms; -1: no frame at all
		busy  bool
		wait  time.Duration
		ready bool
	}{
		{"clock ticking", 3, false, 3 * quiet, true},
		{"still", 0, false, 3 * quiet, true},
		{"still but busy, not yet", 0, true, 3 * quiet, false},
		{"still but busy, long", 0, true, 6 * quiet, true},
		{"redrawn all over", 64 * 48, false, 4 * quiet, false},
		{"a fifth changing", 64 * 48 / 5, false, 4 * quiet, false},
		{"no frame", -1, false, 4 * quiet, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &fakeMachine{hub: display.NewHub(), idle: !tc.busy}
			ctx, cancel := context.WithTimeout(context.Background(), tc.wait)
			defer cancel()
			f := display.NewFrame(1024, 768)
			if tc.tiles >= 0 {
				m.publish(f, nil)
				go func() {
					for n := byte(1); ctx.Err() == nil; n++ {
						d := display.NewTileSet(f.Width, f.Height)
						for i := 0; i < tc.tiles; i++ {
							x, y := i%64*16, i/64*16
							f.Pix[(y*f.Width+x)*4] = n
							d.Add(x/16, y/16)
						}
						m.publish(f, d)
						time.Sleep(10 * time.Millisecond)
					}
				}()
			}
			t0 := time.Now()
			err := web.ScreenSettled(quiet)(ctx, "x", m)
			if got := err == nil; got != tc.ready {
				t.Fatalf("ready %v after %v (%v), want %v", got, time.Since(t0), err, tc.ready)
			}
			if tc.ready && time.Since(t0) < quiet {
				t.Errorf("ready after %v, before the %v of quiet", time.Since(t0), quiet)
			}
		})
	}
}
