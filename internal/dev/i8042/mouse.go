package i8042

// Mouse commands, sent with controller command 0xD4.
const (
	auxScaling11     = 0xE6
	auxScaling21     = 0xE7
	auxSetResolution = 0xE8
	auxStatusRequest = 0xE9
	auxStreamMode    = 0xEA
	auxReadData      = 0xEB // one packet, in remote mode
	auxResetWrap     = 0xEC
	auxWrapMode      = 0xEE // echo every byte back
	auxRemoteMode    = 0xF0
	auxGetID         = 0xF2
	auxSetSampleRate = 0xF3
	auxEnable        = 0xF4 // start data reporting
	auxDisable       = 0xF5
	auxDefaults      = 0xF6
	auxResend        = 0xFE
	auxReset         = 0xFF
)

// Mouse answers and identities.
const (
	auxACK      = 0xFA
	auxNAK      = 0xFE // resend: the command was not understood
	auxBATOK    = 0xAA
	idStandard  = 0x00
	idWheel     = 0x03 // IntelliMouse: wheel in a fourth byte
	idExplorer  = 0x04 // IntelliMouse Explorer: wheel and buttons 4 and 5
	defaultRate = 100  // samples a second
	defaultRes  = 2    // 4 counts per millimetre
)

// Bits of a packet's first byte.
const (
	pktAlways1 = 1 << 3
	pktXSign   = 1 << 4
	pktYSign   = 1 << 5
	pktXOver   = 1 << 6
	pktYOver   = 1 << 7
)

// motionLimit bounds the motion a remote-mode mouse accumulates between reads.
const motionLimit = 1 << 16

// mouse is a PS/2 mouse with the IntelliMouse and IntelliMouse Explorer
// extensions, which the guest unlocks with sample-rate "knocks".
type mouse struct {
	answers    fifo // answers to commands, sent before any packet
	packets    fifo // movement reports on their way to the controller
	reporting  bool // stream-mode packets are sent
	remote     bool // motion waits for a read-data command
	wrap       bool
	scale21    bool
	resolution byte
	rate       byte
	id         byte
	arg        byte    // command awaiting its argument byte
	rates      [3]byte // the last three sample rates set, oldest first
	buttons    uint8
	dx, dy, dz int // motion not yet reported (remote mode), y up
	lastSent   byte
}

func (m *mouse) powerOn() {
	*m = mouse{}
	m.defaults()
}

// defaults is the state after 0xF6: stream mode, reporting off.
func (m *mouse) defaults() {
	m.reporting, m.remote, m.scale21 = false, false, false
	m.resolution, m.rate = defaultRes, defaultRate
	m.dx, m.dy, m.dz = 0, 0, 0
}

func (m *mouse) send(bs ...byte) {
	if m.answers.push(bs...) && len(bs) > 0 {
		m.lastSent = bs[len(bs)-1]
	}
}

// receive is a byte the guest sent with 0xD4: a command, or the argument of
// the previous one. The mouse first drops packets it still holds, so its
// answer is the next mouse byte the guest reads.
func (m *mouse) receive(b byte) {
	if m.wrap && b != auxResetWrap && b != auxReset {
		m.send(b)
		return
	}
	m.packets.clear()
	if arg := m.arg; arg != 0 {
		m.arg = 0
		m.argument(arg, b)
		return
	}
	switch b {
	case auxScaling11, auxScaling21:
		m.scale21 = b == auxScaling21
		m.send(auxACK)
	case auxSetResolution, auxSetSampleRate:
		m.arg = b
		m.send(auxACK)
	case auxStatusRequest:
		m.send(auxACK, m.statusByte(), m.resolution, m.rate)
	case auxStreamMode:
		m.remote = false
		m.dx, m.dy, m.dz = 0, 0, 0
		m.send(auxACK)
	case auxReadData:
		m.send(auxACK)
		m.send(m.packet(m.dx, m.dy, m.dz)...)
		m.dx, m.dy, m.dz = 0, 0, 0
	case auxResetWrap:
		m.wrap = false
		m.send(auxACK)
	case auxWrapMode:
		m.wrap = true
		m.send(auxACK)
	case auxRemoteMode:
		m.remote = true
		m.send(auxACK)
	case auxGetID:
		m.send(auxACK, m.id)
	case auxEnable:
		m.reporting = true
		m.send(auxACK)
	case auxDisable:
		m.reporting = false
		m.send(auxACK)
	case auxDefaults:
		m.defaults()
		m.send(auxACK)
	case auxResend:
		m.send(m.lastSent)
	case auxReset:
		m.powerOn()
		m.send(auxACK, auxBATOK, idStandard)
	default:
		// Answering is what matters: a silent mouse makes drivers wait for
		// a timeout on every probe.
		m.send(auxNAK)
	}
}

// argument completes a command that takes a byte.
func (m *mouse) argument(cmd, b byte) {
	switch cmd {
	case auxSetResolution:
		m.resolution = b & 3
	case auxSetSampleRate:
		m.rate = b
		m.rates = [3]byte{m.rates[1], m.rates[2], b}
		// The knocks of the IntelliMouse (200, 100, 80) and, once that
		// answered, of the IntelliMouse Explorer (200, 200, 80).
		switch {
		case m.id == idStandard && m.rates == [3]byte{200, 100, 80}:
			m.id = idWheel
		case m.id == idWheel && m.rates == [3]byte{200, 200, 80}:
			m.id = idExplorer
		}
	}
	m.send(auxACK)
}

// statusByte is the first byte of the status request's answer.
func (m *mouse) statusByte() byte {
	var s byte
	if m.remote {
		s |= 1 << 6
	}
	if m.reporting {
		s |= 1 << 5
	}
	if m.scale21 {
		s |= 1 << 4
	}
	if m.buttons&1 != 0 { // left
		s |= 1 << 2
	}
	if m.buttons&4 != 0 { // middle
		s |= 1 << 1
	}
	if m.buttons&2 != 0 { // right
		s |= 1 << 0
	}
	return s
}

// packet encodes one movement report: buttons, signs and overflow in the
// first byte, 9-bit deltas (y up), and for the wheel mice a fourth byte.
// Deltas beyond the 9-bit range are clamped and flagged as overflow.
func (m *mouse) packet(dx, dy, dz int) []byte {
	b0 := byte(pktAlways1) | m.buttons&7
	x, xo := fit9(dx)
	y, yo := fit9(dy)
	if x < 0 {
		b0 |= pktXSign
	}
	if y < 0 {
		b0 |= pktYSign
	}
	if xo {
		b0 |= pktXOver
	}
	if yo {
		b0 |= pktYOver
	}
	p := []byte{b0, byte(x), byte(y)}
	switch m.id {
	case idWheel:
		p = append(p, byte(int8(clamp(dz, -128, 127))))
	case idExplorer:
		p = append(p, byte(clamp(dz, -8, 7))&0x0F|(m.buttons>>3&3)<<4)
	}
	return p
}

// fit9 clamps v to the packet's 9-bit two's complement range.
func fit9(v int) (int, bool) {
	c := clamp(v, -256, 255)
	return c, c != v
}

func clamp(v, lo, hi int) int {
	return max(lo, min(hi, v))
}

// scale21 is the 2:1 scaling of stream-mode reports.
func scale21(v int) int {
	switch a := abs(v); {
	case a <= 1:
		return v
	case a == 2:
		return v / 2
	case a <= 5:
		return v / a * (3 * (a - 2))
	}
	return 2 * v
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// move is the host moving the mouse (y grows downward on the host, upward in
// PS/2). In stream mode with reporting on it queues packets, splitting large
// motion into several of at most ±255; only when the queue runs short does
// the last packet carry the rest clamped with its overflow bits. portOn is
// false while the guest has disabled the mouse interface.
func (m *mouse) move(dx, dy, dz int, buttons uint8, portOn bool) {
	dy = -dy
	changed := buttons != m.buttons
	m.buttons = buttons
	if m.remote {
		m.dx = clamp(m.dx+dx, -motionLimit, motionLimit)
		m.dy = clamp(m.dy+dy, -motionLimit, motionLimit)
		m.dz = clamp(m.dz+dz, -motionLimit, motionLimit)
		return
	}
	if !m.reporting || m.wrap || !portOn || (dx == 0 && dy == 0 && dz == 0 && !changed) {
		return
	}
	if m.scale21 {
		dx, dy = scale21(dx), scale21(dy)
	}
	size := 3
	if m.id != idStandard {
		size = 4
	}
	for first := true; first || dx != 0 || dy != 0; first = false {
		room := m.packets.free() / size
		if room == 0 {
			return
		}
		px, py := dx, dy
		if room > 1 {
			px, py = clamp(dx, -255, 255), clamp(dy, -255, 255)
		}
		m.packets.push(m.packet(px, py, dz)...)
		dx, dy, dz = dx-px, dy-py, 0
	}
}

// Mouse moves the mouse by dx, dy (y grows downward, as on screen), turns the
// wheel by dz (positive: towards the user) and sets the buttons held
// (input.ButtonLeft, ButtonRight, ButtonMiddle; bits 3 and 4 are buttons 4
// and 5, which only an IntelliMouse Explorer reports).
func (c *Controller) Mouse(dx, dy, dz int, buttons uint8) {
	c.aux.move(dx, dy, dz, buttons, c.ram[0]&CmdAUXOff == 0)
	c.feed()
}
