package i8254

// Counter modes, control word bits 3–1 (values 6 and 7 alias modes 2 and 3).
const (
	Mode0InterruptOnTerminalCount = 0
	Mode1HardwareOneShot          = 1
	Mode2RateGenerator            = 2
	Mode3SquareWave               = 3
	Mode4SoftwareStrobe           = 4
	Mode5HardwareStrobe           = 5
)

// Read/write access modes, control word bits 5–4 (RW1 RW0).
const (
	RWLatch  = 0 // counter latch command
	RWLSB    = 1 // least significant byte only
	RWMSB    = 2 // most significant byte only
	RWLSBMSB = 3 // least significant byte first, then most significant byte
)

// Counter is one of the three counters. Time is measured in input clock
// ticks (1.193182 MHz) of the guest clock.
type Counter struct {
	Mode   uint8 // 0–5
	Access uint8 // RWLSB, RWMSB or RWLSBMSB
	BCD    bool

	CR        uint16 // count register: the count the guest last wrote, raw
	N         int64  // the count the counting element runs with, 1..65536
	Loaded    bool   // counting (modes 0, 2, 3, 4) or armed (modes 1, 5) since the control word
	Triggered bool   // modes 1 and 5: a gate edge started the count
	NullCount bool   // a count was written but not yet taken by the counting element
	Start     int64  // tick at which the counting element took N
	Paused    bool   // gate low stops counting (modes 0, 2, 3, 4)
	Frozen    int64  // elapsed ticks when paused
	Gate      bool

	// Modes 2 and 3 take a new count at the end of the current period.
	Pending   bool
	PendingN  int64
	PendingAt int64

	// Edge bookkeeping for the interrupt line.
	Fired    bool  // one-shot modes: the terminal count edge was delivered
	LastEdge int64 // periodic modes: tick of the last edge delivered

	WriteMSB bool  // write flip-flop: the next byte written is the MSB
	WriteLSB uint8 // the LSB written first
	ReadMSB  bool  // read flip-flop for unlatched reads

	LatchLeft     int // bytes of the latched count still to be read
	Latch         uint16
	StatusLatched bool
	Status        uint8
}

// reset puts the counter in its power-on state: no count, gate as given.
func (c *Counter) reset(gate bool) {
	*c = Counter{Gate: gate, Access: RWLSBMSB}
}

// control applies a control word (not a latch command) to this counter.
func (c *Counter) control(v uint8) {
	gate := c.Gate
	c.reset(gate)
	c.Access = (v >> 4) & 3
	c.Mode = (v >> 1) & 7
	if c.Mode > 5 {
		c.Mode -= 4
	}
	c.BCD = v&1 != 0
	c.NullCount = true
}

// modulus is the counting range: 65536 in binary, 10000 in BCD.
func (c *Counter) modulus() int64 {
	if c.BCD {
		return 10000
	}
	return 65536
}

// countOf turns a written count register into a count: 0 is the maximum.
func (c *Counter) countOf(cr uint16) int64 {
	n := int64(cr)
	if c.BCD {
		n = int64(cr&0xF) + 10*int64(cr>>4&0xF) + 100*int64(cr>>8&0xF) + 1000*int64(cr>>12&0xF)
	}
	if n == 0 {
		n = c.modulus()
	}
	return n
}

// encode turns a count into what the output latch holds.
func (c *Counter) encode(n int64) uint16 {
	n %= c.modulus()
	if n < 0 {
		n += c.modulus()
	}
	if !c.BCD {
		return uint16(n)
	}
	return uint16(n%10 | (n/10%10)<<4 | (n/100%10)<<8 | (n/1000%10)<<12)
}

// writeByte takes one byte of a new count.
func (c *Counter) writeByte(t int64, v uint8) {
	switch c.Access {
	case RWLSB:
		c.load(t, uint16(v))
	case RWMSB:
		c.load(t, uint16(v)<<8)
	default:
		if !c.WriteMSB {
			c.WriteLSB = v
			c.WriteMSB = true
			if c.Mode == Mode0InterruptOnTerminalCount {
				// Writing the first byte stops the count; OUT goes low.
				c.Loaded = false
			}
			return
		}
		c.WriteMSB = false
		c.load(t, uint16(c.WriteLSB)|uint16(v)<<8)
	}
}

// load hands a complete new count to the counter.
func (c *Counter) load(t int64, cr uint16) {
	c.CR = cr
	c.NullCount = true
	switch c.Mode {
	case Mode0InterruptOnTerminalCount, Mode4SoftwareStrobe:
		// The count (re)starts at once; a low gate holds it.
		c.begin(t, c.countOf(cr))
		c.Paused, c.Frozen = !c.Gate, 0
		c.Fired = false
	case Mode1HardwareOneShot, Mode5HardwareStrobe:
		// Taken at the next gate trigger; a running one-shot is unaffected.
		c.Loaded = true
	default:
		if c.Loaded && !c.Paused {
			// A rate change takes effect at the end of the current period.
			c.sync(t)
			e := t - c.Start
			c.Pending = true
			c.PendingN = c.countOf(cr)
			c.PendingAt = c.Start + (e/c.N+1)*c.N
			return
		}
		c.begin(t, c.countOf(cr))
		c.LastEdge = t
		c.Paused, c.Frozen = !c.Gate, 0
	}
}

// begin starts the counting element on count n at tick t.
func (c *Counter) begin(t int64, n int64) {
	c.N = n
	c.Start = t
	c.Loaded = true
	c.NullCount = false
	c.Pending = false
}

// setGate follows the counter's gate input.
func (c *Counter) setGate(t int64, g bool) {
	if g == c.Gate {
		return
	}
	c.sync(t)
	c.Gate = g
	switch c.Mode {
	case Mode0InterruptOnTerminalCount, Mode4SoftwareStrobe:
		if !c.Loaded {
			return
		}
		if !g {
			c.Frozen, c.Paused = c.elapsed(t), true
		} else {
			c.Start, c.Paused = t-c.Frozen, false
		}
	case Mode1HardwareOneShot, Mode5HardwareStrobe:
		if g && c.Loaded {
			// A rising gate (re)triggers the count.
			c.begin(t, c.countOf(c.CR))
			c.Triggered = true
			c.Fired = false
		}
	default:
		if !c.Loaded {
			return
		}
		if !g {
			c.Paused = true
			c.Frozen = c.elapsed(t)
		} else {
			// A rising gate reloads the count and starts a new period.
			c.begin(t, c.countOf(c.CR))
			c.LastEdge = t
			c.Paused = false
		}
	}
}

// sync takes a pending rate change once its period has ended.
func (c *Counter) sync(t int64) {
	if c.Pending && !c.Paused && t >= c.PendingAt {
		c.Start = c.PendingAt
		c.N = c.PendingN
		c.Pending = false
		c.NullCount = false
	}
}

// elapsed is the number of ticks counted since the count began.
func (c *Counter) elapsed(t int64) int64 {
	if c.Paused {
		return c.Frozen
	}
	if e := t - c.Start; e > 0 {
		return e
	}
	return 0
}

// armed reports whether the counting element is running a count.
func (c *Counter) armed() bool {
	switch c.Mode {
	case Mode1HardwareOneShot, Mode5HardwareStrobe:
		return c.Triggered
	}
	return c.Loaded
}

// out is the level of the counter's OUT pin at tick t.
func (c *Counter) out(t int64) bool {
	c.sync(t)
	if !c.Loaded {
		// After a control word OUT is low in mode 0 and high otherwise.
		return c.Mode != Mode0InterruptOnTerminalCount
	}
	e := c.elapsed(t)
	switch c.Mode {
	case Mode0InterruptOnTerminalCount:
		return e >= c.N
	case Mode1HardwareOneShot:
		return !c.Triggered || e >= c.N
	case Mode2RateGenerator:
		return c.Paused || e%c.N != c.N-1
	case Mode3SquareWave:
		return c.Paused || e%c.N < (c.N+1)/2
	case Mode4SoftwareStrobe:
		return e != c.N
	default:
		return !c.Triggered || e != c.N
	}
}

// count is the value of the counting element at tick t.
func (c *Counter) count(t int64) uint16 {
	c.sync(t)
	if !c.armed() {
		return c.encode(c.countOf(c.CR))
	}
	e := c.elapsed(t)
	switch c.Mode {
	case Mode2RateGenerator:
		return c.encode(c.N - e%c.N)
	case Mode3SquareWave:
		// The count falls by two each clock through each half period. An
		// odd count is reloaded whole, falls by one (high half) or three
		// (low half) on the next clock, then by two: the high half is
		// one clock longer.
		p := e % c.N
		hi := (c.N + 1) / 2
		if c.N&1 == 0 {
			return c.encode(c.N - 2*(p%hi))
		}
		switch {
		case p == 0 || p == hi:
			return c.encode(c.N)
		case p < hi:
			return c.encode(c.N - 1 - 2*(p-1))
		}
		return c.encode(c.N - 3 - 2*(p-hi-1))
	default:
		// One-shot modes count on through zero, wrapping.
		return c.encode(c.N - e)
	}
}

// status is the read-back status byte at tick t.
func (c *Counter) status(t int64) uint8 {
	s := c.Access<<4 | c.Mode<<1
	if c.BCD {
		s |= 1
	}
	if c.out(t) {
		s |= 0x80
	}
	if c.NullCount {
		s |= 0x40
	}
	return s
}

// latch holds the current count for reading (a second latch before the
// first is read is ignored).
func (c *Counter) latch(t int64) {
	if c.LatchLeft > 0 {
		return
	}
	c.Latch = c.count(t)
	c.LatchLeft = 1
	if c.Access == RWLSBMSB {
		c.LatchLeft = 2
	}
}

// readByte serves a read of the counter's port.
func (c *Counter) readByte(t int64) uint8 {
	if c.StatusLatched {
		c.StatusLatched = false
		return c.Status
	}
	v := c.count(t)
	if c.LatchLeft > 0 {
		v = c.Latch
		c.LatchLeft--
		switch {
		case c.Access == RWMSB:
			return uint8(v >> 8)
		case c.Access == RWLSBMSB && c.LatchLeft == 0:
			return uint8(v >> 8)
		}
		return uint8(v)
	}
	switch c.Access {
	case RWLSB:
		return uint8(v)
	case RWMSB:
		return uint8(v >> 8)
	}
	c.ReadMSB = !c.ReadMSB
	if c.ReadMSB {
		return uint8(v)
	}
	return uint8(v >> 8)
}

// takeEdge reports whether OUT rose at or before tick t since the last edge
// delivered, and marks it delivered.
func (c *Counter) takeEdge(t int64) bool {
	c.sync(t)
	if !c.armed() {
		return false
	}
	switch c.Mode {
	case Mode2RateGenerator, Mode3SquareWave:
		if c.Paused {
			return false
		}
		latest := c.Start + (c.elapsed(t)/c.N)*c.N
		if latest > c.LastEdge {
			c.LastEdge = latest
			return true
		}
		return false
	}
	if !c.Fired && c.elapsed(t) >= c.edgeOffset() {
		c.Fired = true
		return true
	}
	return false
}

// edgeOffset is when, after the count began, OUT rises in a one-shot mode:
// at terminal count in modes 0 and 1, at the end of the strobe in 4 and 5.
func (c *Counter) edgeOffset() int64 {
	if c.Mode == Mode4SoftwareStrobe || c.Mode == Mode5HardwareStrobe {
		return c.N + 1
	}
	return c.N
}

// nextEdge returns the tick of the next rising edge of OUT after t.
func (c *Counter) nextEdge(t int64) (int64, bool) {
	c.sync(t)
	if !c.armed() || c.Paused {
		return 0, false
	}
	switch c.Mode {
	case Mode2RateGenerator, Mode3SquareWave:
		return c.Start + (c.elapsed(t)/c.N+1)*c.N, true
	}
	if c.Fired {
		return 0, false
	}
	return c.Start + c.edgeOffset(), true
}
