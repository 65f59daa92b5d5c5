package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/internal/testenv"
)

// TestServeAccess: `do86 serve` with --web-token and --allow-host, as a
// user starts it: every route wants the token; a rebound name is refused
// even with it; another site's POST is refused; a GET of a new session's
// page boots nothing; the same-origin POST boots the demo, whose WebSocket
// then streams it; DELETE stops it.
func TestServeAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built do86 and the CPU core")
	}
	bin := testenv.Binary(t)
	port := strconv.Itoa(freePort(t))
	const token = "e2e-token-1234"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:"+port, "--web-token", token,
		"--allow-host", "do86.test", "--hibernate=false", "--idle", "0")
	cmd.Dir = testenv.Root(t)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanned := make(chan struct{})
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		<-scanned // the pipe ends with the process
		cmd.Wait()
	}()
	ready := make(chan string, 1)
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log(sc.Text())
			if strings.Contains(sc.Text(), "serving on") {
				ready <- sc.Text()
			}
		}
	}()
	select {
	case line := <-ready:
		if want := "http://127.0.0.1:" + port + "/?token=" + token; !strings.Contains(line, want) {
			t.Errorf("serve printed %q, want the address %s", line, want)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("serve never said it was serving")
	}
	base := "http://127.0.0.1:" + port
	do := func(method, path string, hdr map[string]string, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	bearer := map[string]string{"Authorization": "Bearer " + token}
	checks := []struct {
		name, method, path string
		hdr                map[string]string
		body               string
		code               int
	}{
		{"no token", "GET", "/", nil, "", http.StatusUnauthorized},
		{"a wrong token", "GET", "/?token=nope", nil, "", http.StatusUnauthorized},
		{"the token in the URL", "GET", "/?token=" + token, nil, "", http.StatusOK},
		{"the token as Bearer", "GET", "/api/sessions", bearer, "", http.StatusOK},
		{"a rebound name", "GET", "/api/sessions", map[string]string{"Authorization": "Bearer " + token, "Host": "evil.test:" + port}, "", http.StatusMisdirectedRequest},
		{"an allowed name", "GET", "/api/sessions", map[string]string{"Authorization": "Bearer " + token, "Host": "do86.test:" + port}, "", http.StatusOK},
		{"a new session's page", "GET", "/s/e1?image=demo", bearer, "", http.StatusOK},
		{"another site's POST", "POST", "/api/sessions", map[string]string{"Authorization": "Bearer " + token, "Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"}, "id=e1&image=demo", http.StatusForbidden},
	}
	for _, c := range checks {
		if code, body := do(c.method, c.path, c.hdr, c.body); code != c.code {
			t.Errorf("%s: %d %q, want %d", c.name, code, body, c.code)
		}
	}
	if _, body := do("GET", "/api/sessions", bearer, ""); strings.TrimSpace(body) != "[]" {
		t.Fatalf("sessions after GETs and refused requests: %s", body)
	}
	if code, body := do("POST", "/api/sessions", bearer, "id=e1&image=demo"); code != http.StatusCreated || !strings.Contains(body, `"id": "e1"`) {
		t.Fatalf("POST /api/sessions: %d %s", code, body)
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	c, _, err := websocket.Dial(wctx, "ws://127.0.0.1:"+port+"/s/e1/ws?token="+token, nil)
	if err != nil {
		t.Fatalf("the session's WebSocket: %v", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(16 << 20)
	for frames := 0; frames == 0; {
		typ, b, err := c.Read(wctx)
		if err != nil {
			t.Fatalf("reading the session: %v", err)
		}
		if typ == websocket.MessageBinary && len(b) > 0 && b[0] == 1 {
			frames++
		}
	}
	if _, _, err := websocket.Dial(wctx, "ws://127.0.0.1:"+port+"/s/e1/ws", nil); err == nil {
		t.Error("a WebSocket without the token was accepted")
	}
	if code, body := do("DELETE", "/api/sessions/e1", bearer, ""); code != http.StatusOK {
		t.Errorf("DELETE: %d %s", code, body)
	}
}

// TestUntilScreenHugePNG: a PNG whose header claims 100000×100000 pixels
// given to --until-screen is refused with a one-line error naming the
// limit (it used to exhaust memory and kill the process).
func TestUntilScreenHugePNG(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built do86 and the CPU core")
	}
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	chunk("IHDR", []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 6, 0, 0, 0})
	chunk("IEND", nil)
	png := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(png, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := do86(t, 2*time.Minute, "run", "--display", "none", "--timeout", "30s", "--until-screen", png)
	if r.code != 1 || !strings.Contains(r.stderr, "100000x100000") || !strings.Contains(r.stderr, "at most") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestTruncatedOverlay: an overlay file cut short after the guest's writes
// is refused as damaged (it used to be read as empty, and the run to
// succeed without them).
func TestTruncatedOverlay(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built do86 and the CPU core")
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "hda.img")
	data := make([]byte, 1<<20)
	data[510], data[511] = 0x55, 0xAA
	if err := os.WriteFile(img, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ovl := filepath.Join(dir, "hda.cow")
	d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteSectors(100, bytes.Repeat([]byte{0xAB}, disk.SectorSize)); err != nil {
		t.Fatal(err)
	}
	d.Close()
	st, _ := os.Stat(ovl)
	if err := os.Truncate(ovl, st.Size()-disk.SectorSize); err != nil {
		t.Fatal(err)
	}
	r := do86(t, 2*time.Minute, "run", "--hda", img, "--overlay", ovl, "--display", "none", "--timeout", "10s")
	if r.code != 1 || !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stderr, ovl) {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
