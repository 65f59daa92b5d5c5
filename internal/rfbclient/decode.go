package rfbclient

import (
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// decodeRect applies one rectangle to the client's state.
func (c *Client) decodeRect(r io.Reader, rc Rect) error {
	switch rc.Encoding {
	case EncodingDesktopSize:
		c.resize(rc.W, rc.H)
		return nil
	case EncodingExtendedDesktopSize:
		var h [4]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return err
		}
		if _, err := io.CopyN(io.Discard, r, int64(h[0])*16); err != nil {
			return err
		}
		if rc.X == 1 && rc.Y != 0 {
			return nil // our SetDesktopSize refused: no change
		}
		c.resize(rc.W, rc.H)
		return nil
	case EncodingQEMUExtendedKeyEvent:
		c.QEMUKeys = true
		return nil
	case EncodingQEMUPointerMotionChange:
		c.RelativePointer = rc.X == 0
		return nil
	}
	if b := c.Image.Bounds(); rc.X+rc.W > b.Dx() || rc.Y+rc.H > b.Dy() {
		return fmt.Errorf("outside the %dx%d framebuffer", b.Dx(), b.Dy())
	}
	switch rc.Encoding {
	case EncodingRaw:
		return c.decodeRaw(r, rc)
	case EncodingHextile:
		return c.decodeHextile(r, rc)
	case EncodingZRLE:
		return c.decodeZRLE(r, rc)
	case EncodingTight:
		return c.decodeTight(r, rc)
	}
	return fmt.Errorf("unsupported encoding %d", rc.Encoding)
}

func (c *Client) resize(w, h int) {
	old := c.Image
	c.Image = image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < min(h, old.Bounds().Dy()); y++ {
		copy(c.Image.Pix[y*c.Image.Stride:y*c.Image.Stride+min(w, old.Bounds().Dx())*4], old.Pix[y*old.Stride:])
	}
}

// pixel turns a pixel value into RGB.
func (c *Client) pixel(v uint32) (uint8, uint8, uint8) {
	pf := c.Format
	if !pf.TrueColour {
		e := c.Colours[v&0xFF]
		return uint8(e[0] >> 8), uint8(e[1] >> 8), uint8(e[2] >> 8)
	}
	return expand(v>>pf.RedShift&uint32(pf.RedMax), pf.RedMax),
		expand(v>>pf.GreenShift&uint32(pf.GreenMax), pf.GreenMax),
		expand(v>>pf.BlueShift&uint32(pf.BlueMax), pf.BlueMax)
}

// value reads a pixel value of n bytes in the format's byte order.
func (c *Client) value(b []byte) uint32 {
	var v uint32
	if c.Format.BigEndian {
		for _, x := range b {
			v = v<<8 | uint32(x)
		}
	} else {
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint32(b[i])
		}
	}
	return v
}

func (c *Client) bpp() int { return int(c.Format.BPP) / 8 }

func (c *Client) readPixel(r io.Reader) (uint32, error) {
	var b [4]byte
	n := c.bpp()
	if _, err := io.ReadFull(r, b[:n]); err != nil {
		return 0, err
	}
	return c.value(b[:n]), nil
}

func (c *Client) set(x, y int, v uint32) {
	o := y*c.Image.Stride + x*4
	p := c.Image.Pix[o : o+4]
	p[0], p[1], p[2] = c.pixel(v)
	p[3] = 0xFF
}

func (c *Client) fill(x, y, w, h int, v uint32) {
	for j := y; j < y+h; j++ {
		for i := x; i < x+w; i++ {
			c.set(i, j, v)
		}
	}
}

func (c *Client) decodeRaw(r io.Reader, rc Rect) error {
	n := c.bpp()
	row := make([]byte, rc.W*n)
	for y := range rc.H {
		if _, err := io.ReadFull(r, row); err != nil {
			return err
		}
		for x := range rc.W {
			c.set(rc.X+x, rc.Y+y, c.value(row[x*n:x*n+n]))
		}
	}
	return nil
}

func (c *Client) decodeHextile(r io.Reader, rc Rect) error {
	var bg, fg uint32
	for ty := 0; ty < rc.H; ty += 16 {
		for tx := 0; tx < rc.W; tx += 16 {
			x0, y0 := rc.X+tx, rc.Y+ty
			tw, th := min(16, rc.W-tx), min(16, rc.H-ty)
			var m [1]byte
			if _, err := io.ReadFull(r, m[:]); err != nil {
				return err
			}
			mask := m[0]
			if mask&1 != 0 { // Raw
				if err := c.decodeRaw(r, Rect{X: x0, Y: y0, W: tw, H: th}); err != nil {
					return err
				}
				continue
			}
			var err error
			if mask&2 != 0 {
				if bg, err = c.readPixel(r); err != nil {
					return err
				}
			}
			c.fill(x0, y0, tw, th, bg)
			if mask&4 != 0 {
				if fg, err = c.readPixel(r); err != nil {
					return err
				}
			}
			if mask&8 == 0 {
				continue
			}
			if _, err := io.ReadFull(r, m[:]); err != nil {
				return err
			}
			for range int(m[0]) {
				v := fg
				if mask&16 != 0 {
					if v, err = c.readPixel(r); err != nil {
						return err
					}
				}
				var s [2]byte
				if _, err := io.ReadFull(r, s[:]); err != nil {
					return err
				}
				sx, sy, sw, sh := int(s[0]>>4), int(s[0]&15), int(s[1]>>4)+1, int(s[1]&15)+1
				if sx+sw > tw || sy+sh > th {
					return errors.New("hextile subrectangle outside its tile")
				}
				c.fill(x0+sx, y0+sy, sw, sh, v)
			}
		}
	}
	return nil
}

// chunkReader holds the compressed bytes received so far for the
// connection's one zlib stream.
type chunkReader struct{ buf []byte }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *chunkReader) ReadByte() (byte, error) {
	if len(c.buf) == 0 {
		return 0, io.EOF
	}
	b := c.buf[0]
	c.buf = c.buf[1:]
	return b, nil
}

func (c *Client) decodeZRLE(r io.Reader, rc Rect) error {
	n, err := readU32(r)
	if err != nil {
		return err
	}
	if n > 64<<20 {
		return fmt.Errorf("ZRLE data of %d bytes", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return err
	}
	c.zin.buf = append(c.zin.buf, data...)
	if c.zr == nil {
		if c.zr, err = zlib.NewReader(&c.zin); err != nil {
			return err
		}
	}
	z := c.zr
	cp, top := c.Format.cpixel()
	readC := func() (uint32, error) {
		var b [4]byte
		if _, err := io.ReadFull(z, b[:cp]); err != nil {
			return 0, err
		}
		if cp == 3 && top {
			return c.value(b[:3]) << 8, nil
		}
		return c.value(b[:cp]), nil
	}
	readByte := func() (byte, error) {
		var b [1]byte
		_, err := io.ReadFull(z, b[:])
		return b[0], err
	}
	readRun := func() (int, error) {
		n := 1
		for {
			b, err := readByte()
			if err != nil {
				return 0, err
			}
			n += int(b)
			if b != 255 {
				return n, nil
			}
		}
	}
	for ty := 0; ty < rc.H; ty += 64 {
		for tx := 0; tx < rc.W; tx += 64 {
			x0, y0 := rc.X+tx, rc.Y+ty
			tw, th := min(64, rc.W-tx), min(64, rc.H-ty)
			sub, err := readByte()
			if err != nil {
				return err
			}
			put := func(i int, v uint32) { c.set(x0+i%tw, y0+i/tw, v) }
			var pal [128]uint32
			np := int(sub & 0x7F)
			if sub >= 2 && sub <= 16 || sub >= 130 {
				for i := range np {
					if pal[i], err = readC(); err != nil {
						return err
					}
				}
			}
			switch {
			case sub == 0:
				for i := range tw * th {
					v, err := readC()
					if err != nil {
						return err
					}
					put(i, v)
				}
			case sub == 1:
				v, err := readC()
				if err != nil {
					return err
				}
				c.fill(x0, y0, tw, th, v)
			case sub <= 16:
				bits := 4
				if np <= 2 {
					bits = 1
				} else if np <= 4 {
					bits = 2
				}
				row := make([]byte, (tw*bits+7)/8)
				for y := range th {
					if _, err := io.ReadFull(z, row); err != nil {
						return err
					}
					for x := range tw {
						bit := x * bits
						idx := int(row[bit/8]>>(8-bits-bit%8)) & (1<<bits - 1)
						if idx >= np {
							return errors.New("ZRLE palette index out of range")
						}
						c.set(x0+x, y0+y, pal[idx])
					}
				}
			case sub == 128:
				for i := 0; i < tw*th; {
					v, err := readC()
					if err != nil {
						return err
					}
					n, err := readRun()
					if err != nil {
						return err
					}
					if i+n > tw*th {
						return errors.New("ZRLE run past the tile")
					}
					for ; n > 0; n-- {
						put(i, v)
						i++
					}
				}
			case sub >= 130:
				for i := 0; i < tw*th; {
					b, err := readByte()
					if err != nil {
						return err
					}
					n := 1
					if b&0x80 != 0 {
						if n, err = readRun(); err != nil {
							return err
						}
					}
					idx := int(b & 0x7F)
					if idx >= np || i+n > tw*th {
						return errors.New("bad ZRLE palette run")
					}
					for ; n > 0; n-- {
						put(i, pal[idx])
						i++
					}
				}
			default:
				return fmt.Errorf("unknown ZRLE subencoding %d", sub)
			}
		}
	}
	return nil
}

func readU32(r io.Reader) (uint32, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b[:]), nil
}
