package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
)

// evilPage is another site's page (served from evil.test, another origin
// and site) that tries, through the browser, everything a hostile page can
// against a do86 server on loopback: images and a frame that would boot
// machines, a no-cors POST that would create one, a form that would stop a
// session, and a WebSocket that would watch and type into it.
const evilPage = `<!doctype html><html><body>
<img src="%[1]s/s/img1?image=fake-img1">
<img src="%[1]s/new?image=fake-img2">
<iframe src="%[1]s/s/frame1?image=fake-frame1"></iframe>
<iframe name="sink"></iframe>
<form id="stop" method="post" action="%[1]s/api/sessions/x1/delete" target="sink"><input type="hidden" name="a" value="b"></form>
<script>
window.results = {};
fetch('%[1]s/api/sessions', {method: 'POST', mode: 'no-cors', body: new URLSearchParams({id: 'post1', image: 'fake-post1'})})
  .then(() => { window.results.post = 'sent'; }, (e) => { window.results.post = 'failed ' + e; });
fetch('%[1]s/api/sessions/x1', {method: 'DELETE'})
  .then((r) => { window.results.del = 'answered ' + r.status; }, (e) => { window.results.del = 'failed'; });
fetch('%[1]s/api/sessions').then((r) => r.text()).then((t) => { window.results.list = t; }, () => { window.results.list = 'refused'; });
const ws = new WebSocket('%[2]s/s/x1/ws');
ws.onopen = () => { window.results.ws = 'open'; };
ws.onclose = (e) => { if (!window.results.ws) window.results.ws = 'refused'; };
document.getElementById('stop').submit();
</script></body></html>`

// TestBrowserHostilePages: in headless Chromium, another site's page, a
// rebound name (evil.test resolves to 127.0.0.1) and a cross-site link do
// nothing to a do86 server: no machine boots, no session stops, no
// WebSocket opens, no session list is read. The server's own page, opened
// by its address, boots its session and shows it; the Boot button of a page
// reached from another site boots it on a click.
func TestBrowserHostilePages(t *testing.T) {
	if testing.Short() {
		t.Skip("needs chromium")
	}
	r := newRig(t, web.Options{})
	r.srv.Start("x1", "fake-x1")
	r.machine("fake-x1").publish(display.NewFrame(32, 32), nil)
	victim := r.hs.URL // http://127.0.0.1:PORT
	port := victim[strings.LastIndex(victim, ":")+1:]
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if req.URL.Path == "/link" {
			io.WriteString(w, `<a id="go" href="`+victim+`/s/link1?image=fake-link1">a shared session</a>`)
			return
		}
		fmt.Fprintf(w, evilPage, victim, "ws"+strings.TrimPrefix(victim, "http"))
	}))
	defer evil.Close()
	evilURL := "http://evil.test:" + evil.URL[strings.LastIndex(evil.URL, ":")+1:]

	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(evilURL+"/")); err != nil {
		t.Fatal(err)
	}
	var results map[string]string
	deadline := time.Now().Add(20 * time.Second)
	for {
		results, _ = chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`window.results || {}`))
		if results["ws"] != "" && results["post"] != "" && results["list"] != "" && results["del"] != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hostile page's requests did not finish: %v", results)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the images, frames and form
	t.Logf("hostile page: %v", results)
	if results["ws"] != "refused" || results["list"] != "refused" || strings.HasPrefix(results["del"], "answered") {
		t.Errorf("the hostile page got through: %v", results)
	}

	// DNS rebinding: the attacker's name now points at the do86 server
	// (same port); the page under that name and its script get nothing.
	rebound := "http://evil.test:" + port
	if err := chromedp.Do(ctx, chromedp.Navigate(rebound+"/")); err != nil {
		t.Fatal(err)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(body, "not a name of this server") {
		t.Errorf("the rebound name's page: %q", body)
	}
	rebind, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const out = [];
		const list = await fetch('/api/sessions'); out.push('list ' + list.status);
		const post = await fetch('/api/sessions', {method: 'POST', body: new URLSearchParams({id: 'rb1', image: 'fake-rb1'})}); out.push('post ' + post.status);
		const del = await fetch('/api/sessions/x1', {method: 'DELETE'}); out.push('delete ' + del.status);
		out.push(await new Promise((res) => { const ws = new WebSocket('ws://' + location.host + '/s/x1/ws'); ws.onopen = () => res('ws open'); ws.onclose = () => res('ws refused'); }));
		return out.join(', ');
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rebound name: %s", rebind)
	if rebind != "list 421, post 421, delete 421, ws refused" {
		t.Errorf("under the rebound name: %s", rebind)
	}

	// A link from another site to a new session: its page waits for a
	// click, and the click boots it.
	if err := chromedp.Do(ctx, chromedp.Navigate(evilURL+"/link"), chromedp.Click(chromedp.CSS("#go"))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the page of the link", func(st string) bool { return st == "not started" })
	if _, ok := r.srv.Session("link1"); ok {
		t.Error("a cross-site link booted its session")
	}
	infos := r.srv.Sessions()
	if len(infos) != 1 || infos[0].ID != "x1" || infos[0].State != web.StateRunning {
		t.Fatalf("sessions after the hostile pages: %+v", infos)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#boot"))); err != nil {
		t.Fatal(err)
	}
	r.machine("fake-link1").publish(display.NewFrame(48, 32), nil)
	waitPage(t, ctx, "the session booted by a click", func(st string) bool { return st == "running" })

	// The server's own page, opened by its address, boots its session.
	if err := chromedp.Do(ctx, chromedp.Navigate(victim+"/s/own1?image=fake-own1")); err != nil {
		t.Fatal(err)
	}
	r.machine("fake-own1").publish(display.NewFrame(48, 32), nil)
	waitPage(t, ctx, "the session's own page", func(st string) bool { return st == "running" })
	errs, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.do86.errors`))
	if len(errs) > 0 {
		t.Errorf("the page reported errors: %v", errs)
	}
}

// waitPage waits until the session page's state (window.do86.state)
// satisfies ok.
func waitPage(t *testing.T, ctx context.Context, what string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.do86 ? window.do86.state : ''`))
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			info, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.do86 || null)`))
			t.Fatalf("%s: state %q (%s)", what, st, info)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
