package usbtablet_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/usbtablet"
	"github.com/do86/do86/internal/usb"
)

// control runs a control transfer on the tablet's endpoint 0 directly, as
// a host controller's transactions would: SETUP, data packets of 8 bytes,
// status. It returns the IN data and whether every stage was acknowledged.
func control(tab *usbtablet.Tablet, s usb.Setup, out []byte) ([]byte, bool) {
	if _, h := tab.Transact(usb.PIDSetup, 0, s.Bytes()); h != usb.ACK {
		return nil, false
	}
	var in []byte
	if s.In() {
		for len(in) < int(s.Length) {
			var p [8]byte
			n, h := tab.Transact(usb.PIDIn, 0, p[:])
			if h != usb.ACK {
				return nil, false
			}
			in = append(in, p[:n]...)
			if n < 8 {
				break
			}
		}
		_, h := tab.Transact(usb.PIDOut, 0, nil)
		return in, h == usb.ACK
	}
	for i := 0; i < len(out); i += 8 {
		if _, h := tab.Transact(usb.PIDOut, 0, out[i:min(i+8, len(out))]); h != usb.ACK {
			return nil, false
		}
	}
	_, h := tab.Transact(usb.PIDIn, 0, nil)
	return nil, h == usb.ACK
}

func configured(t *testing.T) *usbtablet.Tablet {
	t.Helper()
	tab := usbtablet.New()
	if _, ok := control(tab, usb.Setup{Request: usb.RequestSetAddress, Value: 3}, nil); !ok || tab.Address() != 3 {
		t.Fatalf("SET_ADDRESS: address %d", tab.Address())
	}
	if _, ok := control(tab, usb.Setup{Request: usb.RequestSetConfiguration, Value: 1}, nil); !ok {
		t.Fatal("SET_CONFIGURATION refused")
	}
	return tab
}

// poll reads the interrupt endpoint once.
func poll(tab *usbtablet.Tablet) ([]byte, usb.Handshake) {
	var p [8]byte
	n, h := tab.Transact(usb.PIDIn, 1, p[:])
	return p[:n], h
}

// TestReports: the input report for given positions, buttons and wheel
// turns, byte by byte, as the report descriptor lays it out: buttons in
// bits 0–4, X and Y little-endian 16-bit, the wheel signed, positive away
// from the user.
func TestReports(t *testing.T) {
	t.Parallel()
	tab := configured(t)
	if tab.InUse() {
		t.Error("in use before the host polled the endpoint")
	}
	// Nothing moved since the host configured the device: its pointer
	// stays where the host has it.
	if _, h := poll(tab); h != usb.NAK {
		t.Errorf("first poll: %v, want NAK", h)
	}
	if !tab.InUse() {
		t.Error("not in use after the host polled")
	}
	if r := tab.Report(); !bytes.Equal(r, []byte{0, 0, 0x40, 0, 0x40, 0}) {
		t.Errorf("report before any input % x, want the middle of the screen", r)
	}
	if !tab.NAKs(usb.PIDIn, 1) || tab.NAKs(usb.PIDIn, 0) {
		t.Error("NAKs does not tell which transactions would be NAKed")
	}
	for _, c := range []struct {
		x, y    int
		buttons uint8
		dz      int
		want    []byte
	}{
		{0, 0, 1, 0, []byte{1, 0, 0, 0, 0, 0}},
		{16384, 16383, 0, 0, []byte{0, 0x00, 0x40, 0xFF, 0x3F, 0}},
		{32767, 32767, 7, 0, []byte{7, 0xFF, 0x7F, 0xFF, 0x7F, 0}},
		{40000, -5, 2, 0, []byte{2, 0xFF, 0x7F, 0, 0, 0}}, // clamped
		{100, 200, 0, 1, []byte{0, 100, 0, 200, 0, 0xFF}}, // one notch towards the user
		{100, 200, 0, -3, []byte{0, 100, 0, 200, 0, 3}},
	} {
		tab.Set(c.x, c.y, c.buttons, c.dz)
		// A move and a button change come as two reports (the move
		// first): the last one tells the state.
		var last []byte
		for i := 0; i < 3; i++ {
			r, h := poll(tab)
			if h != usb.ACK {
				break
			}
			last = r
		}
		if !bytes.Equal(last, c.want) {
			t.Errorf("Set(%d, %d, %d, %d): last report % x, want % x", c.x, c.y, c.buttons, c.dz, last, c.want)
		}
	}
	// Wheel turns beyond a report's range spread over several reports.
	tab.Set(100, 200, 0, -300)
	var sum int
	for i := 0; i < 4; i++ {
		r, h := poll(tab)
		if h == usb.NAK {
			break
		}
		sum += int(int8(r[5]))
	}
	if sum != 300 {
		t.Errorf("300 notches reported as %d", sum)
	}
}

// TestDescriptorsAndRequests: GET_DESCRIPTOR answers, the HID requests,
// and STALLs for what a tablet does not do.
func TestDescriptorsAndRequests(t *testing.T) {
	t.Parallel()
	tab := usbtablet.New()
	d, ok := control(tab, usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 8}, nil)
	if !ok || len(d) != 8 || d[7] != usbtablet.MaxPacket0 {
		t.Fatalf("first 8 bytes of the device descriptor: % x %v", d, ok)
	}
	if _, ok := control(tab, usb.Setup{Request: usb.RequestSetConfiguration, Value: 1}, nil); ok {
		t.Error("SET_CONFIGURATION accepted in the Default state")
	}
	tab = configured(t)
	if _, ok := control(tab, usb.Setup{Request: usb.RequestSetConfiguration, Value: 2}, nil); ok {
		t.Error("SET_CONFIGURATION(2) accepted: the device has one configuration")
	}
	rd, ok := control(tab, usb.Setup{RequestType: 0x81, Request: usb.RequestGetDescriptor, Value: 0x2200, Length: 200}, nil)
	if !ok || !bytes.Equal(rd, usbtablet.ReportDescriptor) {
		t.Errorf("report descriptor % x", rd)
	}
	hid, ok := control(tab, usb.Setup{RequestType: 0x81, Request: usb.RequestGetDescriptor, Value: 0x2100, Length: 9}, nil)
	if !ok || !bytes.Equal(hid, []byte{9, 0x21, 0x11, 1, 0, 1, 0x22, byte(len(usbtablet.ReportDescriptor)), 0}) {
		t.Errorf("HID descriptor % x", hid)
	}
	if _, ok := control(tab, usb.Setup{RequestType: 0x21, Request: usbtablet.RequestSetIdle, Value: 25 << 8}, nil); !ok {
		t.Error("SET_IDLE refused")
	}
	if v, ok := control(tab, usb.Setup{RequestType: 0xA1, Request: usbtablet.RequestGetIdle, Length: 1}, nil); !ok || !bytes.Equal(v, []byte{25}) {
		t.Errorf("GET_IDLE = % x", v)
	}
	if _, ok := control(tab, usb.Setup{RequestType: 0x21, Request: usbtablet.RequestSetProtocol, Value: 0}, nil); !ok {
		t.Error("SET_PROTOCOL(boot) refused")
	}
	if _, ok := control(tab, usb.Setup{RequestType: 0x21, Request: usbtablet.RequestSetReport, Value: 0x0200, Length: 1}, []byte{1}); ok {
		t.Error("SET_REPORT accepted: the tablet has no output report")
	}
	// Halting the endpoint STALLs its polls until the halt is cleared.
	control(tab, usb.Setup{RequestType: 0x02, Request: usb.RequestSetFeature, Index: 0x81}, nil)
	if _, h := poll(tab); h != usb.STALL {
		t.Errorf("poll of a halted endpoint: %v", h)
	}
	if s, ok := control(tab, usb.Setup{RequestType: 0x82, Request: usb.RequestGetStatus, Index: 0x81, Length: 2}, nil); !ok || s[0] != 1 {
		t.Errorf("GET_STATUS(endpoint) = % x", s)
	}
	control(tab, usb.Setup{RequestType: 0x02, Request: usb.RequestClearFeature, Index: 0x81}, nil)
	if _, h := poll(tab); h == usb.STALL {
		t.Error("still halted after CLEAR_FEATURE")
	}
	// Remote wakeup is a feature the configuration offers.
	control(tab, usb.Setup{Request: usb.RequestSetFeature, Value: usb.FeatureDeviceRemoteWakeup}, nil)
	if s, _ := control(tab, usb.Setup{RequestType: 0x80, Request: usb.RequestGetStatus, Length: 2}, nil); s[0] != 2 {
		t.Errorf("GET_STATUS(device) = % x after SET_FEATURE(remote wakeup)", s)
	}
	// Reset: back to address 0, unconfigured, endpoint 1 gone.
	tab.Reset()
	if tab.Address() != 0 || tab.InUse() {
		t.Error("reset left the device addressed or in use")
	}
	if _, h := poll(tab); h != usb.STALL {
		t.Errorf("poll of an unconfigured device: %v", h)
	}
}

// TestWake: a change of the pointer tells the host; a non-change does not.
func TestWake(t *testing.T) {
	t.Parallel()
	tab := usbtablet.New()
	woke := 0
	tab.Connect(func() { woke++ })
	tab.Set(5, 5, 0, 0)
	tab.Set(5, 5, 0, 0)
	if woke != 1 {
		t.Errorf("woke the host %d times, want 1", woke)
	}
}

// A click shorter than the host's polling interval still reaches it as a
// press and a release.
func TestQuickClickIsReported(t *testing.T) {
	t.Parallel()
	tab := configured(t)
	tab.Set(100, 200, 1, 0)
	tab.Set(100, 200, 0, 0) // released before the host polled
	var got []uint8
	for i := 0; i < 3; i++ {
		b, hs := poll(tab)
		if hs != usb.ACK {
			break
		}
		got = append(got, b[0])
	}
	// The move to 100, 200, the press there, the release.
	if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("reports' buttons %v, want a move, a press, a release", got)
	}
}

// A press somewhere else is reported as a move there, then the press.
func TestPressMovesFirst(t *testing.T) {
	t.Parallel()
	tab := configured(t)
	tab.Set(10, 20, 0, 0)
	poll(tab)
	tab.Set(300, 400, 1, 0)
	a, ha := poll(tab)
	b, hb := poll(tab)
	if ha != usb.ACK || hb != usb.ACK || a[0] != 0 || b[0] != 1 ||
		a[1] != b[1] || a[2] != b[2] || a[3] != b[3] || a[4] != b[4] {
		t.Fatalf("reports % x then % x, want the move then the press at the same place", a, b)
	}
}
