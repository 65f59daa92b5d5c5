package display

import (
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
)

// LoadPNG reads a PNG file as an RGBA picture whose bounds start at (0,0),
// the form MeanDifference compares fastest.
func LoadPNG(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rgba := image.NewRGBA(img.Bounds().Sub(img.Bounds().Min))
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba, nil
}
