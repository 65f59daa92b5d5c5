package i8042

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// state is what a snapshot keeps of the controller and its two devices;
// queues are kept as their bytes, oldest first.
type state struct {
	RAM                           [32]byte
	OutPort, Out                  byte
	OBF, OutAUX, LastCmd, XlatBrk bool
	Pending                       byte
	Ctl                           []byte
	CtlAUX                        []bool
	Kbd                           kbdState
	Aux                           mouseState
}

type kbdState struct {
	Answers, Keys                   []byte
	Scanning                        bool
	Set, Arg, LEDs, Typematic, Last byte
}

type mouseState struct {
	Answers, Packets                   []byte
	Reporting, Remote, Wrap, Scale21   bool
	Resolution, Rate, ID, Arg, Buttons byte
	Rates                              [3]byte
	DX, DY, DZ                         int
	Last                               byte
}

func (f *fifo) bytes() []byte {
	b := make([]byte, f.n)
	for i := range b {
		b[i] = f.buf[(f.head+i)%len(f.buf)]
	}
	return b
}

func (f *fifo) load(b []byte) error {
	f.clear()
	if !f.push(b...) {
		return fmt.Errorf("i8042: snapshot queue of %d bytes", len(b))
	}
	return nil
}

// Save returns the controller's state for a snapshot.
func (c *Controller) Save() ([]byte, error) {
	s := state{
		RAM: c.ram, OutPort: c.outPort, Out: c.out, OBF: c.obf, OutAUX: c.outAUX,
		LastCmd: c.lastCmd, XlatBrk: c.xlatBrk, Pending: c.pending,
		Kbd: kbdState{c.kbd.answers.bytes(), c.kbd.keys.bytes(), c.kbd.scanning, c.kbd.set,
			c.kbd.arg, c.kbd.leds, c.kbd.typematic, c.kbd.lastSent},
	}
	for _, b := range c.ctl[:c.ctlLen] {
		s.Ctl = append(s.Ctl, b.v)
		s.CtlAUX = append(s.CtlAUX, b.aux)
	}
	a := &c.aux
	s.Aux = mouseState{a.answers.bytes(), a.packets.bytes(), a.reporting, a.remote, a.wrap, a.scale21,
		a.resolution, a.rate, a.id, a.arg, a.buttons, a.rates, a.dx, a.dy, a.dz, a.lastSent}
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(s)
	return b.Bytes(), err
}

// Load restores a state from Save and drives IRQ 1 and 12 to the levels it
// implies. The IRQs and the reset callback stay as wired.
func (c *Controller) Load(b []byte) error {
	var s state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		return fmt.Errorf("i8042: snapshot: %w", err)
	}
	if len(s.Ctl) > ctlQueueLen || len(s.CtlAUX) != len(s.Ctl) {
		return fmt.Errorf("i8042: snapshot with %d controller bytes queued", len(s.Ctl))
	}
	c.ram, c.outPort, c.out, c.obf, c.outAUX = s.RAM, s.OutPort, s.Out, s.OBF, s.OutAUX
	c.lastCmd, c.xlatBrk, c.pending = s.LastCmd, s.XlatBrk, s.Pending
	c.ctlLen = len(s.Ctl)
	for i := range s.Ctl {
		c.ctl[i] = ctlByte{s.Ctl[i], s.CtlAUX[i]}
	}
	k := &c.kbd
	if err := k.answers.load(s.Kbd.Answers); err != nil {
		return err
	}
	if err := k.keys.load(s.Kbd.Keys); err != nil {
		return err
	}
	k.scanning, k.set, k.arg, k.leds, k.typematic, k.lastSent =
		s.Kbd.Scanning, s.Kbd.Set, s.Kbd.Arg, s.Kbd.LEDs, s.Kbd.Typematic, s.Kbd.Last
	a, m := &c.aux, s.Aux
	if err := a.answers.load(m.Answers); err != nil {
		return err
	}
	if err := a.packets.load(m.Packets); err != nil {
		return err
	}
	a.reporting, a.remote, a.wrap, a.scale21 = m.Reporting, m.Remote, m.Wrap, m.Scale21
	a.resolution, a.rate, a.id, a.arg, a.buttons, a.rates = m.Resolution, m.Rate, m.ID, m.Arg, m.Buttons, m.Rates
	a.dx, a.dy, a.dz, a.lastSent = m.DX, m.DY, m.DZ, m.Last
	c.updateIRQ()
	return nil
}
