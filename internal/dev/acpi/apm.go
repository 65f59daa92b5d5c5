package acpi

// APM control and status ports (APMC 0xB2, APMS 0xB3).
const (
	APMBase = 0xB2
	APMLen  = 2

	// ACPIEnable and ACPIDisable are the SMI commands SeaBIOS's FADT names
	// for switching between legacy and ACPI mode.
	ACPIEnable  = 0xF1
	ACPIDisable = 0xF0
)

// APM returns the APM control/status ports, to be registered at APMBase for
// APMLen ports. There is no SMM: a write to APMC does what SeaBIOS's SMI
// handler would do for the ACPI enable and disable commands (set or clear
// SCI_EN), and APMS always reads 0, so the firmware's wait for its SMM code
// to run ends at once.
func (p *PM) APM() *APM { return &APM{p} }

// APM is the pair of APM ports.
type APM struct{ p *PM }

// ReadPort reads APMC (the last command) or APMS (0).
func (a *APM) ReadPort(off uint16, size int) uint32 {
	var v uint32
	for i := 0; i < size; i++ {
		if off+uint16(i) == 0 {
			v |= uint32(a.p.APMC) << (8 * i)
		} else if off+uint16(i) > 1 {
			v |= 0xFF << (8 * i)
		}
	}
	return v
}

// WritePort writes APMC (a command to the absent SMM handler) or APMS
// (ignored).
func (a *APM) WritePort(off uint16, size int, v uint32) {
	if off != 0 {
		return
	}
	p := a.p
	p.APMC = uint8(v)
	switch p.APMC {
	case ACPIEnable:
		p.Cnt |= SCI_EN
	case ACPIDisable:
		p.Cnt &^= SCI_EN
	}
	p.updateSCI()
}
