// Package mc146818 emulates the Motorola MC146818 real-time clock and its
// 128 bytes of CMOS RAM behind the index/data ports 0x70/0x71.
//
// Just enough for BIOSes and guests: the time follows the host's wall clock
// from construction plus the guest clock's progress (so it stops while the
// machine is paused), BCD or binary and 12- or 24-hour formats, the
// update-in-progress window, and the periodic, alarm and update-ended
// interrupts on IRQ 8. It deliberately ignores the NMI mask, daylight saving,
// the square-wave output and the second 128-byte bank.
package mc146818

import (
	"math"
	"time"

	"github.com/do86/do86/internal/bus"
)

// Port offsets from the base (0x70).
const (
	PortIndex = 0 // write: bits 6–0 select a byte, bit 7 masks NMI
	PortData  = 1
)

// Clock and control registers (CMOS indexes).
const (
	RegSeconds      = 0x00
	RegSecondsAlarm = 0x01
	RegMinutes      = 0x02
	RegMinutesAlarm = 0x03
	RegHours        = 0x04
	RegHoursAlarm   = 0x05
	RegDayOfWeek    = 0x06
	RegDayOfMonth   = 0x07
	RegMonth        = 0x08
	RegYear         = 0x09
	RegA            = 0x0A
	RegB            = 0x0B
	RegC            = 0x0C
	RegD            = 0x0D
	RegCentury      = 0x32
)

// Register A bits.
const (
	AUIP        = 0x80 // update in progress (read only)
	ADVMask     = 0x70 // divider chain select
	ADVNormal   = 0x20 // 32.768 kHz time base, running
	ADVResetMin = 0x60 // divider values 6 and 7 hold the chain in reset
	ARSMask     = 0x0F // periodic rate select
)

// Register B bits.
const (
	BSET  = 0x80 // stop updates so the guest can set the time
	BPIE  = 0x40 // periodic interrupt enable
	BAIE  = 0x20 // alarm interrupt enable
	BUIE  = 0x10 // update-ended interrupt enable
	BSQWE = 0x08 // square-wave output enable
	BDM   = 0x04 // data mode: 1 binary, 0 BCD
	B24   = 0x02 // 24-hour mode
	BDSE  = 0x01 // daylight saving enable
)

// Register C bits (read clears them).
const (
	CIRQF = 0x80 // an enabled flag is set: IRQ 8 asserted
	CPF   = 0x40 // periodic
	CAF   = 0x20 // alarm
	CUF   = 0x10 // update ended
)

// DVRT is register D's valid RAM and time bit.
const DVRT = 0x80

// uipWindow is how long before each update the UIP bit is set, in ms.
const uipWindow = 0.244

// alarmBacklog bounds how many missed seconds are checked for an alarm.
const alarmBacklog = 60

// RTC is the clock and its CMOS RAM.
type RTC struct {
	// RAM holds every byte. The time bytes (0x00, 0x02, 0x04, 0x06–0x09
	// and 0x32) are computed from the clock while it runs and live here
	// only while updates are stopped (Frozen).
	RAM   [128]byte
	Index uint8

	// The guest's wall time is EpochSec seconds (Unix time) plus BaseMs
	// plus the guest clock, in milliseconds.
	EpochSec int64
	BaseMs   float64
	Frozen   bool  // SET or divider reset: no updates
	LastSec  int64 // the last second whose update was processed

	NextPeriodic float64 // guest clock ms of the next periodic flag

	clock bus.Clock
	irq   bus.IRQ
	loc   *time.Location
}

// New returns an RTC showing start (in start's location) at the clock's
// current time, raising irq (IRQ 8) for its interrupts.
func New(start time.Time, clock bus.Clock, irq bus.IRQ) *RTC {
	r := &RTC{clock: clock, irq: irq, loc: start.Location()}
	now := clock.Now()
	r.EpochSec = start.Unix()
	r.BaseMs = float64(start.Nanosecond())/1e6 - now
	r.LastSec = r.seconds(now)
	r.RAM[RegA] = ADVNormal | 0x06 // 1024 Hz periodic rate
	r.RAM[RegB] = B24
	r.RAM[RegD] = DVRT
	r.RAM[RegEquipment] = EquipmentFPU | EquipmentMouse
	r.NextPeriodic = now + r.period()
	r.updateChecksum()
	return r
}

// Reset is the chip's RESET input: interrupts disabled and flags cleared.
// The time and the RAM survive, as they do on a battery.
func (r *RTC) Reset() {
	r.RAM[RegB] &^= BPIE | BAIE | BUIE | BSQWE
	r.RAM[RegC] = 0
	r.Index = 0
	r.irq.Lower()
}

// ReadPort reads the data port; the index port is write only.
func (r *RTC) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(func(off uint16) uint8 {
		if off != PortData {
			return 0xFF
		}
		return r.read(r.Index, true)
	}, off, size)
}

// WritePort selects a byte (index port) or writes it (data port).
func (r *RTC) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(func(off uint16, v uint8) {
		switch off {
		case PortIndex:
			r.Index = v & 0x7F
		case PortData:
			r.write(r.Index, v)
		}
	}, off, size, v)
}

// Tick raises the flags that fell due and returns the milliseconds until the
// next enabled interrupt source needs attention.
func (r *RTC) Tick(now float64) float64 {
	r.advance(now)
	next := float64(bus.NoDeadline)
	b := r.RAM[RegB]
	if b&BPIE != 0 && r.periodicRunning() {
		next = math.Min(next, r.NextPeriodic-now)
	}
	if b&(BAIE|BUIE) != 0 && !r.Frozen {
		g := r.guestMs(now)
		next = math.Min(next, 1000-(g-math.Floor(g/1000+1e-9)*1000))
	}
	return math.Max(next, 0)
}

// read returns CMOS byte idx; a guest read (clear) of register C clears it.
func (r *RTC) read(idx uint8, clear bool) uint8 {
	now := r.clock.Now()
	r.advance(now)
	switch idx {
	case RegSeconds, RegMinutes, RegHours, RegDayOfWeek, RegDayOfMonth, RegMonth, RegYear, RegCentury:
		if r.Frozen {
			return r.RAM[idx]
		}
		return r.field(idx, r.seconds(now))
	case RegA:
		v := r.RAM[RegA] &^ AUIP
		if !r.Frozen {
			g := r.guestMs(now)
			if g-math.Floor(g/1000+1e-9)*1000 >= 1000-uipWindow {
				v |= AUIP
			}
		}
		return v
	case RegC:
		v := r.RAM[RegC]
		if clear {
			// The guest acknowledges the interrupt.
			r.RAM[RegC] = 0
			r.irq.Lower()
		}
		return v
	case RegD:
		return DVRT
	}
	return r.RAM[idx&0x7F]
}

// write stores CMOS byte idx as the guest does through the data port.
func (r *RTC) write(idx uint8, v uint8) {
	now := r.clock.Now()
	r.advance(now)
	switch idx {
	case RegSeconds, RegMinutes, RegHours, RegDayOfWeek, RegDayOfMonth, RegMonth, RegYear, RegCentury:
		if r.Frozen {
			r.RAM[idx] = v
			return
		}
		r.setField(now, idx, v)
	case RegA:
		old := r.RAM[RegA]
		r.RAM[RegA] = v &^ AUIP
		if (old^v)&ARSMask != 0 || (old^v)&ADVMask != 0 {
			r.NextPeriodic = now + r.period()
		}
		// Leaving divider reset starts the first update half a second later.
		r.setFrozen(now, 500)
	case RegB:
		if v&BSET != 0 {
			v &^= BUIE
		}
		r.RAM[RegB] = v
		r.setFrozen(now, 0)
		r.updateIRQ()
	case RegC, RegD:
		// Read only.
	default:
		r.RAM[idx&0x7F] = v
	}
}

// advance sets the flags of every event up to now.
func (r *RTC) advance(now float64) {
	if !r.Frozen {
		if s := r.seconds(now); s > r.LastSec {
			r.RAM[RegC] |= CUF
			from := r.LastSec + 1
			if s-from > alarmBacklog {
				from = s - alarmBacklog
			}
			for sec := from; sec <= s; sec++ {
				if r.alarmMatches(sec) {
					r.RAM[RegC] |= CAF
					break
				}
			}
			r.LastSec = s
		}
	}
	if r.periodicRunning() && now >= r.NextPeriodic {
		p := r.period()
		r.RAM[RegC] |= CPF
		r.NextPeriodic += (math.Floor((now-r.NextPeriodic)/p) + 1) * p
	}
	r.updateIRQ()
}

// updateIRQ sets IRQF, and raises IRQ 8, when an enabled flag is set.
func (r *RTC) updateIRQ() {
	c, b := r.RAM[RegC], r.RAM[RegB]
	if c&CIRQF == 0 && c&b&(CPF|CAF|CUF) != 0 {
		r.RAM[RegC] |= CIRQF
		r.irq.Raise()
	}
}

// dividerRunning reports whether the time base divider counts.
func (r *RTC) dividerRunning() bool { return r.RAM[RegA]&ADVMask < ADVResetMin }

// periodicRunning reports whether the periodic flag is being generated.
func (r *RTC) periodicRunning() bool {
	return r.dividerRunning() && r.RAM[RegA]&ARSMask != 0
}

// period is the periodic interrupt's period in ms for register A's rate.
func (r *RTC) period() float64 {
	rs := r.RAM[RegA] & ARSMask
	switch rs {
	case 0:
		return bus.NoDeadline
	case 1, 2:
		// Rates 1 and 2 repeat rates 8 and 9 (256 and 128 Hz).
		rs += 7
	}
	return float64(int(1)<<(rs-1)) * 1000 / 32768
}
