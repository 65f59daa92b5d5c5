package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// control posts one command to the control endpoint and decodes the answer.
func control(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: the answer is not JSON: %v\n%s", body, err, b)
	}
	return resp.StatusCode, out
}

// call posts a command that must succeed and returns its "return".
func call(t *testing.T, url, token, body string) map[string]any {
	t.Helper()
	code, out := control(t, url, token, body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, out)
	}
	r, _ := out["return"].(map[string]any)
	return r
}

func errClass(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["class"].(string)
	return c
}

func TestControlEndpoint(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token"
	r := newRig(t, web.Options{ControlToken: token})
	if _, err := r.srv.Start("c1", "img"); err != nil {
		t.Fatal(err)
	}
	m := r.machine("img")
	f := display.NewFrame(64, 32)
	for i := 0; i < len(f.Pix); i += 4 {
		f.Pix[i] = byte(i)
	}
	m.publish(f, nil)
	url := r.hs.URL + "/s/c1/control"

	// Refused: no token, a wrong one, a bad request, an unknown command.
	if code, out := control(t, url, "", `{"execute":"query-status"}`); code != http.StatusUnauthorized || errClass(out) != "Unauthorized" {
		t.Errorf("no token: %d %v", code, out)
	}
	if code, _ := control(t, url, "s3cret-tokeN", `{"execute":"query-status"}`); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	if code, out := control(t, url, token, `{"execute":`); code != http.StatusBadRequest || errClass(out) != "GenericError" {
		t.Errorf("truncated JSON: %d %v", code, out)
	}
	if code, out := control(t, url, token, `{"execute":"reboot"}`); code != http.StatusNotFound || errClass(out) != "CommandNotFound" {
		t.Errorf("unknown command: %d %v", code, out)
	}
	if code, out := control(t, url, token, `{"execute":"type","arguments":{"txt":"a"}}`); code != http.StatusBadRequest || !strings.Contains(out["error"].(map[string]any)["desc"].(string), "txt") {
		t.Errorf("unknown argument: %d %v", code, out)
	}
	if code, out := control(t, url, token, `{"execute":"type","arguments":{"text":"é"}}`); code != http.StatusBadRequest {
		t.Errorf("untypable text: %d %v", code, out)
	}
	resp, err := http.Post(r.hs.URL+"/s/nosuch/control", "application/json", strings.NewReader(`{"execute":"query-status"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing session: %d", resp.StatusCode)
	}

	st := call(t, url, token, `{"execute":"query-status"}`)
	if st["state"] != "running" || st["image"] != "img" || st["width"] != 64.0 || st["height"] != 32.0 {
		t.Errorf("query-status: %v", st)
	}

	// Keys.
	call(t, url, token, `{"execute":"type","arguments":{"text":"ab\n"}}`)
	call(t, url, token, `{"execute":"key","arguments":{"keys":["ctrl+alt+del"]}}`)
	waitUntil(t, func() bool { return m.keysString() == "1e+ 1e- 30+ 30- 1c+ 1c- 1d+ 38+ e053+ e053- 38- 1d-" }, m.keysString)

	// COM1 both ways.
	call(t, url, token, `{"execute":"serial","arguments":{"text":"hi"}}`)
	waitUntil(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return string(m.typed) == "hi" }, func() string { return string(m.typed) })
	go func() {
		time.Sleep(100 * time.Millisecond)
		m.serial.Write([]byte("login: "))
	}()
	sr := call(t, url, token, `{"execute":"serial-read","arguments":{"from":0,"match":"login: $","timeout":5000}}`)
	if sr["data"] != "login: " || sr["matched"] != true || sr["next"] != 7.0 {
		t.Errorf("serial-read: %v", sr)
	}
	sr = call(t, url, token, `{"execute":"serial-read","arguments":{"from":7,"match":"never","timeout":50}}`)
	if sr["data"] != "" || sr["matched"] != false {
		t.Errorf("serial-read with nothing new: %v", sr)
	}

	// The mouse: a relative motion, then a point of the screen, which the
	// relative pointer reaches from the top-left corner.
	call(t, url, token, `{"execute":"mouse","arguments":{"dx":5,"dy":-3,"buttons":1}}`)
	call(t, url, token, `{"execute":"mouse","arguments":{"x":10,"y":20}}`)
	waitUntil(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(m.mice) == 0 || m.mice[0] != [4]int{5, -3, 0, 1} {
			return false
		}
		x, y, homed := 0, 0, false
		for _, mv := range m.mice[1:] {
			if mv[0] == -100 && mv[1] == -100 {
				x, y, homed = 0, 0, true
				continue
			}
			x, y = x+mv[0], y+mv[1]
		}
		return homed && x == 10 && y == 20
	}, func() string { return "" })
	if code, out := control(t, url, token, `{"execute":"mouse","arguments":{"x":100,"y":20}}`); code != http.StatusBadRequest {
		t.Errorf("a point off the screen: %d %v", code, out)
	}

	// The screen, as a PNG.
	shot := call(t, url, token, `{"execute":"screenshot"}`)
	b, err := base64.StdEncoding.DecodeString(shot["png"].(string))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ := img.At(5, 0).RGBA(); img.Bounds().Dx() != 64 || byte(r>>8) != f.Pix[20] {
		t.Errorf("screenshot: %v, pixel 5,0 red %d want %d", img.Bounds(), r>>8, f.Pix[20])
	}

	// No store here: a snapshot is refused with the reason.
	if code, out := control(t, url, token, `{"execute":"snapshot","arguments":{"name":"x"}}`); code != http.StatusBadRequest || !strings.Contains(out["error"].(map[string]any)["desc"].(string), "no snapshot store") {
		t.Errorf("snapshot without a store: %d %v", code, out)
	}

	// A recording through the endpoint, downloaded as an APNG.
	call(t, url, token, `{"execute":"record","arguments":{"action":"start"}}`)
	if code, _ := control(t, url, token, `{"execute":"record","arguments":{"action":"start"}}`); code != http.StatusBadRequest {
		t.Errorf("a second recording started: %d", code)
	}
	time.Sleep(150 * time.Millisecond)
	f2 := cloneFrame(f)
	f2.Pix[0] = 0xAB
	m.publish(f2, nil)
	time.Sleep(150 * time.Millisecond)
	rs := call(t, url, token, `{"execute":"record","arguments":{"action":"stop"}}`)
	if rs["frames"] != 2.0 {
		t.Errorf("record stop: %v, want 2 frames", rs)
	}
	resp, err = http.Get(r.hs.URL + "/s/c1/record.png")
	if err != nil {
		t.Fatal(err)
	}
	apng, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(apng, []byte("acTL")) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("record.png: %d, %d bytes, %q", resp.StatusCode, len(apng), resp.Header.Get("Content-Disposition"))
	}
}

func TestControlOff(t *testing.T) {
	t.Parallel()
	r := newRig(t, web.Options{})
	if _, err := r.srv.Start("c2", "img"); err != nil {
		t.Fatal(err)
	}
	r.machine("img")
	if code, out := control(t, r.hs.URL+"/s/c2/control", "anything", `{"execute":"query-status"}`); code != http.StatusNotFound || !strings.Contains(out["error"].(map[string]any)["desc"].(string), "off") {
		t.Errorf("control without a token configured: %d %v", code, out)
	}
}

// TestRecordButton drives the page's record button endpoints: start and
// stop from the page's origin, a download, and a request from another
// origin refused.
func TestRecordButton(t *testing.T) {
	t.Parallel()
	r := newRig(t, web.Options{})
	if _, err := r.srv.Start("r1", "img"); err != nil {
		t.Fatal(err)
	}
	m := r.machine("img")
	m.publish(display.NewFrame(32, 32), nil)
	page, err := http.Get(r.hs.URL + "/s/r1")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !bytes.Contains(html, []byte(`id="record"`)) || !bytes.Contains(html, []byte(`/static/record.js`)) {
		t.Error("the session page has no record button")
	}
	post := func(action, origin string) int {
		req, _ := http.NewRequest(http.MethodPost, r.hs.URL+"/s/r1/record/"+action, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("start", "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("a cross-origin start: %d", code)
	}
	if resp, _ := http.Get(r.hs.URL + "/s/r1/record.png"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a download before any recording: %d", resp.StatusCode)
	}
	if code := post("start", r.hs.URL); code != http.StatusOK {
		t.Fatalf("start: %d", code)
	}
	if code := post("pause", r.hs.URL); code != http.StatusConflict {
		t.Errorf("an unknown action: %d", code)
	}
	time.Sleep(100 * time.Millisecond)
	if code := post("stop", r.hs.URL); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	resp, err := http.Get(r.hs.URL + "/s/r1/record.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("the recording is not a PNG: %v", err)
	}
}

// waitFor polls cond for up to five seconds.
func waitUntil(t *testing.T, cond func() bool, got func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out; have %s", got())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
