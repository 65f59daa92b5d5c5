package i8042

import (
	"fmt"

	"github.com/do86/do86/internal/bus"
)

// StateKind and StateVersion name the controller's State in a snapshot (bus.Stateful).
const (
	StateKind    = "i8042"
	StateVersion = 1
)

// State is what a snapshot keeps of the controller and its two devices;
// queues are kept as their bytes, oldest first. The IRQs and the reset
// callback are wiring.
type State struct {
	RAM                           [32]byte
	OutPort, Out                  byte
	OBF, OutAUX, LastCmd, XlatBrk bool
	Pending                       byte
	Ctl                           []byte
	CtlAUX                        []bool
	Kbd                           KeyboardState
	Aux                           MouseState
}

// KeyboardState is what a snapshot keeps of the keyboard.
type KeyboardState struct {
	Answers, Keys                   []byte
	Scanning                        bool
	Set, Arg, LEDs, Typematic, Last byte
}

// MouseState is what a snapshot keeps of the mouse.
type MouseState struct {
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

// StateKind returns the kind and version of the controller's State.
func (c *Controller) StateKind() (string, int) { return StateKind, StateVersion }

// SaveState returns the controller's state.
func (c *Controller) SaveState() any {
	s := &State{
		RAM: c.ram, OutPort: c.outPort, Out: c.out, OBF: c.obf, OutAUX: c.outAUX,
		LastCmd: c.lastCmd, XlatBrk: c.xlatBrk, Pending: c.pending,
		Kbd: KeyboardState{Answers: c.kbd.answers.bytes(), Keys: c.kbd.keys.bytes(), Scanning: c.kbd.scanning,
			Set: c.kbd.set, Arg: c.kbd.arg, LEDs: c.kbd.leds, Typematic: c.kbd.typematic, Last: c.kbd.lastSent},
	}
	for _, b := range c.ctl[:c.ctlLen] {
		s.Ctl = append(s.Ctl, b.v)
		s.CtlAUX = append(s.CtlAUX, b.aux)
	}
	a := &c.aux
	s.Aux = MouseState{Answers: a.answers.bytes(), Packets: a.packets.bytes(),
		Reporting: a.reporting, Remote: a.remote, Wrap: a.wrap, Scale21: a.scale21,
		Resolution: a.resolution, Rate: a.rate, ID: a.id, Arg: a.arg, Buttons: a.buttons,
		Rates: a.rates, DX: a.dx, DY: a.dy, DZ: a.dz, Last: a.lastSent}
	return s
}

// LoadState restores a *State and drives IRQ 1 and 12 to the levels it
// implies.
func (c *Controller) LoadState(state any) error {
	s, err := bus.StateAs[State](StateKind, state)
	if err != nil {
		return err
	}
	if len(s.Ctl) > ctlQueueLen || len(s.CtlAUX) != len(s.Ctl) {
		return fmt.Errorf("i8042: snapshot with %d controller bytes queued", len(s.Ctl))
	}
	if len(s.Kbd.Answers) > len(c.kbd.answers.buf) || len(s.Kbd.Keys) > len(c.kbd.keys.buf) ||
		len(s.Aux.Answers) > len(c.aux.answers.buf) || len(s.Aux.Packets) > len(c.aux.packets.buf) {
		return fmt.Errorf("i8042: snapshot with more bytes queued than the queues hold")
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

var _ bus.Stateful = (*Controller)(nil)
