package i8254_test

import (
	"math"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/i8254"
)

type rig struct {
	pit   *i8254.PIT
	ports *bus.Ports
	clock *bustest.Clock
	irq   *bustest.IRQ
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{clock: &bustest.Clock{T: 1000}, irq: &bustest.IRQ{}, ports: bus.NewPorts()}
	r.pit = i8254.New(r.clock, r.irq)
	r.ports.MustRegister(0x40, 4, r.pit, "pit")
	r.ports.MustRegister(0x61, 1, r.pit.Port61(), "portb")
	return r
}

func (r *rig) out(port uint16, v uint8) { r.ports.Write(port, 1, uint32(v)) }
func (r *rig) in(port uint16) uint8     { return uint8(r.ports.Read(port, 1)) }

// advance moves the clock on by n input clock ticks.
func (r *rig) advance(n float64) { r.clock.T += n * 1000 / i8254.InputHz }

// program writes a control word and a 16-bit count, LSB first.
func (r *rig) program(counter int, mode uint8, count uint16) {
	r.out(0x43, uint8(counter)<<6|0x30|mode<<1)
	r.out(0x40+uint16(counter), uint8(count))
	r.out(0x40+uint16(counter), uint8(count>>8))
}

// latched latches a counter and reads its count, LSB then MSB.
func (r *rig) latched(counter int) uint16 {
	r.out(0x43, uint8(counter)<<6)
	lo := r.in(0x40 + uint16(counter))
	hi := r.in(0x40 + uint16(counter))
	return uint16(lo) | uint16(hi)<<8
}

func ticksToMs(n float64) float64 { return n * 1000 / i8254.InputHz }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-3 }

func TestPeriodicModesFireOncePerPeriod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		mode  uint8
		count uint16
	}{
		{"mode 2, 1 kHz", 2, 1193},
		{"mode 3, 18.2 Hz (count 0)", 3, 0},
		{"mode 3, odd count", 3, 11931},
		{"mode 2 alias 6", 6, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.program(0, tc.mode, tc.count)
			n := float64(tc.count)
			if n == 0 {
				n = 65536
			}
			if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(n)) {
				t.Fatalf("first deadline %v ms, want %v", d, ticksToMs(n))
			}
			if r.irq.Raises != 0 {
				t.Fatalf("IRQ fired at programming time")
			}
			for i := 1; i <= 5; i++ {
				r.advance(n - 1)
				r.pit.Tick(r.clock.T)
				if r.irq.Raises != i-1 {
					t.Fatalf("period %d: %d raises one tick early, want %d", i, r.irq.Raises, i-1)
				}
				r.advance(1)
				d := r.pit.Tick(r.clock.T)
				// The line starts low, so the first pulse's Lower is no edge.
				if r.irq.Raises != i || r.irq.Lowers != i-1 || !r.irq.Level {
					t.Fatalf("period %d: raises %d lowers %d level %v", i, r.irq.Raises, r.irq.Lowers, r.irq.Level)
				}
				if !near(d, ticksToMs(n)) {
					t.Fatalf("period %d: deadline %v ms, want %v", i, d, ticksToMs(n))
				}
			}
		})
	}
}

func TestLongPauseFiresOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(0, 2, 1193)
	r.clock.T += 5000
	d := r.pit.Tick(r.clock.T)
	if r.irq.Raises != 1 {
		t.Fatalf("after 5 s: %d raises, want 1", r.irq.Raises)
	}
	if d <= 0 || d > ticksToMs(1193) {
		t.Fatalf("deadline %v not within one period", d)
	}
	r.pit.Tick(r.clock.T)
	if r.irq.Raises != 1 {
		t.Fatalf("second Tick at the same time fired again")
	}
}

func TestMode0OneShot(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.irq.Raise() // as left high by an earlier periodic mode
	r.out(0x43, 0x30)
	if r.irq.Level {
		t.Fatalf("mode 0 control word must drive OUT0 low")
	}
	r.out(0x40, 0x00)
	if d := r.pit.Tick(r.clock.T); d != bus.NoDeadline {
		t.Fatalf("half-written count: deadline %v, want none", d)
	}
	r.out(0x40, 0x10) // 4096
	if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(4096)) {
		t.Fatalf("deadline %v, want %v", d, ticksToMs(4096))
	}
	r.advance(4095)
	r.pit.Tick(r.clock.T)
	if r.irq.Level {
		t.Fatalf("fired before terminal count")
	}
	r.advance(1)
	if d := r.pit.Tick(r.clock.T); d != bus.NoDeadline {
		t.Fatalf("after terminal count deadline %v, want none", d)
	}
	if !r.irq.Level || r.irq.Raises != 2 {
		t.Fatalf("terminal count: level %v raises %d", r.irq.Level, r.irq.Raises)
	}
	r.advance(100000)
	r.pit.Tick(r.clock.T)
	if r.irq.Raises != 2 {
		t.Fatalf("mode 0 fired twice")
	}
	// The count wraps on past zero.
	if got := r.latched(0); got != uint16((4096-4096-100000)&0xFFFF) {
		t.Fatalf("count after wrap %#x", got)
	}
}

func TestReprogrammingDeliversDueEdge(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(0, 0, 100)
	r.advance(200)
	// The guest rearms before the machine's Tick ran: the edge still counts.
	r.program(0, 0, 100)
	if r.irq.Raises != 1 {
		t.Fatalf("raises %d, want 1", r.irq.Raises)
	}
	if r.irq.Level {
		t.Fatalf("rearmed mode 0 must leave the line low")
	}
}

func TestLatchHoldsCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		mode    uint8
		count   uint16
		elapsed float64
		want    uint16
	}{
		{"mode 2", 2, 10000, 1234, 10000 - 1234},
		{"mode 2 next period", 2, 10000, 11234, 10000 - 1234},
		{"mode 0", 0, 0, 1, 0xFFFF},
		{"mode 3 even", 3, 1000, 100, 1000 - 200},
		{"mode 3 second half", 3, 1000, 600, 1000 - 200},
		{"mode 3 odd, reload", 3, 5, 10, 5},
		{"mode 3 odd, high half", 3, 5, 12, 2},
		{"mode 3 odd, low half", 3, 5, 14, 2},
		{"mode 3 odd, low half start", 3, 5, 13, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.program(0, tc.mode, tc.count)
			r.advance(tc.elapsed)
			r.out(0x43, 0x00) // latch counter 0
			r.advance(500)
			r.out(0x43, 0x00) // a second latch before reading is ignored
			lo := r.in(0x40)
			r.advance(79)
			hi := r.in(0x40)
			if got := uint16(lo) | uint16(hi)<<8; got != tc.want {
				t.Fatalf("latched %d, want %d", got, tc.want)
			}
			// After the latch is read, reads follow the live count again.
			if got := r.latched(0); got == tc.want {
				t.Fatalf("new latch still returns the old value %d", got)
			}
		})
	}
}

func TestAccessModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cw     uint8
		writes []uint8
		n      float64 // period in ticks
		reads  int
		want   []uint8 // bytes read (latched) after 10 ticks
	}{
		{"LSB only", 0x14, []uint8{200}, 200, 1, []uint8{190}},
		{"MSB only", 0x24, []uint8{0x02}, 512, 1, []uint8{0x01}},
		{"LSB then MSB", 0x34, []uint8{0x00, 0x02}, 512, 2, []uint8{0xF6, 0x01}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.out(0x43, tc.cw)
			for _, b := range tc.writes {
				r.out(0x40, b)
			}
			if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(tc.n)) {
				t.Fatalf("period %v ms, want %v", d, ticksToMs(tc.n))
			}
			r.advance(10)
			r.out(0x43, 0x00)
			for i := 0; i < tc.reads; i++ {
				if got := r.in(0x40); got != tc.want[i] {
					t.Fatalf("byte %d = %#x, want %#x", i, got, tc.want[i])
				}
			}
		})
	}
}

func TestUnlatchedReadsAlternate(t *testing.T) {
	t.Parallel()
	// Linux's quick PIT calibration: counter 2 in mode 0 from 0xFFFF,
	// reading LSB then MSB without latching.
	r := newRig(t)
	r.out(0x61, i8254.PortBGate2)
	r.out(0x43, 0xB0)
	r.out(0x42, 0xFF)
	r.out(0x42, 0xFF)
	var msbs []uint8
	for i := 0; i < 3; i++ {
		r.in(0x42)
		msbs = append(msbs, r.in(0x42))
		r.advance(256)
	}
	if msbs[0] != 0xFF || msbs[1] != 0xFE || msbs[2] != 0xFD {
		t.Fatalf("MSBs %#x, want ff fe fd", msbs)
	}
}

func TestReadBack(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x61, i8254.PortBGate2)
	r.out(0x43, 0xB0) // counter 2, LSB/MSB, mode 0
	r.out(0x43, 0xE8) // read-back status of counter 2
	if got := r.in(0x42); got != 0x70 {
		t.Fatalf("status after control word %#x, want 0x70 (OUT low, null count)", got)
	}
	r.out(0x42, 100)
	r.out(0x42, 0)
	r.advance(40)
	r.out(0x43, 0xC8) // read-back status and count of counter 2
	if got := r.in(0x42); got != 0x30 {
		t.Fatalf("status while counting %#x, want 0x30", got)
	}
	if lo, hi := r.in(0x42), r.in(0x42); lo != 60 || hi != 0 {
		t.Fatalf("count %d/%d, want 60/0", lo, hi)
	}
	r.advance(60)
	r.out(0x43, 0xE8)
	if got := r.in(0x42); got != 0xB0 {
		t.Fatalf("status after terminal count %#x, want 0xb0", got)
	}
	// Read-back of counters 0 and 1 together latches both counts.
	r.program(0, 2, 1000)
	r.program(1, 2, 2000)
	r.advance(10)
	r.out(0x43, 0xD6)
	r.advance(10)
	if c0 := uint16(r.in(0x40)) | uint16(r.in(0x40))<<8; c0 != 990 {
		t.Fatalf("counter 0 read-back %d, want 990", c0)
	}
	if c1 := uint16(r.in(0x41)) | uint16(r.in(0x41))<<8; c1 != 1990 {
		t.Fatalf("counter 1 read-back %d, want 1990", c1)
	}
}

func TestPortBRefreshToggles(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	a, b, c := r.in(0x61), r.in(0x61), r.in(0x61)
	if (a^b)&i8254.PortBRefresh == 0 || (b^c)&i8254.PortBRefresh == 0 {
		t.Fatalf("refresh bit did not toggle: %#x %#x %#x", a, b, c)
	}
	r.out(0x61, 0x0F)
	if got := r.in(0x61) & 0x0F; got != 0x0F {
		t.Fatalf("port B low bits %#x, want 0xf", got)
	}
	if got := r.in(0x61) & 0xC0; got != 0 {
		t.Fatalf("error bits %#x, want 0", got)
	}
}

func TestPortBOut2Calibration(t *testing.T) {
	t.Parallel()
	// SeaBIOS and Linux: gate 2 on, speaker off, counter 2 in mode 0,
	// then wait for OUT2 in port B bit 5.
	r := newRig(t)
	r.out(0x61, r.in(0x61)&^i8254.PortBSpeaker|i8254.PortBGate2)
	r.program(2, 0, 11932) // 10 ms
	if r.in(0x61)&i8254.PortBOut2 != 0 {
		t.Fatalf("OUT2 high right after programming")
	}
	r.clock.T += 9.99
	if r.in(0x61)&i8254.PortBOut2 != 0 {
		t.Fatalf("OUT2 high before 10 ms")
	}
	r.clock.T += 0.02
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("OUT2 still low after 10 ms")
	}
	if r.irq.Raises != 0 {
		t.Fatalf("counter 2 raised IRQ 0")
	}
}

func TestGate2(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x61, 0)      // gate low
	r.program(2, 0, 50) // mode 0 waits for the gate
	r.advance(1000)
	if r.in(0x61)&i8254.PortBOut2 != 0 {
		t.Fatalf("mode 0 counted with gate low")
	}
	r.out(0x61, i8254.PortBGate2)
	r.advance(30)
	r.out(0x61, 0) // pause
	r.advance(1000)
	if got := r.latched(2); got != 20 {
		t.Fatalf("paused count %d, want 20", got)
	}
	r.out(0x61, i8254.PortBGate2)
	r.advance(20)
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("OUT2 low after 50 counted ticks")
	}

	// Mode 3 square wave on the speaker: OUT2 high half, low half.
	r.program(2, 3, 100)
	r.advance(10)
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("square wave low in its first half")
	}
	r.advance(50)
	if r.in(0x61)&i8254.PortBOut2 != 0 {
		t.Fatalf("square wave high in its second half")
	}
	// Gate low forces OUT high; the rising gate restarts the period.
	r.out(0x61, 0)
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("gate low did not force OUT2 high")
	}
	r.advance(1000)
	r.out(0x61, i8254.PortBGate2)
	if got := r.latched(2); got != 100 {
		t.Fatalf("count after gate edge %d, want 100 (reloaded)", got)
	}
}

func TestMode1And5TriggeredByGate(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x61, 0)
	r.program(2, 1, 100)
	r.advance(500)
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("mode 1 OUT low before trigger")
	}
	r.out(0x61, i8254.PortBGate2) // trigger
	r.advance(50)
	if r.in(0x61)&i8254.PortBOut2 != 0 {
		t.Fatalf("mode 1 OUT high during the one-shot")
	}
	r.advance(50)
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("mode 1 OUT low after the one-shot")
	}

	r.out(0x61, 0)
	r.program(2, 5, 100)
	r.out(0x61, i8254.PortBGate2)
	r.advance(100)
	if r.in(0x61)&i8254.PortBOut2 != 0 {
		t.Fatalf("mode 5 strobe missing at terminal count")
	}
	r.advance(1)
	if r.in(0x61)&i8254.PortBOut2 == 0 {
		t.Fatalf("mode 5 strobe longer than one clock")
	}
}

func TestMode4Strobe(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(0, 4, 300)
	if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(301)) {
		t.Fatalf("deadline %v, want %v", d, ticksToMs(301))
	}
	r.advance(301)
	if d := r.pit.Tick(r.clock.T); d != bus.NoDeadline || r.irq.Raises != 1 {
		t.Fatalf("after strobe: deadline %v raises %d", d, r.irq.Raises)
	}
}

func TestMode2RateChangeAtPeriodEnd(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(0, 2, 1000)
	r.advance(400)
	r.out(0x40, 0xD0) // 2000, LSB
	r.out(0x40, 0x07) // MSB
	if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(600)) {
		t.Fatalf("deadline %v, want the old period's end %v", d, ticksToMs(600))
	}
	r.advance(600)
	if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(2000)) || r.irq.Raises != 1 {
		t.Fatalf("deadline %v raises %d, want new period %v and one IRQ", d, r.irq.Raises, ticksToMs(2000))
	}
	r.out(0x43, 0xE2)
	if st := r.in(0x40); st&0x40 != 0 {
		t.Fatalf("null count still set after the new count was taken: %#x", st)
	}
}

func TestBCD(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x43, 0x35) // counter 0, LSB/MSB, mode 2, BCD
	r.out(0x40, 0x00)
	r.out(0x40, 0x10) // 1000 decimal
	if d := r.pit.Tick(r.clock.T); !near(d, ticksToMs(1000)) {
		t.Fatalf("BCD period %v, want %v", d, ticksToMs(1000))
	}
	r.advance(1)
	if got := r.latched(0); got != 0x0999 {
		t.Fatalf("BCD count %#x, want 0x999", got)
	}
}

func TestControlPortReadsOnes(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if got := r.in(0x43); got != 0xFF {
		t.Fatalf("control port read %#x, want 0xff", got)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(0, 2, 1000)
	r.out(0x61, 3)
	r.pit.Reset()
	if d := r.pit.Tick(r.clock.T + 10); d != bus.NoDeadline || r.irq.Raises != 0 {
		t.Fatalf("after reset: deadline %v raises %d", d, r.irq.Raises)
	}
	if got := r.in(0x61) & 3; got != 0 {
		t.Fatalf("port B after reset %#x", got)
	}
}
