package usbtablet

import (
	"encoding/binary"

	"github.com/do86/do86/internal/usb"
)

// Tablet is the USB tablet. Its methods are called on the goroutine that
// owns the machine.
type Tablet struct {
	s    State
	wake func()
}

// New returns a tablet in the Default state with the pointer in the middle
// and no button held.
func New() *Tablet {
	t := &Tablet{}
	t.s.X, t.s.Y = (MaxCoord+1)/2, (MaxCoord+1)/2
	t.Reset()
	return t
}

// Compile-time checks of the contracts the host controller relies on.
var (
	_ usb.Device      = (*Tablet)(nil)
	_ usb.RemoteWaker = (*Tablet)(nil)
)

// Connect remembers the host's wake function (usb.Device).
func (t *Tablet) Connect(wake func()) { t.wake = wake }

// Reset is reset signalling: the Default state, address 0, unconfigured,
// the report protocol. The pointer keeps its place; it is reported when it
// next changes (a host that configures the device does not see the pointer
// jump to wherever the tablet last was).
func (t *Tablet) Reset() {
	t.s.Pipe.Reset()
	t.s.Standard.Reset()
	t.s.Protocol, t.s.Idle = ProtocolReport, 0
	t.s.Polled, t.s.Pending, t.s.Wheel = false, false, 0
	t.s.Held = nil
}

// Address returns the device's address (usb.Device).
func (t *Tablet) Address() uint8 { return t.s.Standard.Address }

// RemoteWakeupEnabled reports whether the host enabled remote wakeup
// (usb.RemoteWaker): a pointer event then resumes a suspended port.
func (t *Tablet) RemoteWakeupEnabled() bool { return t.s.Standard.RemoteWakeup }

// InUse reports whether the guest drives the tablet: it configured the
// device and has polled its interrupt endpoint since.
func (t *Tablet) InUse() bool {
	return t.s.Standard.Configured() && t.s.Polled
}

// Set puts the pointer at x, y (clamped to MinCoord–MaxCoord), with
// buttons held (bit 0 left, 1 right, 2 middle, 3 and 4 the side buttons),
// and turns the wheel by dz notches (positive: towards the user, scrolling
// down, as input.Sink has it). A change is reported at the next poll.
func (t *Tablet) Set(x, y int, buttons uint8, dz int) {
	s := &t.s
	nx, ny := uint16(min(max(x, MinCoord), MaxCoord)), uint16(min(max(y, MinCoord), MaxCoord))
	nb := buttons & 0x1F
	if nx == s.X && ny == s.Y && nb == s.Buttons && dz == 0 {
		return
	}
	if nb != s.Buttons {
		// A button changes. The host must see the state before it (if it
		// has not yet: a click shorter than its polling would never show)
		// and the pointer where the change happens before the change (a
		// guest may act on a press where its arrow was).
		if s.Pending {
			s.hold(Held{s.X, s.Y, s.Buttons})
		}
		if nx != s.X || ny != s.Y {
			s.hold(Held{nx, ny, s.Buttons})
		}
	}
	s.X, s.Y, s.Buttons = nx, ny, nb
	// HID's wheel counts away from the user; keep a notch count the size
	// of an int32 at most.
	s.Wheel = int32(max(-1<<20, min(1<<20, int(s.Wheel)-dz)))
	s.Pending = true
	if t.wake != nil {
		t.wake()
	}
}

// report encodes the input report with wheel notches w.
func (t *Tablet) report(b []byte, w int8) []byte {
	b = append(b[:0], t.s.Buttons, 0, 0, 0, 0, byte(w))
	binary.LittleEndian.PutUint16(b[1:], t.s.X)
	binary.LittleEndian.PutUint16(b[3:], t.s.Y)
	return b
}

// Report returns the input report the device would send now (without the
// wheel motion still to report), as GET_REPORT returns it.
func (t *Tablet) Report() []byte { return t.report(nil, 0) }

// Transact answers one transaction (usb.Device).
func (t *Tablet) Transact(pid usb.PID, ep uint8, data []byte) (int, usb.Handshake) {
	switch ep {
	case 0:
		return t.s.Pipe.Transact(pid, data, MaxPacket0, t)
	case EndpointIn & 0x0F:
		if pid != usb.PIDIn || !t.s.Standard.Configured() || t.s.Standard.EndpointHalted(EndpointIn) {
			return 0, usb.STALL
		}
		t.s.Polled = true
		if !t.s.Pending {
			return 0, usb.NAK
		}
		if len(t.s.Held) > 0 {
			h := t.s.Held[0]
			t.s.Held = t.s.Held[1:]
			var r [ReportSize]byte
			b := append(r[:0], h.Buttons, 0, 0, 0, 0, 0)
			binary.LittleEndian.PutUint16(b[1:], h.X)
			binary.LittleEndian.PutUint16(b[3:], h.Y)
			return copy(data, b), usb.ACK
		}
		w := int8(max(-127, min(127, t.s.Wheel)))
		t.s.Wheel -= int32(w)
		t.s.Pending = t.s.Wheel != 0
		var r [ReportSize]byte
		return copy(data, t.report(r[:0], w)), usb.ACK
	}
	return 0, usb.STALL
}

// NAKs reports whether a transaction would be NAKed: a poll of the
// interrupt endpoint with nothing new to report (usb.Device).
func (t *Tablet) NAKs(pid usb.PID, ep uint8) bool {
	return ep == EndpointIn&0x0F && pid == usb.PIDIn && t.s.Standard.Configured() &&
		!t.s.Standard.EndpointHalted(EndpointIn) && !t.s.Pending
}

// Request answers a control transfer (usb.Handler): the standard requests,
// the interface's HID and report descriptors, and the HID class requests.
func (t *Tablet) Request(s usb.Setup, out []byte) ([]byte, bool) {
	if in, ok, handled := t.s.Standard.Request(&descriptors, s, out); handled {
		if ok && s.Request == usb.RequestSetConfiguration {
			t.s.Polled = false // to be polled anew
		}
		return in, ok
	}
	st := &t.s.Standard
	switch {
	case s.RequestType == usb.DirIn|usb.TypeStandard|usb.RecipientInterface && s.Request == usb.RequestGetDescriptor:
		if s.Index != 0 || s.Value&0xFF != 0 {
			return nil, false
		}
		switch s.Value >> 8 {
		case DescriptorHID:
			return hidDescriptor(), true
		case DescriptorReport:
			return ReportDescriptor, true
		}
	case s.Type() == usb.TypeClass && s.Recipient() == usb.RecipientInterface && s.Index == 0 && st.Configured():
		return t.classRequest(s)
	}
	return nil, false
}

// classRequest answers the HID class requests (HID 1.11 §7.2).
func (t *Tablet) classRequest(s usb.Setup) ([]byte, bool) {
	switch {
	case s.In() && s.Request == RequestGetReport:
		if s.Value != ReportTypeInput<<8 {
			return nil, false // no output or feature reports, no report IDs
		}
		return t.Report(), true
	case s.In() && s.Request == RequestGetIdle:
		return []byte{t.s.Idle}, true
	case s.In() && s.Request == RequestGetProtocol:
		return []byte{t.s.Protocol}, true
	case !s.In() && s.Request == RequestSetIdle:
		if s.Value&0xFF != 0 {
			return nil, false // no report IDs
		}
		t.s.Idle = uint8(s.Value >> 8)
		return nil, true
	case !s.In() && s.Request == RequestSetProtocol:
		if s.Value > ProtocolReport {
			return nil, false
		}
		t.s.Protocol = uint8(s.Value)
		return nil, true
	}
	return nil, false
}

// StatusDone completes a control transfer (usb.Handler).
func (t *Tablet) StatusDone(s usb.Setup) {
	t.s.Standard.StatusDone(s)
	if !t.s.Standard.Configured() {
		t.s.Polled = false
	}
}

// hold queues a report for the next polls, the oldest dropped past maxHeld.
func (s *State) hold(h Held) {
	s.Held = append(s.Held, h)
	if len(s.Held) > maxHeld {
		s.Held = s.Held[1:]
	}
}
