package acpi_test

import (
	"math"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/acpi"
	"github.com/do86/do86/internal/dev/pci"
)

// rig is a PM function on a PCI bus and a port bus, as SeaBIOS finds it.
type rig struct {
	ports *bus.Ports
	pcib  *pci.Bus
	clock *bustest.Clock
	sci   *bustest.IRQ
	pm    *acpi.PM
	offs  int
}

func newRig(t *testing.T, o acpi.Options) *rig {
	t.Helper()
	r := &rig{ports: bus.NewPorts(), pcib: &pci.Bus{}, clock: &bustest.Clock{}, sci: &bustest.IRQ{}}
	r.ports.MustRegister(0xCF8, 8, r.pcib, "pci")
	if o.PowerOff == nil {
		o.PowerOff = func() { r.offs++ }
	}
	r.pm = acpi.NewPM(r.ports, r.clock, r.sci, o)
	r.pcib.Add(1, 3, r.pm)
	r.ports.MustRegister(acpi.APMBase, acpi.APMLen, r.pm.APM(), "apm")
	return r
}

func (r *rig) cfgWrite(reg, size int, v uint32) {
	r.ports.Write(0xCF8, 4, 0x80000000|1<<11|3<<8|uint32(reg&0xFC))
	r.ports.Write(0xCFC+uint16(reg&3), size, v)
}

func (r *rig) cfgRead(reg, size int) uint32 {
	r.ports.Write(0xCF8, 4, 0x80000000|1<<11|3<<8|uint32(reg&0xFC))
	return r.ports.Read(0xCFC+uint16(reg&3), size)
}

// setup does what SeaBIOS's piix4_pm_setup does.
func (r *rig) setup(base uint16) {
	r.cfgWrite(0x3C, 1, 9)
	r.cfgWrite(0x40, 4, uint32(base)|1)
	r.cfgWrite(0x80, 1, 1)
	r.cfgWrite(0x90, 4, uint32(base+0x100)|1)
	r.cfgWrite(0xD2, 1, 9)
}

func TestPMConfigSpace(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{COM1: true})
	tests := []struct {
		name      string
		reg, size int
		want      uint32
	}{
		{"vendor/device", 0x00, 4, 0x71138086},
		{"class 06:80:00 rev 3", 0x08, 4, 0x06800003},
		{"interrupt pin INTA", 0x3D, 1, 1},
		{"PMBA reads as an I/O base", 0x40, 4, 1},
		{"PM I/O disabled at reset", 0x80, 1, 0},
		{"COM1 present for the DSDT (0x67 bit 3)", 0x67, 1, 0x08},
		{"no LPT (0x5F bit 7)", 0x5F, 1, 0x10},
		{"SMBBA reads as an I/O base", 0x90, 4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.cfgRead(tt.reg, tt.size); got != tt.want {
				t.Errorf("config %#x = %#x, want %#x", tt.reg, got, tt.want)
			}
		})
	}
	r2 := newRig(t, acpi.Options{COM2: true, LPT: true})
	if got := r2.cfgRead(0x67, 1); got&0x88 != 0x80 {
		t.Errorf("COM2 only: 0x67 = %#x, want bit 7 and not bit 3", got)
	}
	if got := r2.cfgRead(0x5F, 1); got&0x80 == 0 {
		t.Errorf("LPT: 0x5F = %#x, want bit 7", got)
	}
}

func TestPMBaseRelocation(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.cfgWrite(0x40, 4, 0x601)
	if got := r.ports.Read(0x604, 2); got != 0xFFFF {
		t.Fatalf("PM block decodes before PMIOSE: PM1_CNT = %#x", got)
	}
	r.cfgWrite(0x80, 1, 1)
	if got := r.ports.Read(0x604, 2); got != acpi.SCI_EN {
		t.Errorf("PM1_CNT at 0x604 = %#x, want SCI_EN", got)
	}
	if got := r.cfgRead(0x40, 4); got != 0x601 {
		t.Errorf("PMBA = %#x, want 0x601", got)
	}

	r.cfgWrite(0x40, 4, 0xB03F) // low bits below 64-byte alignment are dropped
	if got := r.cfgRead(0x40, 4); got != 0xB001 {
		t.Errorf("PMBA = %#x, want 0xB001", got)
	}
	if got := r.ports.Read(0x604, 2); got != 0xFFFF {
		t.Errorf("old base still decodes: %#x", got)
	}
	if got := r.ports.Read(0xB004, 2); got != acpi.SCI_EN {
		t.Errorf("PM1_CNT at 0xB004 = %#x, want SCI_EN", got)
	}
	if r.pm.Base != 0xB000 {
		t.Errorf("Base = %#x, want 0xB000", r.pm.Base)
	}

	r.cfgWrite(0x80, 1, 0)
	if got := r.ports.Read(0xB004, 2); got != 0xFFFF {
		t.Errorf("PM block decodes with PMIOSE clear: %#x", got)
	}
	// A base that collides with another device stays unmapped.
	r.ports.MustRegister(0xC000, 1, acpi.Zero{}, "other")
	r.cfgWrite(0x40, 4, 0xC001)
	r.cfgWrite(0x80, 1, 1)
	if r.pm.Base != 0 {
		t.Errorf("overlapping base mapped at %#x", r.pm.Base)
	}
	r.cfgWrite(0x40, 4, 0x601)
	if got := r.ports.Read(0x604, 2); got != acpi.SCI_EN {
		t.Errorf("after moving off the collision: %#x", got)
	}
}

func TestPMTimer(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	tests := []struct {
		ms   float64
		want uint32
	}{
		{0, 0},
		{1, 3579},
		{1000, 3579545},
		{4000, 14318180},
		// 2^24 ticks is 4686.99 ms: the count wraps at 24 bits.
		{5000, 17897725 & 0xFFFFFF},
		{10000, 35795450 & 0xFFFFFF},
	}
	for _, tt := range tests {
		r.clock.T = tt.ms
		if got := r.ports.Read(0x608, 4); got != tt.want {
			t.Errorf("PM_TMR at %v ms = %d, want %d", tt.ms, got, tt.want)
		}
	}
	// Narrow reads see the same count.
	r.clock.T = 1000
	lo, hi := r.ports.Read(0x608, 2), r.ports.Read(0x60A, 1)
	if got := hi<<16 | lo; got != 3579545 {
		t.Errorf("PM_TMR by word and byte = %d", got)
	}
	r.ports.Write(0x608, 4, 0) // read-only
	if got := r.ports.Read(0x608, 4); got != 3579545 {
		t.Errorf("PM_TMR after write = %d", got)
	}
}

func TestPMTimerOverflowSCI(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	flip := float64(1<<23) / 3579.545 // ms until bit 23 first flips

	if d := r.pm.Tick(0); d != bus.NoDeadline {
		t.Errorf("Tick with TMR_EN off = %v, want NoDeadline", d)
	}
	r.ports.Write(0x602, 2, acpi.TMROF_STS) // the guest enables the overflow event
	d := r.pm.Tick(0)
	if math.Abs(d-flip) > 0.01 {
		t.Errorf("deadline %v ms, want %v", d, flip)
	}
	r.clock.T = flip - 0.01
	r.pm.Tick(r.clock.T)
	if r.sci.Level {
		t.Fatalf("SCI before bit 23 flips")
	}
	r.clock.T = d
	r.pm.Tick(r.clock.T)
	if !r.sci.Level {
		t.Fatalf("no SCI after bit 23 flipped")
	}
	if got := r.ports.Read(0x600, 2); got&acpi.TMROF_STS == 0 {
		t.Errorf("PM1_STS = %#x, want TMROF_STS", got)
	}
	r.ports.Write(0x600, 2, 0xFFFE) // ones elsewhere clear nothing that is set
	if !r.sci.Level {
		t.Errorf("SCI dropped by writing other status bits")
	}
	r.ports.Write(0x600, 2, acpi.TMROF_STS) // the guest acknowledges
	if r.sci.Level || r.ports.Read(0x600, 2)&acpi.TMROF_STS != 0 {
		t.Errorf("SCI or status still set after write-1-to-clear")
	}
	// The next flip (bit 23 back to 0) raises it again, seen on a read even
	// without a Tick.
	r.clock.T = 2*flip + 0.01
	if got := r.ports.Read(0x600, 2); got&acpi.TMROF_STS == 0 {
		t.Errorf("second flip not seen: PM1_STS = %#x", got)
	}
	if !r.sci.Level {
		t.Errorf("no SCI on second flip")
	}
	// Status is kept with the event disabled, but no SCI.
	r.ports.Write(0x602, 2, 0)
	if r.sci.Level {
		t.Errorf("SCI with TMR_EN off")
	}
	if d := r.pm.Tick(r.clock.T); d != bus.NoDeadline {
		t.Errorf("deadline with TMR_EN off = %v", d)
	}
}

func TestPMControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		writes  []uint32 // word writes to PM1_CNT
		offs    int
		wantCnt uint32
	}{
		{"S5: SLP_TYP 0 with SLP_EN powers off", []uint32{0x2001}, 1, acpi.SCI_EN},
		{"SeaBIOS APM shutdown writes 0x2000", []uint32{0x2000}, 1, 0},
		{"ACPICA: type first, then enable", []uint32{0x0001, 0x2001}, 1, acpi.SCI_EN},
		{"S3 (SLP_TYP 1) is not off", []uint32{0x2401}, 0, 0x0401},
		{"SLP_TYP without SLP_EN does nothing", []uint32{0x0001}, 0, acpi.SCI_EN},
		{"GBL_RLS is write-only", []uint32{0x0005}, 0, acpi.SCI_EN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, acpi.Options{})
			r.setup(0x600)
			if got := r.ports.Read(0x604, 2); got != acpi.SCI_EN {
				t.Fatalf("PM1_CNT at reset = %#x, want SCI_EN", got)
			}
			for _, w := range tt.writes {
				r.ports.Write(0x604, 2, w)
			}
			if r.offs != tt.offs {
				t.Errorf("power-off called %d times, want %d", r.offs, tt.offs)
			}
			if got := r.ports.Read(0x604, 2); got != tt.wantCnt {
				t.Errorf("PM1_CNT = %#x, want %#x", got, tt.wantCnt)
			}
		})
	}
	// The high byte alone carries SLP_TYP and SLP_EN.
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	r.ports.Write(0x605, 1, 0x20)
	if r.offs != 1 {
		t.Errorf("byte write of SLP_EN: power-off called %d times", r.offs)
	}
}

func TestPowerButtonAndSCIEnable(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	r.pm.PowerButton()
	if r.sci.Level {
		t.Fatalf("SCI for a disabled event")
	}
	r.ports.Write(0x602, 2, acpi.PWRBTN_STS)
	if !r.sci.Level {
		t.Fatalf("no SCI once PWRBTN_EN is set")
	}
	// ACPI disable through the APM port (what SeaBIOS's SMI handler does)
	// routes events away from the SCI; enable brings them back.
	r.ports.Write(0xB2, 1, acpi.ACPIDisable)
	if r.sci.Level || r.ports.Read(0x604, 2)&acpi.SCI_EN != 0 {
		t.Errorf("SCI or SCI_EN still set after ACPI disable")
	}
	r.ports.Write(0xB2, 1, acpi.ACPIEnable)
	if !r.sci.Level {
		t.Errorf("SCI not back after ACPI enable")
	}
	r.ports.Write(0x601, 1, acpi.PWRBTN_STS>>8) // acknowledge with a byte write
	if r.sci.Level {
		t.Errorf("SCI after acknowledging the power button")
	}
}

func TestAPMPorts(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	// SeaBIOS's SMM relocation: APMS = 1, SMI via APMC, wait for APMS == 0.
	r.ports.Write(0xB3, 1, 0x01)
	r.ports.Write(0xB2, 1, 0x00)
	if got := r.ports.Read(0xB3, 1); got != 0 {
		t.Errorf("APMS = %#x, want 0", got)
	}
	r.ports.Write(0xB2, 1, 0x5A)
	if got := r.ports.Read(0xB2, 1); got != 0x5A {
		t.Errorf("APMC = %#x, want the last command 0x5A", got)
	}
	if got := r.ports.Read(0xB2, 2); got != 0x005A {
		t.Errorf("APMC/APMS word = %#x, want 0x005A", got)
	}
}

func TestPMRegistersStored(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	// SeaBIOS sets SMI_EN in GLBCTL with a read-modify-write.
	v := r.ports.Read(0x628, 4)
	r.ports.Write(0x628, 4, v|1)
	if got := r.ports.Read(0x628, 4); got != v|1 {
		t.Errorf("GLBCTL = %#x, want %#x", got, v|1)
	}
	r.cfgWrite(0x58, 4, 1<<25) // APMC_EN in DEVACTB
	if got := r.cfgRead(0x58, 4); got != 1<<25 {
		t.Errorf("DEVACTB = %#x", got)
	}
}

func TestSMBusHasNoDevices(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	if got := r.ports.Read(0x700, 1); got != 0 {
		t.Fatalf("SMBus host status = %#x, want idle 0", got)
	}
	r.ports.Write(0x704, 1, 0xA1) // read from address 0x50
	r.ports.Write(0x702, 1, 0x48) // start a byte-data transaction
	if got := r.ports.Read(0x700, 1); got&0x05 != 0x04 {
		t.Errorf("status after start = %#x, want DEV_ERR and not busy", got)
	}
	if got := r.ports.Read(0x704, 1); got != 0xA1 {
		t.Errorf("host address = %#x", got)
	}
	r.ports.Write(0x700, 1, 0x04)
	if got := r.ports.Read(0x700, 1); got != 0 {
		t.Errorf("status after clear = %#x", got)
	}
	r.cfgWrite(0xD2, 1, 0)
	if got := r.ports.Read(0x704, 1); got != 0xFF {
		t.Errorf("SMBus decodes with SMB_HST_EN clear: %#x", got)
	}
}

func TestPMReset(t *testing.T) {
	t.Parallel()
	r := newRig(t, acpi.Options{})
	r.setup(0x600)
	r.ports.Write(0x602, 2, acpi.PWRBTN_STS)
	r.pm.PowerButton()
	r.pm.Reset()
	if r.sci.Level {
		t.Errorf("SCI after reset")
	}
	if got := r.ports.Read(0x604, 2); got != 0xFFFF {
		t.Errorf("PM block still decodes after reset: %#x", got)
	}
	r.setup(0x600)
	if got := r.ports.Read(0x600, 4); got != 0 {
		t.Errorf("PM1 status/enable after reset = %#x, want 0", got)
	}
	if got := r.ports.Read(0x604, 2); got != acpi.SCI_EN {
		t.Errorf("PM1_CNT after reset = %#x, want SCI_EN", got)
	}
}

func TestZeroRanges(t *testing.T) {
	t.Parallel()
	p := bus.NewPorts()
	p.MustRegister(acpi.GPE0Base, acpi.GPE0Len, acpi.Zero{}, "gpe0")
	p.MustRegister(acpi.PCIHotplugBase, acpi.PCIHotplugLen, acpi.Zero{}, "pcihp")
	p.MustRegister(acpi.CPUHotplugBase, acpi.CPUHotplugLen, acpi.Zero{}, "cpuhp")
	for _, port := range []uint16{0xAFE0, 0xAFE2, 0xAE00, 0xAE0C, 0xAF00, 0xAF1C} {
		p.Write(port, 2, 0xFFFF)
		if got := p.Read(port, 4); got != 0 {
			t.Errorf("port %#x reads %#x, want 0", port, got)
		}
	}
}
