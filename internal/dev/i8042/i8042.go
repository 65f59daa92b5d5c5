// Package i8042 is the PC's 8042 keyboard controller (ports 0x60 and 0x64)
// with a PS/2 keyboard on its first port (IRQ 1) and a PS/2 mouse with the
// IntelliMouse wheel extensions on its second (IRQ 12).
//
// Just enough for SeaBIOS, Linux's i8042/atkbd/psmouse drivers and DOS-era
// programs: the controller answers its commands at once (the input buffer is
// never busy), there is no A20 gate (the output port always reads A20 on), no
// password, no multiplexed AUX ports, no typematic repeat (the host repeats
// keys itself) and no scancode set 3.
package i8042

import "github.com/do86/do86/internal/bus"

// Status register bits (port 0x64 read).
const (
	StatusOBF      = 1 << 0 // output buffer full: a byte waits at port 0x60
	StatusIBF      = 1 << 1 // input buffer full: never set, commands complete at once
	StatusSystem   = 1 << 2 // system flag, a copy of command byte bit 2
	StatusCommand  = 1 << 3 // the last write went to port 0x64 (command), not 0x60 (data)
	StatusUnlocked = 1 << 4 // keyboard inhibit switch off
	StatusAUX      = 1 << 5 // the byte in the output buffer came from the mouse
)

// Command byte bits (controller RAM byte 0, read with 0x20, written with 0x60).
const (
	CmdKbdIRQ    = 1 << 0 // raise IRQ 1 when a keyboard byte is placed
	CmdAUXIRQ    = 1 << 1 // raise IRQ 12 when a mouse byte is placed
	CmdSystem    = 1 << 2 // system flag: POST passed
	CmdKbdOff    = 1 << 4 // keyboard interface disabled
	CmdAUXOff    = 1 << 5 // mouse interface disabled
	CmdTranslate = 1 << 6 // translate the keyboard's set 2 bytes to set 1
)

// Output port bits (read with 0xD0, written with 0xD1).
const (
	OutReset  = 1 << 0 // system reset line; writing 0 resets the machine
	OutA20    = 1 << 1 // A20 gate; always reads 1, the core has no gate
	OutKbdOBF = 1 << 4 // output buffer holds a keyboard byte
	OutAUXOBF = 1 << 5 // output buffer holds a mouse byte
)

// Power-on values. The firmware rewrites the command byte during POST.
const (
	powerOnCommand = CmdKbdIRQ | CmdTranslate
	powerOnOutPort = 0xC0 | OutA20 | OutReset // clock and data lines idle high
	inputPort      = 0x80                     // keyboard not inhibited
)

// ctlQueueLen bounds the controller's own answers waiting for the output
// buffer; the guest normally reads each one before issuing the next command.
const ctlQueueLen = 8

// Controller is the 8042 with its keyboard and mouse. All of its methods run
// on the machine's emulation goroutine.
type Controller struct {
	kbdIRQ, auxIRQ bus.IRQ
	reset          func()

	ram     [32]byte // controller RAM; byte 0 is the command byte
	outPort byte
	out     byte // the output buffer (port 0x60), kept after a read
	obf     bool // out holds an unread byte
	outAUX  bool // out came from the mouse
	lastCmd bool // the last write went to port 0x64
	pending byte // controller command awaiting its data byte at port 0x60
	xlatBrk bool // translation saw an F0 prefix: the next byte is a break
	ctl     [ctlQueueLen]ctlByte
	ctlLen  int
	kbd     keyboard
	aux     mouse
}

// ctlByte is an answer of the controller itself (or a byte looped back with
// 0xD2/0xD3), which goes ahead of the keyboard's and mouse's queues and is
// never translated.
type ctlByte struct {
	v   byte
	aux bool
}

// New returns a controller in its power-on state. kbdIRQ is ISA line 1 and
// auxIRQ line 12; reset is called when the guest pulses the reset line
// (command 0xFE, or an output-port write with bit 0 clear). reset may be nil.
func New(kbdIRQ, auxIRQ bus.IRQ, reset func()) *Controller {
	c := &Controller{kbdIRQ: kbdIRQ, auxIRQ: auxIRQ, reset: reset}
	c.Reset()
	return c
}

// Reset returns the controller, keyboard and mouse to their power-on state,
// discarding every queued byte. It implements bus.Resetter.
func (c *Controller) Reset() {
	c.ram = [32]byte{}
	c.ram[0] = powerOnCommand
	c.outPort = powerOnOutPort
	c.out, c.obf, c.outAUX = 0, false, false
	c.lastCmd = false
	c.pending = 0
	c.xlatBrk = false
	c.ctlLen = 0
	c.kbd.powerOn()
	c.aux.powerOn()
	c.updateIRQ()
}

// DataPort returns the device to register at port 0x60 (one port).
func (c *Controller) DataPort() bus.PortDevice {
	return bus.BytePort{Read: c.readData, Write: c.writeData}
}

// CommandPort returns the device to register at port 0x64 (one port): status
// on read, controller commands on write.
func (c *Controller) CommandPort() bus.PortDevice {
	return bus.BytePort{Read: c.status, Write: c.command}
}

// status is the status register as the guest polls it.
func (c *Controller) status() byte {
	s := byte(StatusUnlocked)
	if c.obf {
		s |= StatusOBF
		if c.outAUX {
			s |= StatusAUX
		}
	}
	if c.ram[0]&CmdSystem != 0 {
		s |= StatusSystem
	}
	if c.lastCmd {
		s |= StatusCommand
	}
	return s
}

// readData is the guest taking the byte in the output buffer: the interrupt
// it raised is acknowledged and the next queued byte moves in.
func (c *Controller) readData() byte {
	if !c.obf {
		return c.out // a stale read sees the last byte again
	}
	v := c.out
	c.obf = false
	c.updateIRQ() // a falling edge, so the next byte's raise is a new edge
	c.feed()
	return v
}

// feed moves the next waiting byte into an empty output buffer: the
// controller's own answers first, then the keyboard's, then the mouse's; each
// device answers commands ahead of the keys or packets it holds.
func (c *Controller) feed() {
	for !c.obf {
		switch {
		case c.ctlLen > 0:
			b := c.ctl[0]
			copy(c.ctl[:], c.ctl[1:c.ctlLen])
			c.ctlLen--
			c.place(b.v, b.aux)
		case c.kbd.answers.len() > 0 || c.kbd.keys.len() > 0:
			b := c.kbd.pop()
			if c.ram[0]&CmdTranslate != 0 {
				if b == 0xF0 {
					c.xlatBrk = true
					continue
				}
				b = set2to1[b]
				if c.xlatBrk {
					b |= 0x80
					c.xlatBrk = false
				}
			}
			c.place(b, false)
		case c.aux.answers.len() > 0:
			c.place(c.aux.answers.pop(), true)
		case c.aux.packets.len() > 0:
			c.place(c.aux.packets.pop(), true)
		default:
			return
		}
	}
}

// place puts b in the output buffer and raises the interrupt its port has
// enabled in the command byte.
func (c *Controller) place(b byte, aux bool) {
	c.out, c.obf, c.outAUX = b, true, aux
	c.updateIRQ()
}

// updateIRQ drives IRQ 1 and IRQ 12 from the output buffer and the command
// byte: a line is up while an unread byte of its port waits and the guest has
// enabled that port's interrupt.
func (c *Controller) updateIRQ() {
	if c.obf && !c.outAUX && c.ram[0]&CmdKbdIRQ != 0 {
		c.kbdIRQ.Raise()
	} else {
		c.kbdIRQ.Lower()
	}
	if c.obf && c.outAUX && c.ram[0]&CmdAUXIRQ != 0 {
		c.auxIRQ.Raise()
	} else {
		c.auxIRQ.Lower()
	}
}

// answer queues a byte of the controller itself (aux marks it as a mouse
// byte, for 0xD3) ahead of the keyboard and mouse.
func (c *Controller) answer(b byte, aux bool) {
	if c.ctlLen < len(c.ctl) {
		c.ctl[c.ctlLen] = ctlByte{b, aux}
		c.ctlLen++
	}
	c.feed()
}
