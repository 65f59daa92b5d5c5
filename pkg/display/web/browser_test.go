package web_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/images"
	kbd "github.com/do86/do86/pkg/input"
)

// The browser tests share one KolibriOS session (booting it takes half a
// minute) and one headless Chromium.

// noVNC's npm package, pinned; scripts/setup.sh --test unpacks it into
// third_party/novnc, and the test fetches it itself when that is missing.
const (
	noVNCVersion = "1.7.0"
	noVNCSHA256  = "32689f18d6abe96bc6530828a6bd0b9ae33bda07c083a6575ed255b5a8f2e903"
)

type kolibriRig struct {
	srv  *web.Server
	hs   *httptest.Server
	ms   *machines
	path string
	want *image.RGBA // the reference desktop
}

var (
	kolibriOnce sync.Once
	kolibriR    *kolibriRig
	kolibriErr  error
)

// noVNCPage connects noVNC to session t1 on the page's own server.
const noVNCPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>noVNC</title></head>
<body style="margin:0">
<div id="screen" style="width:1100px;height:800px"></div>
<script type="module">
import RFB from '/novnc/core/rfb.js';
window.vncState = 'connecting';
const rfb = new RFB(document.getElementById('screen'), 'ws://' + location.host + '/s/t1/websockify');
rfb.addEventListener('connect', () => { window.vncState = 'connected'; });
rfb.addEventListener('disconnect', (e) => { window.vncState = 'disconnected ' + JSON.stringify(e.detail); });
window.rfb = rfb;
</script>
</body></html>`

// kolibri returns the shared server with KolibriOS booting (or booted) in
// session t1, from its file path (the server allows files).
func kolibri(t *testing.T) *kolibriRig {
	t.Helper()
	path := testenv.Image(t, "kolibri.img")
	root := testenv.Root(t)
	kolibriOnce.Do(func() {
		novnc, err := noVNCDir(root)
		if err != nil {
			kolibriErr = err
			return
		}
		ms := newMachines()
		srv := web.New(web.Options{
			Boot:       realBoot(ms),
			CheckImage: web.ImagePolicy{Known: func(n string) bool { _, ok := images.Lookup(n); return ok }, AllowFiles: true}.Check,
		})
		mux := http.NewServeMux()
		mux.Handle("/", srv)
		mux.Handle("/novnc/", http.StripPrefix("/novnc/", http.FileServer(http.Dir(novnc))))
		mux.HandleFunc("/novnc-test.html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, noVNCPage)
		})
		hs := httptest.NewServer(mux)
		atExit(func() { srv.Close(); hs.Close() })
		if _, err := srv.Start("t1", path); err != nil {
			kolibriErr = err
			return
		}
		kolibriR = &kolibriRig{srv: srv, hs: hs, ms: ms, path: path}
	})
	if kolibriErr != nil {
		t.Fatal(kolibriErr)
	}
	kolibriR.want = display.FrameImage(loadFrame(t, testenv.Image(t, "kolibri.png")))
	return kolibriR
}

// noVNCDir finds noVNC's files: third_party/novnc, else the pinned npm
// package fetched into a temporary directory.
func noVNCDir(root string) (string, error) {
	dir := filepath.Join(root, "third_party", "novnc")
	if _, err := os.Stat(filepath.Join(dir, "core", "rfb.js")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp("", "do86-novnc")
	if err != nil {
		return "", err
	}
	atExit(func() { os.RemoveAll(tmp) })
	cmd := exec.Command("npm", "pack", "--silent", "@novnc/novnc@"+noVNCVersion)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("noVNC is not in third_party/novnc (make setup-test) and npm pack failed: %v\n%s", err, out)
	}
	tgz, err := os.ReadFile(filepath.Join(tmp, "novnc-novnc-"+noVNCVersion+".tgz"))
	if err != nil {
		return "", err
	}
	if sum := sha256.Sum256(tgz); hex.EncodeToString(sum[:]) != noVNCSHA256 {
		return "", fmt.Errorf("noVNC %s package: sha256 %x, want %s", noVNCVersion, sum, noVNCSHA256)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(zr)
	out := filepath.Join(tmp, "novnc")
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		name, ok := strings.CutPrefix(h.Name, "package/")
		if !ok || h.Typeflag != tar.TypeReg || strings.Contains(name, "..") {
			continue
		}
		p := filepath.Join(out, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		b, err := io.ReadAll(tr)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return "", err
		}
	}
	return out, nil
}

// waitDesktop waits (on the machine's side) until KolibriOS shows its
// desktop, fully drawn.
func (k *kolibriRig) waitDesktop(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(180 * time.Second)
	for {
		if m := k.ms.get(k.path); m != nil {
			if f := hubFrame(m.Hub()); f != nil && f.Width == 1024 && f.Height == 768 {
				if d, _ := display.MeanDifference(display.FrameImage(f), k.want); d <= 1.0 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			st, reason := "", ""
			if s, ok := k.srv.Session("t1"); ok {
				s1, r := s.State()
				st, reason = string(s1), r
			}
			t.Fatalf("KolibriOS never showed its desktop (session %s %s)", st, reason)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// newTab returns a tab of the shared headless Chromium.
func newTab(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := exec.LookPath("chromium")
		if err != nil {
			browserErr = fmt.Errorf("chromium is missing (make setup-test installs it: apt-get install chromium): %v", err)
			return
		}
		dir, err := os.MkdirTemp("", "do86-chromium")
		if err != nil {
			browserErr = err
			return
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(dir),
			// A DNS rebinding attacker's name: evil.test is 127.0.0.1.
			chromedp.Flag("host-resolver-rules", "MAP evil.test 127.0.0.1"),
			chromedp.WindowSize(1280, 1000),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("starting chromium: %v", err)
		}
		browserCtx = ctx
		atExit(func() { cancel(); cancelAlloc(); os.RemoveAll(dir) })
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel2)
	return ctx
}

// canvasImage reads a canvas of the page as pixels (nil if not there yet).
func canvasImage(t *testing.T, ctx context.Context, selector string) *image.RGBA {
	t.Helper()
	js := fmt.Sprintf(`(() => { const c = document.querySelector(%q); return c && c.width > 0 ? c.toDataURL('image/png') : ''; })()`, selector)
	data, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("reading the canvas: %v", err)
	}
	b64, ok := strings.CutPrefix(data, "data:image/png;base64,")
	if !ok {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	rgba, err := display.DecodePNG(raw)
	if err != nil {
		t.Fatal(err)
	}
	return rgba
}

// waitCanvas polls the canvas until ok says yes.
func waitCanvas(t *testing.T, ctx context.Context, selector, what string, timeout time.Duration, ok func(*image.RGBA) bool) *image.RGBA {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		img := canvasImage(t, ctx, selector)
		if img != nil && ok(img) {
			return img
		}
		if time.Now().After(deadline) {
			errs, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.do86 || window.vncState || null)`))
			t.Fatalf("%s: not seen in %v (page state %s)", what, timeout, errs)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// isDesktop reports whether img is KolibriOS's desktop as the reference shows it.
func (k *kolibriRig) isDesktop(img *image.RGBA) bool {
	d, err := display.MeanDifference(img, k.want)
	return err == nil && d <= 1.0
}

// changedBox is the rectangle of pixels that differ between a and b.
func changedBox(a, b *image.RGBA) image.Rectangle {
	var r image.Rectangle
	if a.Rect != b.Rect {
		return a.Rect
	}
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			i := a.PixOffset(x, y)
			if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// menuArea is where KolibriOS draws its main menu (the Win key or the
// Menu button at the bottom left opens it).
var menuArea = image.Rect(5, 323, 204, 739)

// TestNoVNCKolibri: the stock noVNC client, served as static files,
// connects to the session's /websockify, shows the desktop, and a key
// typed into it reaches the guest (the Win key opens KolibriOS's menu).
func TestNoVNCKolibri(t *testing.T) {
	testenv.SkipShort(t, "the CPU core and SeaBIOS")
	k := kolibri(t)
	ctx := newTab(t)
	k.waitDesktop(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(k.hs.URL+"/novnc-test.html")); err != nil {
		t.Fatal(err)
	}
	desk := waitCanvas(t, ctx, "#screen canvas", "noVNC showing the desktop", 30*time.Second, k.isDesktop)
	m := k.ms.get(k.path)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.rfb.focus(), true)`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Meta)); err != nil {
		t.Fatal(err)
	}
	waitCanvas(t, ctx, "#screen canvas", "the menu the Win key opens", 15*time.Second, func(img *image.RGBA) bool {
		return changedBox(desk, img).Overlaps(menuArea)
	})
	if !m.pressed(kbd.LMeta) {
		t.Error("the machine never got the Win key")
	}
	// Close the menu again for the other tests.
	chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape))
	waitCanvas(t, ctx, "#screen canvas", "the desktop again", 15*time.Second, k.isDesktop)
	var st web.SessionStats
	getJSON(t, k.hs.URL+"/api/stats/t1", &st)
	t.Logf("noVNC: %+v", st.Clients)
}

// TestBrowserKolibri: headless Chromium opens the session page for the
// KolibriOS image file, shows the desktop, and a key and a click through
// the page change the guest's screen.
func TestBrowserKolibri(t *testing.T) {
	testenv.SkipShort(t, "the CPU core and SeaBIOS")
	k := kolibri(t)
	ctx := newTab(t)
	page := k.hs.URL + "/s/t1?pointer=abs&image=" + url.QueryEscape(k.path)
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	desk := waitCanvas(t, ctx, "#screen", "the desktop on the page", 180*time.Second, k.isDesktop)
	t.Logf("the page showed the desktop after %v", time.Since(start).Round(time.Millisecond))

	// A key: the Win key opens the menu; Esc closes it.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#screen")), chromedp.KeyEvent(kb.Meta)); err != nil {
		t.Fatal(err)
	}
	waitCanvas(t, ctx, "#screen", "the menu the Win key opens", 15*time.Second, func(img *image.RGBA) bool {
		return changedBox(desk, img).Overlaps(menuArea)
	})
	desk = closeWithEsc(t, ctx, k)

	// A click: the pointer to the Menu button at the bottom left (a few
	// sweeps from the middle, as a hand would) and a click on it. The
	// guest drives the USB tablet, so the click lands where the page
	// points: on the button (33, 754), not on the taskbar's hide arrow in
	// the corner.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](`(() => { const r = document.getElementById('screen').getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	move := func(x, y float64) chromedp.Action[chromedp.Void] {
		return chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)
	}
	var acts []chromedp.Action[chromedp.Void]
	for sweep := 0; sweep < 3; sweep++ {
		acts = append(acts, move(box.X+box.W/2, box.Y-10), move(box.X+box.W/2, box.Y+box.H/2)) // out, then in again
		for i := 1; i <= 10; i++ {
			f := float64(i) / 10
			acts = append(acts, move(box.X+box.W/2-f*(box.W/2-2), box.Y+box.H/2+f*(box.H/2-2)))
		}
	}
	cx, cy := box.X+33.5*box.W/1024, box.Y+754.5*box.H/768
	acts = append(acts,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, cx, cy, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.Sleep(100*time.Millisecond),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, cx, cy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if err := chromedp.Do(ctx, acts...); err != nil {
		t.Fatal(err)
	}
	waitCanvas(t, ctx, "#screen", "the menu the click opens", 15*time.Second, func(img *image.RGBA) bool {
		return changedBox(desk, img).Overlaps(menuArea)
	})
	// The desktop again, for the tests after this one.
	closeWithEsc(t, ctx, k)

	errs, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.do86.errors`))
	if len(errs) > 0 {
		t.Errorf("the page reported errors: %v", errs)
	}
	var st web.SessionStats
	getJSON(t, k.hs.URL+"/api/stats/t1", &st)
	for _, c := range st.Clients {
		t.Logf("viewer %d (%s): %d frames, %d bytes, %d keyframes, %d dropped", c.ID, c.Kind, c.Frames, c.Bytes, c.Keyframes, c.Dropped)
	}
}

// closeWithEsc presses Esc until KolibriOS shows its desktop again: a menu
// just drawn may not have the keyboard focus yet, and its first Esc then
// goes to the desktop (as it would under a hand that quick).
func closeWithEsc(t *testing.T, ctx context.Context, k *kolibriRig) *image.RGBA {
	t.Helper()
	for i := 0; i < 3; i++ {
		chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#screen")), chromedp.KeyEvent(kb.Escape))
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if img := canvasImage(t, ctx, "#screen"); img != nil && k.isDesktop(img) {
				return img
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	return waitCanvas(t, ctx, "#screen", "the desktop after Esc", 5*time.Second, k.isDesktop)
}
