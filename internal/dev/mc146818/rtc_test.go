package mc146818_test

import (
	"math"
	"testing"
	"time"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/mc146818"
)

type rig struct {
	rtc   *mc146818.RTC
	ports *bus.Ports
	clock *bustest.Clock
	irq   *bustest.IRQ
}

// start is a Thursday, two seconds before a leap-day midnight.
var start = time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{clock: &bustest.Clock{T: 5000}, irq: &bustest.IRQ{}, ports: bus.NewPorts()}
	r.rtc = mc146818.New(start, r.clock, r.irq)
	r.ports.MustRegister(0x70, 2, r.rtc, "rtc")
	return r
}

func (r *rig) get(idx uint8) uint8 {
	r.ports.Write(0x70, 1, uint32(idx))
	return uint8(r.ports.Read(0x71, 1))
}

func (r *rig) set(idx, v uint8) {
	r.ports.Write(0x70, 1, uint32(idx))
	r.ports.Write(0x71, 1, uint32(v))
}

func (r *rig) tick() float64 { return r.rtc.Tick(r.clock.T) }

func TestTimeFormats(t *testing.T) {
	t.Parallel()
	regs := []uint8{0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32}
	for _, tc := range []struct {
		name string
		regB uint8
		want []uint8
	}{
		{"BCD 24h", 0x02, []uint8{0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20}},
		{"binary 24h", 0x06, []uint8{58, 59, 23, 5, 29, 2, 24, 20}},
		{"BCD 12h", 0x00, []uint8{0x58, 0x59, 0x91, 0x05, 0x29, 0x02, 0x24, 0x20}},
		{"binary 12h", 0x04, []uint8{58, 59, 0x8B, 5, 29, 2, 24, 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.set(0x0B, tc.regB)
			for i, idx := range regs {
				if got := r.get(idx); got != tc.want[i] {
					t.Errorf("register %#x = %#x, want %#x", idx, got, tc.want[i])
				}
			}
		})
	}
}

func TestClockFollowsGuestClock(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if got := r.get(0x00); got != 0x58 {
		t.Fatalf("seconds %#x", got)
	}
	r.clock.T += 2000 // midnight: March 1st, a Friday
	for _, c := range []struct{ idx, want uint8 }{
		{0x00, 0x00}, {0x02, 0x00}, {0x04, 0x00}, {0x06, 0x06}, {0x07, 0x01}, {0x08, 0x03}, {0x09, 0x24},
	} {
		if got := r.get(c.idx); got != c.want {
			t.Errorf("register %#x = %#x, want %#x", c.idx, got, c.want)
		}
	}
	// 12-hour midnight is 12 AM.
	r.set(0x0B, 0x00)
	if got := r.get(0x04); got != 0x12 {
		t.Errorf("12h midnight %#x, want 0x12", got)
	}
}

func TestUpdateInProgress(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, tc := range []struct {
		at   float64 // ms into the current second
		want bool
	}{
		{0, false}, {500, false}, {999.7, false}, {999.8, true}, {999.99, true}, {1000.01, false},
	} {
		r.clock.T = 5000 + tc.at
		if got := r.get(0x0A)&0x80 != 0; got != tc.want {
			t.Errorf("UIP at %v ms = %v, want %v", tc.at, got, tc.want)
		}
	}
	r.clock.T = 5999.9
	r.set(0x0B, 0x82) // SET stops updates and clears UIP
	if r.get(0x0A)&0x80 != 0 {
		t.Errorf("UIP set while SET")
	}
	if got := r.get(0x0A); got != 0x26 {
		t.Errorf("register A %#x, want 0x26", got)
	}
}

func TestPeriodicInterruptRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rs     uint8
		period float64 // ms
	}{
		{1, 1000.0 / 256}, {2, 1000.0 / 128}, {3, 1000.0 / 8192}, {6, 1000.0 / 1024}, {15, 500},
	} {
		r := newRig(t)
		r.set(0x0A, 0x20|tc.rs)
		r.set(0x0B, 0x42) // PIE
		if d := r.tick(); math.Abs(d-tc.period) > 1e-9 {
			t.Fatalf("rate %d: first deadline %v, want %v", tc.rs, d, tc.period)
		}
		for i := 1; i <= 3; i++ {
			r.clock.T += tc.period * 0.99
			r.tick()
			if r.irq.Raises != i-1 {
				t.Fatalf("rate %d: raised early in period %d", tc.rs, i)
			}
			r.clock.T += tc.period * 0.01
			if d := r.tick(); math.Abs(d-tc.period) > 1e-6 {
				t.Fatalf("rate %d: deadline %v, want %v", tc.rs, d, tc.period)
			}
			if r.irq.Raises != i || !r.irq.Level {
				t.Fatalf("rate %d period %d: raises %d level %v", tc.rs, i, r.irq.Raises, r.irq.Level)
			}
			if c := r.get(0x0C); c&0xC0 != 0xC0 {
				t.Fatalf("rate %d: register C %#x, want IRQF|PF", tc.rs, c)
			}
			if r.irq.Level {
				t.Fatalf("rate %d: reading C did not lower IRQ 8", tc.rs)
			}
		}
	}
}

func TestFlagsHoldUntilRegisterCRead(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.set(0x0B, 0x42)
	r.clock.T += 1000 // a thousand periods and an update pass unserviced
	r.tick()
	r.tick()
	if r.irq.Raises != 1 {
		t.Fatalf("raises %d, want 1 while C unread", r.irq.Raises)
	}
	if c := r.get(0x0C); c != 0xD0 {
		t.Fatalf("register C %#x, want IRQF|PF|UF", c)
	}
	if c := r.get(0x0C); c != 0 {
		t.Fatalf("register C after read %#x, want 0", c)
	}
	// Flags without their enable bit do not interrupt.
	r.set(0x0B, 0x02)
	r.clock.T += 1000
	if d := r.tick(); d != bus.NoDeadline {
		t.Fatalf("deadline %v with nothing enabled", d)
	}
	if r.irq.Level {
		t.Fatalf("IRQ raised with interrupts disabled")
	}
	if c := r.get(0x0C); c&0x80 != 0 || c&0x50 != 0x50 {
		t.Fatalf("register C %#x, want PF|UF without IRQF", c)
	}
	// Enabling an interrupt whose flag is already set interrupts at once.
	r.clock.T += 1000
	r.set(0x0B, 0x12) // UIE
	if !r.irq.Level {
		t.Fatalf("enabling UIE over a set UF did not raise IRQ 8")
	}
}

func TestUpdateEndedInterrupt(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.clock.T += 300
	r.set(0x0B, 0x12) // UIE
	if d := r.tick(); math.Abs(d-700) > 1e-6 {
		t.Fatalf("deadline %v, want 700", d)
	}
	r.clock.T += 700
	r.tick()
	if !r.irq.Level {
		t.Fatalf("no update interrupt at the second")
	}
	// PF is set too: the periodic flag runs without PIE.
	if c := r.get(0x0C); c&^0x40 != 0x90 {
		t.Fatalf("register C %#x, want IRQF|UF", c)
	}
	if got := r.get(0x00); got != 0x59 {
		t.Fatalf("seconds after update %#x, want 0x59", got)
	}
}

func TestAlarm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		sec, min, hr  uint8
		fireAfterSecs int // seconds after start (23:59:58) when AF rises; 0 = never within 70 s
	}{
		{"exact time", 0x00, 0x00, 0x00, 2},
		{"every minute at :30", 0x30, 0xC0, 0xFF, 32},
		{"every second", 0xC0, 0xC0, 0xC0, 1},
		{"wrong hour", 0x00, 0x00, 0x01, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.set(0x01, tc.sec)
			r.set(0x03, tc.min)
			r.set(0x05, tc.hr)
			r.set(0x0B, 0x22) // AIE
			fired := 0
			for s := 1; s <= 70; s++ {
				d := r.tick()
				if d <= 0 || d > 1000 {
					t.Fatalf("deadline %v", d)
				}
				r.clock.T += d
				r.tick()
				if c := r.get(0x0C); c&0x20 != 0 {
					if c&0x80 == 0 {
						t.Fatalf("AF without IRQF: %#x", c)
					}
					if fired == 0 {
						fired = s
					}
				}
			}
			if fired != tc.fireAfterSecs {
				t.Fatalf("alarm first fired after %d s, want %d", fired, tc.fireAfterSecs)
			}
		})
	}
}

func TestSettingTheTime(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	// The usual sequence: SET, write the registers, clear SET.
	r.set(0x0B, 0x82)
	for _, w := range []struct{ idx, v uint8 }{
		{0x00, 0x15}, {0x02, 0x30}, {0x04, 0x10}, {0x07, 0x31}, {0x08, 0x12}, {0x09, 0x99}, {0x32, 0x19},
	} {
		r.set(w.idx, w.v)
	}
	r.clock.T += 5000 // stopped while SET
	if got := r.get(0x00); got != 0x15 {
		t.Fatalf("seconds while SET %#x, want 0x15", got)
	}
	r.set(0x0B, 0x02)
	r.clock.T += 1000
	want := []struct{ idx, v uint8 }{
		{0x00, 0x16}, {0x02, 0x30}, {0x04, 0x10}, {0x06, 0x06}, {0x07, 0x31}, {0x08, 0x12}, {0x09, 0x99}, {0x32, 0x19},
	}
	for _, w := range want {
		if got := r.get(w.idx); got != w.v {
			t.Errorf("register %#x = %#x, want %#x", w.idx, got, w.v)
		}
	}
	// A single write while running moves the clock too.
	r.set(0x02, 0x45)
	r.clock.T += 2000
	if m, s := r.get(0x02), r.get(0x00); m != 0x45 || s != 0x18 {
		t.Errorf("after writing minutes: %#x:%#x, want 0x45:0x18", m, s)
	}
	// The machine's view agrees.
	if got := r.rtc.Byte(0x02); got != 0x45 {
		t.Errorf("Byte(minutes) %#x", got)
	}
}

func TestDividerReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.set(0x0A, 0x70) // divider in reset: time stops, no periodic flag
	r.clock.T += 10000
	if got := r.get(0x00); got != 0x58 {
		t.Fatalf("seconds with divider reset %#x, want 0x58", got)
	}
	r.set(0x0A, 0x26) // first update half a second later
	r.clock.T += 499
	if got := r.get(0x00); got != 0x58 {
		t.Fatalf("updated before 500 ms: %#x", got)
	}
	r.clock.T += 2
	if got := r.get(0x00); got != 0x59 {
		t.Fatalf("no update after 500 ms: %#x", got)
	}
}

func TestPortsAndRegisters(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.ports.Write(0x70, 1, 0x8D) // NMI mask bit set, register D
	if got := r.ports.Read(0x71, 1); got != 0x80 {
		t.Fatalf("register D %#x, want 0x80", got)
	}
	if got := r.ports.Read(0x70, 1); got != 0xFF {
		t.Fatalf("index port read %#x, want 0xff", got)
	}
	r.set(0x0D, 0)
	r.set(0x0C, 0xFF)
	if d, c := r.get(0x0D), r.get(0x0C); d != 0x80 || c != 0 {
		t.Fatalf("read-only registers changed: D %#x C %#x", d, c)
	}
	r.set(0x40, 0xA5)
	r.set(0x7F, 0x5A)
	if a, b := r.get(0x40), r.get(0x7F); a != 0xA5 || b != 0x5A {
		t.Fatalf("RAM bytes %#x %#x", a, b)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.set(0x0B, 0x7A)
	r.clock.T += 2
	r.tick()
	if !r.irq.Level {
		t.Fatalf("no interrupt before reset")
	}
	r.rtc.Reset()
	if r.irq.Level {
		t.Fatalf("reset left IRQ 8 raised")
	}
	if b := r.get(0x0B); b != 0x02 {
		t.Fatalf("register B after reset %#x, want 0x02", b)
	}
	if c := r.get(0x0C); c != 0 {
		t.Fatalf("register C after reset %#x", c)
	}
}
