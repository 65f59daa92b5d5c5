package vnc

import (
	"encoding/binary"

	"github.com/do86/do86/pkg/display"
)

// buildUpdate takes the pending request and returns the message(s) that
// answer it, or nil (leaving the request pending) when an incremental
// request finds nothing to send yet.
func (cl *client) buildUpdate() []byte {
	cl.mu.Lock()
	req, full := cl.req, cl.reqFull
	cl.hasReq, cl.reqFull = false, false
	if cl.pfNew {
		cl.conv = newConverter(cl.pf)
		cl.colourMap = !cl.pf.TrueColour
		cl.pfNew = false
	}
	if cl.encsNew {
		cl.encsNew = false
		if !cl.encs.qemuKeys {
			cl.announced.qemuKeys = false
		}
		if !cl.encs.qemuPointer {
			cl.announced.qemuPointer = false
			cl.relative = false
		}
	}
	e := cl.encs
	refuse := cl.refuse
	cl.refuse = 0
	cl.mu.Unlock()

	out := append(cl.out[:0], msgFramebufferUpdate, 0, 0, 0)
	n := 0
	pseudo := func(x, y, w, h int, enc int32) {
		out = appendRectHeader(out, rect{x, y, w, h}, enc)
		n++
	}
	// Acknowledge extensions the client offered, so that it starts using
	// them (QEMU extended key events; relative pointer motion).
	if e.qemuKeys && !cl.announced.qemuKeys {
		pseudo(0, 0, 0, 0, encQEMUExtendedKeyEvent)
		cl.announced.qemuKeys = true
	}
	// Clients that can send either are told which the guest wants:
	// positions while it drives an absolute pointer, motion otherwise.
	if e.qemuPointer {
		rel := !cl.s.absolute()
		cl.mu.Lock()
		change := !cl.announced.qemuPointer || cl.relative != rel
		cl.relative = rel
		cl.mu.Unlock()
		if change {
			x := 1 // absolute
			if rel {
				x = 0
			}
			pseudo(x, 0, cl.cw, cl.ch, encQEMUPointerMotionChange)
			cl.announced.qemuPointer = true
		}
	}
	// The machine changed mode: resize clients that can be resized. Others
	// keep the size they were told at ServerInit and see the frame's
	// top-left part, black beyond it.
	if (cl.fb.w != cl.cw || cl.fb.h != cl.ch) && (e.extDesktop || e.desktopSize) {
		cl.cw, cl.ch = cl.fb.w, cl.fb.h
		if e.extDesktop {
			out = appendExtDesktopSize(out, 0, 0, cl.cw, cl.ch)
			n++
			cl.announced.extDesktop = true
		} else {
			pseudo(0, 0, cl.cw, cl.ch, encDesktopSize)
		}
		cl.sendAll = true
	}
	if e.extDesktop && !cl.announced.extDesktop {
		// Tell the client the server knows ExtendedDesktopSize.
		out = appendExtDesktopSize(out, 0, 0, cl.cw, cl.ch)
		n++
		cl.announced.extDesktop = true
	}
	for ; refuse > 0 && e.extDesktop; refuse-- {
		// Answer SetDesktopSize: reason 1 (client asked), status 1
		// (prohibited): the guest alone decides its mode.
		out = appendExtDesktopSize(out, 1, 1, cl.cw, cl.ch)
		n++
	}

	area := rect{0, 0, cl.cw, cl.ch}
	if cl.sendAll {
		req, full, cl.sendAll = area, true, false
	}
	region := req.intersect(area)
	if region.w > 0 {
		send := display.NewTileSet(cl.cw, cl.ch)
		for ty := region.y / display.TileSize; ty*display.TileSize < region.y+region.h; ty++ {
			for tx := region.x / display.TileSize; tx*display.TileSize < region.x+region.w; tx++ {
				if full || tx < cl.dirty.Cols && ty < cl.dirty.Rows && cl.dirty.Has(tx, ty) {
					send.Add(tx, ty)
				}
			}
		}
		for _, t := range coalesce(send) {
			r := rect{t.x * display.TileSize, t.y * display.TileSize, t.w * display.TileSize, t.h * display.TileSize}.intersect(region)
			if r.w == 0 {
				continue
			}
			if e.pixel == encTight {
				for _, c := range tightChunks(r) {
					out = cl.encodeRect(out, c, encTight)
					n++
				}
				continue
			}
			out = cl.encodeRect(out, r, e.pixel)
			n++
		}
		cl.forgetSent(region)
	}
	if n == 0 && !full {
		cl.mu.Lock()
		if cl.hasReq {
			cl.req = cl.req.union(req)
		} else {
			cl.req = req
		}
		cl.hasReq = true
		cl.mu.Unlock()
		cl.out = out
		return nil
	}
	binary.BigEndian.PutUint16(out[2:], uint16(n))
	if cl.colourMap {
		cl.colourMap = false
		out = append(colourMapEntries(), out...)
	}
	cl.out = out
	return out
}

// forgetSent clears the dirty tiles that region wholly covers; a tile only
// partly inside stays dirty.
func (cl *client) forgetSent(region rect) {
	d := cl.dirty
	var keep [][2]int
	for ty := 0; ty < d.Rows; ty++ {
		for tx := 0; tx < d.Cols; tx++ {
			if !d.Has(tx, ty) {
				continue
			}
			t := rect{tx * display.TileSize, ty * display.TileSize, display.TileSize, display.TileSize}
			if !region.contains(t.intersect(rect{0, 0, cl.fb.w, cl.fb.h})) {
				keep = append(keep, [2]int{tx, ty})
			}
		}
	}
	d.Clear()
	for _, t := range keep {
		d.Add(t[0], t[1])
	}
}

// encodeRect appends one rectangle of the client's screen in encoding enc.
func (cl *client) encodeRect(out []byte, r rect, enc int32) []byte {
	cl.px = cl.conv.grab(cl.px, &cl.fb, r.x, r.y, r.w, r.h)
	out = appendRectHeader(out, r, enc)
	switch enc {
	case encHextile:
		return cl.hextile.encode(out, cl.px, r.w, r.h, cl.conv)
	case encZRLE:
		return cl.zrle.encode(out, cl.px, r.w, r.h, cl.conv)
	case encTight:
		return cl.tight.encode(out, cl.px, r.w, r.h, cl.conv)
	}
	return cl.conv.appendPixels(out, cl.px)
}

func appendRectHeader(b []byte, r rect, enc int32) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(r.x))
	b = binary.BigEndian.AppendUint16(b, uint16(r.y))
	b = binary.BigEndian.AppendUint16(b, uint16(r.w))
	b = binary.BigEndian.AppendUint16(b, uint16(r.h))
	return binary.BigEndian.AppendUint32(b, uint32(enc))
}

// appendExtDesktopSize appends an ExtendedDesktopSize pseudo-rectangle: one
// screen covering the whole w×h framebuffer.
func appendExtDesktopSize(b []byte, reason, status, w, h int) []byte {
	b = appendRectHeader(b, rect{reason, status, w, h}, encExtendedDesktopSize)
	b = append(b, 1, 0, 0, 0) // one screen
	b = binary.BigEndian.AppendUint32(b, 0)
	b = appendRectHeader(b, rect{0, 0, w, h}, 0) // x, y, w, h, flags 0
	return b
}

// coalesce turns a set of tiles into few rectangles, in tile units: each
// row's horizontal runs of marked tiles, merged with the run below when it
// spans the same columns.
func coalesce(s *display.TileSet) []rect {
	var out []rect
	open := map[[2]int]int{} // run columns → index in out, for the row above
	for ty := 0; ty < s.Rows; ty++ {
		next := map[[2]int]int{}
		for tx := 0; tx < s.Cols; {
			if !s.Has(tx, ty) {
				tx++
				continue
			}
			x0 := tx
			for tx < s.Cols && s.Has(tx, ty) {
				tx++
			}
			key := [2]int{x0, tx}
			if i, ok := open[key]; ok {
				out[i].h++
				next[key] = i
			} else {
				out = append(out, rect{x0, ty, tx - x0, 1})
				next[key] = len(out) - 1
			}
		}
		open = next
	}
	return out
}
