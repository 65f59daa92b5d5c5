package vnc

// Hextile subencoding bits (RFC 6143 §7.7.4).
const (
	hextileRaw                 = 1
	hextileBackgroundSpecified = 2
	hextileForegroundSpecified = 4
	hextileAnySubrects         = 8
	hextileSubrectsColoured    = 16
)

// hextileEncoder encodes rectangles as Hextile: 16×16 tiles, each a
// background with subrectangles of other colours, or raw when that would be
// smaller.
type hextileEncoder struct {
	tile    [256]uint32
	covered [256]bool
	sub     []byte
}

// encode appends the w×h pixels px (row-major, client pixel values).
func (e *hextileEncoder) encode(out []byte, px []uint32, w, h int, cv *converter) []byte {
	var bg, fg uint32
	bgOK, fgOK := false, false // background and foreground carried from the previous tile
	bpp := cv.bytes
	for ty := 0; ty < h; ty += 16 {
		th := min(16, h-ty)
		for tx := 0; tx < w; tx += 16 {
			tw := min(16, w-tx)
			t := e.tile[:tw*th]
			for r := range th {
				copy(t[r*tw:(r+1)*tw], px[(ty+r)*w+tx:])
			}
			tbg, colours := dominant(t)
			mask := byte(0)
			if !bgOK || tbg != bg {
				mask |= hextileBackgroundSpecified
			}
			if colours == 1 {
				out = append(out, mask)
				if mask != 0 {
					out = cv.appendPixel(out, tbg)
				}
				bg, bgOK = tbg, true
				continue
			}
			mono := colours == 2
			var tfg uint32
			if mono {
				for _, v := range t {
					if v != tbg {
						tfg = v
						break
					}
				}
			}
			limit := tw*th*bpp - 2 - 2*bpp // what subrectangles may cost before raw is smaller
			per := 2
			if !mono {
				per += bpp
			}
			count, ok := e.subrects(t, tw, th, tbg, mono, cv, per, limit)
			if !ok {
				out = append(out, hextileRaw)
				out = cv.appendPixels(out, t)
				bgOK, fgOK = false, false
				continue
			}
			mask |= hextileAnySubrects
			if mono {
				if !fgOK || fg != tfg {
					mask |= hextileForegroundSpecified
				}
			} else {
				mask |= hextileSubrectsColoured
			}
			out = append(out, mask)
			if mask&hextileBackgroundSpecified != 0 {
				out = cv.appendPixel(out, tbg)
			}
			if mask&hextileForegroundSpecified != 0 {
				out = cv.appendPixel(out, tfg)
			}
			out = append(out, byte(count))
			out = append(out, e.sub...)
			bg, bgOK = tbg, true
			if mono {
				fg, fgOK = tfg, true
			} else {
				fgOK = false
			}
		}
	}
	return out
}

// subrects covers every pixel of t that is not bg with rectangles of one
// colour into e.sub, giving up (false) once they cost more than limit
// bytes or number more than 255.
func (e *hextileEncoder) subrects(t []uint32, tw, th int, bg uint32, mono bool, cv *converter, per, limit int) (int, bool) {
	e.sub = e.sub[:0]
	clear(e.covered[:])
	n := 0
	for y := range th {
		for x := 0; x < tw; x++ {
			i := y*tw + x
			c := t[i]
			if c == bg || e.covered[i] {
				continue
			}
			// Widest run of c from here, then as many rows below as match.
			w := 1
			for x+w < tw && t[i+w] == c && !e.covered[i+w] {
				w++
			}
			h := 1
		grow:
			for y+h < th {
				row := (y+h)*tw + x
				for k := range w {
					if t[row+k] != c || e.covered[row+k] {
						break grow
					}
				}
				h++
			}
			for r := range h {
				for k := range w {
					e.covered[(y+r)*tw+x+k] = true
				}
			}
			n++
			if n > 255 || n*per > limit {
				return 0, false
			}
			if !mono {
				e.sub = cv.appendPixel(e.sub, c)
			}
			e.sub = append(e.sub, byte(x<<4|y), byte((w-1)<<4|(h-1)))
			x += w - 1
		}
	}
	return n, true
}

// dominant returns the most frequent colour of t (among the first 32
// distinct ones) and how many distinct colours t has: 1, 2, or 3 for more.
func dominant(t []uint32) (uint32, int) {
	var cols [32]uint32
	var counts [32]int
	n := 0
	more := false
	last := -1
	for _, v := range t {
		if last >= 0 && cols[last] == v {
			counts[last]++
			continue
		}
		found := false
		for i := range n {
			if cols[i] == v {
				counts[i]++
				found, last = true, i
				break
			}
		}
		if !found {
			if n < len(cols) {
				cols[n], counts[n], last = v, 1, n
				n++
			} else {
				more = true
			}
		}
	}
	best := 0
	for i := 1; i < n; i++ {
		if counts[i] > counts[best] {
			best = i
		}
	}
	if more || n > 3 {
		n = 3
	}
	return cols[best], n
}
