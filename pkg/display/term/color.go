package term

import "github.com/gdamore/tcell/v2"

// palette turns an RGB colour into what the terminal can show. With fewer
// than 2^24 colours it picks the nearest palette entry itself: handing tcell
// every averaged RGB value would make it cache each distinct colour it had
// to downgrade, without bound.
type palette int

const (
	trueColor palette = iota
	xterm256
	ansi16
)

func paletteFor(colors int) palette {
	switch {
	case colors >= 1<<24:
		return trueColor
	case colors >= 256:
		return xterm256
	}
	return ansi16
}

// color returns the terminal colour for r, g, b.
func (p palette) color(r, g, b uint8) tcell.Color {
	switch p {
	case trueColor:
		return tcell.NewRGBColor(int32(r), int32(g), int32(b))
	case xterm256:
		return tcell.PaletteColor(nearest256(r, g, b))
	}
	return tcell.PaletteColor(nearest16(r, g, b))
}

// cubeLevels are the six intensities of the 6×6×6 colour cube of xterm's
// 256-colour palette (entries 16–231); entries 232–255 are greys 8, 18, …
// 238.
var cubeLevels = [6]int{0, 95, 135, 175, 215, 255}

func cubeIndex(v uint8) int {
	x := int(v)
	if x < 48 {
		return 0
	}
	if x < 115 {
		return 1
	}
	return (x - 35) / 40
}

func sq(x int) int { return x * x }

func nearest256(r, g, b uint8) int {
	ri, gi, bi := cubeIndex(r), cubeIndex(g), cubeIndex(b)
	cr, cg, cb := cubeLevels[ri], cubeLevels[gi], cubeLevels[bi]
	cubeDist := sq(cr-int(r)) + sq(cg-int(g)) + sq(cb-int(b))
	avg := (int(r) + int(g) + int(b)) / 3
	gi2 := 0
	if avg > 8 {
		gi2 = min((avg-8+5)/10, 23)
	}
	gv := 8 + 10*gi2
	greyDist := sq(gv-int(r)) + sq(gv-int(g)) + sq(gv-int(b))
	if greyDist < cubeDist {
		return 232 + gi2
	}
	return 16 + 36*ri + 6*gi + bi
}

// ansi16 are the 16 basic terminal colours in ANSI order, as a VGA shows
// them.
var ansi16RGB = [16][3]int{
	{0, 0, 0}, {170, 0, 0}, {0, 170, 0}, {170, 85, 0},
	{0, 0, 170}, {170, 0, 170}, {0, 170, 170}, {170, 170, 170},
	{85, 85, 85}, {255, 85, 85}, {85, 255, 85}, {255, 255, 85},
	{85, 85, 255}, {255, 85, 255}, {85, 255, 255}, {255, 255, 255},
}

func nearest16(r, g, b uint8) int {
	best, bd := 0, 1<<30
	for i, c := range ansi16RGB {
		d := sq(c[0]-int(r)) + sq(c[1]-int(g)) + sq(c[2]-int(b))
		if d < bd {
			best, bd = i, d
		}
	}
	return best
}
