package pci_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/pci"
)

func TestChipsetIdentity(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	c.bus.Add(0, 0, pci.NewI440FX())
	c.bus.Add(1, 0, pci.NewPIIX3ISA(nil))
	tests := []struct {
		name         string
		dev, reg, sz int
		want         uint32
	}{
		{"i440FX vendor/device", 0, 0x00, 4, 0x12378086},
		{"i440FX class 06:00:00 rev 2", 0, 0x08, 4, 0x06000002},
		{"i440FX header type 0", 0, 0x0E, 1, 0x00},
		{"i440FX SMRAM reset value", 0, 0x72, 1, 0x02},
		{"PIIX3 vendor/device", 1, 0x00, 4, 0x70008086},
		{"PIIX3 class 06:01:00", 1, 0x08, 4, 0x06010000},
		{"PIIX3 is multi-function", 1, 0x0E, 1, 0x80},
		{"PIIX3 PIRQs disabled at reset", 1, 0x60, 4, 0x80808080},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.read(tt.dev, 0, tt.reg, tt.sz); got != tt.want {
				t.Errorf("reg %#x = %#x, want %#x", tt.reg, got, tt.want)
			}
		})
	}
}

func TestI440FXPAM(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	h := pci.NewI440FX()
	changes := 0
	h.MemoryChanged = func() { changes++ }
	c.bus.Add(0, 0, h)

	// SeaBIOS makes the whole BIOS area read/write DRAM.
	c.write(0, 0, 0x59, 1, 0x30)
	c.write(0, 0, 0x5A, 2, 0x3333)
	c.write(0, 0, 0x5C, 4, 0x33333333)
	if changes != 3 {
		t.Errorf("MemoryChanged called %d times, want 3", changes)
	}
	if got := c.read(0, 0, 0x58, 4); got != 0x33333000 {
		t.Errorf("PAM dword 0x58 = %#x, want 0x33333000", got)
	}
	c.write(0, 0, 0x59, 1, 0x1F) // PAM0: low nibble reserved; F segment read-only
	c.write(0, 0, 0x5B, 1, 0x21) // C8000 read-only, CC000 write-only
	tests := []struct {
		addr uint32
		want uint8
	}{
		{0xFFFF0, pci.PAMRead},
		{0xF0000, pci.PAMRead},
		{0xC0000, pci.PAMRead | pci.PAMWrite},
		{0xC8000, pci.PAMRead},
		{0xCC000, pci.PAMWrite},
		{0xEFFFF, pci.PAMRead | pci.PAMWrite},
		{0xA0000, 0},
		{0x100000, 0},
	}
	for _, tt := range tests {
		if got := h.PAM(tt.addr); got != tt.want {
			t.Errorf("PAM(%#x) = %d, want %d", tt.addr, got, tt.want)
		}
	}
	if got := c.read(0, 0, 0x59, 1); got != 0x10 {
		t.Errorf("PAM0 = %#x, want 0x10", got)
	}
	n := changes
	c.write(0, 0, 0x5B, 1, 0x21) // the same value again is no change
	if changes != n {
		t.Errorf("rewrite of same PAM value reported a change")
	}
}

func TestI440FXSMRAM(t *testing.T) {
	t.Parallel()
	c := newCfg(t)
	h := pci.NewI440FX()
	c.bus.Add(0, 0, h)
	steps := []struct {
		write, want uint8
	}{
		{0x4A, 0x4A}, // SeaBIOS opens the window: D_OPEN | G_SMRAME
		{0x0A, 0x0A}, // and closes it again
		{0xFF, 0x3A}, // C_BASE_SEG stays 010; locking clears D_OPEN
		{0x48, 0x1A}, // locked: D_OPEN, G_SMRAME, D_LCK frozen, D_CLS writable
	}
	for i, s := range steps {
		c.write(0, 0, 0x72, 1, uint32(s.write))
		if got := h.SMRAM(); got != s.want {
			t.Errorf("step %d: SMRAM after %#x = %#x, want %#x", i, s.write, got, s.want)
		}
	}
	h.Reset()
	if got := c.read(0, 0, 0x72, 1); got != 0x02 {
		t.Errorf("SMRAM after reset = %#x, want 0x02", got)
	}
}

func TestPIIX3PIRQRegisters(t *testing.T) {
	t.Parallel()
	type route struct{ pirq, irq int }
	var got []route
	c := newCfg(t)
	isa := pci.NewPIIX3ISA(func(p, i int) { got = append(got, route{p, i}) })
	c.bus.Add(1, 0, isa)

	// SeaBIOS's routing: PIRQA..D = 10, 10, 11, 11.
	for i, irq := range []uint32{10, 10, 11, 11} {
		c.write(1, 0, 0x60+i, 1, irq)
	}
	want := []route{{0, 10}, {1, 10}, {2, 11}, {3, 11}}
	if len(got) != len(want) {
		t.Fatalf("route calls %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("route call %d = %v, want %v", i, got[i], want[i])
		}
	}
	if v := c.read(1, 0, 0x60, 4); v != 0x0B0B0A0A {
		t.Errorf("PIRQ dword = %#x, want 0x0B0B0A0A", v)
	}

	tests := []struct {
		name   string
		write  uint32
		read   uint32
		irq    int
		ok     bool
		report bool
	}{
		{"reserved bits read 0", 0x7A, 0x0A, 10, true, false},
		{"disable", 0x8A, 0x8A, 0, false, true},
		{"enable on 5", 0x05, 0x05, 5, true, true},
		{"reserved line 13 routes nowhere", 0x0D, 0x0D, 0, false, true},
		{"reserved line 2 routes nowhere", 0x02, 0x02, 0, false, false},
		{"line 15", 0x0F, 0x0F, 15, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			c.write(1, 0, 0x60, 1, tt.write)
			if v := c.read(1, 0, 0x60, 1); v != tt.read {
				t.Errorf("PIRQRCA = %#x, want %#x", v, tt.read)
			}
			irq, ok := isa.PIRQ(0)
			if irq != tt.irq || ok != tt.ok {
				t.Errorf("PIRQ(0) = %d, %v; want %d, %v", irq, ok, tt.irq, tt.ok)
			}
			if (len(got) > 0) != tt.report {
				t.Errorf("route calls %v, want a report: %v", got, tt.report)
			}
		})
	}

	got = nil
	isa.Reset()
	if v := c.read(1, 0, 0x60, 4); v != 0x80808080 {
		t.Errorf("PIRQs after reset = %#x", v)
	}
	if len(got) != 4 {
		t.Errorf("reset reported %v, want all four routes disabled", got)
	}
	for _, r := range got {
		if r.irq != -1 {
			t.Errorf("reset reported %v, want irq -1", r)
		}
	}
}

func TestSwizzle(t *testing.T) {
	t.Parallel()
	// Bus 0's _PRT in SeaBIOS's DSDT: slot 0 starts at LNKD, slot 1 at LNKA,
	// slot 2 at LNKB, slot 3 at LNKC; each next pin takes the next link.
	tests := []struct{ slot, pin, want int }{
		{0, pci.INTA, 3}, {0, pci.INTB, 0},
		{1, pci.INTA, 0}, {1, pci.INTD, 3},
		{2, pci.INTA, 1}, {2, pci.INTD, 0},
		{3, pci.INTA, 2}, {3, pci.INTB, 3}, {3, pci.INTC, 0},
		{4, pci.INTA, 3}, {5, pci.INTA, 0}, {31, pci.INTA, 2},
	}
	for _, tt := range tests {
		if got := pci.Swizzle(tt.slot, tt.pin); got != tt.want {
			t.Errorf("Swizzle(%d, %d) = %d, want %d", tt.slot, tt.pin, got, tt.want)
		}
	}
}

// lineLog records the level changes the core would see.
type lineLog struct {
	lines  *bus.Lines
	events []int // +n raised, -n lowered
}

func newLineLog() *lineLog {
	l := &lineLog{}
	l.lines = bus.NewLines(func(n int) { l.events = append(l.events, n) },
		func(n int) { l.events = append(l.events, -n) })
	return l
}

func TestRouterFollowsPIRQReprogramming(t *testing.T) {
	t.Parallel()
	ll := newLineLog()
	r := pci.NewRouter(ll.lines.Pin)
	c := newCfg(t)
	c.bus.Add(1, 0, pci.NewPIIX3ISA(r.Route))

	// A function in slot 3 using INTA drives PIRQC.
	intx := r.INTx(3, pci.INTA)
	intx.Raise() // unrouted: nothing reaches the core
	if len(ll.events) != 0 {
		t.Fatalf("unrouted INTx changed lines: %v", ll.events)
	}
	c.write(1, 0, 0x62, 1, 11) // PIRQC → IRQ 11
	if !ll.lines.Level(11) {
		t.Fatalf("asserted INTx not on line 11 after routing; events %v", ll.events)
	}
	c.write(1, 0, 0x62, 1, 10) // the guest moves PIRQC to IRQ 10
	if ll.lines.Level(11) || !ll.lines.Level(10) {
		t.Errorf("after reroute: line 11 %v, line 10 %v; want false, true", ll.lines.Level(11), ll.lines.Level(10))
	}
	c.write(1, 0, 0x61, 1, 5) // another PIRQ moves: no effect
	intx.Lower()
	if ll.lines.Level(10) {
		t.Errorf("line 10 still up after Lower")
	}
	c.write(1, 0, 0x62, 1, 0x80) // disabled while low, then raised: nothing
	intx.Raise()
	want := []int{11, -11, 10, -10}
	if !equalInts(ll.events, want) {
		t.Errorf("line events %v, want %v", ll.events, want)
	}
}

func TestRouterSharedLine(t *testing.T) {
	t.Parallel()
	ll := newLineLog()
	r := pci.NewRouter(ll.lines.Pin)
	isa := pci.NewPIIX3ISA(r.Route)
	c := newCfg(t)
	c.bus.Add(1, 0, isa)
	for i := 0; i < 4; i++ {
		c.write(1, 0, 0x60+i, 1, 10)
	}
	a, b := r.INTx(2, pci.INTA), r.INTx(3, pci.INTD) // PIRQB and PIRQB
	a.Raise()
	b.Raise()
	a.Lower()
	if !ll.lines.Level(10) {
		t.Fatalf("shared line dropped while one function still asserts it")
	}
	b.Lower()
	if ll.lines.Level(10) {
		t.Fatalf("shared line still up with no function asserting it")
	}
	if want := []int{10, -10}; !equalInts(ll.events, want) {
		t.Errorf("events %v, want %v", ll.events, want)
	}
	// A function created after the routing starts on the routed line.
	d := r.INTx(4, pci.INTA)
	d.Raise()
	if !ll.lines.Level(10) {
		t.Errorf("late function's INTx not routed")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
