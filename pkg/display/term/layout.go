package term

// layout places a graphics frame of fw×fh pixels in the picture area of
// aw×ah cells. Each cell shows two output pixels, one above the other (the
// upper as the ▀ glyph's foreground, the lower as its background), so with
// cells about twice as tall as wide an output pixel is square. Output pixel
// column ox averages source columns xs[ox] to xs[ox+1]-1, and row oy source
// rows ys[oy] to ys[oy+1]-1: a box filter over every source pixel it covers.
type layout struct {
	fw, fh     int // frame size in pixels
	panX, panY int // 1:1: the frame pixel at the output's top-left corner
	aw, ah     int // picture area in cells
	ow, oh     int // output size: columns, and rows of half cells
	offX, offY int // cell of the output's top-left corner
	xs, ys     []int
	// Per tile column (row), the output columns (cell rows) whose source
	// boxes it touches: [lo, hi).
	tileCols, tileRows [][2]int
}

// newLayout lays out an fw×fh frame in aw×ah cells, scaled to fit keeping
// the aspect ratio and centred, or 1:1 from pixel (panX, panY) — clamped so
// that the output stays within the frame — cropped to the area.
func newLayout(fw, fh, aw, ah int, oneToOne bool, panX, panY, tile int) *layout {
	l := &layout{fw: fw, fh: fh, aw: aw, ah: ah}
	if fw <= 0 || fh <= 0 || aw <= 0 || ah <= 0 {
		return l
	}
	if oneToOne {
		l.ow, l.oh = min(fw, aw), min(fh, 2*ah)
		l.panX, l.panY = max(0, min(panX, fw-l.ow)), max(0, min(panY, fh-l.oh))
		l.xs, l.ys = make([]int, l.ow+1), make([]int, l.oh+1)
		for i := range l.xs {
			l.xs[i] = l.panX + i
		}
		for i := range l.ys {
			l.ys[i] = l.panY + i
		}
	} else {
		// scale = min(aw/fw, 2ah/fh), kept as a fraction num/den.
		num, den := aw, fw
		if 2*ah*fw < aw*fh {
			num, den = 2*ah, fh
		}
		l.ow, l.oh = max(1, fw*num/den), max(1, fh*num/den)
		l.xs, l.ys = bounds(fw, l.ow), bounds(fh, l.oh)
		l.offX, l.offY = (aw-l.ow)/2, (ah-(l.oh+1)/2)/2
	}
	l.tileCols = spans(l.xs, (fw+tile-1)/tile, tile, 1)
	l.tileRows = spans(l.ys, (fh+tile-1)/tile, tile, 2)
	return l
}

// bounds splits n source pixels among m output pixels: output i covers
// [b[i], b[i+1]), at least one pixel even when enlarging.
func bounds(n, m int) []int {
	b := make([]int, m+1)
	for i := range b {
		b[i] = i * n / m
	}
	return b
}

// box returns the source range output pixel i covers.
func box(b []int, i int) (lo, hi int) {
	lo, hi = b[i], b[i+1]
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// spans returns, for each of n tiles of size tile, the range of outputs
// (grouped per cells of `per` outputs) whose boxes overlap it.
func spans(b []int, n, tile, per int) [][2]int {
	s := make([][2]int, n)
	for i := range s {
		s[i] = [2]int{1 << 30, -1}
	}
	for o := 0; o+1 < len(b); o++ {
		lo, hi := box(b, o)
		for t := lo / tile; t <= (hi-1)/tile && t < n; t++ {
			c := o / per
			s[t][0] = min(s[t][0], c)
			s[t][1] = max(s[t][1], c+1)
		}
	}
	return s
}
