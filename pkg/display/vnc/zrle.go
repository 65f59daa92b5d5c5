package vnc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"

	"github.com/do86/do86/pkg/display"
)

// ZRLE subencodings (RFC 6143 §7.7.6).
const (
	zrleRaw        = 0
	zrleSolid      = 1
	zrlePlainRLE   = 128
	zrlePaletteRLE = 128 // plus the palette size, 2..127
	zrleTile       = 64
	zrleMaxPalette = 127
)

// zrleLevel is the zlib level: speed matters more than the last few percent
// while the emulator shares the CPU.
const zrleLevel = zlib.BestSpeed

// zrleEncoder encodes rectangles as ZRLE: 64×64 tiles, each solid, a packed
// palette, run-length encoded or raw, whichever is smallest, all through one
// zlib stream that lives as long as the connection, as the RFC requires.
type zrleEncoder struct {
	zbuf    bytes.Buffer
	zw      *zlib.Writer
	raw     []byte
	tile    []uint32
	palette []uint32
	index   map[uint32]uint8
	runs    []int32 // run lengths of the current tile
	idx     []uint8 // palette indices of the current tile, for packing
}

func (z *zrleEncoder) encode(out []byte, px []uint32, w, h int, cv *converter) []byte {
	if z.zw == nil {
		z.zw, _ = zlib.NewWriterLevel(&z.zbuf, zrleLevel)
		z.index = map[uint32]uint8{}
	}
	z.raw = z.raw[:0]
	for ty := 0; ty < h; ty += zrleTile {
		th := min(zrleTile, h-ty)
		for tx := 0; tx < w; tx += zrleTile {
			tw := min(zrleTile, w-tx)
			z.tile = z.tile[:0]
			for r := range th {
				z.tile = append(z.tile, px[(ty+r)*w+tx:(ty+r)*w+tx+tw]...)
			}
			z.raw = z.encodeTile(z.raw, z.tile, tw, th, cv)
		}
	}
	z.zw.Write(z.raw)
	z.zw.Flush() // a sync flush: the client can decode this rectangle now
	out = binary.BigEndian.AppendUint32(out, uint32(z.zbuf.Len()))
	out = append(out, z.zbuf.Bytes()...)
	z.zbuf.Reset()
	return out
}

// encodeTile appends one tile in the cheapest subencoding.
func (z *zrleEncoder) encodeTile(b []byte, t []uint32, tw, th int, cv *converter) []byte {
	cp := cv.cbytes
	// Runs (across row ends, as ZRLE reads the tile as one sequence) and
	// the palette, found run by run.
	z.runs = z.runs[:0]
	z.palette = z.palette[:0]
	clear(z.index)
	lenBytes, paletteRLE := 0, 0
	for i := 0; i < len(t); {
		c := t[i]
		j := i + 1
		for j < len(t) && t[j] == c {
			j++
		}
		n := j - i
		z.runs = append(z.runs, int32(n))
		lb := (n-1)/255 + 1
		lenBytes += lb
		if n == 1 {
			paletteRLE++
		} else {
			paletteRLE += 1 + lb
		}
		if len(z.palette) <= zrleMaxPalette {
			if _, ok := z.index[c]; !ok {
				z.index[c] = uint8(len(z.palette))
				z.palette = append(z.palette, c)
			}
		}
		i = j
	}
	np := len(z.palette)
	if np == 1 {
		b = append(b, zrleSolid)
		return cv.appendCPixels(b, t[:1])
	}
	best, kind := len(t)*cp, zrleRaw
	if s := len(z.runs)*cp + lenBytes; s < best {
		best, kind = s, zrlePlainRLE
	}
	if np <= zrleMaxPalette {
		if s := np*cp + paletteRLE; s < best {
			best, kind = s, zrlePaletteRLE+np
		}
		if np <= 16 {
			if s := np*cp + display.PackedSize(tw, th, display.PaletteBits(np)); s <= best {
				best, kind = s, np
			}
		}
	}
	b = append(b, byte(kind))
	switch {
	case kind == zrleRaw:
		return cv.appendCPixels(b, t)
	case kind == zrlePlainRLE:
		i := 0
		for _, n := range z.runs {
			b = cv.appendCPixels(b, t[i:i+1])
			b = appendRunLength(b, int(n))
			i += int(n)
		}
		return b
	case kind > zrlePaletteRLE:
		b = cv.appendCPixels(b, z.palette)
		i := 0
		for _, n := range z.runs {
			idx := z.index[t[i]]
			if n == 1 {
				b = append(b, idx)
			} else {
				b = append(b, idx|0x80)
				b = appendRunLength(b, int(n))
			}
			i += int(n)
		}
		return b
	}
	// Packed palette: indices of 1, 2 or 4 bits, rows padded to a byte.
	b = cv.appendCPixels(b, z.palette)
	z.idx = z.idx[:0]
	for _, c := range t {
		z.idx = append(z.idx, z.index[c])
	}
	return display.AppendPacked(b, z.idx, tw, th, display.PaletteBits(np))
}

// appendRunLength writes a run of n pixels as ZRLE does: n-1 as a sum of
// bytes, every byte but the last 255.
func appendRunLength(b []byte, n int) []byte {
	n--
	for n >= 255 {
		b = append(b, 255)
		n -= 255
	}
	return append(b, byte(n))
}
