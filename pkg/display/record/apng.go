package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
)

// An animated PNG (APNG 1.0) is a PNG whose IDAT is the image that viewers
// without animation show, with an acTL chunk saying how many frames follow
// and, for each frame, an fcTL chunk (its rectangle, its delay, how it is
// drawn) and its image data in fdAT chunks: the zlib stream an IDAT would
// hold, after a sequence number. fcTL and fdAT chunks share one sequence.
// The frames here are RGB, 8 bits a channel, the PNG colour type image/png
// writes for an opaque *image.RGBA; image/png makes each frame's zlib
// stream and this file wraps them.

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// PNG colour type and bit depth of every frame.
const (
	colorTypeRGB = 2
	bitDepth8    = 8
)

// APNG dispose and blend operations.
const (
	disposeOpNone = 0
	blendOpSource = 0
)

// writeChunk writes one PNG chunk: length, type, data, CRC of type and data.
func writeChunk(w io.Writer, typ string, data []byte) error {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, b := range [][]byte{hdr[:], data, tail[:]} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func ihdr(w, h int) []byte {
	b := make([]byte, 13)
	binary.BigEndian.PutUint32(b[0:], uint32(w))
	binary.BigEndian.PutUint32(b[4:], uint32(h))
	b[8], b[9] = bitDepth8, colorTypeRGB // compression, filter, interlace: 0
	return b
}

func actl(frames, plays int) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b[0:], uint32(frames))
	binary.BigEndian.PutUint32(b[4:], uint32(plays))
	return b
}

// frameHeader is a frame's fcTL without its sequence number.
type frameHeader struct {
	Rect               image.Rectangle
	DelayNum, DelayDen uint16
}

func (f frameHeader) fctl(seq uint32) []byte {
	b := make([]byte, 26)
	binary.BigEndian.PutUint32(b[0:], seq)
	binary.BigEndian.PutUint32(b[4:], uint32(f.Rect.Dx()))
	binary.BigEndian.PutUint32(b[8:], uint32(f.Rect.Dy()))
	binary.BigEndian.PutUint32(b[12:], uint32(f.Rect.Min.X))
	binary.BigEndian.PutUint32(b[16:], uint32(f.Rect.Min.Y))
	binary.BigEndian.PutUint16(b[20:], f.DelayNum)
	binary.BigEndian.PutUint16(b[22:], f.DelayDen)
	b[24], b[25] = disposeOpNone, blendOpSource
	return b
}

// delayOf expresses d as an APNG frame delay: milliseconds up to a minute,
// whole seconds beyond (at most about 18 hours).
func delayOf(ms int64) (num, den uint16) {
	if ms < 0 {
		ms = 0
	}
	if ms <= 0xFFFF {
		return uint16(ms), 1000
	}
	return uint16(min((ms+500)/1000, 0xFFFF)), 1
}

// encoder makes frames' zlib streams with image/png.
type encoder struct {
	enc png.Encoder
	buf bytes.Buffer
}

// imageData encodes img (opaque) and returns the concatenated content of
// its IDAT chunks, which an fdAT or IDAT of the same size carries.
func (e *encoder) imageData(img *image.RGBA) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(&e.buf, img); err != nil {
		return nil, err
	}
	return idatOf(e.buf.Bytes())
}

// idatOf checks that a PNG is 8-bit RGB and returns its image data.
func idatOf(p []byte) ([]byte, error) {
	if !bytes.HasPrefix(p, pngSignature) {
		return nil, errors.New("record: not a PNG")
	}
	p = p[len(pngSignature):]
	var data []byte
	for len(p) >= 12 {
		n := binary.BigEndian.Uint32(p)
		if uint64(n)+12 > uint64(len(p)) {
			break
		}
		typ, body := string(p[4:8]), p[8:8+n]
		switch typ {
		case "IHDR":
			if len(body) != 13 || body[8] != bitDepth8 || body[9] != colorTypeRGB {
				return nil, fmt.Errorf("record: the PNG encoder wrote colour type %d, depth %d; want 8-bit RGB", body[9], body[8])
			}
		case "IDAT":
			data = append(data, body...)
		}
		p = p[12+n:]
	}
	if data == nil {
		return nil, errors.New("record: the PNG has no image data")
	}
	return data, nil
}

// maxChunk bounds an fdAT or IDAT chunk (any size up to 2^31-1 is valid;
// smaller chunks keep readers' buffers small).
const maxChunk = 1 << 20

// writeData writes image data as IDAT chunks (seq nil) or fdAT chunks
// numbered from *seq.
func writeData(w io.Writer, data []byte, seq *uint32) error {
	for len(data) > 0 {
		n := min(len(data), maxChunk)
		var err error
		if seq == nil {
			err = writeChunk(w, "IDAT", data[:n])
		} else {
			b := make([]byte, 4+n)
			binary.BigEndian.PutUint32(b, *seq)
			*seq++
			copy(b[4:], data[:n])
			err = writeChunk(w, "fdAT", b)
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
