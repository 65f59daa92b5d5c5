package i8042

// Controller commands, written to port 0x64.
const (
	ctlReadRAM     = 0x20 // 0x20–0x3F: read controller RAM byte (0x20: command byte)
	ctlWriteRAM    = 0x60 // 0x60–0x7F: write controller RAM byte (0x60: command byte)
	ctlPassword    = 0xA4 // is a password installed?
	ctlAUXDisable  = 0xA7
	ctlAUXEnable   = 0xA8
	ctlAUXTest     = 0xA9 // test the mouse port's clock and data lines
	ctlSelfTest    = 0xAA
	ctlKbdTest     = 0xAB // test the keyboard port's clock and data lines
	ctlKbdDisable  = 0xAD
	ctlKbdEnable   = 0xAE
	ctlReadInput   = 0xC0
	ctlReadOutput  = 0xD0
	ctlWriteOutput = 0xD1
	ctlWriteKbdOut = 0xD2 // next data byte appears as if sent by the keyboard
	ctlWriteAUXOut = 0xD3 // next data byte appears as if sent by the mouse
	ctlWriteAUX    = 0xD4 // next data byte goes to the mouse
	ctlA20Off      = 0xDD
	ctlA20On       = 0xDF
	ctlReadTest    = 0xE0 // read the clock and data test inputs
	ctlPulse       = 0xF0 // 0xF0–0xFF: pulse output lines whose bit is 0
)

// Controller answers.
const (
	selfTestOK = 0x55
	portTestOK = 0x00
	noPassword = 0xF1
)

// command runs a controller command the guest wrote to port 0x64.
func (c *Controller) command(b byte) {
	c.lastCmd = true
	c.pending = 0
	switch {
	case b >= ctlReadRAM && b < ctlReadRAM+0x20:
		c.answer(c.ram[b-ctlReadRAM], false)
	case b >= ctlWriteRAM && b < ctlWriteRAM+0x20:
		c.pending = b
	case b == ctlPassword:
		c.answer(noPassword, false)
	case b == ctlAUXDisable:
		c.ram[0] |= CmdAUXOff
	case b == ctlAUXEnable:
		c.ram[0] &^= CmdAUXOff
	case b == ctlAUXTest, b == ctlKbdTest:
		c.answer(portTestOK, false)
	case b == ctlSelfTest:
		c.answer(selfTestOK, false)
	case b == ctlKbdDisable:
		c.ram[0] |= CmdKbdOff
	case b == ctlKbdEnable:
		c.ram[0] &^= CmdKbdOff
	case b == ctlReadInput:
		c.answer(inputPort, false)
	case b == ctlReadOutput:
		c.answer(c.readOutPort(), false)
	case b == ctlWriteOutput, b == ctlWriteKbdOut, b == ctlWriteAUXOut, b == ctlWriteAUX:
		c.pending = b
	case b == ctlA20Off, b == ctlA20On:
		// The core has no A20 gate: the address line is always on.
	case b == ctlReadTest:
		c.answer(0x00, false)
	case b >= ctlPulse:
		// Each of bits 0–3 left clear pulses its line; line 0 is the CPU reset.
		if b&OutReset == 0 && c.reset != nil {
			c.reset()
		}
	}
}

// readOutPort is the output port as command 0xD0 reports it: reset and A20
// always high, and the two buffer-full lines following the output buffer.
func (c *Controller) readOutPort() byte {
	v := c.outPort | OutReset | OutA20
	v &^= OutKbdOBF | OutAUXOBF
	if c.obf {
		if c.outAUX {
			v |= OutAUXOBF
		} else {
			v |= OutKbdOBF
		}
	}
	return v
}

// writeData takes a byte the guest wrote to port 0x60: the data of a pending
// controller command, or else a byte for the keyboard.
func (c *Controller) writeData(b byte) {
	c.lastCmd = false
	cmd := c.pending
	c.pending = 0
	switch {
	case cmd >= ctlWriteRAM && cmd < ctlWriteRAM+0x20:
		c.ram[cmd-ctlWriteRAM] = b
		c.updateIRQ()
	case cmd == ctlWriteOutput:
		c.outPort = b
		if b&OutReset == 0 && c.reset != nil {
			c.reset() // the guest drives the CPU's reset line low
		}
	case cmd == ctlWriteKbdOut:
		c.answer(b, false)
	case cmd == ctlWriteAUXOut:
		c.answer(b, true)
	case cmd == ctlWriteAUX:
		c.aux.receive(b)
		c.feed()
	default:
		c.kbd.receive(b)
		c.xlatBrk = false // receive dropped any half-sent key
		c.feed()
	}
}
