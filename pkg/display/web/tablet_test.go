package web_test

import (
	"image"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/do86/do86/internal/testenv"
)

// TestBrowserKolibriTablet: KolibriOS drives the USB tablet, the page
// learns it from the stats and sends positions without capturing the
// pointer: the mouse over the page puts KolibriOS's arrow in the screen
// pixel under it, and a click on the SHELL icon opens the shell (closed
// again with its close button).
func TestBrowserKolibriTablet(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium, the CPU core and the KolibriOS image")
	}
	k := kolibri(t)
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(k.hs.URL+"/s/t1")); err != nil {
		t.Fatal(err)
	}
	waitCanvas(t, ctx, "#screen", "the desktop on the page", 180*time.Second, k.isDesktop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		abs, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.do86.absolute === true`))
		if err != nil {
			t.Fatal(err)
		}
		if abs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page never learnt that the guest drives the tablet")
		}
		time.Sleep(300 * time.Millisecond)
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](`(() => { const r = document.getElementById('screen').getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	// The page position of the middle of screen pixel p.
	at := func(p image.Point) (float64, float64) {
		return box.X + (float64(p.X)+0.5)*box.W/1024, box.Y + (float64(p.Y)+0.5)*box.H/768
	}
	for _, p := range []image.Point{{300, 500}, {640, 210}, {700, 450}} {
		before := canvasImage(t, ctx, "#screen")
		x, y := at(p)
		if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)); err != nil {
			t.Fatal(err)
		}
		// The arrow's tip (its top-left pixel) in the screen pixel under
		// the mouse, give or take the page's scaling.
		waitCanvas(t, ctx, "#screen", "the arrow under the mouse", 20*time.Second, func(img *image.RGBA) bool {
			c := testenv.ChangedIn(before, img, image.Rect(p.X-40, p.Y-40, p.X+40, p.Y+40))
			return c.Min.In(image.Rect(p.X-1, p.Y-1, p.X+2, p.Y+2)) && c.Dx() >= 8 && c.Dy() >= 12
		})
	}
	locked, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.pointerLockElement !== null`))
	click := func(p image.Point) {
		x, y := at(p)
		if err := chromedp.Do(ctx,
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
			chromedp.Sleep(100*time.Millisecond),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))); err != nil {
			t.Fatal(err)
		}
	}
	click(image.Pt(853, 163))
	console := image.Rect(300, 200, 800, 450)
	waitCanvas(t, ctx, "#screen", "the SHELL window", 60*time.Second, func(img *image.RGBA) bool {
		return testenv.BlackShare(img, console) > 0.9
	})
	if locked2, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.pointerLockElement !== null`)); locked || locked2 {
		t.Error("the page captured the pointer although the guest drives the tablet")
	}
	// Close the shell with its close button, for tests after this one.
	for try := 0; ; try++ {
		click(image.Pt(852, 60))
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && !k.isDesktop(canvasImage(t, ctx, "#screen")) {
			time.Sleep(300 * time.Millisecond)
		}
		if k.isDesktop(canvasImage(t, ctx, "#screen")) {
			break
		}
		if try == 2 {
			t.Fatal("the shell window did not close")
		}
	}
}
