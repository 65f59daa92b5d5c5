package bus

// Lines are the machine's 24 interrupt lines (16 ISA lines through the PIC,
// all 24 through the IOAPIC). Each line is a wired-OR of the devices on it: the
// core hears only when a line's level changes.
type Lines struct {
	count [24]int
	raise func(n int)
	lower func(n int)
}

// NewLines returns lines that call raise and lower (the core's
// device_raise_irq and device_lower_irq) on each change of level.
func NewLines(raise, lower func(n int)) *Lines {
	return &Lines{raise: raise, lower: lower}
}

// Pin returns a new device connection to line n.
func (l *Lines) Pin(n int) IRQ {
	return &pin{l: l, n: n}
}

// Level reports whether line n is asserted.
func (l *Lines) Level(n int) bool { return l.count[n] > 0 }

type pin struct {
	l   *Lines
	n   int
	set bool
}

func (p *pin) Raise() {
	if p.set {
		return
	}
	p.set = true
	p.l.count[p.n]++
	if p.l.count[p.n] == 1 && p.l.raise != nil {
		p.l.raise(p.n)
	}
}

func (p *pin) Lower() {
	if !p.set {
		return
	}
	p.set = false
	p.l.count[p.n]--
	if p.l.count[p.n] == 0 && p.l.lower != nil {
		p.l.lower(p.n)
	}
}
