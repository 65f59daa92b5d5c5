package testenv

import "image"

// ChangedIn returns the bounding box of the pixels inside r whose colour
// differs between a and b (alpha ignored): where a guest drew something,
// such as its mouse arrow or a window that opened.
func ChangedIn(a, b *image.RGBA, r image.Rectangle) image.Rectangle {
	var box image.Rectangle
	r = r.Intersect(a.Rect).Intersect(b.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i, j := a.PixOffset(x, y), b.PixOffset(x, y)
			if a.Pix[i] != b.Pix[j] || a.Pix[i+1] != b.Pix[j+1] || a.Pix[i+2] != b.Pix[j+2] {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

// BlackShare is the share of pure black pixels in r (a console window).
func BlackShare(img *image.RGBA, r image.Rectangle) float64 {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := img.PixOffset(x, y)
			if img.Pix[i]|img.Pix[i+1]|img.Pix[i+2] == 0 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}
