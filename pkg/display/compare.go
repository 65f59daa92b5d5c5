package display

import (
	"fmt"
	"image"
)

// MeanDifference compares two pictures of the same size: the mean absolute
// difference of their R, G and B channels over all pixels, 0 (equal) to 255.
// Pixels inside any of the masks are left out. Pictures of different sizes
// are an error.
func MeanDifference(a, b image.Image, masks ...image.Rectangle) (float64, error) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return 0, fmt.Errorf("sizes differ: %dx%d and %dx%d", ab.Dx(), ab.Dy(), bb.Dx(), bb.Dy())
	}
	var sum, n uint64
	for y := 0; y < ab.Dy(); y++ {
	px:
		for x := 0; x < ab.Dx(); x++ {
			for _, m := range masks {
				if (image.Point{x, y}).In(m) {
					continue px
				}
			}
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			sum += absDiff(r1>>8, r2>>8) + absDiff(g1>>8, g2>>8) + absDiff(b1>>8, b2>>8)
			n += 3
		}
	}
	if n == 0 {
		return 0, nil
	}
	return float64(sum) / float64(n), nil
}

func absDiff(a, b uint32) uint64 {
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}
