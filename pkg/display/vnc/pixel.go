package vnc

import (
	"encoding/binary"
	"fmt"
)

// pixelFormat is PIXEL_FORMAT (RFC 6143 §7.4): how a client wants each pixel
// laid out on the wire.
type pixelFormat struct {
	BPP, Depth                      uint8
	BigEndian, TrueColour           bool
	RedMax, GreenMax, BlueMax       uint16
	RedShift, GreenShift, BlueShift uint8
}

// serverFormat is what ServerInit announces: 32-bit little-endian
// 0x00RRGGBB, which every client accepts.
var serverFormat = pixelFormat{BPP: 32, Depth: 24, TrueColour: true,
	RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 16, GreenShift: 8, BlueShift: 0}

// paletteFormat is how a client that asks for an 8-bit colour map is served:
// the server fills the map with a fixed 3-3-2 palette (SetColourMapEntries)
// and sends indices into it, so that such clients still see every frame.
var paletteFormat = pixelFormat{BPP: 8, Depth: 8, TrueColour: true,
	RedMax: 7, GreenMax: 7, BlueMax: 3, RedShift: 0, GreenShift: 3, BlueShift: 6}

func (pf pixelFormat) marshal() []byte {
	b := []byte{pf.BPP, pf.Depth, b2u(pf.BigEndian), b2u(pf.TrueColour)}
	b = binary.BigEndian.AppendUint16(b, pf.RedMax)
	b = binary.BigEndian.AppendUint16(b, pf.GreenMax)
	b = binary.BigEndian.AppendUint16(b, pf.BlueMax)
	return append(b, pf.RedShift, pf.GreenShift, pf.BlueShift, 0, 0, 0)
}

func parsePixelFormat(b []byte) pixelFormat {
	return pixelFormat{BPP: b[0], Depth: b[1], BigEndian: b[2] != 0, TrueColour: b[3] != 0,
		RedMax:   binary.BigEndian.Uint16(b[4:]),
		GreenMax: binary.BigEndian.Uint16(b[6:]),
		BlueMax:  binary.BigEndian.Uint16(b[8:]),
		RedShift: b[10], GreenShift: b[11], BlueShift: b[12]}
}

// check reports why the server cannot serve pf: bits per pixel other than
// 8, 16 or 32, a shift outside the pixel, or a colour map wider than 8 bits.
func (pf pixelFormat) check() error {
	switch pf.BPP {
	case 8, 16, 32:
	default:
		return fmt.Errorf("%d bits per pixel", pf.BPP)
	}
	if !pf.TrueColour {
		if pf.BPP != 8 {
			return fmt.Errorf("colour map with %d bits per pixel", pf.BPP)
		}
		return nil
	}
	if pf.RedShift >= pf.BPP || pf.GreenShift >= pf.BPP || pf.BlueShift >= pf.BPP {
		return fmt.Errorf("colour shifts %d/%d/%d outside a %d-bit pixel", pf.RedShift, pf.GreenShift, pf.BlueShift, pf.BPP)
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// converter turns RGBA frame pixels into a client's pixel values and writes
// them in its byte order. Black is always pixel value 0.
type converter struct {
	pf      pixelFormat
	bytes   int // bytes per pixel
	mask    uint32
	r, g, b [256]uint32
	// cbytes and cshift describe ZRLE's CPIXEL (RFC 6143 §7.7.6): 3 bytes
	// (of the value shifted right by cshift) when a 32-bit true-colour
	// pixel's colour bits fit in 3 of its bytes, else the whole pixel.
	cbytes int
	cshift uint
}

func newConverter(pf pixelFormat) *converter {
	if !pf.TrueColour {
		pf = paletteFormat
	}
	c := &converter{pf: pf, bytes: int(pf.BPP) / 8, cbytes: int(pf.BPP) / 8}
	c.mask = uint32(1)<<pf.BPP - 1
	if pf.BPP == 32 {
		c.mask = ^uint32(0)
	}
	for v := range 256 {
		c.r[v] = scale(v, pf.RedMax) << pf.RedShift & c.mask
		c.g[v] = scale(v, pf.GreenMax) << pf.GreenShift & c.mask
		c.b[v] = scale(v, pf.BlueMax) << pf.BlueShift & c.mask
	}
	if pf.BPP == 32 && pf.Depth <= 24 {
		all := c.r[255] | c.g[255] | c.b[255]
		switch {
		case all < 1<<24:
			c.cbytes, c.cshift = 3, 0
		case all&0xFF == 0:
			c.cbytes, c.cshift = 3, 8
		}
	}
	return c
}

// scale maps an 8-bit intensity onto 0..max, rounding to nearest.
func scale(v int, max uint16) uint32 {
	return uint32((v*int(max) + 127) / 255)
}

// grab converts the w×h rectangle at x,y of f into dst (reused if large
// enough); pixels outside f are black.
func (c *converter) grab(dst []uint32, f *frameBuf, x, y, w, h int) []uint32 {
	n := w * h
	if cap(dst) < n {
		dst = make([]uint32, n)
	}
	dst = dst[:n]
	for row := range h {
		out := dst[row*w : row*w+w]
		sy := y + row
		if sy >= f.h {
			clear(out)
			continue
		}
		inside := min(w, max(f.w-x, 0))
		p := f.pix[(sy*f.w+x)*4:]
		for i := range inside {
			q := p[i*4 : i*4+3]
			out[i] = c.r[q[0]] | c.g[q[1]] | c.b[q[2]]
		}
		clear(out[inside:])
	}
	return dst
}

// appendPixels writes px in the client's pixel size and byte order.
func (c *converter) appendPixels(b []byte, px []uint32) []byte {
	switch {
	case c.bytes == 1:
		for _, v := range px {
			b = append(b, byte(v))
		}
	case c.bytes == 2 && c.pf.BigEndian:
		for _, v := range px {
			b = append(b, byte(v>>8), byte(v))
		}
	case c.bytes == 2:
		for _, v := range px {
			b = append(b, byte(v), byte(v>>8))
		}
	case c.pf.BigEndian:
		for _, v := range px {
			b = append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		}
	default:
		for _, v := range px {
			b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		}
	}
	return b
}

// appendPixel writes one pixel.
func (c *converter) appendPixel(b []byte, v uint32) []byte {
	switch {
	case c.bytes == 1:
		return append(b, byte(v))
	case c.bytes == 2 && c.pf.BigEndian:
		return append(b, byte(v>>8), byte(v))
	case c.bytes == 2:
		return append(b, byte(v), byte(v>>8))
	case c.pf.BigEndian:
		return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// appendCPixels writes px as ZRLE CPIXELs.
func (c *converter) appendCPixels(b []byte, px []uint32) []byte {
	if c.cbytes != 3 {
		return c.appendPixels(b, px)
	}
	if c.pf.BigEndian {
		for _, v := range px {
			v >>= c.cshift
			b = append(b, byte(v>>16), byte(v>>8), byte(v))
		}
	} else {
		for _, v := range px {
			v >>= c.cshift
			b = append(b, byte(v), byte(v>>8), byte(v>>16))
		}
	}
	return b
}

// colourMapEntries is the SetColourMapEntries message (RFC 6143 §7.6.2)
// that fills a colour-map client's map with paletteFormat's colours.
func colourMapEntries() []byte {
	b := []byte{msgSetColourMapEntries, 0, 0, 0, 1, 0} // first colour 0, 256 colours
	pf := paletteFormat
	for i := range 256 {
		r := (i >> pf.RedShift) & int(pf.RedMax)
		g := (i >> pf.GreenShift) & int(pf.GreenMax)
		bl := (i >> pf.BlueShift) & int(pf.BlueMax)
		b = binary.BigEndian.AppendUint16(b, uint16(r*65535/int(pf.RedMax)))
		b = binary.BigEndian.AppendUint16(b, uint16(g*65535/int(pf.GreenMax)))
		b = binary.BigEndian.AppendUint16(b, uint16(bl*65535/int(pf.BlueMax)))
	}
	return b
}
