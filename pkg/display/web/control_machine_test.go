package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display/web"
)

// TestControlFreeDOS drives a real FreeDOS session through the control
// endpoint alone: it waits for the prompt by reading the text screen, types
// dir, and reads the listing and a screenshot.
func TestControlFreeDOS(t *testing.T) {
	testenv.SkipShort(t, "the CPU core, SeaBIOS and the shared images")
	t.Parallel()
	const token = "freedos-control"
	ms := newMachines()
	image := testenv.Image(t, "freedos722.img")
	srv := web.New(web.Options{ControlToken: token, Boot: realBoot(ms), Logf: t.Logf})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	if _, err := srv.Start("dos", image); err != nil {
		t.Fatal(err)
	}
	url := hs.URL + "/s/dos/control"
	screen := func(re string, timeout time.Duration) string {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			code, out := control(t, url, token, `{"execute":"text"}`)
			if code == http.StatusOK {
				if text, _ := out["return"].(map[string]any)["text"].(string); strings.Contains(text, re) {
					return text
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q: %d %v", re, code, out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	screen(`A:\>`, 3*time.Minute)
	call(t, url, token, `{"execute":"type","arguments":{"text":"dir\n"}}`)
	text := screen("bytes free", time.Minute)
	if !strings.Contains(text, "COMMAND  COM") {
		t.Errorf("the listing lacks COMMAND.COM:\n%s", text)
	}
	shot := call(t, url, token, `{"execute":"screenshot"}`)
	if shot["width"] != 720.0 || shot["height"] != 400.0 {
		t.Errorf("screenshot %vx%v, want 720x400", shot["width"], shot["height"])
	}
	st := call(t, url, token, `{"execute":"query-status"}`)
	if st["state"] != "running" {
		t.Errorf("query-status: %v", st)
	}
}
