package vnc

// The benchmark runs inside the package to time the update builder alone,
// without a network or a decoding client.

import (
	"testing"

	"github.com/do86/do86/pkg/display"
)

// benchDesktop is a 1024×768 frame like a desktop: a gradient wallpaper,
// flat windows with title bars, lines of text-like noise, and a photo.
func benchDesktop() frameBuf {
	const w, h = 1024, 768
	f := frameBuf{w: w, h: h, pix: make([]byte, w*h*4)}
	rnd := uint32(12345)
	next := func() uint32 {
		rnd ^= rnd << 13
		rnd ^= rnd >> 17
		rnd ^= rnd << 5
		return rnd
	}
	for y := range h {
		for x := range w {
			p := f.pix[(y*w+x)*4:]
			p[3] = 0xFF
			switch {
			case y >= h-28: // a task bar
				p[0], p[1], p[2] = 0x30, 0x30, 0x38
			case x >= 100 && x < 600 && y >= 80 && y < 500: // a text window
				p[0], p[1], p[2] = 0xF0, 0xF0, 0xF0
				if y < 100 {
					p[0], p[1], p[2] = 0x20, 0x50, 0xA0
				} else if y%14 < 9 && x%8 < 6 && x < 560 && next()%3 == 0 {
					p[0], p[1], p[2] = 0x10, 0x10, 0x10
				}
			case x >= 650 && x < 970 && y >= 200 && y < 440: // a photo
				v := next()
				p[0], p[1], p[2] = byte(x/3)+byte(v&15), byte(y/2)+byte(v>>4&15), byte(v>>8&31)
			default: // gradient wallpaper
				p[0], p[1], p[2] = byte(x/5), byte(60+y/6), byte(150+x/10)
			}
		}
	}
	return f
}

func benchClient(enc int32) *client {
	f := benchDesktop()
	cl := &client{fb: f, cw: f.w, ch: f.h, conv: newConverter(serverFormat),
		encs: encodings{pixel: enc}, dirty: display.NewTileSet(f.w, f.h)}
	return cl
}

func BenchmarkUpdate(b *testing.B) {
	for _, e := range []struct {
		name string
		enc  int32
	}{{"raw", encRaw}, {"hextile", encHextile}, {"zrle", encZRLE}, {"tight", encTight}} {
		for _, c := range []struct {
			name string
			r    rect
		}{
			{"full", rect{0, 0, 1024, 768}},
			{"small", rect{300, 300, 40, 14}}, // a word typed in the window
		} {
			b.Run(e.name+"/"+c.name, func(b *testing.B) {
				cl := benchClient(e.enc)
				var size int
				b.ResetTimer()
				for i := range b.N {
					// Change the area, as the machine would.
					for y := c.r.y; y < c.r.y+c.r.h; y++ {
						for x := c.r.x; x < c.r.x+c.r.w; x++ {
							cl.fb.pix[(y*1024+x)*4] ^= byte(i | 1)
						}
					}
					cl.dirty.AddRect(c.r.x, c.r.y, c.r.w, c.r.h)
					cl.req, cl.hasReq = rect{0, 0, 1024, 768}, true
					size = len(cl.buildUpdate())
				}
				b.ReportMetric(float64(size), "bytes/update")
				b.ReportMetric(float64(size)/float64(rawSize(c.r)), "of-raw")
			})
		}
	}
}

// rawSize is what the tiles of r cost in Raw at 32 bits per pixel.
func rawSize(r rect) int {
	x0, y0 := r.x/16*16, r.y/16*16
	x1, y1 := (r.x+r.w+15)/16*16, (r.y+r.h+15)/16*16
	return 4 + 12 + (x1-x0)*(y1-y0)*4
}
