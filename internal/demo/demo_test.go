package demo_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/do86/do86/internal/demo"
	"github.com/do86/do86/internal/demo/internal/program"
	"github.com/do86/do86/internal/testenv"
)

// The committed demo.bin and demo.lst are what the generator produces now:
// run `go generate ./internal/demo` after changing the program.
func TestCommittedImageIsGenerated(t *testing.T) {
	p, err := program.Build()
	if err != nil {
		t.Fatal(err)
	}
	img := demo.Image()
	if len(img) != demo.FloppySize {
		t.Fatalf("image is %d bytes, want a 1.44 MB floppy", len(img))
	}
	if !bytes.Equal(img[:len(p.Code)], p.Code) || bytes.ContainsFunc(img[len(p.Code):], func(r rune) bool { return r != 0 }) {
		t.Fatal("demo.bin differs from the program: run go generate ./internal/demo")
	}
	lst, err := os.ReadFile("demo.lst")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(lst, []byte(p.Listing())) {
		t.Error("demo.lst differs from the program's listing: run go generate ./internal/demo")
	}
	if img[510] != 0x55 || img[511] != 0xAA {
		t.Errorf("boot signature % x", img[510:512])
	}
	// The boot sector loads exactly the program's sectors: "mov ax, 0x02NN"
	// at boot.read.
	at := int(p.Labels["boot.read"] - p.Origin)
	if sectors := len(p.Code)/512 - 1; img[at] != 0xB8 || img[at+2] != 0x02 || int(img[at+1]) != sectors {
		t.Errorf("boot sector reads % x, want mov ax, 0x02%02x", img[at:at+3], sectors)
	}
	if &demo.Image()[0] == &img[0] {
		t.Error("Image returns a shared slice")
	}
}

// The demo boots in do86 and draws its screen: blue background, the yellow
// title, the white clock and the pointer in the middle.
func TestDemoBoots(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	floppy, shot := filepath.Join(dir, "demo.img"), filepath.Join(dir, "demo.png")
	if err := os.WriteFile(floppy, demo.Image(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, bin, "run", floppy, "--display", "none", "--timeout", "60s",
		"--until-serial", "do86 demo: running", "--screenshot", shot).CombinedOutput()
	if err != nil {
		t.Fatalf("do86 run: %v\n%s", err, out)
	}
	t.Logf("booted in %v", time.Since(start))
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bounds() != image.Rect(0, 0, 320, 200) {
		t.Fatalf("screen %v, want mode 13h's 320x200", m.Bounds())
	}
	// Default VGA palette entries.
	blue := color.RGBA{0x00, 0x00, 0xAA, 0xFF}
	yellow := color.RGBA{0xFF, 0xFF, 0x55, 0xFF}
	white := color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	is := func(x, y int, c color.RGBA) bool {
		r, g, b, _ := m.At(x, y).RGBA()
		return uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(b>>8) == c.B
	}
	count := func(r image.Rectangle, c color.RGBA) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if is(x, y, c) {
					n++
				}
			}
		}
		return n
	}
	for _, tt := range []struct {
		what string
		area image.Rectangle
		c    color.RGBA
		min  int
	}{
		{"blue background", image.Rect(0, 190, 320, 200), blue, 3000},
		{"yellow title", image.Rect(52, 10, 268, 34), yellow, 1000},
		{"white clock", image.Rect(96, 52, 224, 68), white, 200},
		{"white pointer", image.Rect(160, 100, 168, 108), white, 15},
	} {
		if n := count(tt.area, tt.c); n < tt.min {
			t.Errorf("%s: %d pixels of %v in %v, want at least %d", tt.what, n, tt.c, tt.area, tt.min)
		}
	}
}
