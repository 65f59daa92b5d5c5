package display_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/pkg/display"
)

// pngHeader returns the bytes of a PNG that claims w×h pixels (8-bit RGBA)
// and then holds a little image data: what a hostile --until-screen file
// looks like.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8 bits, RGBA, deflate, adaptive, no interlace
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func smallPNG(t testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{10, 20, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLoadPNGRefusesHugeHeaders: a PNG whose header claims 100000×100000
// pixels (40 GB as RGBA) is refused with an error naming the file and the
// limit, before anything that size is allocated; a real picture loads.
func TestLoadPNGRefusesHugeHeaders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		w, h uint32
	}{
		{"huge", 100000, 100000},
		{"wide", 1 << 20, 1},
		{"tall", 1, 20000},
		{"many pixels", 16000, 16000},
	} {
		path := filepath.Join(dir, tc.name+".png")
		if err := os.WriteFile(path, pngHeader(tc.w, tc.h), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := display.LoadPNG(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "at most") {
			t.Errorf("%s (%dx%d): %v, want a refusal naming the file and the limit", tc.name, tc.w, tc.h, err)
		}
	}
	path := filepath.Join(dir, "ok.png")
	if err := os.WriteFile(path, smallPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := display.LoadPNG(path)
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect != image.Rect(0, 0, 3, 2) || img.RGBAAt(1, 1) != (color.RGBA{10, 20, 30, 255}) {
		t.Errorf("loaded %v, pixel %v", img.Rect, img.RGBAAt(1, 1))
	}
	for _, bad := range []string{dir, filepath.Join(dir, "missing.png")} {
		if _, err := display.LoadPNG(bad); err == nil {
			t.Errorf("%s loaded", bad)
		}
	}
	trunc := filepath.Join(dir, "trunc.png")
	os.WriteFile(trunc, smallPNG(t)[:40], 0o644)
	if _, err := display.LoadPNG(trunc); err == nil || !strings.Contains(err.Error(), trunc) {
		t.Errorf("a truncated PNG: %v", err)
	}
}

// FuzzDecodePNG: whatever bytes come as a PNG, DecodePNG returns a picture
// within the limits or an error, never a panic or an allocation the header
// alone asked for. The seeds run in every `go test`; `go test -fuzz
// FuzzDecodePNG ./pkg/display` searches further.
func FuzzDecodePNG(f *testing.F) {
	f.Add(smallPNG(f))
	f.Add(pngHeader(100000, 100000))
	f.Add(pngHeader(4096, 4096))
	f.Add(pngHeader(0, 5))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := display.DecodePNG(b)
		if err != nil {
			return
		}
		w, h := img.Rect.Dx(), img.Rect.Dy()
		if img.Rect.Min != (image.Point{}) || w <= 0 || h <= 0 || w > display.MaxPNGSide || h > display.MaxPNGSide || w*h > display.MaxPNGPixels {
			t.Fatalf("decoded a %v picture", img.Rect)
		}
	})
}
