package vga_test

import (
	"encoding/binary"
	"testing"
)

const (
	dispiID        = 0
	dispiXRes      = 1
	dispiYRes      = 2
	dispiBPP       = 3
	dispiEnable    = 4
	dispiBank      = 5
	dispiVirtWidth = 6
	dispiVirtH     = 7
	dispiXOffset   = 8
	dispiYOffset   = 9
	dispiVideoMem  = 10

	enabled  = 0x01
	getCaps  = 0x02
	dac8     = 0x20
	lfbOn    = 0x41
	noClear  = 0x80
	lfbBytes = 1024 * 4
)

func (r *rig) vbeMode(w, h, bpp, flags uint16) {
	r.dispi(dispiEnable, 0)
	r.dispi(dispiBPP, bpp)
	r.dispi(dispiXRes, w)
	r.dispi(dispiYRes, h)
	r.dispi(dispiBank, 0)
	r.dispi(dispiEnable, flags)
}

func TestDispiID(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if got := r.readDispi(dispiID); got != 0xB0C5 {
		t.Errorf("ID at reset = %04X, want B0C5", got)
	}
	// SeaBIOS's probe: write the oldest ID and expect it back.
	r.dispi(dispiID, 0xB0C0)
	if got := r.readDispi(dispiID); got != 0xB0C0 {
		t.Errorf("ID after writing B0C0 = %04X", got)
	}
	r.dispi(dispiID, 0x1234)
	if got := r.readDispi(dispiID); got != 0xB0C0 {
		t.Errorf("ID after an invalid write = %04X", got)
	}
	r.dispi(dispiID, 0xB0C5)
	if got := r.readDispi(dispiVideoMem); got != lfbSize/65536 {
		t.Errorf("video memory = %d x 64K, want %d", got, lfbSize/65536)
	}
	// Byte accesses reach the same registers.
	r.out(0x1CE, dispiBPP)
	r.out(0x1CF, 16)
	if got := r.readDispi(dispiBPP); got != 16 {
		t.Errorf("BPP after a byte write = %d", got)
	}
	if got := r.in(0x1CF); got != 16 {
		t.Errorf("byte read of BPP = %d", got)
	}
	if got := r.in(0x1CE); got != dispiBPP {
		t.Errorf("byte read of the index = %d", got)
	}
}

func TestDispiGetCaps(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.dispi(dispiXRes, 800)
	r.dispi(dispiEnable, getCaps)
	for _, c := range []struct {
		reg  uint16
		want uint16
	}{{dispiXRes, 2560}, {dispiYRes, 1600}, {dispiBPP, 32}, {dispiEnable, getCaps}} {
		if got := r.readDispi(c.reg); got != c.want {
			t.Errorf("GETCAPS register %d = %d, want %d", c.reg, got, c.want)
		}
	}
	r.dispi(dispiEnable, 0)
	if got := r.readDispi(dispiXRes); got != 800 {
		t.Errorf("XRES after GETCAPS = %d, want 800", got)
	}
}

func TestVBE32(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode03)
	r.render()
	for i := range r.lfb.mem[:lfbBytes*768] {
		r.lfb.mem[i] = 0x77
	}
	r.vbeMode(1024, 768, 32, lfbOn)
	if r.lfb.mem[0] != 0 || r.lfb.mem[lfbBytes*768-1] != 0 {
		t.Error("enabling VBE did not clear the framebuffer")
	}
	if got := r.readDispi(dispiVirtWidth); got != 1024 {
		t.Errorf("virtual width = %d", got)
	}
	if got := r.readDispi(dispiVirtH); got != lfbSize/lfbBytes {
		t.Errorf("virtual height = %d, want %d", got, lfbSize/lfbBytes)
	}
	tiles, text := r.render()
	if r.frame.Width != 1024 || r.frame.Height != 768 {
		t.Fatalf("frame %dx%d, want 1024x768", r.frame.Width, r.frame.Height)
	}
	if text != nil || tiles.Count() != tiles.Cols*tiles.Rows {
		t.Error("new VBE frame: want all tiles and no text")
	}
	if got := r.v.Status(); got != "1024x768x32 VBE" {
		t.Errorf("Status() = %q", got)
	}
	if w, h, txt := r.v.Mode(); w != 1024 || h != 768 || txt {
		t.Errorf("Mode() = %d, %d, %v", w, h, txt)
	}

	// The guest draws through the LFB (BGRX bytes).
	r.lfb.guestWrite(100*lfbBytes+200*4, []byte{0, 0, 255, 0})  // red at (200, 100)
	r.lfb.guestWrite(767*lfbBytes+1023*4, []byte{255, 0, 0, 0}) // blue at (1023, 767)
	tiles, _ = r.render()
	if got := r.pixel(200, 100); got != red {
		t.Errorf("pixel (200,100) = %v", got)
	}
	if got := r.pixel(1023, 767); got != [3]uint8{0, 0, 255} {
		t.Errorf("pixel (1023,767) = %v", got)
	}
	if tiles.Count() != 2 || !tiles.Has(200/16, 100/16) || !tiles.Has(1023/16, 767/16) {
		t.Errorf("two pixels mark %d tiles", tiles.Count())
	}
	if tiles, _ := r.render(); !tiles.Empty() {
		t.Errorf("unchanged VBE screen: %d dirty tiles", tiles.Count())
	}

	// Banked access through the 0xA0000 window: bank 1 starts 64 KiB in,
	// which is line 16 at 4 KiB a line.
	r.dispi(dispiBank, 1)
	r.mmio.Write(0xA0000+8, 4, 0x0000FF00) // green at (2, 16)
	if got := binary.LittleEndian.Uint32(r.lfb.mem[0x10008:]); got != 0x0000FF00 {
		t.Errorf("LFB after banked write = %08X", got)
	}
	if got := r.mmio.Read(0xA0000+8, 4); got != 0x0000FF00 {
		t.Errorf("banked read = %08X", got)
	}
	r.render()
	if got := r.pixel(2, 16); got != green {
		t.Errorf("banked pixel = %v", got)
	}
	r.dispi(dispiBank, 0x7FFF) // beyond the framebuffer: refused
	if got := r.readDispi(dispiBank); got != 1 {
		t.Errorf("bank after an impossible bank = %d", got)
	}

	// Panning with the Y offset.
	r.dispi(dispiYOffset, 16)
	r.render()
	if got := r.pixel(2, 0); got != green {
		t.Errorf("after Y offset 16, pixel (2,0) = %v", got)
	}

	// Turning VBE off returns to the VGA mode.
	r.dispi(dispiEnable, 0)
	_, text = r.render()
	if text == nil || r.frame.Width != 720 {
		t.Error("VBE off: not back in text mode")
	}
}

func TestVBENoClear(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	binary.LittleEndian.PutUint32(r.lfb.mem[0:], 0x00FFFFFF)
	r.vbeMode(640, 480, 32, lfbOn|noClear)
	r.render()
	if got := r.pixel(0, 0); got != white {
		t.Errorf("no-clear enable lost the framebuffer: %v", got)
	}
}

func TestVBEDepths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		bpp   uint16
		flags uint16
		pix   []byte
		want  [3]uint8
	}{
		{"8 bpp through the 6-bit DAC", 8, lfbOn, []byte{9}, [3]uint8{255, 0, 85}},
		{"8 bpp through the 8-bit DAC", 8, lfbOn | dac8, []byte{9}, [3]uint8{200, 100, 50}},
		{"15 bpp", 15, lfbOn, []byte{0x1F, 0x7C}, [3]uint8{255, 0, 255}}, // 0x7C1F: red and blue full
		{"16 bpp", 16, lfbOn, []byte{0xE0, 0x07}, [3]uint8{0, 255, 0}},   // 0x07E0: green full
		{"24 bpp", 24, lfbOn, []byte{0x30, 0x20, 0x10}, [3]uint8{0x10, 0x20, 0x30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.vbeMode(800, 600, tc.bpp, tc.flags)
			if tc.flags&dac8 != 0 {
				r.dac(9, 200, 100, 50)
			} else {
				r.dac(9, 63, 0, 21)
			}
			bpp := len(tc.pix)
			r.lfb.guestWrite(uint32(5*800*bpp+7*bpp), tc.pix)
			r.render()
			if r.frame.Width != 800 || r.frame.Height != 600 {
				t.Fatalf("frame %dx%d", r.frame.Width, r.frame.Height)
			}
			if got := r.pixel(7, 5); got != tc.want {
				t.Errorf("pixel = %v, want %v", got, tc.want)
			}
			if got := r.pixel(6, 5); got != black {
				t.Errorf("neighbour = %v, want black", got)
			}
		})
	}
}

func TestVBEVirtualWidth(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.vbeMode(640, 480, 8, lfbOn)
	r.dac(1, 63, 0, 0)
	r.dispi(dispiVirtWidth, 1024)
	if got := r.readDispi(dispiVirtWidth); got != 1024 {
		t.Fatalf("virtual width = %d", got)
	}
	r.lfb.guestWrite(3*1024+700, []byte{1}) // x 700 of line 3: off screen
	r.lfb.guestWrite(3*1024+10, []byte{1})
	r.dispi(dispiXOffset, 100)
	r.render()
	if got := r.pixel(600, 3); got != red {
		t.Errorf("pixel (600,3) with X offset 100 = %v", got)
	}
	if got := r.pixel(10, 3); got != black {
		t.Errorf("pixel (10,3) = %v", got)
	}
}

// TestVBEPlanar sets an 800x600 16-colour mode as SeaBIOS does: a VGA
// planar mode first, then the dispi registers with a depth of 4.
func TestVBEPlanar(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode12)
	r.vbeMode(800, 600, 4, lfbOn)
	r.dac(4, 63, 0, 0)
	r.gc(5, 2)
	r.gc(8, 0x01) // x 799 is bit 0 of byte 99
	a := 0xA0000 + uint32(599*100+99)
	r.peek(a)
	r.poke(a, 4)
	r.render()
	if r.frame.Width != 800 || r.frame.Height != 600 {
		t.Fatalf("frame %dx%d, want 800x600", r.frame.Width, r.frame.Height)
	}
	if got := r.pixel(799, 599); got != red {
		t.Errorf("pixel (799,599) = %v", got)
	}
	if got := r.pixel(798, 599); got != black {
		t.Errorf("pixel (798,599) = %v", got)
	}
	if got := r.v.Status(); got != "800x600x4 VBE" {
		t.Errorf("Status() = %q", got)
	}
}
