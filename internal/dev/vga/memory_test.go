package vga_test

import "testing"

// planarRig is a VGA with the window at 0xA0000 (64 KiB) and sequential
// planar addressing, plane p of address 0 holding latchVals[p] and
// address 1 holding 0x99 in every plane.
var latchVals = [4]uint8{0x0F, 0xF0, 0xAA, 0x55}

func planarRig(t *testing.T) *rig {
	r := newRig(t)
	r.setMode(mode12)
	for p := 0; p < 4; p++ {
		r.seq(2, 1<<p)
		r.poke(0xA0000, latchVals[p])
		r.poke(0xA0001, 0x99)
	}
	r.seq(2, 0x0F)
	return r
}

func (r *rig) planes(addr uint32) [4]uint8 {
	r.gc(5, 0x00)
	var got [4]uint8
	for p := 0; p < 4; p++ {
		r.gc(4, uint8(p))
		got[p] = r.peek(0xA0000 + addr)
	}
	return got
}

func TestWriteModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// Graphics controller registers 0 (set/reset), 1 (enable
		// set/reset), 3 (rotate, function), 5 (mode), 8 (bit mask), and
		// the sequencer map mask.
		sr, esr, rot, mode, mask, mapMask uint8
		addr                              uint32
		val                               uint8
		want                              [4]uint8
	}{
		{name: "mode 0 plain", mask: 0xFF, mapMask: 0xF, val: 0x3C, want: [4]uint8{0x3C, 0x3C, 0x3C, 0x3C}},
		{name: "mode 0 bit mask keeps latch bits", mask: 0xF0, mapMask: 0xF, val: 0x3C, want: [4]uint8{0x3F, 0x30, 0x3A, 0x35}},
		{name: "mode 0 set/reset on planes 0 and 2", sr: 0x01, esr: 0x05, mask: 0xFF, mapMask: 0xF, val: 0x3C, want: [4]uint8{0xFF, 0x3C, 0x00, 0x3C}},
		{name: "mode 0 rotate 4", rot: 4, mask: 0xFF, mapMask: 0xF, val: 0x3C, want: [4]uint8{0xC3, 0xC3, 0xC3, 0xC3}},
		{name: "mode 0 rotate 1", rot: 1, mask: 0xFF, mapMask: 0xF, val: 0x81, want: [4]uint8{0xC0, 0xC0, 0xC0, 0xC0}},
		{name: "mode 0 AND latch", rot: 1 << 3, mask: 0xFF, mapMask: 0xF, val: 0x3C, want: [4]uint8{0x0C, 0x30, 0x28, 0x14}},
		{name: "mode 0 OR latch", rot: 2 << 3, mask: 0xFF, mapMask: 0xF, val: 0x3C, want: [4]uint8{0x3F, 0xFC, 0xBE, 0x7D}},
		{name: "mode 0 XOR latch", rot: 3 << 3, mask: 0xFF, mapMask: 0xF, val: 0x3C, want: [4]uint8{0x33, 0xCC, 0x96, 0x69}},
		{name: "map mask planes 1 and 2", mask: 0xFF, mapMask: 0x6, val: 0x3C, want: [4]uint8{0x0F, 0x3C, 0x3C, 0x55}},
		{name: "mode 1 copies latches", mode: 1, mask: 0x00, mapMask: 0xF, addr: 1, val: 0x12, want: latchVals},
		{name: "mode 1 honours map mask", mode: 1, mask: 0xFF, mapMask: 0x9, addr: 1, val: 0x12, want: [4]uint8{0x0F, 0x99, 0x99, 0x55}},
		{name: "mode 2 colour to planes", mode: 2, mask: 0xFF, mapMask: 0xF, val: 0x05, want: [4]uint8{0xFF, 0x00, 0xFF, 0x00}},
		{name: "mode 2 with bit mask", mode: 2, mask: 0x0F, mapMask: 0xF, val: 0x05, want: [4]uint8{0x0F, 0xF0, 0xAF, 0x50}},
		{name: "mode 2 XOR", mode: 2, rot: 3 << 3, mask: 0xFF, mapMask: 0xF, val: 0x03, want: [4]uint8{0xF0, 0x0F, 0xAA, 0x55}},
		{name: "mode 3 data masks set/reset", mode: 3, sr: 0x09, mask: 0xFF, mapMask: 0xF, val: 0xF0, want: [4]uint8{0xFF, 0x00, 0x0A, 0xF5}},
		{name: "mode 3 with bit mask", mode: 3, sr: 0x0F, mask: 0x3C, mapMask: 0xF, val: 0xFF, want: [4]uint8{0x3F, 0xFC, 0xBE, 0x7D}},
		{name: "mode 3 rotated data", mode: 3, sr: 0x0F, rot: 4, mask: 0xFF, mapMask: 0xF, val: 0x01, want: [4]uint8{0x1F, 0xF0, 0xBA, 0x55}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := planarRig(t)
			r.peek(0xA0000) // load the latches
			r.gc(0, tc.sr)
			r.gc(1, tc.esr)
			r.gc(3, tc.rot)
			r.gc(5, tc.mode)
			r.gc(8, tc.mask)
			r.seq(2, tc.mapMask)
			r.poke(0xA0000+tc.addr, tc.val)
			r.gc(1, 0)
			r.gc(3, 0)
			r.gc(8, 0xFF)
			if got := r.planes(tc.addr); got != tc.want {
				t.Errorf("planes = %02X, want %02X", got, tc.want)
			}
		})
	}
}

func TestReadModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		mode, mapSel, cc, dcc uint8
		want                  uint8
	}{
		{name: "mode 0 plane 0", mapSel: 0, want: 0x0F},
		{name: "mode 0 plane 2", mapSel: 2, want: 0xAA},
		{name: "mode 0 plane 3", mapSel: 3, want: 0x55},
		{name: "mode 1 compare all planes", mode: 0x08, cc: 0x0A, dcc: 0x0F, want: 0x50},
		{name: "mode 1 plane 0 only", mode: 0x08, cc: 0x00, dcc: 0x01, want: 0xF0},
		{name: "mode 1 planes 2 and 3", mode: 0x08, cc: 0x04, dcc: 0x0C, want: 0xAA},
		{name: "mode 1 nothing cared about", mode: 0x08, cc: 0x05, dcc: 0x00, want: 0xFF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := planarRig(t)
			r.gc(5, tc.mode)
			r.gc(4, tc.mapSel)
			r.gc(2, tc.cc)
			r.gc(7, tc.dcc)
			if got := r.peek(0xA0000); got != tc.want {
				t.Errorf("read = %02X, want %02X", got, tc.want)
			}
		})
	}
}

// TestLatchCopy moves a block with write mode 1, as a guest scrolls a
// planar screen: one read fills the latches, one write stores all four.
func TestLatchCopy(t *testing.T) {
	t.Parallel()
	r := planarRig(t)
	r.gc(5, 1)
	for i := uint32(0); i < 4; i++ {
		r.peek(0xA0000)
		r.poke(0xA0100+i, 0)
	}
	if got := r.planes(0x102); got != latchVals {
		t.Errorf("copied planes = %02X, want %02X", got, latchVals)
	}
}

func TestAddressing(t *testing.T) {
	t.Parallel()
	t.Run("chain-4 picks the plane by the low address bits", func(t *testing.T) {
		r := newRig(t)
		r.setMode(mode13)
		r.poke(0xA0005, 0x42)
		r.poke(0xA0006, 0x43)
		if got := r.peek(0xA0005); got != 0x42 {
			t.Errorf("chained read = %02X, want 42", got)
		}
		r.seq(4, 0x06) // unchain, as mode X does
		if got := r.planes(4); got != [4]uint8{0, 0x42, 0x43, 0} {
			t.Errorf("planes at 4 = %02X, want 00 42 43 00", got)
		}
	})
	t.Run("odd/even puts characters in plane 0 and attributes in plane 1", func(t *testing.T) {
		r := newRig(t)
		r.setMode(mode03)
		r.poke(0xB8000, 'A')
		r.poke(0xB8001, 0x1E)
		r.poke(0xB80A2, 'B')
		if got := r.peek(0xB8001); got != 0x1E {
			t.Errorf("odd/even read = %02X, want 1E", got)
		}
		r.seq(4, 0x06)
		r.gc(6, 0x05)
		if got := r.planes(0); got != [4]uint8{'A', 0x1E, 0, 0} {
			t.Errorf("planes at 0 = %02X", got)
		}
		if got := r.planes(0xA2); got[0] != 'B' {
			t.Errorf("plane 0 at A2 = %02X, want 'B'", got[0])
		}
	})
	t.Run("memory map select", func(t *testing.T) {
		for _, tc := range []struct {
			gc6     uint8
			in, out uint32
		}{
			{0x01, 0xB8010, 0}, // 128 KiB at A0000: B8010 is reachable
			{0x05, 0xA0010, 0xB8010},
			{0x09, 0xB0010, 0xA0010},
			{0x0D, 0xB8010, 0xB0010},
		} {
			r := newRig(t)
			r.setMode(mode12)
			r.gc(6, tc.gc6)
			r.poke(tc.in, 0x5A)
			if got := r.peek(tc.in); got != 0x5A {
				t.Errorf("GC6=%02X: %05X reads %02X, want 5A", tc.gc6, tc.in, got)
			}
			if tc.out != 0 {
				if got := r.peek(tc.out); got != 0xFF {
					t.Errorf("GC6=%02X: %05X outside the map reads %02X, want FF", tc.gc6, tc.out, got)
				}
			}
		}
	})
	t.Run("16- and 32-bit accesses are bytes in order", func(t *testing.T) {
		r := newRig(t)
		r.setMode(mode13)
		r.mmio.Write(0xA0100, 4, 0x44332211)
		if got := r.mmio.Read(0xA0101, 2); got != 0x3322 {
			t.Errorf("word read = %04X, want 3322", got)
		}
	})
}
