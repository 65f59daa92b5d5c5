package e2e

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
)

func loadPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	img, err := display.LoadPNG(path)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFreeDOSBootsToPrompt is issue 2's acceptance: the FreeDOS floppy boots
// to A:\> headless, SeaBIOS's log shows its banner and the floppy boot without
// a boot-menu wait, and the screenshot shows the same screen as QEMU's.
func TestFreeDOSBootsToPrompt(t *testing.T) {
	dir := t.TempDir()
	shot := filepath.Join(dir, "f.png")
	dbg := filepath.Join(dir, "debugcon.txt")
	r := do86(t, 120*time.Second, "run", testenv.Image(t, "freedos722.img"), "--display", "none",
		"--until-text", `A:\\>`, "--timeout", "60s", "--screenshot", shot, "--debugcon", dbg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	log, err := os.ReadFile(dbg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SeaBIOS (version 1.16.2", "Booting from Floppy"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("debug console lacks %q", want)
		}
	}
	if strings.Contains(string(log), "Press ESC") {
		t.Error("SeaBIOS showed its boot menu prompt (etc/show-boot-menu must be 0)")
	}

	got := loadPNG(t, shot)
	want := loadPNG(t, testenv.Image(t, "freedos722.png"))
	if got.Bounds() != want.Bounds() {
		t.Fatalf("screenshot is %v, reference %v", got.Bounds(), want.Bounds())
	}
	// Under QEMU, HIMEM can switch A20 off; the v86 core has no A20 gate, so
	// HIMEM prints one more line ("Can't disable A20 - ignored") after row 11
	// and everything below moves down one text row (16 pixels). Compare the
	// rows above exactly, and the rows below one row apart.
	const row = 16
	top := image.Rect(0, 0, 720, 11*row)
	if d, err := display.MeanDifference(got.SubImage(top), want.SubImage(top)); err != nil || d > 0.5 {
		t.Errorf("top of the screen differs from the reference: mean difference %.2f (%v)", d, err)
	}
	below := got.SubImage(image.Rect(0, 12*row, 720, 25*row))
	ref := want.SubImage(image.Rect(0, 11*row, 720, 24*row))
	if d, err := display.MeanDifference(below, ref); err != nil || d > 1.5 {
		t.Errorf("bottom of the screen differs from the reference: mean difference %.2f (%v)", d, err)
	}
}

// assertLikeReference compares a screenshot with a shared reference picture.
func assertLikeReference(t *testing.T, shot, ref string, tol float64) {
	t.Helper()
	got := loadPNG(t, shot)
	want := loadPNG(t, testenv.Image(t, ref))
	d, err := display.MeanDifference(got, want)
	if err != nil || d > tol {
		t.Fatalf("%s differs from %s: mean difference %.2f (%v)", shot, ref, d, err)
	}
}
