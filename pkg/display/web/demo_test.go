package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// TestDemoEndToEnd boots the embedded demo (its clock changes every
// second) in a session: a viewer's keyframe is the machine's screen, and
// the deltas that follow reproduce its later screens exactly.
func TestDemoEndToEnd(t *testing.T) {
	testenv.SkipShort(t, "the CPU core and SeaBIOS")
	ms := newMachines()
	srv := web.New(web.Options{Boot: realBoot(ms), Logf: t.Logf})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	if code, body := startSession(t, hs.URL, "demo1", "demo"); code != http.StatusCreated {
		t.Fatalf("start: %d %s", code, body)
	}
	cl := dialClient(t, "ws"+hs.URL[4:]+"/s/demo1/ws", false)
	cl.waitFor("the first frame", 20*time.Second, func() bool { return len(cl.frames) > 0 })
	cl.mu.Lock()
	first := cl.frames[0]
	cl.mu.Unlock()
	if !first.keyframe {
		t.Fatal("the first frame is not a keyframe")
	}
	m := ms.get("demo")
	// matches waits until the viewer shows the hub's screen exactly; the
	// screen changes on its own, so compare snapshots until they agree.
	matches := func(what string) *display.Frame {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			want := hubFrame(m.Hub())
			cl.mu.Lock()
			same := sameRGB(cl.fb, want)
			cl.mu.Unlock()
			if same {
				return want
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s: the viewer never showed the machine's screen", what)
		return nil
	}
	matches("after the keyframe")
	// The demo program switches from the BIOS's text mode to mode 13h.
	deadline := time.Now().Add(20 * time.Second)
	for f := hubFrame(m.Hub()); f == nil || f.Width != 320; f = hubFrame(m.Hub()) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo never switched to 320x200: %v", f != nil)
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := matches("after the mode change")
	cl.mu.Lock()
	before := len(cl.frames)
	cl.mu.Unlock()
	deadline = time.Now().Add(10 * time.Second)
	for sameRGB(hubFrame(m.Hub()), a) {
		if time.Now().After(deadline) {
			t.Fatal("the demo's clock does not change")
		}
		time.Sleep(50 * time.Millisecond)
	}
	b := matches("after the clock ticked")
	cl.mu.Lock()
	deltas, keys := 0, 0
	for _, f := range cl.frames[before:] {
		if f.keyframe {
			keys++
		} else {
			deltas++
		}
	}
	cl.mu.Unlock()
	if sameRGB(a, b) || deltas == 0 || keys != 0 {
		t.Errorf("after the mode change: %d deltas, %d keyframes; the screen changed: %v", deltas, keys, !sameRGB(a, b))
	}
	var st web.SessionStats
	getJSON(t, hs.URL+"/api/stats/demo1", &st)
	t.Logf("demo: %dx%d, %d frames (%d bytes, %d keyframes) in %.1f s; %.0f MIPS",
		b.Width, b.Height, st.Clients[0].Frames, st.Clients[0].Bytes, st.Clients[0].Keyframes, st.Uptime, st.MIPS)
	if st.State != web.StateRunning || st.Viewers != 1 {
		t.Errorf("stats: %+v", st)
	}
}
