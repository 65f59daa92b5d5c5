package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// startSession boots image as session id as the page does: a POST to
// /api/sessions (a GET boots nothing).
func startSession(t testing.TB, base, id, image string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(base+"/api/sessions", neturl.Values{"id": {id}, "image": {image}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t testing.TB, url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func getJSON(t testing.TB, url string, v any) int {
	code, body := get(t, url)
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %v\n%s", url, err, body)
		}
	}
	return code
}

// busyFrame paints every tile of f with a random pattern.
func busyFrame(f *display.Frame, rng *rand.Rand) {
	for y := 0; y < f.Height; y += 16 {
		for x := 0; x < f.Width; x += 16 {
			paint(f, x, y, 16, 16, kinds[rng.IntN(len(kinds))], rng)
		}
	}
}

// TestKeyframeThenExactDeltas: a viewer's first frame is the machine's
// screen, and the deltas after it reproduce each later screen exactly,
// through changes, a resize and a request for a keyframe.
func TestKeyframeThenExactDeltas(t *testing.T) {
	r := newRig(t, web.Options{})
	if code, body := get(t, r.hs.URL+"/s/exact?image=fake-exact"); code != 200 || !strings.Contains(body, `"/s/exact/ws"`) {
		t.Fatalf("session page: %d\n%s", code, body)
	}
	if code, body := startSession(t, r.hs.URL, "exact", "fake-exact"); code != http.StatusCreated {
		t.Fatalf("start: %d %s", code, body)
	}
	m := r.machine("fake-exact")
	rng := rand.New(rand.NewPCG(1, 1))
	f := display.NewFrame(100, 70)
	busyFrame(f, rng)
	m.publish(f, nil)

	cl := dialClient(t, r.wsURL("/s/exact/ws"), false)
	cl.waitScreen(f, 5*time.Second)
	cl.mu.Lock()
	first := cl.frames[0]
	cl.mu.Unlock()
	if !first.keyframe {
		t.Fatal("the first frame is not a keyframe")
	}
	for step := 0; step < 60; step++ {
		d := display.NewTileSet(f.Width, f.Height)
		x, y, w, h := rng.IntN(f.Width), rng.IntN(f.Height), 1+rng.IntN(30), 1+rng.IntN(30)
		paint(f, x, y, w, h, kinds[rng.IntN(len(kinds))], rng)
		d.AddRect(x, y, w, h)
		m.publish(f, d)
		if step%3 == 0 { // sometimes wait, sometimes let changes pile up
			cl.waitScreen(f, 5*time.Second)
		}
	}
	cl.waitScreen(f, 5*time.Second)

	// A mode change: announced, then a keyframe of the new size.
	big := display.NewFrame(320, 200)
	busyFrame(big, rng)
	m.publish(big, nil)
	cl.waitScreen(big, 5*time.Second)
	cl.mu.Lock()
	modes, last := cl.modes, cl.frames[len(cl.frames)-1]
	cl.mu.Unlock()
	if len(modes) != 2 || modes[0] != "100x70" || modes[1] != "320x200" || !last.keyframe {
		t.Errorf("modes %v, last frame keyframe %v", modes, last.keyframe)
	}
	// A keyframe on request.
	n := cl.frameCount()
	cl.send([]byte{web.MsgRefresh})
	cl.waitFor("a keyframe on request", 5*time.Second, func() bool {
		return len(cl.frames) > n && cl.frames[len(cl.frames)-1].keyframe
	})
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if !sameRGB(cl.fb, big) {
		t.Error("the refreshed screen differs")
	}
}

// TestTwoViewers: both viewers of a session see its frames; one leaving
// abruptly leaves the other unaffected.
func TestTwoViewers(t *testing.T) {
	r := newRig(t, web.Options{})
	if _, err := r.srv.Start("two", "fake-two"); err != nil {
		t.Fatal(err)
	}
	m := r.machine("fake-two")
	rng := rand.New(rand.NewPCG(2, 2))
	f := display.NewFrame(64, 48)
	busyFrame(f, rng)
	m.publish(f, nil)
	a := dialClient(t, r.wsURL("/s/two/ws"), false)
	b := dialClient(t, r.wsURL("/s/two/ws?deflate=0"), false) // as a browser without DecompressionStream
	a.waitScreen(f, 5*time.Second)
	b.waitScreen(f, 5*time.Second)
	b.mu.Lock()
	if b.frames[0].bodyLen != b.frames[0].msgLen-web.FrameHeaderSize {
		t.Errorf("?deflate=0: a body of %d bytes in a message of %d", b.frames[0].bodyLen, b.frames[0].msgLen)
	}
	b.mu.Unlock()
	var st web.SessionStats
	getJSON(t, r.hs.URL+"/api/stats/two", &st)
	if st.Viewers != 2 || len(st.Clients) != 2 || st.MIPS != 42 {
		t.Errorf("stats with two viewers: %+v", st)
	}

	a.c.CloseNow()
	for i := 0; i < 20; i++ {
		busyFrame(f, rng)
		m.publish(f, nil)
		time.Sleep(5 * time.Millisecond)
	}
	b.waitScreen(f, 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		getJSON(t, r.hs.URL+"/api/stats/two", &st)
		if st.Viewers == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("viewers %d after one left", st.Viewers)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.Clients[0].Frames < 2 || st.Clients[0].Bytes == 0 {
		t.Errorf("the remaining viewer's numbers: %+v", st.Clients[0])
	}
}

// TestInputReachesMachine: keys, mouse, Ctrl-Alt-Del, pasted text (typed)
// and COM1 text from a viewer reach the machine; COM1 output reaches every viewer, and a viewer
// arriving later gets the scrollback.
func TestInputReachesMachine(t *testing.T) {
	r := newRig(t, web.Options{})
	r.srv.Start("in", "fake-in")
	m := r.machine("fake-in")
	cl := dialClient(t, r.wsURL("/s/in/ws"), false)
	for _, msg := range [][]byte{
		web.KeyMessage("KeyA", true), web.KeyMessage("KeyA", false),
		web.KeyMessage("Pause", true), // no PC key: ignored
		web.KeyMessage("ArrowLeft", true),
		{web.MsgCtrlAltDel},
		web.MouseMessage(5, -7, 1, 1),
		web.PointerMessage(100, 200, 1024, 768, -1, 2),
		web.SerialMessage([]byte("root\r")),
		append([]byte{web.MsgPaste}, "b\n"...), // typed: B, Enter
	} {
		if err := cl.send(msg); err != nil {
			t.Fatal(err)
		}
	}
	want := "1e+ 1e- e04b+ 1d+ 38+ e053+ e053- 38- 1d- 30+ 30- 1c+ 1c-"
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		keys, mice, ptrs, typed := strings.Join(m.keys, " "), m.mice, m.pointers, string(m.typed)
		m.mu.Unlock()
		if keys == want && len(mice) == 1 && mice[0] == [4]int{5, -7, 1, 1} &&
			len(ptrs) == 1 && ptrs[0] == [6]int{100, 200, 1024, 768, -1, 2} && typed == "root\r" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("machine got keys %q (want %q), mouse %v, pointer %v, serial %q", keys, want, mice, ptrs, typed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.serial.Write([]byte("login: "))
	cl.waitFor("serial output", 5*time.Second, func() bool { return string(cl.serial) == "login: " })
	late := dialClient(t, r.wsURL("/s/in/ws"), false)
	m.serial.Write([]byte("ok"))
	late.waitFor("the scrollback", 5*time.Second, func() bool { return string(late.serial) == "login: ok" })
}

// TestRefusals: malformed and oversized messages close that connection
// with a status saying why; bad ids, unknown sessions and text messages are
// refused; the server, the session's other viewers and other sessions go on.
func TestRefusals(t *testing.T) {
	r := newRig(t, web.Options{})
	r.srv.Start("ok", "fake-ok")
	r.srv.Start("other", "fake-other")
	m := r.machine("fake-ok")
	f := display.NewFrame(32, 32)
	m.publish(f, nil)
	r.machine("fake-other").publish(f, nil)
	bystander := dialClient(t, r.wsURL("/s/ok/ws"), false)
	bystander.waitScreen(f, 5*time.Second)

	tests := []struct {
		name string
		typ  websocket.MessageType
		msg  []byte
		code websocket.StatusCode
	}{
		{"unknown type", websocket.MessageBinary, []byte{0x55, 1, 2}, websocket.StatusPolicyViolation},
		{"bad key", websocket.MessageBinary, []byte{web.MsgKey, 1, '<', '>'}, websocket.StatusPolicyViolation},
		{"short mouse", websocket.MessageBinary, []byte{web.MsgMouse, 1}, websocket.StatusPolicyViolation},
		{"ack from the future", websocket.MessageBinary, web.AckMessage(1000), websocket.StatusPolicyViolation},
		{"text", websocket.MessageText, []byte(`{"type":"key"}`), websocket.StatusUnsupportedData},
		{"oversized", websocket.MessageBinary, append([]byte{web.MsgSerialIn}, make([]byte, web.MaxClientMessage+100)...), websocket.StatusMessageTooBig},
	}
	for _, tt := range tests {
		cl := dialClient(t, r.wsURL("/s/ok/ws"), false)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cl.c.Write(ctx, tt.typ, tt.msg)
		cancel()
		cl.waitFor(tt.name+": the connection closed", 5*time.Second, func() bool { return cl.closeErr != nil })
		if got := websocket.CloseStatus(cl.closeErr); got != tt.code {
			t.Errorf("%s: closed with %v (%v), want %v", tt.name, got, cl.closeErr, tt.code)
		}
	}
	for _, id := range []string{"bad!id", strings.Repeat("x", 65), "a.b"} {
		if code, body := get(t, r.hs.URL+"/s/"+id+"?image=fake-x"); code != http.StatusBadRequest || !strings.Contains(body, "bad session id") {
			t.Errorf("page of id %q: %d %q", id, code, body)
		}
		if code, _ := get(t, r.hs.URL+"/s/"+id+"/ws"); code != http.StatusBadRequest {
			t.Errorf("WebSocket of id %q: %d", id, code)
		}
	}
	if code, _ := get(t, r.hs.URL+"/s/nosuch/ws"); code != http.StatusNotFound {
		t.Errorf("WebSocket of an unknown session: %d", code)
	}
	if code, body := get(t, r.hs.URL+"/s/nosuch"); code != http.StatusNotFound || !strings.Contains(body, "image=") {
		t.Errorf("page of an unknown session without an image: %d %q", code, body)
	}
	// Everyone else is fine.
	g := display.NewFrame(32, 32)
	busyFrame(g, rand.New(rand.NewPCG(3, 3)))
	m.publish(g, nil)
	bystander.waitScreen(g, 5*time.Second)
	other := dialClient(t, r.wsURL("/s/other/ws"), false)
	other.waitScreen(f, 5*time.Second)
	var list []web.SessionInfo
	if getJSON(t, r.hs.URL+"/api/sessions", &list); len(list) != 2 {
		t.Errorf("sessions after the refusals: %+v", list)
	}
}

// TestLifecycle: --max-sessions refuses a session too many (503, with the
// reason on the page), DELETE stops one (its viewers are told), a crash
// shows as a state, and a session nobody watches stops after --idle.
func TestLifecycle(t *testing.T) {
	r := newRig(t, web.Options{MaxSessions: 2, Idle: 400 * time.Millisecond})
	r.srv.Start("a", "fake-a")
	r.srv.Start("b", "fake-b")
	ca := dialClient(t, r.wsURL("/s/a/ws"), false)
	cb := dialClient(t, r.wsURL("/s/b/ws"), false)
	code, body := startSession(t, r.hs.URL, "c", "fake-c")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "--max-sessions") {
		t.Errorf("a third session: %d %q", code, body)
	}

	// A crash: the viewer is told, the session stays (and no longer counts).
	r.machine("fake-b").crash <- errors.New("core: the CPU core crashed: unreachable")
	cb.waitFor("the crash", 5*time.Second, func() bool {
		return len(cb.states) > 0 && strings.HasPrefix(cb.states[len(cb.states)-1], "crashed: core: the CPU core crashed")
	})
	if !r.machine("fake-b").closed.Load() {
		t.Error("the crashed machine was not closed")
	}
	if code, body := get(t, r.hs.URL+"/s/b"); code != 200 || !strings.Contains(body, "fake-b") {
		t.Errorf("the crashed session's page: %d", code)
	}
	if code, _ := startSession(t, r.hs.URL, "c", "fake-c"); code != http.StatusCreated {
		t.Errorf("a session in place of the crashed one: %d", code)
	}

	// DELETE: its viewer hears why and is disconnected.
	req, _ := http.NewRequest(http.MethodDelete, r.hs.URL+"/api/sessions/a", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("DELETE: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	ca.waitFor("the stop", 5*time.Second, func() bool { return ca.closeErr != nil })
	if got := ca.states[len(ca.states)-1]; got != "stopped: stopped by request" {
		t.Errorf("last state %q", got)
	}
	if code, _ := get(t, r.hs.URL+"/api/stats/a"); code != http.StatusNotFound {
		t.Errorf("stats of a stopped session: %d", code)
	}
	if !r.machine("fake-a").closed.Load() {
		t.Error("the stopped machine was not closed")
	}

	// Idle: c has never had a viewer; b's viewer leaves. Both go.
	cb.c.CloseNow()
	deadline := time.Now().Add(5 * time.Second)
	var list []web.SessionInfo
	for {
		getJSON(t, r.hs.URL+"/api/sessions", &list)
		if len(list) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions still there after idling: %+v", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !r.machine("fake-c").closed.Load() {
		t.Error("the idle machine was not closed")
	}
}

// TestBootFailure: a machine that cannot be built shows why.
func TestBootFailure(t *testing.T) {
	r := newRig(t, web.Options{})
	r.bootErr["fake-broken"] = errors.New("broken.img is a directory, not a disk image")
	if code, _ := startSession(t, r.hs.URL, "x", "fake-broken"); code != http.StatusCreated {
		t.Fatalf("start: %d", code)
	}
	cl := dialClient(t, r.wsURL("/s/x/ws"), false)
	cl.waitFor("the failure", 5*time.Second, func() bool {
		return len(cl.states) > 0 && cl.states[len(cl.states)-1] == "failed: broken.img is a directory, not a disk image"
	})
}

// TestBackpressure: a viewer that stops acknowledging frames gets no more
// than the window; the machine and the other viewer do not notice; once it
// acknowledges again it catches up with a keyframe.
func TestBackpressure(t *testing.T) {
	r := newRig(t, web.Options{MaxFPS: 1000})
	r.srv.Start("bp", "fake-bp")
	m := r.machine("fake-bp")
	rng := rand.New(rand.NewPCG(4, 4))
	f := display.NewFrame(128, 96)
	busyFrame(f, rng)
	m.publish(f, nil)
	slow := dialClient(t, r.wsURL("/s/bp/ws"), true)
	fast := dialClient(t, r.wsURL("/s/bp/ws"), false)
	slow.waitScreen(f, 5*time.Second)
	fast.waitScreen(f, 5*time.Second)
	start := time.Now()
	for i := 0; i < 200; i++ {
		busyFrame(f, rng)
		m.publish(f, nil)
		time.Sleep(time.Millisecond)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("publishing 200 frames took %v", d)
	}
	fast.waitScreen(f, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if n := slow.frameCount(); n > 3 {
		t.Errorf("the slow viewer got %d frames without acknowledging", n)
	}
	if n := fast.frameCount(); n < 10 {
		t.Errorf("the fast viewer got only %d frames", n)
	}
	slow.mu.Lock()
	seq := slow.frames[len(slow.frames)-1].seq
	slow.mu.Unlock()
	slow.send(web.AckMessage(seq))
	slow.waitScreen(f, 5*time.Second)
	slow.mu.Lock()
	last := slow.frames[len(slow.frames)-1]
	slow.mu.Unlock()
	if !last.keyframe {
		t.Error("the viewer that fell behind did not get a keyframe")
	}
	var st web.SessionStats
	getJSON(t, r.hs.URL+"/api/stats/bp", &st)
	if st.Clients[0].Dropped == 0 {
		t.Errorf("no dropped frames counted for the slow viewer: %+v", st.Clients[0])
	}
}

// TestDeadViewerDropped: a viewer that answers no ping is dropped.
func TestDeadViewerDropped(t *testing.T) {
	r := newRig(t, web.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	r.srv.Start("dead", "fake-dead")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A client that never reads never answers a ping.
	c, _, err := websocket.Dial(ctx, r.wsURL("/s/dead/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	var st web.SessionStats
	deadline := time.Now().Add(5 * time.Second)
	for seen := false; ; {
		getJSON(t, r.hs.URL+"/api/stats/dead", &st)
		if st.Viewers == 1 {
			seen = true
		}
		if seen && st.Viewers == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead viewer is still there: %d viewers (seen %v)", st.Viewers, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeFile(p string) error { return os.WriteFile(p, make([]byte, 512), 0o644) }

// TestStatsTellAbsolutePointer: the stats messages say whether the guest
// drives an absolute pointer, which the page follows (no pointer lock).
func TestStatsTellAbsolutePointer(t *testing.T) {
	r := newRig(t, web.Options{})
	r.srv.Start("abs", "fake-abs")
	m := r.machine("fake-abs")
	cl := dialClient(t, r.wsURL("/s/abs/ws"), false)
	cl.waitFor("a stats message", 10*time.Second, func() bool { return len(cl.absolute) > 0 })
	cl.mu.Lock()
	first := cl.absolute[0]
	cl.mu.Unlock()
	if first {
		t.Fatal("stats say absolute before the guest drives a tablet")
	}
	m.absolute.Store(true)
	cl.waitFor("absolute in the stats", 10*time.Second, func() bool { return cl.absolute[len(cl.absolute)-1] })
}
