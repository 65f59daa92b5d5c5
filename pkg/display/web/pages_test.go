package web_test

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

func TestImagePolicy(t *testing.T) {
	file := t.TempDir() + "/disk.img"
	if err := writeFile(file); err != nil {
		t.Fatal(err)
	}
	known := func(n string) bool { return n == "demo" }
	tests := []struct {
		image      string
		allowFiles bool
		ok         bool
	}{
		{"demo", false, true},
		{"nosuch", true, false},
		{file, false, false},
		{file, true, true},
		{"disk.img", true, false}, // relative: never a file
		{t.TempDir(), true, false},
	}
	for _, tt := range tests {
		err := web.ImagePolicy{Known: known, AllowFiles: tt.allowFiles}.Check(tt.image)
		if (err == nil) != tt.ok {
			t.Errorf("%q allowFiles=%v: %v", tt.image, tt.allowFiles, err)
		}
	}
}

func TestLandingPage(t *testing.T) {
	r := newRig(t, web.Options{Images: func() []web.Image {
		return []web.Image{{Name: "demo", Title: "do86 demo", OS: "demo OS", Boot: "floppy", Size: 1474560, Cached: true},
			{Name: "kolibri", OS: "KolibriOS", Boot: "floppy"}}
	}})
	r.srv.Start("land", "fake-land")
	code, body := get(t, r.hs.URL+"/")
	for _, want := range []string{"demo OS", "1.4 MiB", "cached", "download first", `<form method="post" action="/api/sessions"><input type="hidden" name="image" value="kolibri">`, `href="/s/land"`, "running"} {
		if !strings.Contains(body, want) {
			t.Errorf("landing page (%d) lacks %q", code, want)
		}
	}
	// /new sends to the page of a fresh id, which boots nothing by itself.
	resp, err := http.Get(r.hs.URL + "/new?image=fake-new")
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/s/") || resp.Request.URL.Query().Get("image") != "fake-new" {
		t.Fatalf("/new: %v %v", resp.Request.URL, err)
	}
	resp.Body.Close()
	if _, ok := r.srv.Session(strings.TrimPrefix(resp.Request.URL.Path, "/s/")); ok {
		t.Error("GET /new started a session")
	}
	// The Boot form: a same-origin POST, then the session's page.
	req, _ := http.NewRequest(http.MethodPost, r.hs.URL+"/api/sessions", strings.NewReader("image=fake-form"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Origin", r.hs.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/s/") {
		t.Fatalf("the Boot form: %v %v", resp.Request.URL, err)
	}
	resp.Body.Close()
	r.machine("fake-form")
	for _, p := range []string{"/static/app.js", "/static/style.css"} {
		if code, _ := get(t, r.hs.URL+p); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	if code, _ := get(t, r.hs.URL+"/static/session.html"); code != http.StatusNotFound {
		t.Errorf("a template served as a page: %d", code)
	}
	// The landing page's stop button.
	req, _ = http.NewRequest(http.MethodPost, r.hs.URL+"/api/sessions/land/delete", nil)
	req.Header.Set("Accept", "text/html")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("POST delete: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if _, ok := r.srv.Session("land"); ok {
		t.Error("the session survived its stop button")
	}
}

// TestSingle: do86 run --web's server shows its one machine at / with the
// same page and protocol, and tells its viewers when it closes.
func TestSingle(t *testing.T) {
	m := &fakeMachine{hub: display.NewHub(), crash: make(chan error)}
	console := web.NewConsole(1024)
	console.Write([]byte("SeaBIOS\n"))
	srv := web.NewSingle(m, "disk.img", console, web.Options{Logf: t.Logf})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if code, body := get(t, hs.URL+"/"); code != 200 || !strings.Contains(body, `"WS":"/ws"`) || !strings.Contains(body, "disk.img") {
		t.Fatalf("page: %d\n%s", code, body)
	}
	if code, _ := get(t, hs.URL+"/s/vm"); code != http.StatusNotFound {
		t.Errorf("/s/vm on the one-machine server: %d", code)
	}
	f := display.NewFrame(48, 32)
	busyFrame(f, rand.New(rand.NewPCG(5, 5)))
	m.publish(f, nil)
	cl := dialClient(t, "ws"+hs.URL[4:]+"/ws", false)
	cl.waitScreen(f, 5*time.Second)
	cl.waitFor("the scrollback", 5*time.Second, func() bool { return string(cl.serial) == "SeaBIOS\n" })
	cl.send(web.KeyMessage("Enter", true))
	deadline := time.Now().Add(5 * time.Second)
	for m.keysString() != "1c+" {
		if time.Now().After(deadline) {
			t.Fatalf("keys %q", m.keysString())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var st web.SessionStats
	if getJSON(t, hs.URL+"/api/stats", &st); st.Viewers != 1 || st.Image != "disk.img" {
		t.Errorf("stats: %+v", st)
	}
	srv.Close()
	cl.waitFor("the close", 5*time.Second, func() bool { return cl.closeErr != nil })
	if got := cl.states[len(cl.states)-1]; !strings.HasPrefix(got, "stopped") {
		t.Errorf("last state %q", got)
	}
}
