package web

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/maphash"
	"slices"

	"github.com/do86/do86/pkg/display"
)

// FrameEncoder turns screen updates into MsgFrame messages for one
// connection. With deflate on it owns the connection's deflate stream, so
// its messages must reach the browser in the order they were encoded. Not
// safe for concurrent use.
type FrameEncoder struct {
	deflate bool
	level   int
	zw      *flate.Writer
	zbuf    bytes.Buffer
	seq     uint32
	body    []byte
	msg     []byte
	tile    tileEncoder

	// client is the screen as the browser has it once it applied every
	// message so far; tileHash finds a tile of it by content (verified
	// against client before use, so stale entries do no harm).
	client   *display.Frame
	tileHash map[uint64]int
	seed     maphash.Seed
	todo     []tileRef
}

// tileRef is a tile to send: its index and the hash of its pixels.
type tileRef struct {
	i   int
	sum uint64
}

// NewFrameEncoder returns an encoder; deflate compresses the message bodies
// as one stream at the given compress/flate level (flate.BestSpeed is the
// server's choice: see PROTOCOL.md for the measurements).
func NewFrameEncoder(deflate bool, level int) *FrameEncoder {
	return &FrameEncoder{deflate: deflate, level: level, tileHash: map[uint64]int{}, seed: maphash.MakeSeed()}
}

// Seq returns the sequence number of the last message encoded (0: none).
func (e *FrameEncoder) Seq() uint32 { return e.seq }

// Encode returns the message for the tiles of f that dirty names; a nil
// dirty set (or a new size) makes a keyframe of every tile. Of a delta's
// tiles only those that differ from what the browser has are sent. The
// message stays valid until the next call; it may hold no tile at all.
func (e *FrameEncoder) Encode(f *display.Frame, dirty *display.TileSet) []byte {
	e.seq++
	cols := (f.Width + display.TileSize - 1) / display.TileSize
	rows := (f.Height + display.TileSize - 1) / display.TileSize
	if e.client == nil || e.client.Width != f.Width || e.client.Height != f.Height {
		e.client = &display.Frame{Width: f.Width, Height: f.Height, Pix: make([]byte, len(f.Pix))}
		dirty = nil
	}
	if dirty == nil || len(e.tileHash) > 4*cols*rows {
		clear(e.tileHash)
	}
	// The tiles to send, each with the hash of its new pixels.
	e.todo = e.todo[:0]
	up, down := 0, 0
	for ty := 0; ty < rows; ty++ {
		for tx := 0; tx < cols; tx++ {
			if dirty != nil && !dirty.Has(tx, ty) {
				continue
			}
			i := ty*cols + tx
			x, y := tx*display.TileSize, ty*display.TileSize
			w, h := min(display.TileSize, f.Width-x), min(display.TileSize, f.Height-y)
			if dirty != nil && sameTile(e.client, f, x, y, x, y, w, h) {
				continue // marked dirty, but the browser has it already
			}
			sum := e.hashTile(f, x, y, w, h)
			if j, ok := e.tileHash[sum]; ok && j > i {
				up++ // content moving up the screen: copy top to bottom
			} else if ok && j < i {
				down++
			}
			e.todo = append(e.todo, tileRef{i, sum})
		}
	}
	if len(e.todo) == 0 && dirty != nil {
		e.seq-- // nothing the browser does not have: no message
		return nil
	}
	// Content moving down the screen (a scroll back) is copied from tiles
	// above before they change: the tiles go last first.
	reverse := down > up
	flags := byte(0)
	if reverse {
		flags |= FlagReverse
		slices.Reverse(e.todo)
	}
	b := e.body[:0]
	b = binary.LittleEndian.AppendUint16(b, uint16(f.Width))
	b = binary.LittleEndian.AppendUint16(b, uint16(f.Height))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.todo)))
	last := -1
	if reverse {
		last = cols * rows
	}
	for _, t := range e.todo {
		if reverse {
			b = binary.AppendUvarint(b, uint64(last-t.i-1))
		} else {
			b = binary.AppendUvarint(b, uint64(t.i-last-1))
		}
		last = t.i
		x, y := t.i%cols*display.TileSize, t.i/cols*display.TileSize
		b = e.encodeTile(b, f, t.i, cols, x, y, min(display.TileSize, f.Width-x), min(display.TileSize, f.Height-y), t.sum)
	}
	e.body = b

	if dirty == nil {
		flags |= FlagKeyframe
	}
	payload := b
	if e.deflate {
		flags |= FlagDeflate
		e.zbuf.Reset()
		if e.zw == nil {
			e.zw, _ = flate.NewWriter(&e.zbuf, e.level) // the level is one of flate's: no error
		}
		e.zw.Write(b)
		e.zw.Flush()
		payload = e.zbuf.Bytes()
	}
	m := append(e.msg[:0], MsgFrame, flags)
	m = binary.LittleEndian.AppendUint32(m, e.seq)
	m = binary.LittleEndian.AppendUint32(m, uint32(len(b)))
	m = append(m, payload...)
	e.msg = m
	return m
}

// encodeTile appends tile i (at x,y, w×h): a copy of a tile the browser
// already has when one has the same pixels (text scrolling by whole tile
// rows, repeated glyphs and icons), else the best of the pixel encodings.
// Then it records the tile as the browser will have it.
func (e *FrameEncoder) encodeTile(b []byte, f *display.Frame, i, cols, x, y, w, h int, sum uint64) []byte {
	stride := f.Stride()
	copied := false
	if j, ok := e.tileHash[sum]; ok && j != i {
		sx, sy := j%cols*display.TileSize, j/cols*display.TileSize
		if min(display.TileSize, f.Width-sx) == w && min(display.TileSize, f.Height-sy) == h &&
			sameTile(e.client, f, sx, sy, x, y, w, h) && !solidTile(f, x, y, w, h) {
			b = binary.AppendVarint(append(b, TileCopy), int64(j-i))
			copied = true
		}
	}
	if !copied {
		b = e.tile.encode(b, f, x, y, w, h)
	}
	for r := y; r < y+h; r++ {
		o := r*stride + x*4
		copy(e.client.Pix[o:o+w*4], f.Pix[o:o+w*4])
	}
	e.tileHash[sum] = i
	return b
}

// hashTile hashes the pixels (and size) of the w×h tile at x,y.
func (e *FrameEncoder) hashTile(f *display.Frame, x, y, w, h int) uint64 {
	var mh maphash.Hash
	mh.SetSeed(e.seed)
	stride := f.Stride()
	for r := y; r < y+h; r++ {
		mh.Write(f.Pix[r*stride+x*4 : r*stride+(x+w)*4])
	}
	mh.WriteByte(byte(w))
	mh.WriteByte(byte(h))
	return mh.Sum64()
}

// sameTile reports whether the w×h tile at sx,sy of a equals the one at
// x,y of b (RGB and alpha alike: frames keep alpha at 0xFF).
func sameTile(a, b *display.Frame, sx, sy, x, y, w, h int) bool {
	stride := a.Stride()
	for r := 0; r < h; r++ {
		if !bytes.Equal(a.Pix[(sy+r)*stride+sx*4:][:w*4], b.Pix[(y+r)*stride+x*4:][:w*4]) {
			return false
		}
	}
	return true
}

// solidTile reports whether one colour fills the tile (TileSolid is
// shorter than a copy then).
func solidTile(f *display.Frame, x, y, w, h int) bool {
	stride := f.Stride()
	first := f.Pix[y*stride+x*4:][:4]
	for r := y; r < y+h; r++ {
		row := f.Pix[r*stride+x*4:][:w*4]
		for i := 0; i < len(row); i += 4 {
			if row[i] != first[0] || row[i+1] != first[1] || row[i+2] != first[2] {
				return false
			}
		}
	}
	return true
}

// tileEncoder encodes one tile at a time, choosing the smallest of the four
// tile encodings. Its tables are reused from tile to tile.
type tileEncoder struct {
	px     [display.TileSize * display.TileSize]uint32 // RGB, R in the low byte
	idx    [display.TileSize * display.TileSize]uint8  // palette index of each pixel
	colors [maxRLEColors]uint32
	// A small open-addressed hash of colour → palette index; slots are
	// valid only when stamp equals gen, so clearing is a counter bump.
	keys  [256]uint32
	vals  [256]uint8
	stamp [256]uint32
	gen   uint32
}

// maxRLEColors is the largest palette TileRLE can index (7 bits).
const maxRLEColors = 127

// encode appends the tile at x,y of w×h pixels: encoding byte and data.
func (t *tileEncoder) encode(b []byte, f *display.Frame, x, y, w, h int) []byte {
	stride := f.Width * 4
	np := w * h
	t.gen++
	if t.gen == 0 { // wrapped: every stamp is stale now
		clear(t.stamp[:])
		t.gen = 1
	}
	ncol := 0
	runs, runBytes := 0, 0
	var prev uint32
	prevIdx := uint8(0)
	run := 0
	overflow := false
	k := 0
	for r := 0; r < h; r++ {
		row := f.Pix[(y+r)*stride+x*4:][: w*4 : w*4]
		for i := 0; i < len(row); i += 4 {
			c := uint32(row[i]) | uint32(row[i+1])<<8 | uint32(row[i+2])<<16
			t.px[k] = c
			if k > 0 && c == prev {
				t.idx[k] = prevIdx
				run++
				k++
				continue
			}
			if k > 0 {
				runs++
				runBytes += runLen(run)
			}
			run = 1
			prev = c
			if !overflow {
				slot := (c * 2654435761) >> 24
				for {
					if t.stamp[slot] != t.gen {
						if ncol == maxRLEColors {
							overflow = true
							break
						}
						t.stamp[slot], t.keys[slot], t.vals[slot] = t.gen, c, uint8(ncol)
						t.colors[ncol] = c
						ncol++
						prevIdx = uint8(ncol - 1)
						break
					}
					if t.keys[slot] == c {
						prevIdx = t.vals[slot]
						break
					}
					slot = (slot + 1) & 255
				}
			}
			t.idx[k] = prevIdx
			k++
		}
	}
	runs++
	runBytes += runLen(run)

	if !overflow && ncol == 1 {
		return appendRGB(append(b, TileSolid), t.px[0])
	}
	best, size := TileRaw, 3*np
	if !overflow {
		if ncol <= 16 {
			if s := 1 + 3*ncol + display.PackedSize(w, h, display.PaletteBits(ncol)); s < size {
				best, size = TilePacked, s
			}
		}
		if s := 1 + 3*ncol + runBytes; s < size {
			best, size = TileRLE, s
		}
	}
	switch best {
	case TilePacked:
		b = append(b, TilePacked, byte(ncol))
		for _, c := range t.colors[:ncol] {
			b = appendRGB(b, c)
		}
		b = display.AppendPacked(b, t.idx[:np], w, h, display.PaletteBits(ncol))
	case TileRLE:
		b = append(b, TileRLE, byte(ncol))
		for _, c := range t.colors[:ncol] {
			b = appendRGB(b, c)
		}
		for i := 0; i < np; {
			j := i + 1
			for j < np && t.idx[j] == t.idx[i] {
				j++
			}
			if n := j - i; n == 1 {
				b = append(b, t.idx[i])
			} else {
				b = binary.AppendUvarint(append(b, t.idx[i]|0x80), uint64(n-2))
			}
			i = j
		}
	default:
		b = append(b, TileRaw)
		for _, c := range t.px[:np] {
			b = appendRGB(b, c)
		}
	}
	return b
}

// runLen is the bytes TileRLE spends on a run of n pixels.
func runLen(n int) int {
	switch {
	case n == 1:
		return 1
	case n-2 < 0x80:
		return 2
	default:
		return 3 // runs are at most 256 pixels: n-2 fits two varint bytes
	}
}

func appendRGB(b []byte, c uint32) []byte {
	return append(b, byte(c), byte(c>>8), byte(c>>16))
}
