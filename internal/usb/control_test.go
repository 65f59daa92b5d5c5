package usb_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/usb"
)

// handler records requests and answers with data.
type handler struct {
	data     []byte
	ok       bool
	requests []usb.Setup
	outs     [][]byte
	done     []usb.Setup
}

func (h *handler) Request(s usb.Setup, out []byte) ([]byte, bool) {
	h.requests = append(h.requests, s)
	h.outs = append(h.outs, append([]byte(nil), out...))
	return h.data, h.ok
}

func (h *handler) StatusDone(s usb.Setup) { h.done = append(h.done, s) }

// in reads n IN packets of up to 8 bytes.
func in(p *usb.ControlPipe, h *handler, n int) ([]int, []usb.Handshake, []byte) {
	var sizes []int
	var hs []usb.Handshake
	var all []byte
	for i := 0; i < n; i++ {
		var b [8]byte
		k, x := p.Transact(usb.PIDIn, b[:], 8, h)
		sizes, hs, all = append(sizes, k), append(hs, x), append(all, b[:k]...)
	}
	return sizes, hs, all
}

// TestControlIn: the data stage goes in packets of the endpoint's size,
// ends with a short packet — a zero-length one when the data is a multiple
// of the packet size and shorter than asked — and the host's OUT is the
// status stage, after which the request is done.
func TestControlIn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		data   int
		length uint16
		sizes  []int
	}{
		{"short last packet", 18, 64, []int{8, 8, 2}},
		{"exact multiple, asked for more", 16, 64, []int{8, 8, 0}},
		{"exactly what was asked", 16, 16, []int{8, 8}},
		{"less asked than there is", 18, 8, []int{8}},
	} {
		var p usb.ControlPipe
		data := make([]byte, c.data)
		for i := range data {
			data[i] = byte(i + 1)
		}
		h := &handler{data: data, ok: true}
		s := usb.Setup{RequestType: 0x80, Request: 6, Value: 0x100, Length: c.length}
		if _, x := p.Transact(usb.PIDSetup, s.Bytes(), 8, h); x != usb.ACK {
			t.Fatalf("%s: SETUP %v", c.name, x)
		}
		sizes, hs, got := in(&p, h, len(c.sizes))
		for _, x := range hs {
			if x != usb.ACK {
				t.Errorf("%s: data stage %v", c.name, hs)
			}
		}
		if !equalInts(sizes, c.sizes) {
			t.Errorf("%s: packets %v, want %v", c.name, sizes, c.sizes)
		}
		if want := data[:min(c.data, int(c.length))]; !bytes.Equal(got, want) {
			t.Errorf("%s: data % x", c.name, got)
		}
		// One IN too many is a protocol error.
		if _, hs, _ := in(&p, h, 1); hs[0] != usb.STALL {
			t.Errorf("%s: IN after the data stage ended: %v", c.name, hs[0])
		}
		if _, x := p.Transact(usb.PIDOut, nil, 8, h); x != usb.STALL {
			t.Errorf("%s: status after a stall: %v", c.name, x)
		}
	}
	// The status stage may come early: the host stops reading.
	var p usb.ControlPipe
	h := &handler{data: make([]byte, 40), ok: true}
	s := usb.Setup{RequestType: 0x80, Request: 6, Length: 40}
	p.Transact(usb.PIDSetup, s.Bytes(), 8, h)
	in(&p, h, 1)
	if _, x := p.Transact(usb.PIDOut, nil, 8, h); x != usb.ACK || len(h.done) != 1 {
		t.Errorf("early status stage: %v, done %d", x, len(h.done))
	}
}

// TestControlOutAndNoData: an OUT data stage is collected and handed to
// the handler at the status stage; a request without data is answered at
// SETUP and done at the status IN; a refused request STALLs until the next
// SETUP, which always succeeds.
func TestControlOutAndNoData(t *testing.T) {
	t.Parallel()
	var p usb.ControlPipe
	h := &handler{ok: true}
	s := usb.Setup{RequestType: 0x21, Request: 9, Length: 10}
	p.Transact(usb.PIDSetup, s.Bytes(), 8, h)
	p.Transact(usb.PIDOut, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 8, h)
	p.Transact(usb.PIDOut, []byte{9, 10, 11}, 8, h) // one byte too many
	if len(h.requests) != 0 {
		t.Fatal("OUT request answered before its data arrived")
	}
	if n, x := p.Transact(usb.PIDIn, make([]byte, 8), 8, h); x != usb.ACK || n != 0 {
		t.Fatalf("status stage: %d bytes %v", n, x)
	}
	if len(h.outs) != 1 || !bytes.Equal(h.outs[0], []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) || len(h.done) != 1 {
		t.Errorf("OUT data % x, done %d", h.outs, len(h.done))
	}

	h = &handler{ok: false}
	p.Transact(usb.PIDSetup, usb.Setup{Request: 9, Value: 7}.Bytes(), 8, h)
	if _, x := p.Transact(usb.PIDIn, nil, 8, h); x != usb.STALL {
		t.Errorf("refused request's status stage: %v", x)
	}
	h.ok = true
	if _, x := p.Transact(usb.PIDSetup, usb.Setup{Request: 9, Value: 1}.Bytes(), 8, h); x != usb.ACK {
		t.Errorf("SETUP after a stall: %v", x)
	}
	if _, x := p.Transact(usb.PIDIn, nil, 8, h); x != usb.ACK || len(h.done) != 1 {
		t.Errorf("status stage: %v", x)
	}
	// A SETUP of the wrong length is acknowledged and the request fails.
	if _, x := p.Transact(usb.PIDSetup, []byte{1, 2, 3}, 8, h); x != usb.ACK {
		t.Errorf("short SETUP: %v", x)
	}
	if _, x := p.Transact(usb.PIDIn, nil, 8, h); x != usb.STALL {
		t.Errorf("after a short SETUP: %v", x)
	}
}

// TestDescriptorEncodings checks encodings against USB 2.0's layouts.
func TestDescriptorEncodings(t *testing.T) {
	t.Parallel()
	if b := usb.StringDescriptor("Aé"); !bytes.Equal(b, []byte{6, 3, 'A', 0, 0xE9, 0}) {
		t.Errorf("string descriptor % x", b)
	}
	cfg := usb.ConfigurationDescriptor{NumInterfaces: 1, Value: 1, Attributes: 0x80, MaxPower: 50}.Bytes(
		usb.InterfaceDescriptor{NumEndpoints: 1, Class: 3}.Bytes(),
		usb.EndpointDescriptor{Address: 0x81, Attributes: 3, MaxPacketSize: 0x108, Interval: 10}.Bytes())
	want := []byte{9, 2, 25, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 1, 3, 0, 0, 0, 7, 5, 0x81, 3, 0x08, 0x01, 10}
	if !bytes.Equal(cfg, want) {
		t.Errorf("configuration\n got % x\nwant % x", cfg, want)
	}
	s, err := usb.ParseSetup([]byte{0x80, 6, 0, 1, 0, 0, 18, 0})
	if err != nil || s != (usb.Setup{RequestType: 0x80, Request: 6, Value: 0x100, Length: 18}) || !s.In() {
		t.Errorf("ParseSetup = %+v, %v", s, err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
