package emu_test

import (
	"image"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/emu"
)

// KolibriOS's desktop at 1024×768: where its SHELL icon is, and the inside
// of the console window it opens (black, where the wallpaper is not).
var (
	kolibriShell   = image.Pt(853, 163)
	shellConsole   = image.Rect(300, 200, 800, 450)
	kolibriScreenW = 1024
	kolibriScreenH = 768
)

// waitArrow waits until the screen, compared with before, shows the
// guest's arrow drawn with its tip at p: the changed pixels around p start
// exactly there (KolibriOS's arrow has its hot spot at its top left).
func (v *vm) waitArrow(before *image.RGBA, p image.Point) {
	v.t.Helper()
	v.waitArrowIn(before, image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
}

// waitArrowIn is waitArrow for a tip anywhere in r.
func (v *vm) waitArrowIn(before *image.RGBA, r image.Rectangle) {
	v.t.Helper()
	var box image.Rectangle
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		box = testenv.ChangedIn(before, v.image(), image.Rect(r.Min.X-40, r.Min.Y-40, r.Max.X+40, r.Max.Y+40))
		if box.Min.In(r) && box.Dx() >= 8 && box.Dy() >= 12 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	v.t.Fatalf("pointed at %v: the arrow is not drawn there (changed pixels around it: %v)", r, box)
}

// TestKolibriTablet: KolibriOS loads its UHCI and USB HID drivers and
// drives the tablet; positions given to Pointer put its arrow exactly
// there, across the screen and at its corners, and a click on the SHELL
// icon opens the shell's window.
func TestKolibriTablet(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the CPU core, SeaBIOS and the KolibriOS image")
	}
	t.Parallel()
	want := loadPNG(t, testenv.Image(t, "kolibri.png"))
	v := start(t, emu.Config{Memory: 128 << 20, JIT: true, Floppy: [2]string{testenv.Image(t, "kolibri.img")}})
	v.waitScreen(want, 0.5, 300*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for !v.PointerAbsolute() {
		if time.Now().After(deadline) {
			t.Fatal("KolibriOS did not take the USB tablet")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, p := range []image.Point{{300, 500}, {600, 200}, {101, 333}, {0, 0}, {700, 450}} {
		before := v.image()
		v.Pointer(p.X, p.Y, kolibriScreenW, kolibriScreenH, 0, 0)
		v.waitArrow(before, p)
	}
	// The corner: the arrow's tip in the last pixel.
	before := v.image()
	v.Pointer(kolibriScreenW-1, kolibriScreenH-1, kolibriScreenW, kolibriScreenH, 0, 0)
	deadline = time.Now().Add(20 * time.Second)
	for testenv.ChangedIn(before, v.image(), image.Rect(1000, 740, 1024, 768)).Max != image.Pt(1024, 768) {
		if time.Now().After(deadline) {
			t.Fatalf("the arrow is not in the bottom right corner")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A picture half the screen's size: a pixel of it is 2×2 of the
	// screen's, and the arrow lands in those.
	before = v.image()
	v.Pointer(250, 150, 512, 384, 0, 0)
	v.waitArrowIn(before, image.Rect(500, 300, 502, 302))

	if share := testenv.BlackShare(v.image(), shellConsole); share > 0.5 {
		t.Fatalf("the console area is already %.0f%% black", 100*share)
	}
	v.Pointer(kolibriShell.X, kolibriShell.Y, kolibriScreenW, kolibriScreenH, 0, 1)
	time.Sleep(100 * time.Millisecond)
	v.Pointer(kolibriShell.X, kolibriShell.Y, kolibriScreenW, kolibriScreenH, 0, 0)
	deadline = time.Now().Add(60 * time.Second)
	for testenv.BlackShare(v.image(), shellConsole) < 0.9 {
		if time.Now().After(deadline) {
			t.Fatalf("a click on SHELL did not open its window: the console area is %.0f%% black", 100*testenv.BlackShare(v.image(), shellConsole))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestPointerFallsBackToPS2: without USB the positions move KolibriOS's
// PS/2 mouse by their differences: small steps to the right and down move
// the arrow right and down from the middle of the screen.
func TestPointerFallsBackToPS2(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the CPU core, SeaBIOS and the KolibriOS image")
	}
	t.Parallel()
	want := loadPNG(t, testenv.Image(t, "kolibri.png"))
	v := start(t, emu.Config{Memory: 128 << 20, JIT: true, NoUSB: true, Floppy: [2]string{testenv.Image(t, "kolibri.img")}})
	v.waitScreen(want, 0.5, 300*time.Second)
	time.Sleep(2 * time.Second)
	if v.PointerAbsolute() {
		t.Fatal("absolute pointer without USB")
	}
	before := v.image()
	for i := 0; i <= 10; i++ {
		v.Pointer(200+10*i, 200+8*i, kolibriScreenW, kolibriScreenH, 0, 0)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The arrow starts in the middle (512,384) and moves 100 right
		// and 80 down, or more with KolibriOS's acceleration.
		box := changedBox(before, v.image()).Intersect(image.Rect(0, 0, 1024, 730))
		if box.Min.X >= 500 && box.Min.X <= 520 && box.Dx() >= 90 && box.Dy() >= 70 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the PS/2 pointer did not follow: changed area %v", box)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
