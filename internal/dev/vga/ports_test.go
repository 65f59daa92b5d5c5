package vga_test

import "testing"

func TestInputStatus1(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x3C2, 0x67)
	tests := []struct {
		now     float64
		retrace bool
	}{
		{0, false},
		{8, false},
		{16.0, true}, // the last millisecond of the 60 Hz frame
		{17, false},
		{33.0, true},
	}
	for _, tc := range tests {
		r.clock.T = tc.now
		a, b := r.in(0x3DA), r.in(0x3DA)
		if got := a&8 != 0; got != tc.retrace {
			t.Errorf("t=%v: retrace = %v, want %v", tc.now, got, tc.retrace)
		}
		if a&1 == b&1 && !tc.retrace {
			t.Errorf("t=%v: display enable does not toggle (%02X, %02X)", tc.now, a, b)
		}
	}

	// A guest spinning while the clock stands still still sees retrace
	// begin and end.
	r.clock.T = 100
	seen := map[bool]bool{}
	for i := 0; i < 1000; i++ {
		seen[r.in(0x3DA)&8 != 0] = true
	}
	if !seen[true] || !seen[false] {
		t.Errorf("stalled clock: retrace states seen %v", seen)
	}
	// The monochrome status port answers only in monochrome decode.
	if got := r.in(0x3BA); got != 0xFF {
		t.Errorf("0x3BA in colour decode = %02X", got)
	}
}

func TestAttributeFlipFlop(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.in(0x3DA)
	r.out(0x3C0, 0x31) // index 0x11 with the palette source bit
	r.out(0x3C0, 0x05) // data
	if got := r.in(0x3C1); got != 0x05 {
		t.Errorf("AR11 = %02X", got)
	}
	if got := r.in(0x3C0); got != 0x31 {
		t.Errorf("index read = %02X", got)
	}
	r.out(0x3C0, 0x32) // the flip-flop is back at index
	if got := r.in(0x3C0); got != 0x32 {
		t.Errorf("index after a data write = %02X", got)
	}
	// Reading input status 1 resets the flip-flop to index, even halfway.
	r.in(0x3DA)
	r.out(0x3C0, 0x33)
	r.in(0x3DA)
	r.out(0x3C0, 0x12)
	r.out(0x3C0, 0x0E)
	if got := r.in(0x3C0); got != 0x12 {
		t.Errorf("index = %02X, want 12", got)
	}
	if got := r.in(0x3C1); got != 0x0E {
		t.Errorf("AR12 = %02X, want 0E", got)
	}
	// A 16-bit OUT of index and data.
	r.in(0x3DA)
	r.outw(0x3C0, 0x0714)
	r.out(0x3C0, 0x34)
	if got := r.in(0x3C1); got != 0x07 {
		t.Errorf("AR14 after a word write = %02X, want 07", got)
	}
}

func TestDAC(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x3C8, 5)
	for _, c := range []uint8{10, 20, 30, 40, 50, 0xFF} {
		r.out(0x3C9, c)
	}
	if got := r.in(0x3C8); got != 7 {
		t.Errorf("write index after two colours = %d, want 7", got)
	}
	if got := r.in(0x3C7); got != 0 {
		t.Errorf("DAC state after a write index = %d, want 0", got)
	}
	r.out(0x3C7, 5)
	if got := r.in(0x3C7); got != 3 {
		t.Errorf("DAC state after a read index = %d, want 3", got)
	}
	var got []uint8
	for i := 0; i < 6; i++ {
		got = append(got, r.in(0x3C9))
	}
	want := []uint8{10, 20, 30, 40, 50, 0x3F} // six bits a component
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("DAC read %v, want %v", got, want)
			break
		}
	}
	r.out(0x3C6, 0x0F)
	if got := r.in(0x3C6); got != 0x0F {
		t.Errorf("pel mask = %02X", got)
	}
}

func TestRegisterFiles(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x3C2, 0x67)
	if got := r.in(0x3CC); got != 0x67 {
		t.Errorf("misc output = %02X", got)
	}
	r.outw(0x3C4, 0x0F02)
	if r.out(0x3C4, 2); r.in(0x3C5) != 0x0F {
		t.Error("16-bit sequencer write lost")
	}
	r.outw(0x3CE, 0xA508)
	if r.out(0x3CE, 8); r.in(0x3CF) != 0xA5 {
		t.Error("16-bit graphics controller write lost")
	}
	r.outw(0x3D4, 0x4113)
	if r.out(0x3D4, 0x13); r.in(0x3D5) != 0x41 {
		t.Error("16-bit CRTC write lost")
	}
	if got := r.in(0x3B5); got != 0xFF {
		t.Errorf("mono CRTC in colour decode = %02X", got)
	}
	r.out(0x3DA, 0x01)
	if got := r.in(0x3CA); got != 0x01 {
		t.Errorf("feature control = %02X", got)
	}

	// Monochrome decode moves the CRTC to 0x3B4.
	r.out(0x3C2, 0x66)
	r.out(0x3B4, 0x13)
	if got := r.in(0x3B5); got != 0x41 {
		t.Errorf("CRTC at 3B5 = %02X", got)
	}
	if got := r.in(0x3D5); got != 0xFF {
		t.Errorf("colour CRTC in mono decode = %02X", got)
	}
	r.out(0x3C2, 0x67)

	// The protect bit locks CRTC 0–7 except the line compare bit.
	r.crtc(0x01, 0x4F)
	r.crtc(0x07, 0x00)
	r.crtc(0x11, 0x80)
	r.crtc(0x01, 0x27)
	r.crtc(0x07, 0xFF)
	if r.out(0x3D4, 0x01); r.in(0x3D5) != 0x4F {
		t.Error("protected CRTC 1 changed")
	}
	if r.out(0x3D4, 0x07); r.in(0x3D5) != 0x10 {
		t.Error("protected CRTC 7: want only the line compare bit written")
	}

	// Registers that do not exist read as all ones.
	r.out(0x3C4, 0x07)
	if got := r.in(0x3C5); got != 0xFF {
		t.Errorf("sequencer 7 = %02X", got)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode13)
	r.poke(0xA0000, 9)
	r.vbeMode(640, 480, 32, lfbOn)
	r.v.Reset()
	if got := r.readDispi(dispiEnable); got != 0 {
		t.Errorf("dispi enable after reset = %d", got)
	}
	if got := r.in(0x3CC); got != 0 {
		t.Errorf("misc output after reset = %02X", got)
	}
	r.setMode(mode13)
	if got := r.peek(0xA0000); got != 0 {
		t.Errorf("video memory after reset = %02X", got)
	}
	if got := r.v.Status(); got != "320x200 VGA 256" {
		t.Errorf("Status() = %q", got)
	}
}
