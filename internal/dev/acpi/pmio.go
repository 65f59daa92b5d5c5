package acpi

import "github.com/do86/do86/internal/bus"

// PM I/O block registers (offsets from PMBA).
const (
	PM1_STS = 0x00 // PMSTS
	PM1_EN  = 0x02 // PMEN
	PM1_CNT = 0x04 // PMCNTRL
	PM_TMR  = 0x08 // PMTMR, 24 bits
)

// PM1_STS and PM1_EN bits (an event raises the SCI while both are set).
const (
	TMROF_STS  = 1 << 0  // the PM timer's bit 23 changed
	GBL_STS    = 1 << 5  // the BIOS released the global lock
	PWRBTN_STS = 1 << 8  // the power button was pressed
	RTC_STS    = 1 << 10 // RTC alarm
	WAK_STS    = 1 << 15 // the system woke

	sciEvents = TMROF_STS | GBL_STS | PWRBTN_STS | RTC_STS
)

// PM1_CNT bits.
const (
	SCI_EN     = 1 << 0  // events raise the SCI (not an SMI)
	BM_RLD     = 1 << 1  // bus-master requests wake the CPU from C3
	GBL_RLS    = 1 << 2  // write-only: raise an SMI to the BIOS
	SLP_TYP    = 7 << 10 // the sleep state to enter
	SLP_EN     = 1 << 13 // write-only: enter SLP_TYP now
	cntStored  = SCI_EN | BM_RLD | SLP_TYP
	slpTypSoft = 0 // SLP_TYP of soft off (S5), as in SeaBIOS's \_S5
)

// pmTicksPerMs is the PM timer's rate, 3.579545 MHz, in ticks per millisecond.
const pmTicksPerMs = 3579.545

// ticks is the PM timer's running count at guest time now (ms).
func (p *PM) ticks(now float64) uint64 {
	if now <= 0 {
		return 0
	}
	return uint64(now * pmTicksPerMs)
}

// observe brings TMROF_STS up to date with the timer at time now.
func (p *PM) observe(now float64) {
	if e := p.ticks(now) >> 23; e != p.TmrEpoch {
		p.TmrEpoch = e
		p.Sts |= TMROF_STS
	}
	p.updateSCI()
}

// updateSCI sets the SCI's level: asserted while an enabled event is
// pending and the guest has events delivered as SCIs.
func (p *PM) updateSCI() {
	if p.Cnt&SCI_EN != 0 && p.Sts&p.En&sciEvents != 0 {
		p.sci.Raise()
	} else {
		p.sci.Lower()
	}
}

// Tick sets TMROF_STS when the PM timer's bit 23 has flipped and returns the
// time until it next flips while the guest has enabled that event.
func (p *PM) Tick(now float64) float64 {
	p.observe(now)
	if p.En&TMROF_STS == 0 || p.Cnt&SCI_EN == 0 {
		return bus.NoDeadline
	}
	next := float64((p.TmrEpoch + 1) << 23)
	// A little past the flip, so that the next Tick sees it despite rounding.
	return (next-now*pmTicksPerMs)/pmTicksPerMs + 1e-3
}

// PowerButton presses the power button: the guest sees PWRBTN_STS and, if
// it enabled the event, an SCI (an ACPI guest then shuts down in order).
func (p *PM) PowerButton() {
	p.Sts |= PWRBTN_STS
	p.updateSCI()
}

// pmIO is the PM I/O block as the port bus sees it.
type pmIO struct{ p *PM }

// ReadPort reads the I/O block; the timer is sampled once per access.
func (d *pmIO) ReadPort(off uint16, size int) uint32 {
	p := d.p
	now := p.clock.Now()
	p.observe(now)
	tmr := uint32(p.ticks(now)) & 0xFFFFFF
	return bus.ReadSplit(func(o uint16) uint8 {
		switch o &^ 1 {
		case PM1_STS:
			return uint8(p.Sts >> (8 * (o & 1)))
		case PM1_EN:
			return uint8(p.En >> (8 * (o & 1)))
		case PM1_CNT:
			return uint8(p.Cnt >> (8 * (o & 1)))
		case PM_TMR, PM_TMR + 2:
			return uint8(tmr >> (8 * (o - PM_TMR)))
		}
		if o < pmIOSize {
			return p.Regs[o]
		}
		return 0xFF
	}, off, size)
}

// WritePort writes the I/O block.
func (d *pmIO) WritePort(off uint16, size int, v uint32) {
	p := d.p
	p.observe(p.clock.Now())
	bus.WriteSplit(func(o uint16, b uint8) {
		sh := 8 * (o & 1)
		w := uint16(b) << sh
		m := uint16(0xFF) << sh
		switch o &^ 1 {
		case PM1_STS:
			p.Sts &^= w // the guest acknowledges the events it writes ones to
		case PM1_EN:
			p.En = p.En&^m | w
		case PM1_CNT:
			p.Cnt = p.Cnt&^(m&cntStored) | w&cntStored
			if w&SLP_EN != 0 {
				p.sleep(int(w&SLP_TYP) >> 10)
			}
		case PM_TMR, PM_TMR + 2:
			// read-only
		default:
			if o < pmIOSize {
				p.Regs[o] = b
			}
		}
	}, off, size, v)
	p.updateSCI()
}

// sleep enters the sleep state the guest asked for; only soft off is
// modelled, the others are ignored (the guest carries on as if it woke).
func (p *PM) sleep(typ int) {
	if typ == slpTypSoft && p.opts.PowerOff != nil {
		p.opts.PowerOff()
	}
}
