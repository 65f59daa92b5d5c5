package mc146818

import (
	"math"
	"time"
)

// guestMs is the guest's wall time in ms since EpochSec.
func (r *RTC) guestMs(now float64) float64 { return r.BaseMs + now }

// seconds is the guest's wall time in whole Unix seconds.
func (r *RTC) seconds(now float64) int64 {
	return r.EpochSec + int64(math.Floor(r.guestMs(now)/1000+1e-9))
}

// setSeconds moves the running clock to Unix second sec, keeping its phase
// within the second.
func (r *RTC) setSeconds(now float64, sec int64) {
	g := r.guestMs(now)
	phase := g - math.Floor(g/1000+1e-9)*1000
	r.EpochSec = sec
	r.BaseMs = phase - now
	r.LastSec = sec // setting the time is no update
}

// setFrozen stops or restarts updates to follow SET and the divider. On a
// restart the first update comes 1000-phase ms later.
func (r *RTC) setFrozen(now float64, phase float64) {
	want := r.RAM[RegB]&BSET != 0 || !r.dividerRunning()
	switch {
	case want && !r.Frozen:
		// The time registers hold still for the guest to read or set.
		s := r.seconds(now)
		for _, idx := range timeRegs {
			r.RAM[idx] = r.field(idx, s)
		}
		r.Frozen = true
	case !want && r.Frozen:
		r.Frozen = false
		r.EpochSec = r.frozenTime().Unix()
		r.BaseMs = phase - now
		r.LastSec = r.EpochSec
	}
}

var timeRegs = []uint8{RegSeconds, RegMinutes, RegHours, RegDayOfWeek, RegDayOfMonth, RegMonth, RegYear, RegCentury}

// frozenTime decodes the time registers held in RAM.
func (r *RTC) frozenTime() time.Time {
	year := int(r.decode(r.RAM[RegCentury]))*100 + int(r.decode(r.RAM[RegYear]))
	return time.Date(year, time.Month(r.decode(r.RAM[RegMonth])), int(r.decode(r.RAM[RegDayOfMonth])),
		r.decodeHours(r.RAM[RegHours]), int(r.decode(r.RAM[RegMinutes])), int(r.decode(r.RAM[RegSeconds])), 0, r.loc)
}

// field encodes time register idx for Unix second sec in the current format.
func (r *RTC) field(idx uint8, sec int64) uint8 {
	t := time.Unix(sec, 0).In(r.loc)
	switch idx {
	case RegSeconds:
		return r.encode(t.Second())
	case RegMinutes:
		return r.encode(t.Minute())
	case RegHours:
		return r.encodeHours(t.Hour())
	case RegDayOfWeek:
		return r.encode(int(t.Weekday()) + 1) // 1 = Sunday
	case RegDayOfMonth:
		return r.encode(t.Day())
	case RegMonth:
		return r.encode(int(t.Month()))
	case RegYear:
		return r.encode(t.Year() % 100)
	case RegCentury:
		return r.encode(t.Year() / 100)
	}
	return 0
}

// setField sets one time register of the running clock.
func (r *RTC) setField(now float64, idx uint8, v uint8) {
	t := time.Unix(r.seconds(now), 0).In(r.loc)
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	n := int(r.decode(v))
	switch idx {
	case RegSeconds:
		sec = n
	case RegMinutes:
		min = n
	case RegHours:
		hour = r.decodeHours(v)
	case RegDayOfMonth:
		day = n
	case RegMonth:
		month = time.Month(n)
	case RegYear:
		year = year/100*100 + n
	case RegCentury:
		year = n*100 + year%100
	default:
		return // the day of the week follows from the date
	}
	r.setSeconds(now, time.Date(year, month, day, hour, min, sec, 0, r.loc).Unix())
}

// alarmMatches reports whether the alarm registers match Unix second sec;
// alarm bytes 0xC0–0xFF match any value.
func (r *RTC) alarmMatches(sec int64) bool {
	for _, p := range [...][2]uint8{
		{RegSecondsAlarm, RegSeconds},
		{RegMinutesAlarm, RegMinutes},
		{RegHoursAlarm, RegHours},
	} {
		a := r.RAM[p[0]]
		if a&0xC0 == 0xC0 {
			continue
		}
		if a != r.field(p[1], sec) {
			return false
		}
	}
	return true
}

// binary reports whether register B selects binary rather than BCD.
func (r *RTC) binary() bool { return r.RAM[RegB]&BDM != 0 }

func (r *RTC) encode(n int) uint8 {
	if r.binary() {
		return uint8(n)
	}
	return uint8(n/10%10<<4 | n%10)
}

func (r *RTC) decode(v uint8) uint8 {
	if r.binary() {
		return v
	}
	return (v>>4)*10 + v&0x0F
}

// encodeHours encodes an hour 0–23 in the 12- or 24-hour format; in 12-hour
// format bit 7 marks PM.
func (r *RTC) encodeHours(h int) uint8 {
	if r.RAM[RegB]&B24 != 0 {
		return r.encode(h)
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	v := r.encode(h12)
	if h >= 12 {
		v |= 0x80
	}
	return v
}

func (r *RTC) decodeHours(v uint8) int {
	if r.RAM[RegB]&B24 != 0 {
		return int(r.decode(v))
	}
	h := int(r.decode(v&0x7F)) % 12
	if v&0x80 != 0 {
		h += 12
	}
	return h
}
