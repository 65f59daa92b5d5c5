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
	if ra, ok := a.(*image.RGBA); ok && len(masks) == 0 {
		if rb, ok := b.(*image.RGBA); ok {
			return meanRGBA(ra, rb), nil
		}
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

// meanRGBA is MeanDifference of two RGBA pictures of one size, fast.
func meanRGBA(a, b *image.RGBA) float64 {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	var sum uint64
	for y := 0; y < h; y++ {
		pa := a.Pix[a.PixOffset(a.Rect.Min.X, a.Rect.Min.Y+y):][:w*4]
		pb := b.Pix[b.PixOffset(b.Rect.Min.X, b.Rect.Min.Y+y):][:w*4]
		for i := 0; i < len(pa); i += 4 {
			sum += absDiff(uint32(pa[i]), uint32(pb[i])) + absDiff(uint32(pa[i+1]), uint32(pb[i+1])) + absDiff(uint32(pa[i+2]), uint32(pb[i+2]))
		}
	}
	if w*h == 0 {
		return 0
	}
	return float64(sum) / float64(w*h*3)
}

// FrameImage views a frame as an image without copying.
func FrameImage(f *Frame) *image.RGBA {
	return &image.RGBA{Pix: f.Pix, Stride: f.Stride(), Rect: image.Rect(0, 0, f.Width, f.Height)}
}
