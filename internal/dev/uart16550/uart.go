// Package uart16550 emulates a National Semiconductor 16550A UART, the PC's
// serial port (COM1 at 0x3F8, IRQ 4): its registers, 16-byte FIFOs,
// interrupt priorities, loopback mode and the OUT2 interrupt gate, enough
// for SeaBIOS's port detection and Linux's 8250 driver to find a 16550A.
//
// Just enough to carry a console: the transmitter is infinitely fast (each
// byte goes to the host as the guest writes it), the line has no speed,
// parity, framing errors or breaks, and the modem lines are always up. A
// receive FIFO below its trigger level reports its character timeout at
// once, since host input arrives in bursts.
package uart16550

import (
	"io"

	"github.com/do86/do86/internal/bus"
)

// Conventional bases and ISA lines of the first two serial ports.
const (
	COM1Base = 0x3F8
	COM1IRQ  = 4
	COM2Base = 0x2F8
	COM2IRQ  = 3
	// Ports is how many ports a UART occupies from its base.
	Ports = 8
)

// Register offsets. With LCR.DLAB set, offsets 0 and 1 are the divisor latch.
const (
	RBR = 0 // receiver buffer (read)
	THR = 0 // transmitter holding register (write)
	DLL = 0 // divisor latch, low byte (DLAB)
	IER = 1 // interrupt enable
	DLM = 1 // divisor latch, high byte (DLAB)
	IIR = 2 // interrupt identification (read)
	FCR = 2 // FIFO control (write)
	LCR = 3 // line control
	MCR = 4 // modem control
	LSR = 5 // line status
	MSR = 6 // modem status
	SCR = 7 // scratch
)

// IER bits.
const (
	ERBFI = 1 << 0 // received data available (and character timeout)
	ETBEI = 1 << 1 // transmitter holding register empty
	ELSI  = 1 << 2 // receiver line status
	EDSSI = 1 << 3 // modem status
)

// IIR values (bit 0 clear: an interrupt is pending) and the FIFO bits.
const (
	iirNone      = 0x01
	iirMSR       = 0x00
	iirTHRE      = 0x02
	iirRDA       = 0x04
	iirRLS       = 0x06
	iirTimeout   = 0x0C
	iirFIFOs     = 0xC0 // both set while the FIFOs are enabled
	iirIDMask    = 0x0F
	fcrEnable    = 1 << 0
	fcrClearRX   = 1 << 1
	fcrClearTX   = 1 << 2
	fcrStored    = 0xC9 // enable, DMA mode, trigger level
	fifoSize     = 16
	MaxPending   = 4096 // host bytes queued beyond the receive FIFO
	resetDivisor = 12   // 9600 baud; the chip's power-on value is undefined
)

// LCR bits.
const DLAB = 1 << 7

// MCR bits.
const (
	DTR  = 1 << 0
	RTS  = 1 << 1
	OUT1 = 1 << 2
	OUT2 = 1 << 3 // on a PC, gates the UART's interrupt onto the ISA line
	LOOP = 1 << 4
)

// LSR bits.
const (
	DR        = 1 << 0 // data ready
	OE        = 1 << 1 // overrun error
	PE        = 1 << 2
	FE        = 1 << 3
	BI        = 1 << 4
	THRE      = 1 << 5 // transmitter holding register empty
	TEMT      = 1 << 6 // transmitter empty
	lsrErrors = OE | PE | FE | BI
)

// MSR bits.
const (
	DCTS = 1 << 0
	DDSR = 1 << 1
	TERI = 1 << 2
	DDCD = 1 << 3
	CTS  = 1 << 4
	DSR  = 1 << 5
	RI   = 1 << 6
	DCD  = 1 << 7
)

// UART is one 16550A.
type UART struct {
	IER, LCR, MCR, SCR, FCR uint8
	Divisor                 uint16
	// LSRErr holds the error bits of LSR until the guest reads them.
	LSRErr uint8
	// MSRDelta holds the delta bits of MSR until the guest reads them.
	MSRDelta uint8
	// THRPending is the transmitter-empty interrupt, cleared by reading it
	// from IIR or by writing THR.
	THRPending bool
	// RX is the receive FIFO (one byte deep with the FIFOs disabled).
	RX []byte
	// LastRX is what RBR reads with the FIFO empty.
	LastRX uint8
	// Pending holds host input waiting for room in RX.
	Pending []byte

	irq bus.IRQ
	out io.Writer
	buf [1]byte
}

// New returns a UART in its power-on state that interrupts on irq and sends
// the guest's output to out (nil discards it). out is called on the
// emulation goroutine for every byte: make it quick (a buffer the host
// drains elsewhere).
func New(irq bus.IRQ, out io.Writer) *UART {
	u := &UART{irq: irq, out: out}
	u.Reset()
	return u
}

// Reset returns the UART to its power-on state; queued host input is
// dropped.
func (u *UART) Reset() {
	*u = UART{irq: u.irq, out: u.out, Divisor: resetDivisor}
	u.update()
}

// Receive queues host input for the guest and returns how many bytes were
// taken: fewer than len(b) once the receiver is full and MaxPending bytes
// wait behind it (the host keeps the rest and offers it again later).
func (u *UART) Receive(b []byte) int {
	n := 0
	for len(b) > 0 {
		u.fill()
		k := min(len(b), MaxPending-len(u.Pending))
		if k <= 0 {
			break
		}
		u.Pending = append(u.Pending, b[:k]...)
		b = b[k:]
		n += k
	}
	u.fill()
	u.update()
	return n
}

// ReadPort reads a register; wider accesses read consecutive registers.
func (u *UART) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(u.read, off, size)
}

// WritePort writes a register; wider accesses write consecutive registers.
func (u *UART) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(u.write, off, size, v)
}

func (u *UART) read(off uint16) uint8 {
	var v uint8
	switch off {
	case RBR:
		if u.LCR&DLAB != 0 {
			return uint8(u.Divisor)
		}
		v = u.readRBR()
	case IER:
		if u.LCR&DLAB != 0 {
			return uint8(u.Divisor >> 8)
		}
		return u.IER
	case IIR:
		v = u.iir()
		if v&iirIDMask == iirTHRE {
			u.THRPending = false // the guest has seen the transmitter empty
		}
	case LCR:
		return u.LCR
	case MCR:
		return u.MCR
	case LSR:
		v = u.LSRErr | THRE | TEMT
		if len(u.RX) > 0 {
			v |= DR
		}
		u.LSRErr = 0
	case MSR:
		v = u.modemStatus() | u.MSRDelta
		u.MSRDelta = 0
	case SCR:
		return u.SCR
	default:
		return 0xFF
	}
	u.update()
	return v
}

func (u *UART) write(off uint16, v uint8) {
	switch off {
	case THR:
		if u.LCR&DLAB != 0 {
			u.Divisor = u.Divisor&0xFF00 | uint16(v)
			return
		}
		u.transmit(v)
	case IER:
		if u.LCR&DLAB != 0 {
			u.Divisor = u.Divisor&0x00FF | uint16(v)<<8
			return
		}
		if v&ETBEI != 0 && u.IER&ETBEI == 0 {
			// Enabling the interrupt while the transmitter is empty
			// reports it at once.
			u.THRPending = true
		}
		u.IER = v & 0x0F
	case FCR:
		u.writeFCR(v)
	case LCR:
		u.LCR = v
	case MCR:
		before := u.modemStatus()
		wasLoop := u.MCR&LOOP != 0
		u.MCR = v & 0x1F
		u.modemChanged(before, u.modemStatus())
		if wasLoop && u.MCR&LOOP == 0 {
			u.fill() // the receiver is back on the line
		}
	case SCR:
		u.SCR = v
	default:
		return // LSR and MSR are read-only
	}
	u.update()
}

// readRBR takes the oldest received byte and refills the FIFO from the
// host's queue. When that empties the FIFO first, the interrupt drops before
// the next byte raises it again, as a real line would space them.
func (u *UART) readRBR() uint8 {
	if len(u.RX) == 0 {
		return u.LastRX
	}
	u.LastRX = u.RX[0]
	u.RX = u.RX[1:]
	if len(u.RX) == 0 {
		u.update()
	}
	u.fill()
	return u.LastRX
}

// transmit sends a byte the guest wrote to THR: to the host, or back to the
// receiver in loopback mode. The transmitter is empty again at once; the
// interrupt line drops and rises around it, giving edge-triggered
// controllers one edge per byte.
func (u *UART) transmit(v uint8) {
	u.THRPending = false
	u.update()
	if u.MCR&LOOP != 0 {
		if len(u.RX) < u.rxCap() {
			u.RX = append(u.RX, v)
		} else {
			u.LSRErr |= OE
		}
	} else if u.out != nil {
		u.buf[0] = v
		_, _ = u.out.Write(u.buf[:])
	}
	u.THRPending = true
}

func (u *UART) writeFCR(v uint8) {
	if v&fcrEnable == 0 {
		// Other bits are only programmed along with the enable bit.
		if u.FCR&fcrEnable != 0 {
			u.RX = u.RX[:0]
		}
		u.FCR = 0
		u.fill()
		return
	}
	if u.FCR&fcrEnable == 0 || v&fcrClearRX != 0 {
		u.RX = u.RX[:0] // switching the FIFOs on resets them
	}
	// fcrClearTX: the transmitter holds nothing.
	u.FCR = v & fcrStored
	u.fill()
}

func (u *UART) rxCap() int {
	if u.FCR&fcrEnable != 0 {
		return fifoSize
	}
	return 1
}

func (u *UART) rxTrigger() int {
	return [4]int{1, 4, 8, 14}[u.FCR>>6]
}

// fill moves host input into the receiver while it has room; in loopback
// the receiver hears only the transmitter.
func (u *UART) fill() {
	if u.MCR&LOOP != 0 {
		return
	}
	n := min(u.rxCap()-len(u.RX), len(u.Pending))
	if n <= 0 {
		return
	}
	u.RX = append(u.RX, u.Pending[:n]...)
	u.Pending = u.Pending[n:]
	if len(u.Pending) == 0 {
		u.Pending = nil
	}
}

// iir identifies the highest-priority enabled interrupt.
func (u *UART) iir() uint8 {
	id := uint8(iirNone)
	switch {
	case u.IER&ELSI != 0 && u.LSRErr&lsrErrors != 0:
		id = iirRLS
	case u.IER&ERBFI != 0 && len(u.RX) > 0:
		id = iirRDA
		if u.FCR&fcrEnable != 0 && len(u.RX) < u.rxTrigger() {
			id = iirTimeout
		}
	case u.IER&ETBEI != 0 && u.THRPending:
		id = iirTHRE
	case u.IER&EDSSI != 0 && u.MSRDelta != 0:
		id = iirMSR
	}
	if u.FCR&fcrEnable != 0 {
		id |= iirFIFOs
	}
	return id
}

// update drives the ISA line: the UART's interrupt, gated by OUT2 (which
// loopback mode disconnects).
func (u *UART) update() {
	if u.iir()&1 == 0 && u.MCR&(OUT2|LOOP) == OUT2 {
		u.irq.Raise()
	} else {
		u.irq.Lower()
	}
}

// modemStatus is the state of the modem inputs: all up on the line, or the
// modem outputs wired back in loopback mode.
func (u *UART) modemStatus() uint8 {
	if u.MCR&LOOP == 0 {
		return CTS | DSR | DCD
	}
	var s uint8
	if u.MCR&RTS != 0 {
		s |= CTS
	}
	if u.MCR&DTR != 0 {
		s |= DSR
	}
	if u.MCR&OUT1 != 0 {
		s |= RI
	}
	if u.MCR&OUT2 != 0 {
		s |= DCD
	}
	return s
}

// modemChanged latches the delta bits for inputs that changed (RI only on
// its trailing edge).
func (u *UART) modemChanged(before, after uint8) {
	d := before ^ after
	if d&CTS != 0 {
		u.MSRDelta |= DCTS
	}
	if d&DSR != 0 {
		u.MSRDelta |= DDSR
	}
	if d&DCD != 0 {
		u.MSRDelta |= DDCD
	}
	if before&RI != 0 && after&RI == 0 {
		u.MSRDelta |= TERI
	}
}
