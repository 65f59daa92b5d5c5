package rfbclient

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// tightStream is one of Tight's four zlib streams.
type tightStream struct {
	in chunkReader
	zr io.ReadCloser
}

func (c *Client) decodeTight(r io.Reader, rc Rect) error {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return err
	}
	ctl := b[0]
	for i := range 4 {
		if ctl&(1<<i) != 0 {
			c.tight[i] = tightStream{}
		}
	}
	ctl >>= 4
	tp := 3
	pf := c.Format
	if !(pf.BPP == 32 && pf.Depth == 24 && pf.RedMax == 255 && pf.GreenMax == 255 && pf.BlueMax == 255) {
		tp = c.bpp()
	}
	readT := func(r io.Reader) (uint32, error) {
		var p [4]byte
		if _, err := io.ReadFull(r, p[:tp]); err != nil {
			return 0, err
		}
		if tp == 3 {
			return uint32(p[0])<<pf.RedShift | uint32(p[1])<<pf.GreenShift | uint32(p[2])<<pf.BlueShift, nil
		}
		return c.value(p[:tp]), nil
	}
	switch {
	case ctl == 8:
		v, err := readT(r)
		if err != nil {
			return err
		}
		c.fill(rc.X, rc.Y, rc.W, rc.H, v)
		return nil
	case ctl > 8:
		return fmt.Errorf("unsupported Tight compression %#x", ctl)
	}
	if rc.W > 2048 {
		return errors.New("Tight rectangle wider than 2048")
	}
	filter := byte(0)
	if ctl&4 != 0 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return err
		}
		filter = b[0]
	}
	var pal []uint32
	size := rc.W * rc.H * tp
	switch filter {
	case 0:
	case 1:
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return err
		}
		pal = make([]uint32, int(b[0])+1)
		for i := range pal {
			v, err := readT(r)
			if err != nil {
				return err
			}
			pal[i] = v
		}
		size = rc.W * rc.H
		if len(pal) == 2 {
			size = (rc.W + 7) / 8 * rc.H
		}
	default:
		return fmt.Errorf("unsupported Tight filter %d", filter)
	}
	data := make([]byte, size)
	if size < 12 {
		if _, err := io.ReadFull(r, data); err != nil {
			return err
		}
	} else {
		n := 0
		for i := range 3 {
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return err
			}
			if i == 2 {
				n |= int(b[0]) << 14
				break
			}
			n |= int(b[0]&0x7F) << (7 * i)
			if b[0]&0x80 == 0 {
				break
			}
		}
		z := &c.tight[ctl&3]
		comp := make([]byte, n)
		if _, err := io.ReadFull(r, comp); err != nil {
			return err
		}
		z.in.buf = append(z.in.buf, comp...)
		if z.zr == nil {
			var err error
			if z.zr, err = zlib.NewReader(&z.in); err != nil {
				return err
			}
		}
		if _, err := io.ReadFull(z.zr, data); err != nil {
			return err
		}
	}
	for y := range rc.H {
		for x := range rc.W {
			var v uint32
			switch {
			case pal == nil:
				var err error
				o := (y*rc.W + x) * tp
				if v, err = readT(bytes.NewReader(data[o : o+tp])); err != nil {
					return err
				}
			case len(pal) == 2:
				v = pal[data[y*((rc.W+7)/8)+x/8]>>(7-x%8)&1]
			default:
				i := int(data[y*rc.W+x])
				if i >= len(pal) {
					return errors.New("Tight palette index out of range")
				}
				v = pal[i]
			}
			c.set(rc.X+x, rc.Y+y, v)
		}
	}
	return nil
}
