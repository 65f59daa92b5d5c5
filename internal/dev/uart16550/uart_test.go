package uart16550_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/uart16550"
)

const base = uart16550.COM1Base

type rig struct {
	ports *bus.Ports
	irq   *bustest.IRQ
	out   *bytes.Buffer
	u     *uart16550.UART
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{ports: bus.NewPorts(), irq: &bustest.IRQ{}, out: &bytes.Buffer{}}
	r.u = uart16550.New(r.irq, r.out)
	r.ports.MustRegister(base, uart16550.Ports, r.u, "com1")
	return r
}

func (r *rig) in(off uint16) uint8      { return uint8(r.ports.Read(base+off, 1)) }
func (r *rig) outb(off uint16, v uint8) { r.ports.Write(base+off, 1, uint32(v)) }

func TestResetState(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	tests := []struct {
		off  uint16
		want uint8
	}{
		{uart16550.IER, 0},
		{uart16550.IIR, 0x01},
		{uart16550.LCR, 0},
		{uart16550.MCR, 0},
		{uart16550.LSR, 0x60},
		{uart16550.MSR, 0xB0},
	}
	for _, tt := range tests {
		if got := r.in(tt.off); got != tt.want {
			t.Errorf("register %d = %#x, want %#x", tt.off, got, tt.want)
		}
	}
	if r.irq.Level {
		t.Errorf("IRQ asserted at reset")
	}
}

func TestDivisorLatch(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.IER, 0x05)
	r.outb(uart16550.LCR, 0x83) // DLAB, 8N1
	r.outb(uart16550.DLL, 0x01) // 115200 baud
	r.outb(uart16550.DLM, 0x00)
	if got := r.in(uart16550.DLL); got != 0x01 {
		t.Errorf("DLL = %#x", got)
	}
	if got := r.in(uart16550.DLM); got != 0x00 {
		t.Errorf("DLM = %#x", got)
	}
	if got := r.ports.Read(base, 2); got != 0x0001 {
		t.Errorf("divisor by word = %#x", got)
	}
	if r.out.Len() != 0 {
		t.Errorf("a divisor write went out as data: %q", r.out.Bytes())
	}
	r.outb(uart16550.LCR, 0x03)
	if got := r.in(uart16550.IER); got != 0x05 {
		t.Errorf("IER after DLAB cleared = %#x, want 0x05 (untouched by DLM)", got)
	}
	if r.u.Divisor != 1 {
		t.Errorf("Divisor = %d", r.u.Divisor)
	}
	r.outb(uart16550.THR, 'A')
	if got := r.out.String(); got != "A" {
		t.Errorf("output %q, want A", got)
	}
}

func TestScratchAndIERWidth(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.SCR, 0x5A)
	if got := r.in(uart16550.SCR); got != 0x5A {
		t.Errorf("SCR = %#x", got)
	}
	r.outb(uart16550.IER, 0xFF) // bits 7–4 do not exist on a 16550A
	if got := r.in(uart16550.IER); got != 0x0F {
		t.Errorf("IER = %#x, want 0x0F", got)
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.MCR, uart16550.LOOP|uart16550.OUT2|uart16550.RTS)
	if got := r.in(uart16550.MSR) & 0xF0; got != uart16550.CTS|uart16550.DCD {
		t.Errorf("loopback MSR = %#x, want CTS|DCD (from RTS and OUT2)", got)
	}
	r.outb(uart16550.MCR, uart16550.LOOP|uart16550.DTR|uart16550.OUT1)
	if got := r.in(uart16550.MSR); got != uart16550.DSR|uart16550.RI|uart16550.DCTS|uart16550.DDSR|uart16550.DDCD {
		t.Errorf("MSR after changing outputs = %#x", got)
	}
	if got := r.in(uart16550.MSR); got != uart16550.DSR|uart16550.RI {
		t.Errorf("MSR deltas not cleared by reading: %#x", got)
	}
	r.outb(uart16550.MCR, uart16550.LOOP|uart16550.DTR) // RI falls
	if got := r.in(uart16550.MSR) & 0x0F; got != uart16550.TERI {
		t.Errorf("RI trailing edge: deltas %#x, want TERI", got)
	}

	r.u.Receive([]byte("host")) // the line is disconnected in loopback
	r.outb(uart16550.THR, 'x')
	if r.out.Len() != 0 {
		t.Errorf("loopback byte reached the host: %q", r.out.Bytes())
	}
	if got := r.in(uart16550.LSR); got&uart16550.DR == 0 {
		t.Fatalf("LSR = %#x, want DR for the looped byte", got)
	}
	if got := r.in(uart16550.RBR); got != 'x' {
		t.Errorf("RBR = %q, want the looped byte", got)
	}
	if got := r.in(uart16550.LSR); got&uart16550.DR != 0 {
		t.Errorf("host input leaked into the loopback receiver")
	}
	r.outb(uart16550.MCR, 0)
	if got := r.in(uart16550.RBR); got != 'h' {
		t.Errorf("after loopback RBR = %q, want host input", got)
	}
	if got := r.in(uart16550.MSR) & 0xF0; got != 0xB0 {
		t.Errorf("MSR out of loopback = %#x, want CTS|DSR|DCD", got)
	}
}

// The 16450 mode (FIFOs off) holds one byte; loopback overruns it.
func TestOverrunWithoutFIFO(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.MCR, uart16550.LOOP)
	r.outb(uart16550.THR, '1')
	r.outb(uart16550.THR, '2')
	if got := r.in(uart16550.LSR); got&(uart16550.OE|uart16550.DR) != uart16550.OE|uart16550.DR {
		t.Errorf("LSR = %#x, want OE and DR", got)
	}
	if got := r.in(uart16550.LSR); got&uart16550.OE != 0 {
		t.Errorf("OE not cleared by reading LSR")
	}
	if got := r.in(uart16550.RBR); got != '1' {
		t.Errorf("RBR = %q, want the first byte", got)
	}
}

func TestIIRPriorities(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.FCR, 0x01) // FIFOs on, trigger 1
	r.outb(uart16550.IER, 0x0F)
	r.outb(uart16550.MCR, uart16550.LOOP|uart16550.RTS) // a modem status change
	for i := 0; i < 17; i++ {                           // one more than the FIFO: overrun
		r.outb(uart16550.THR, byte('a'+i))
	}
	// Line status, then received data, then THRE, then modem status.
	steps := []struct {
		iir  uint8
		then func()
	}{
		{0xC6, func() { r.in(uart16550.LSR) }},
		{0xC4, func() {
			for r.in(uart16550.LSR)&uart16550.DR != 0 {
				r.in(uart16550.RBR)
			}
		}},
		{0xC2, func() {}}, // reading IIR with THRE reported clears it
		{0xC0, func() { r.in(uart16550.MSR) }},
		{0xC1, func() {}},
	}
	for i, s := range steps {
		if got := r.in(uart16550.IIR); got != s.iir {
			t.Fatalf("step %d: IIR = %#x, want %#x", i, got, s.iir)
		}
		s.then()
	}
}

func TestTHREInterrupt(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.MCR, uart16550.OUT2)
	r.outb(uart16550.IER, uart16550.ETBEI)
	if !r.irq.Level {
		t.Fatalf("no IRQ on enabling THRE with the transmitter empty")
	}
	if got := r.in(uart16550.IIR); got != 0x02 {
		t.Fatalf("IIR = %#x, want THRE 0x02", got)
	}
	if r.irq.Level {
		t.Errorf("IRQ still up after IIR reported THRE")
	}
	if got := r.in(uart16550.IIR); got != 0x01 {
		t.Errorf("IIR after THRE read = %#x, want none", got)
	}
	// Linux's THRE test: disable and re-enable; the interrupt comes back.
	r.outb(uart16550.IER, 0)
	r.outb(uart16550.IER, uart16550.ETBEI)
	if got := r.in(uart16550.IIR); got != 0x02 {
		t.Errorf("IIR after re-enabling ETBEI = %#x, want THRE", got)
	}
	// Each byte written empties at once and interrupts again, with a fresh
	// edge for edge-triggered controllers.
	raises := r.irq.Raises
	r.outb(uart16550.THR, 'a')
	r.outb(uart16550.THR, 'b')
	if r.irq.Raises != raises+2 {
		t.Errorf("raises after two bytes: %d, want %d", r.irq.Raises, raises+2)
	}
	if got := r.in(uart16550.IIR); got != 0x02 {
		t.Errorf("IIR after write = %#x, want THRE", got)
	}
	if got := r.out.String(); got != "ab" {
		t.Errorf("output %q", got)
	}
}

// SeaBIOS's detect_serial: IER = 2, then IIR & 0x3F must be 2.
func TestSeaBIOSDetection(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.IER, 0x02)
	if got := r.in(uart16550.IER); got != 0x02 {
		t.Fatalf("IER = %#x", got)
	}
	if got := r.in(uart16550.IIR); got&0x3F != 0x02 {
		t.Fatalf("IIR = %#x, want THRE", got)
	}
	r.outb(uart16550.IER, 0)
}

func TestOUT2GatesIRQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mcr  uint8
		want bool
	}{
		{"OUT2 clear", 0, false},
		{"OUT2 set", uart16550.OUT2, true},
		{"OUT2 with DTR and RTS", uart16550.OUT2 | uart16550.DTR | uart16550.RTS, true},
		{"loopback disconnects OUT2", uart16550.OUT2 | uart16550.LOOP, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.outb(uart16550.IER, uart16550.ERBFI)
			r.u.Receive([]byte{'k'})
			r.outb(uart16550.MCR, tt.mcr)
			if r.irq.Level != tt.want {
				t.Errorf("IRQ %v, want %v", r.irq.Level, tt.want)
			}
			if got := r.in(uart16550.IIR); got&1 != 0 {
				t.Errorf("IIR = %#x: the interrupt is pending whatever OUT2 says", got)
			}
		})
	}
}

func TestReceiveFIFOTrigger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fcr  uint8
		n    int
		iir  uint8
	}{
		{"no FIFO: one byte is data available", 0x00, 1, 0x04},
		{"trigger 4, 3 bytes: character timeout", 0x41, 3, 0xCC},
		{"trigger 4, 4 bytes: data available", 0x41, 4, 0xC4},
		{"trigger 8, 7 bytes: timeout", 0x81, 7, 0xCC},
		{"trigger 14, 14 bytes: data available", 0xC1, 14, 0xC4},
		{"trigger 14, 20 bytes fill the FIFO", 0xC1, 20, 0xC4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.outb(uart16550.FCR, tt.fcr)
			r.outb(uart16550.MCR, uart16550.OUT2)
			r.outb(uart16550.IER, uart16550.ERBFI)
			data := make([]byte, tt.n)
			for i := range data {
				data[i] = byte('A' + i)
			}
			if got := r.u.Receive(data); got != tt.n {
				t.Fatalf("Receive took %d, want %d", got, tt.n)
			}
			if !r.irq.Level {
				t.Errorf("no IRQ")
			}
			if got := r.in(uart16550.IIR); got != tt.iir {
				t.Errorf("IIR = %#x, want %#x", got, tt.iir)
			}
			var got []byte
			for r.in(uart16550.LSR)&uart16550.DR != 0 {
				got = append(got, r.in(uart16550.RBR))
			}
			if string(got) != string(data) {
				t.Errorf("guest read %q, want %q", got, data)
			}
			if r.irq.Level {
				t.Errorf("IRQ still up with everything read")
			}
		})
	}
}

func TestReceiveQueueBound(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	big := make([]byte, uart16550.MaxPending+100)
	n := r.u.Receive(big)
	// One byte sits in the receiver (FIFOs off), the rest wait.
	if n != uart16550.MaxPending+1 {
		t.Errorf("Receive took %d, want %d", n, uart16550.MaxPending+1)
	}
	if got := r.u.Receive([]byte{1}); got != 0 {
		t.Errorf("Receive on a full queue took %d", got)
	}
	r.in(uart16550.RBR)
	if got := r.u.Receive([]byte{1, 2}); got != 1 {
		t.Errorf("after one read Receive took %d, want 1", got)
	}
}

// Without FIFOs each byte is an edge: the line drops when the guest reads
// the holding register and rises with the next byte.
func TestReceiveEdgePerByteWithoutFIFO(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.MCR, uart16550.OUT2)
	r.outb(uart16550.IER, uart16550.ERBFI)
	r.u.Receive([]byte("abc"))
	var got []byte
	for i := 0; i < 3; i++ {
		if !r.irq.Level {
			t.Fatalf("byte %d: no IRQ", i)
		}
		got = append(got, r.in(uart16550.RBR))
	}
	if string(got) != "abc" || r.irq.Raises != 3 || r.irq.Level {
		t.Errorf("read %q with %d raises, level %v; want abc, 3, false", got, r.irq.Raises, r.irq.Level)
	}
}

func TestFCRClearsReceiver(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.FCR, 0x01)
	r.outb(uart16550.MCR, uart16550.LOOP)
	r.outb(uart16550.THR, 'z')
	r.outb(uart16550.FCR, 0x03) // clear the receive FIFO
	if got := r.in(uart16550.LSR); got&uart16550.DR != 0 {
		t.Errorf("DR after clearing the receive FIFO")
	}
	if got := r.in(uart16550.IIR); got&0xC0 != 0xC0 {
		t.Errorf("IIR = %#x, want FIFO bits", got)
	}
	r.outb(uart16550.FCR, 0x00)
	if got := r.in(uart16550.IIR); got&0xC0 != 0 {
		t.Errorf("IIR = %#x with FIFOs off", got)
	}
}

func TestResetDropsState(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.outb(uart16550.MCR, uart16550.OUT2)
	r.outb(uart16550.IER, uart16550.ERBFI)
	r.u.Receive([]byte("x"))
	r.u.Reset()
	if r.irq.Level {
		t.Errorf("IRQ up after reset")
	}
	if got := r.in(uart16550.LSR); got != 0x60 {
		t.Errorf("LSR after reset = %#x", got)
	}
}
