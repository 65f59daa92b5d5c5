package i8042_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/i8042"
)

// rig is a controller on fake IRQ lines, driven through its two ports.
type rig struct {
	t       *testing.T
	c       *i8042.Controller
	kbdIRQ  bustest.IRQ
	auxIRQ  bustest.IRQ
	resets  int
	data    bus.PortDevice
	cmdPort bus.PortDevice
	lastCB  byte // the command byte the rig last wrote
}

// Command byte values the tests use.
const (
	cbTranslated = 0x47 // both IRQs, system flag, translation: SeaBIOS-like
	cbRaw        = 0x07 // both IRQs, system flag, no translation
)

func newRig(t *testing.T, cb byte) *rig {
	t.Helper()
	r := &rig{t: t}
	r.c = i8042.New(&r.kbdIRQ, &r.auxIRQ, func() { r.resets++ })
	r.data, r.cmdPort = r.c.DataPort(), r.c.CommandPort()
	r.setCB(cb)
	return r
}

func (r *rig) status() byte   { return byte(r.cmdPort.ReadPort(0, 1)) }
func (r *rig) command(b byte) { r.cmdPort.WritePort(0, 1, uint32(b)) }
func (r *rig) write(b byte)   { r.data.WritePort(0, 1, uint32(b)) }
func (r *rig) readData() byte { return byte(r.data.ReadPort(0, 1)) }
func (r *rig) setCB(v byte)   { r.command(0x60); r.write(v); r.lastCB = v }
func (r *rig) toMouse(bs ...byte) {
	for _, b := range bs {
		r.command(0xD4)
		r.write(b)
	}
}

// cb reads the command byte.
func (r *rig) cb() byte {
	r.command(0x20)
	got := r.drain()
	if len(got) != 1 {
		r.t.Fatalf("command 0x20 answered % X, want one byte", got)
	}
	return got[0]
}

// unit is one byte the guest read and the flags seen with it.
type unit struct {
	v   byte
	aux bool
}

// drainUnits reads every byte the controller offers, checking on the way that
// exactly the matching interrupt line is up while a byte waits.
func (r *rig) drainUnits() []unit {
	r.t.Helper()
	var out []unit
	for i := 0; i < 1000; i++ {
		st := r.status()
		if st&i8042.StatusOBF == 0 {
			if r.kbdIRQ.Level || r.auxIRQ.Level {
				r.t.Errorf("empty output buffer but IRQ1=%v IRQ12=%v", r.kbdIRQ.Level, r.auxIRQ.Level)
			}
			return out
		}
		aux := st&i8042.StatusAUX != 0
		cb := r.lastCB // reading it through 0x20 would disturb the buffer
		wantKbd := !aux && cb&i8042.CmdKbdIRQ != 0
		wantAux := aux && cb&i8042.CmdAUXIRQ != 0
		if r.kbdIRQ.Level != wantKbd || r.auxIRQ.Level != wantAux {
			r.t.Errorf("byte %d (aux=%v): IRQ1=%v IRQ12=%v, want %v %v", len(out), aux, r.kbdIRQ.Level, r.auxIRQ.Level, wantKbd, wantAux)
		}
		out = append(out, unit{r.readData(), aux})
	}
	r.t.Fatal("output buffer never empties")
	return nil
}

// drain reads every waiting byte.
func (r *rig) drain() []byte {
	r.t.Helper()
	var bs []byte
	for _, u := range r.drainUnits() {
		bs = append(bs, u.v)
	}
	return bs
}

// expect drains and compares, also checking which port each byte came from.
func (r *rig) expect(what string, aux bool, want ...byte) {
	r.t.Helper()
	us := r.drainUnits()
	var got []byte
	for _, u := range us {
		got = append(got, u.v)
		if u.aux != aux {
			r.t.Errorf("%s: byte %#02x has AUX=%v, want %v", what, u.v, u.aux, aux)
		}
	}
	if !bytes.Equal(got, want) {
		r.t.Errorf("%s: got % X, want % X", what, got, want)
	}
}
