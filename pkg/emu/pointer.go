package emu

import (
	"math"

	"github.com/do86/do86/internal/dev/usbtablet"
)

// pointer is what the machine keeps of the sinks' absolute pointer: the
// USB tablet when there is one, and for the PS/2 fallback the last
// position in guest pixels with the motion not yet sent.
type pointer struct {
	usb     *usbBus
	known   bool    // x, y hold a position
	x, y    float64 // guest pixels
	fx, fy  float64 // motion not yet sent, in guest pixels
	buttons uint8
}

// Pointer puts the pointer at x, y of a w×h picture of the screen, turns
// the wheel by dz and sets the buttons held (input.Sink); safe from any
// goroutine. While the guest drives the USB tablet the position goes to it
// exactly; otherwise the PS/2 mouse moves by the difference from the last
// position (the first moves nothing), which lands where the sink points
// only as far as the guest moves its cursor a pixel a count.
func (m *Machine) Pointer(x, y, w, h, dz int, buttons uint8) {
	m.Do(func() { m.pointerAt(x, y, w, h, dz, buttons) })
}

// tabletCoord maps pixel p of n to the tablet's range: the pixel's centre,
// so that a guest scaling the range to its screen of n pixels by
// truncation or by rounding lands on p.
func tabletCoord(p, n int) int {
	return (2*p + 1) * (usbtablet.MaxCoord + 1) / (2 * n)
}

func (m *Machine) pointerAt(x, y, w, h, dz int, buttons uint8) {
	if w <= 0 || h <= 0 {
		return
	}
	x, y = min(max(x, 0), w-1), min(max(y, 0), h-1)
	p := &m.ptr
	tx, ty := tabletCoord(x, w), tabletCoord(y, h)
	// In guest pixels, for the fallback (the guest's mode may differ from
	// the sink's picture).
	gw, gh := w, h
	if m.frame != nil && m.frame.Width > 0 && m.frame.Height > 0 {
		gw, gh = m.frame.Width, m.frame.Height
	}
	gx := (float64(x) + 0.5) * float64(gw) / float64(w)
	gy := (float64(y) + 0.5) * float64(gh) / float64(h)
	if u := p.usb; u != nil {
		in := u.inUse()
		u.absolute.Store(in)
		if in {
			u.tablet.Set(tx, ty, buttons, dz)
			p.known, p.x, p.y, p.fx, p.fy, p.buttons = true, gx, gy, 0, 0, buttons
			return
		}
		// Not driven yet: keep its place, so that its first report
		// agrees with where the PS/2 pointer was taken.
		u.tablet.Set(tx, ty, 0, 0)
	}
	dx, dy := 0, 0
	if p.known {
		p.fx += gx - p.x
		p.fy += gy - p.y
		dx, dy = int(math.Round(p.fx)), int(math.Round(p.fy))
		p.fx -= float64(dx)
		p.fy -= float64(dy)
	}
	p.known, p.x, p.y = true, gx, gy
	if dx == 0 && dy == 0 && dz == 0 && buttons == p.buttons {
		return
	}
	p.buttons = buttons
	m.dev.kbc.Mouse(dx, dy, dz, buttons)
}
