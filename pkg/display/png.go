package display

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"os"
)

// Limits on the PNG files do86 reads (--until-screen references, test
// references): far above any screen the machine shows (the VGA's largest
// mode is 2560×1600), far below what would exhaust memory. A PNG header may
// claim any size up to 2³¹ on a side; it is checked before a pixel is
// allocated.
const (
	// MaxPNGPixels bounds width×height (16 Mi pixels, 64 MiB as RGBA).
	MaxPNGPixels = 1 << 24
	// MaxPNGSide bounds the width and the height.
	MaxPNGSide = 16384
	// MaxPNGFile bounds the size of the file itself.
	MaxPNGFile = 64 << 20
)

// LoadPNG reads a PNG file as an RGBA picture whose bounds start at (0,0),
// the form MeanDifference compares fastest. A file larger than MaxPNGFile or
// a picture beyond MaxPNGSide or MaxPNGPixels is refused before it is
// decoded; errors name the file.
func LoadPNG(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a PNG file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxPNGFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > MaxPNGFile {
		return nil, fmt.Errorf("%s: larger than %d MiB, the most a PNG picture may be here", path, MaxPNGFile>>20)
	}
	img, err := DecodePNG(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// DecodePNG decodes a PNG picture held in b as RGBA with bounds at (0,0),
// after checking the size its header claims against MaxPNGSide and
// MaxPNGPixels.
func DecodePNG(b []byte) (*image.RGBA, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("png: an empty picture (%dx%d)", cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxPNGSide || cfg.Height > MaxPNGSide || cfg.Width*cfg.Height > MaxPNGPixels {
		return nil, fmt.Errorf("png: %dx%d pixels is more than a screen picture may have here (at most %d on a side and %d pixels in all, e.g. 4096x4096)",
			cfg.Width, cfg.Height, MaxPNGSide, MaxPNGPixels)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	rgba := image.NewRGBA(img.Bounds().Sub(img.Bounds().Min))
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba, nil
}
