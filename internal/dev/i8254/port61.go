package i8254

import "github.com/do86/do86/internal/bus"

// System control port B (0x61) bits.
const (
	PortBGate2        = 1 << 0 // counter 2 gate
	PortBSpeaker      = 1 << 1 // speaker data enable
	PortBParityCheck  = 1 << 2 // (write 1 to disable) memory parity check
	PortBChannelCheck = 1 << 3 // (write 1 to disable) I/O channel check
	PortBRefresh      = 1 << 4 // refresh request toggle (read only)
	PortBOut2         = 1 << 5 // counter 2 OUT (read only)
	portBWritable     = PortBGate2 | PortBSpeaker | PortBParityCheck | PortBChannelCheck
)

// Port61 is system control port B as a port device of one byte at 0x61.
type Port61 struct{ p *PIT }

// Port61 returns the port 0x61 device that shares this PIT's counter 2.
func (p *PIT) Port61() *Port61 { return &Port61{p} }

// ReadPort returns port B. The refresh bit toggles on every read, which is
// what delay loops that wait for it to change need.
func (d *Port61) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(d.readByte, off, size)
}

// WritePort sets gate 2, the speaker enable and the check enables.
func (d *Port61) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(d.writeByte, off, size, v)
}

func (d *Port61) readByte(off uint16) uint8 {
	if off != 0 {
		return 0xFF
	}
	p := d.p
	p.Refresh = !p.Refresh
	// Bits 6 and 7 (parity and channel errors) never report an error.
	v := p.PortB & portBWritable
	if p.Refresh {
		v |= PortBRefresh
	}
	if p.C[2].out(p.now()) {
		v |= PortBOut2
	}
	return v
}

func (d *Port61) writeByte(off uint16, v uint8) {
	if off != 0 {
		return
	}
	p := d.p
	p.PortB = v & portBWritable
	p.C[2].setGate(p.now(), v&PortBGate2 != 0)
}
