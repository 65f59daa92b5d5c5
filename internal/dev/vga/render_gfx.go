package vga

import "github.com/do86/do86/pkg/display"

// renderPlanes redraws the lines of a planar, CGA or 256-colour mode whose
// memory changed (every line when full), through the attribute controller
// and the DAC.
func (v *VGA) renderPlanes(m *mode, f *display.Frame, full bool) {
	r := &v.r
	if !full && !r.memAny {
		return
	}
	ppc := 8
	if m.kind == kind256 {
		ppc = 4
	}
	if n := m.clocks * ppc; len(r.idx) < n {
		r.idx = make([]uint8, n)
	}
	line := v.lineBuf(m.w)
	for y := 0; y < m.h; y++ {
		c, rs, pan := m.lineStart(y)
		if !full {
			lo, hi := m.addr(c, rs), m.addr(c+uint32(m.clocks-1), rs)+1
			if hi > lo && !r.memWritten(lo, hi) {
				continue
			}
		}
		v.fetch(m, c, rs, r.idx)
		px := r.idx[pan : pan+m.w]
		for x, i := range px {
			copy(line[x*4:x*4+4], r.rgb[i][:])
		}
		v.putLine(f, y, line)
	}
}

// fetch reads m.clocks character clocks of memory from counter c and
// turns them into DAC indices as the shift registers and the attribute
// controller do.
func (v *VGA) fetch(m *mode, c uint32, rs int, out []uint8) {
	r := &v.r
	enable := v.AR[arColorPlane] & 0x0F
	n := 0
	for j := 0; j < m.clocks; j++ {
		a := m.addr(c+uint32(j), rs)
		b0, b1, b2, b3 := v.Planes[0][a], v.Planes[1][a], v.Planes[2][a], v.Planes[3][a]
		switch m.kind {
		case kind256:
			out[n], out[n+1], out[n+2], out[n+3] = b0, b1, b2, b3
			n += 4
		case kindCGA:
			// Two bits a pixel, leftmost in the high bits: the even byte
			// (plane 0, with plane 2 above it) then the odd one.
			for k := 0; k < 4; k++ {
				sh := 6 - 2*k
				out[n+k] = r.attr[(b0>>sh&3|(b2>>sh&3)<<2)&enable]
				out[n+4+k] = r.attr[(b1>>sh&3|(b3>>sh&3)<<2)&enable]
			}
			n += 8
		default:
			for k := 0; k < 8; k++ {
				sh := 7 - k
				p := b0>>sh&1 | (b1>>sh&1)<<1 | (b2>>sh&1)<<2 | (b3>>sh&1)<<3
				out[n+k] = r.attr[p&enable]
			}
			n += 8
		}
	}
}

// renderVBE redraws the lines of a linear dispi mode that the guest wrote
// in the LFB since the last Render ([lo, hi) when ok), or all of them.
func (v *VGA) renderVBE(m *mode, f *display.Frame, full bool, lo, hi uint32, ok bool) {
	r := &v.r
	y0, y1 := 0, m.h
	if !full {
		if !ok || hi <= m.vstart || m.vstride == 0 {
			return
		}
		if lo > m.vstart {
			y0 = int((lo - m.vstart) / m.vstride)
		}
		y1 = min(y1, int((hi-1-m.vstart)/m.vstride)+1)
	}
	bpp := int(bytesPerPixel(m.bpp))
	n := m.w * bpp
	if len(r.buf) < n {
		r.buf = make([]byte, n)
	}
	buf := r.buf[:n]
	line := v.lineBuf(m.w)
	size := v.lfb.Size()
	for y := y0; y < y1; y++ {
		off := uint64(m.vstart) + uint64(y)*uint64(m.vstride)
		clear(buf)
		if off < uint64(size) {
			v.lfb.ReadAt(buf[:min(uint64(n), uint64(size)-off)], uint32(off))
		}
		convertLine(line, buf, m.bpp, &r.rgb)
		v.putLine(f, y, line)
	}
}

// convertLine turns one line of VBE pixels into RGBA.
func convertLine(dst, src []byte, bpp uint16, pal *[256][4]byte) {
	w := len(dst) / 4
	switch bpp {
	case 8:
		for x := 0; x < w; x++ {
			copy(dst[x*4:x*4+4], pal[src[x]][:])
		}
	case 15, 16:
		for x := 0; x < w; x++ {
			p := uint16(src[2*x]) | uint16(src[2*x+1])<<8
			var r5, g, b5 uint16
			if bpp == 15 {
				r5, g, b5 = p>>10&31, p>>5&31, p&31
				g = g<<3 | g>>2
			} else {
				r5, g, b5 = p>>11, p>>5&63, p&31
				g = g<<2 | g>>4
			}
			d := dst[x*4 : x*4+4]
			d[0], d[1], d[2], d[3] = byte(r5<<3|r5>>2), byte(g), byte(b5<<3|b5>>2), 0xFF
		}
	case 24, 32:
		bpp := int(bpp) / 8
		for x := 0; x < w; x++ {
			s, d := src[x*bpp:], dst[x*4:x*4+4]
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0xFF
		}
	}
}
