package fdc_test

import (
	"slices"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/fdc"
)

func TestResetSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reset func(r *rig)
	}{
		{"DOR", func(r *rig) { r.out(pDOR, 0x18); r.out(pDOR, 0x1C) }},
		{"DSR", func(r *rig) { r.out(pMSR, 0x80) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.seek(1, 0, 7)
			raises := r.irq.Raises
			tt.reset(r)
			if r.irq.Raises != raises {
				t.Fatal("interrupt inside the port write")
			}
			r.waitIRQ()
			if got := r.in(pSRA); got&0x80 == 0 {
				t.Errorf("SRA %#02x: want INT pending", got)
			}
			for d := uint8(0); d < 4; d++ {
				r.cmd(0x08)
				want := []uint8{0xC0 | d, 0}
				if d == 1 {
					want[1] = 7
				}
				if got := r.results(2); !slices.Equal(got, want) {
					t.Errorf("sense interrupt %d = %x, want %x", d, got, want)
				}
				if r.irq.Level {
					t.Errorf("sense interrupt %d: line still raised", d)
				}
			}
			r.cmd(0x08)
			if got := r.results(1); got[0] != 0x80 {
				t.Errorf("fifth sense interrupt = %x, want 80 (invalid)", got)
			}
		})
	}
}

func TestPowerOnHeldInReset(t *testing.T) {
	t.Parallel()
	irq, clock := &bustest.IRQ{}, &bustest.Clock{}
	f := fdc.New(irq, &fakeDMA{}, clock)
	if got := f.ReadPort(pMSR, 1); got != 0 {
		t.Errorf("MSR in reset = %#02x, want 0", got)
	}
	if got := f.Tick(clock.T); got != bus.NoDeadline {
		t.Errorf("Tick in reset = %v, want NoDeadline", got)
	}
	f.WritePort(pDOR, 1, 0x04) // SeaBIOS enables the controller with DOR 0x04
	d := f.Tick(clock.T)
	if d <= 0 || d > 1 {
		t.Fatalf("Tick after reset = %v ms, want a short deadline", d)
	}
	clock.T += d
	if f.Tick(clock.T); !irq.Level {
		t.Error("no interrupt after leaving reset")
	}
	if got := f.ReadPort(pMSR, 1); got != 0x80 {
		t.Errorf("MSR = %#02x, want 0x80", got)
	}
}

func TestSpecifyConfigureDumpreg(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	raises := r.irq.Raises
	r.cmd(0x03, 0xAF, 0x02)       // SPECIFY: SRT 10, HUT 15, HLT 1, DMA
	r.cmd(0x13, 0x00, 0x57, 0x05) // CONFIGURE: EIS, no FIFO, polling off, threshold 7, pretrk 5
	r.cmd(0x12, 0x80|0x04|0x02)   // PERPENDICULAR MODE: D0, GAP
	r.cmd(0x94)                   // LOCK
	if got := r.results(1); got[0] != 0x10 {
		t.Errorf("LOCK = %x, want 10", got)
	}
	if m := r.msr(); m != 0x80 {
		t.Errorf("MSR = %#02x, want 0x80", m)
	}
	if r.irq.Raises != raises {
		t.Error("SPECIFY, CONFIGURE, PERPENDICULAR or LOCK interrupted")
	}
	r.seek(0, 0, 12)
	r.cmd(0x0E)
	want := []uint8{12, 0, 0, 0, 0xAF, 0x02, 0, 0x80 | 0x04 | 0x02, 0x57, 0x05}
	if got := r.results(10); !slices.Equal(got, want) {
		t.Errorf("DUMPREG = %x, want %x", got, want)
	}

	// Locked settings survive a reset; unlocked ones do not.
	r.out(pMSR, 0x80)
	r.waitIRQ()
	r.cmd(0x0E)
	if got := r.results(10); got[8] != 0x57 || got[7] != 0x86 {
		t.Errorf("after locked reset DUMPREG = %x", got)
	}
	r.cmd(0x14) // UNLOCK
	if got := r.results(1); got[0] != 0 {
		t.Errorf("UNLOCK = %x, want 0", got)
	}
	r.out(pMSR, 0x80)
	r.waitIRQ()
	r.cmd(0x0E)
	if got := r.results(10); got[8] != 0x20 || got[9] != 0 || got[7] != 0x04 {
		t.Errorf("after unlocked reset DUMPREG = %x, want CONFIGURE 20, pretrk 0, drive bits kept", got)
	}
}

func TestSeekAndRecalibrate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cmd     []uint8
		wantST0 uint8
		wantPCN uint8
	}{
		{"seek A", []uint8{0x0F, 0x00, 40}, 0x20, 40},
		{"seek A head 1", []uint8{0x0F, 0x04, 79}, 0x24, 79},
		{"seek B", []uint8{0x0F, 0x01, 5}, 0x21, 5},
		{"recalibrate A", []uint8{0x07, 0x00}, 0x20, 0},
		{"relative seek in", []uint8{0xCF, 0x00, 3}, 0x20, 13},
		{"relative seek out", []uint8{0x8F, 0x00, 4}, 0x20, 6},
		{"recalibrate missing drive", []uint8{0x07, 0x02}, 0x72, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.seek(0, 0, 10)
			r.cmd(tt.cmd...)
			unit := tt.cmd[1] & 3
			if m := r.msr(); m != 0x80|1<<unit {
				t.Errorf("MSR while seeking = %#02x, want %#02x", m, 0x80|1<<unit)
			}
			r.waitIRQ()
			if m := r.msr(); m != 0x80 {
				t.Errorf("MSR after seek = %#02x, want 0x80", m)
			}
			r.cmd(0x08)
			want := []uint8{tt.wantST0, tt.wantPCN}
			if got := r.results(2); !slices.Equal(got, want) {
				t.Errorf("sense interrupt = %x, want %x", got, want)
			}
			if r.irq.Level {
				t.Error("line still raised after sense interrupt")
			}
		})
	}
}

func TestSenseDriveStatus(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.insert(0, lbaImage(size144M), false)
	r.insert(1, lbaImage(size720K), true)
	r.seek(1, 0, 3)
	tests := []struct {
		param uint8
		want  uint8
	}{
		{0x00, 0x38},     // ready, track 0, two-sided
		{0x04, 0x3C},     // head 1
		{0x01, 0x68 | 1}, // write-protected, not track 0
		{0x02, 0x38 | 2}, // drive 2 is not there: no write-protect sensor
	}
	for _, tt := range tests {
		r.cmd(0x04, tt.param)
		if got := r.results(1); got[0] != tt.want {
			t.Errorf("SENSE DRIVE STATUS %#02x = %#02x, want %#02x", tt.param, got[0], tt.want)
		}
	}
	r.f.Eject(0)
	r.cmd(0x04, 0x00)
	if got := r.results(1); got[0]&0x40 == 0 {
		t.Errorf("empty drive ST3 = %#02x, want write-protected", got[0])
	}
}

func TestVersionAndInvalidCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  uint8
		want uint8
	}{
		{"VERSION", 0x10, 0x90},
		{"zero", 0x00, 0x80},
		{"82078 PART ID", 0x18, 0x80},
		{"82078 SAVE", 0x2E, 0x80},
		{"82078 POWERDOWN", 0x27, 0x80},
		{"SENSE INTERRUPT with nothing pending", 0x08, 0x80},
		{"all ones", 0xFF, 0x80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			raises := r.irq.Raises
			r.cmd(tt.cmd)
			if got := r.results(1); got[0] != tt.want {
				t.Errorf("result = %#02x, want %#02x", got[0], tt.want)
			}
			if r.irq.Raises != raises {
				t.Error("interrupted")
			}
		})
	}
}

func TestDiskChangeLine(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	dir := func() uint8 { return uint8(r.dir.ReadPort(0, 1)) }
	if got := dir(); got&0x80 != 0 {
		t.Errorf("DIR with nothing ever inserted = %#02x", got)
	}
	r.insert(0, lbaImage(size144M), false)
	if got := dir(); got&0x80 == 0 {
		t.Errorf("DIR after insert = %#02x, want DSKCHG", got)
	}
	r.seek(0, 0, 1)
	if got := dir(); got&0x80 != 0 {
		t.Errorf("DIR after seek = %#02x, want DSKCHG clear", got)
	}
	r.f.Eject(0)
	if got := dir(); got&0x80 == 0 {
		t.Errorf("DIR after eject = %#02x, want DSKCHG", got)
	}
	r.seek(0, 0, 0)
	if got := dir(); got&0x80 == 0 {
		t.Errorf("DIR after seek with no diskette = %#02x, want DSKCHG kept", got)
	}
}

func TestTickDeadline(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if got := r.f.Tick(r.clock.T); got != bus.NoDeadline {
		t.Errorf("idle Tick = %v, want NoDeadline", got)
	}
	r.cmd(0x07, 0x00)
	d := r.f.Tick(r.clock.T)
	if d <= 0 || d > 1 {
		t.Fatalf("Tick during seek = %v, want 0 < d <= 1 ms", d)
	}
	r.clock.T += d / 2
	if got := r.f.Tick(r.clock.T); got <= 0 || got >= d || r.irq.Level {
		t.Errorf("halfway: Tick = %v, level %v", got, r.irq.Level)
	}
	r.clock.T += d
	if got := r.f.Tick(r.clock.T); got != bus.NoDeadline || !r.irq.Level {
		t.Errorf("after: Tick = %v, level %v", got, r.irq.Level)
	}
}
