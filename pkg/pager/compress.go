package pager

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// Page encodings: the first byte of a data value.
const (
	encRaw   = 0
	encFlate = 1
)

// compressor deflates pages, reusing its state (only writers use it, one
// at a time, under Store.mu).
type compressor struct {
	w   *flate.Writer
	buf bytes.Buffer
}

// encode returns the value to store for p.
func (c *compressor) encode(p []byte, compress bool) []byte {
	if compress && len(p) >= 512 {
		c.buf.Reset()
		c.buf.WriteByte(encFlate)
		if c.w == nil {
			c.w, _ = flate.NewWriter(&c.buf, flate.BestSpeed)
		} else {
			c.w.Reset(&c.buf)
		}
		c.w.Write(p)
		c.w.Close()
		if c.buf.Len() <= len(p)-len(p)/8 {
			return bytes.Clone(c.buf.Bytes())
		}
	}
	v := make([]byte, 1+len(p))
	v[0] = encRaw
	copy(v[1:], p)
	return v
}

// decoder inflates pages, reusing its state.
type decoder struct {
	r   io.ReadCloser
	src bytes.Reader
	buf []byte
}

// decode returns the page a data value holds; the result is valid until the
// next call.
func (d *decoder) decode(v []byte, h Hash) ([]byte, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty page %s", ErrCorrupt, h)
	}
	switch v[0] {
	case encRaw:
		return v[1:], nil
	case encFlate:
		d.src.Reset(v[1:])
		if d.r == nil {
			d.r = flate.NewReader(&d.src)
		} else {
			d.r.(flate.Resetter).Reset(&d.src, nil)
		}
		d.buf = d.buf[:0]
		var tmp [PageSize]byte
		for {
			n, err := d.r.Read(tmp[:])
			d.buf = append(d.buf, tmp[:n]...)
			if err == io.EOF {
				return d.buf, nil
			}
			if err != nil {
				return nil, fmt.Errorf("%w: page %s: %v", ErrCorrupt, h, err)
			}
			if len(d.buf) > PageSize { // pages and disk chunks are at most a page
				return nil, fmt.Errorf("%w: page %s inflates too far", ErrCorrupt, h)
			}
		}
	}
	return nil, fmt.Errorf("%w: page %s has encoding %d", ErrCorrupt, h, v[0])
}
