package vnc

import (
	"bytes"
	"compress/zlib"
)

// Tight compression-control values and filters (the RFB protocol
// registry's Tight encoding, lossless part).
const (
	tightFill           = 0x80 // one TPIXEL for the whole rectangle
	tightExplicitFilter = 0x40 // basic compression with a filter byte
	tightFilterCopy     = 0
	tightFilterPalette  = 1
	tightMinToCompress  = 12 // shorter data is sent as is, not through zlib
	tightMaxWidth       = 2048
	tightMaxPixels      = 65536
)

// Tight's zlib streams, one per kind of data, as TightVNC assigns them.
const (
	tightStreamFull = iota
	tightStreamMono
	tightStreamIndexed
)

// tightEncoder encodes rectangles as lossless Tight: a fill for a single
// colour, else the pixels (or palette indices, for up to 256 colours)
// through one of three zlib streams that live as long as the connection.
// It never uses JPEG: the screen stays exact whatever quality level the
// client asks for.
type tightEncoder struct {
	zbuf    [3]bytes.Buffer
	zw      [3]*zlib.Writer
	data    []byte
	palette []uint32
	index   map[uint32]uint8
}

// tightChunks splits a w×h rectangle into the row bands Tight allows.
func tightChunks(r rect) []rect {
	var out []rect
	for x := r.x; x < r.x+r.w; x += tightMaxWidth {
		w := min(tightMaxWidth, r.x+r.w-x)
		band := max(1, tightMaxPixels/w)
		for y := r.y; y < r.y+r.h; y += band {
			out = append(out, rect{x, y, w, min(band, r.y+r.h-y)})
		}
	}
	return out
}

// appendTPixels writes px as TPIXELs: R, G, B bytes for 8-bit-per-colour
// depth-24 32-bit formats, else whole pixels.
func (c *converter) appendTPixels(b []byte, px []uint32) []byte {
	pf := c.pf
	if pf.BPP == 32 && pf.Depth == 24 && pf.RedMax == 255 && pf.GreenMax == 255 && pf.BlueMax == 255 {
		for _, v := range px {
			b = append(b, byte(v>>pf.RedShift), byte(v>>pf.GreenShift), byte(v>>pf.BlueShift))
		}
		return b
	}
	return c.appendPixels(b, px)
}

// encode appends the body of one Tight rectangle (w ≤ 2048, w·h ≤ 65536).
func (e *tightEncoder) encode(out []byte, px []uint32, w, h int, cv *converter) []byte {
	if e.index == nil {
		e.index = map[uint32]uint8{}
		for i := range e.zw {
			e.zw[i], _ = zlib.NewWriterLevel(&e.zbuf[i], zrleLevel)
		}
	}
	e.palette = e.palette[:0]
	clear(e.index)
	last := px[0]
	e.index[last] = 0
	e.palette = append(e.palette, last)
	n := 1
	for _, v := range px {
		if v == last {
			continue
		}
		last = v
		if _, ok := e.index[v]; !ok {
			if n == 256 {
				n++ // too many for a palette
				break
			}
			e.index[v] = uint8(n)
			e.palette = append(e.palette, v)
			n++
		}
	}
	if n == 1 {
		out = append(out, tightFill)
		return cv.appendTPixels(out, px[:1])
	}
	e.data = e.data[:0]
	stream := tightStreamFull
	switch {
	case n == 2:
		stream = tightStreamMono
		out = append(out, byte(stream<<4)|tightExplicitFilter, tightFilterPalette, 1)
		out = cv.appendTPixels(out, e.palette)
		for y := range h {
			var acc byte
			for x, v := range px[y*w : (y+1)*w] {
				acc = acc<<1 | e.index[v]
				if x%8 == 7 {
					e.data = append(e.data, acc)
					acc = 0
				}
			}
			if w%8 != 0 {
				e.data = append(e.data, acc<<(8-w%8))
			}
		}
	case n <= 256:
		stream = tightStreamIndexed
		out = append(out, byte(stream<<4)|tightExplicitFilter, tightFilterPalette, byte(n-1))
		out = cv.appendTPixels(out, e.palette)
		for _, v := range px {
			e.data = append(e.data, e.index[v])
		}
	default:
		out = append(out, byte(stream<<4)) // basic, copy filter implied
		e.data = cv.appendTPixels(e.data, px)
	}
	if len(e.data) < tightMinToCompress {
		return append(out, e.data...)
	}
	zw, zb := e.zw[stream], &e.zbuf[stream]
	zw.Write(e.data)
	zw.Flush()
	out = appendCompactLength(out, zb.Len())
	out = append(out, zb.Bytes()...)
	zb.Reset()
	return out
}

// appendCompactLength writes n in 1–3 bytes, 7 bits each, low bits first,
// the top bit of a byte set when another follows.
func appendCompactLength(b []byte, n int) []byte {
	for range 2 {
		if n < 0x80 {
			return append(b, byte(n))
		}
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}
