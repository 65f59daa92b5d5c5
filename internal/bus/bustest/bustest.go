// Package bustest has fakes of the bus contracts for device tests: an IRQ
// that records its edges, a flat guest memory, and a clock the test moves.
package bustest

// IRQ records the level of a line and every change of it.
type IRQ struct {
	Level  bool
	Raises int // rising edges seen
	Lowers int // falling edges seen
}

// Raise asserts the line.
func (q *IRQ) Raise() {
	if !q.Level {
		q.Raises++
	}
	q.Level = true
}

// Lower deasserts the line.
func (q *IRQ) Lower() {
	if q.Level {
		q.Lowers++
	}
	q.Level = false
}

// Memory is guest RAM as a flat byte slice.
type Memory struct {
	RAM []byte
	// Dirty records the ranges written, as WritePhys would report to the JIT.
	Dirty [][2]uint32
}

// NewMemory returns size bytes of zeroed RAM.
func NewMemory(size int) *Memory { return &Memory{RAM: make([]byte, size)} }

// ReadPhys copies RAM at addr into p; bytes beyond RAM read as all ones.
func (m *Memory) ReadPhys(addr uint32, p []byte) {
	for i := range p {
		a := uint64(addr) + uint64(i)
		if a < uint64(len(m.RAM)) {
			p[i] = m.RAM[a]
		} else {
			p[i] = 0xFF
		}
	}
}

// WritePhys copies p into RAM at addr; bytes beyond RAM are dropped.
func (m *Memory) WritePhys(addr uint32, p []byte) {
	for i := range p {
		a := uint64(addr) + uint64(i)
		if a < uint64(len(m.RAM)) {
			m.RAM[a] = p[i]
		}
	}
	m.Dirty = append(m.Dirty, [2]uint32{addr, addr + uint32(len(p))})
}

// Clock is a clock the test sets, in milliseconds.
type Clock struct{ T float64 }

// Now returns the clock's time.
func (c *Clock) Now() float64 { return c.T }
