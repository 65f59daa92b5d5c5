package vga_test

import "testing"

var (
	red   = [3]uint8{255, 0, 0}
	green = [3]uint8{0, 255, 0}
	white = [3]uint8{255, 255, 255}
	dark  = [3]uint8{85, 85, 85}
)

func TestMode13h(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode13)
	r.dac(1, 63, 0, 0)
	r.dac(2, 0, 63, 0)
	r.dac(3, 63, 63, 63)
	put := func(x, y int, c uint8) { r.poke(0xA0000+uint32(y*320+x), c) }
	put(0, 0, 1)
	put(319, 199, 2)
	put(100, 50, 3)
	tiles, text := r.render()
	if text != nil {
		t.Error("text screen in a graphics mode")
	}
	if r.frame.Width != 320 || r.frame.Height != 200 {
		t.Fatalf("frame %dx%d, want 320x200", r.frame.Width, r.frame.Height)
	}
	if !tiles.Has(0, 0) || tiles.Count() != tiles.Cols*tiles.Rows {
		t.Error("first frame is not all dirty")
	}
	for _, p := range []struct {
		x, y int
		want [3]uint8
	}{{0, 0, red}, {319, 199, green}, {100, 50, white}, {101, 50, black}, {1, 0, black}} {
		if got := r.pixel(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}
	if w, h, txt := r.v.Mode(); w != 320 || h != 200 || txt {
		t.Errorf("Mode() = %d, %d, %v", w, h, txt)
	}
	if got := r.v.Status(); got != "320x200 VGA 256" {
		t.Errorf("Status() = %q", got)
	}

	if tiles, _ := r.render(); !tiles.Empty() {
		t.Errorf("unchanged screen: %d dirty tiles", tiles.Count())
	}
	put(200, 150, 2)
	tiles, _ = r.render()
	if tiles.Count() != 1 || !tiles.Has(200/16, 150/16) {
		t.Errorf("one pixel marks %d tiles", tiles.Count())
	}
	if got := r.pixel(200, 150); got != green {
		t.Errorf("new pixel = %v", got)
	}

	// Only the tiles showing colour 3 change with it.
	r.dac(3, 21, 21, 21)
	tiles, _ = r.render()
	if tiles.Count() != 1 || !tiles.Has(100/16, 50/16) {
		t.Errorf("DAC change marks %d tiles", tiles.Count())
	}
	if got := r.pixel(100, 50); got != dark {
		t.Errorf("recoloured pixel = %v", got)
	}

	// The pel mask hides index bits.
	r.out(0x3C6, 0xFE)
	r.render()
	if got := r.pixel(0, 0); got != black {
		t.Errorf("index 1 under pel mask FE = %v, want index 0's colour", got)
	}
}

func TestModeX(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setModeX()
	r.dac(5, 63, 0, 0)
	r.dac(6, 0, 63, 0)
	put := func(x, y int, c uint8) {
		r.seq(2, 1<<(x&3))
		r.poke(0xA0000+uint32(y*80+x/4), c)
	}
	put(0, 0, 5)
	put(3, 0, 6)
	put(319, 239, 5)
	put(6, 120, 6)
	r.render()
	if r.frame.Width != 320 || r.frame.Height != 240 {
		t.Fatalf("frame %dx%d, want 320x240", r.frame.Width, r.frame.Height)
	}
	for _, p := range []struct {
		x, y int
		want [3]uint8
	}{{0, 0, red}, {3, 0, green}, {1, 0, black}, {319, 239, red}, {6, 120, green}, {6, 119, black}} {
		if got := r.pixel(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}

	// Page flipping: the start address shows the second page.
	r.seq(2, 0x0F)
	r.poke(0xA0000+0x4B00, 6) // pixels 0–3 of page 2's first line
	r.crtc(0x0C, 0x4B)
	r.crtc(0x0D, 0x00)
	r.render()
	if got := r.pixel(2, 0); got != green {
		t.Errorf("page 2 pixel = %v", got)
	}
}

func TestMode12hPlanar(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode12)
	r.dac(4, 63, 0, 0)    // attribute 4 → DAC 4
	r.dac(0x39, 0, 63, 0) // attribute 9 → DAC 0x39
	// Write mode 2 with a bit mask per pixel, as a guest plots points.
	plot := func(x, y int, c uint8) {
		r.gc(5, 2)
		r.gc(8, 0x80>>(x&7))
		a := 0xA0000 + uint32(y*80+x/8)
		r.peek(a)
		r.poke(a, c)
	}
	plot(0, 0, 4)
	plot(1, 0, 9)
	plot(639, 479, 9)
	r.render()
	if r.frame.Width != 640 || r.frame.Height != 480 {
		t.Fatalf("frame %dx%d, want 640x480", r.frame.Width, r.frame.Height)
	}
	for _, p := range []struct {
		x, y int
		want [3]uint8
	}{{0, 0, red}, {1, 0, green}, {2, 0, black}, {639, 479, green}, {638, 479, black}} {
		if got := r.pixel(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}
	// The colour plane enable register masks planes out of the pixel.
	r.attr(0x12, 0x0E)
	r.render()
	if got := r.pixel(1, 0); got == green {
		t.Error("colour plane enable ignored")
	}
	if got := r.v.Status(); got != "640x480 VGA 16" {
		t.Errorf("Status() = %q", got)
	}
}

func TestMode04CGA(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode04)
	r.dac(0x13, 63, 0, 0)
	r.dac(0x15, 0, 63, 0)
	r.dac(0x17, 63, 63, 63)
	r.poke(0xB8000, 0xE4) // line 0: pixels 3 2 1 0
	r.poke(0xB8001, 0xC0) // line 0: pixel 4 is 3
	r.poke(0xBA000, 0x1B) // line 1 (odd lines at +8K): pixels 0 1 2 3
	r.render()
	if r.frame.Width != 320 || r.frame.Height != 200 {
		t.Fatalf("frame %dx%d, want 320x200", r.frame.Width, r.frame.Height)
	}
	for _, p := range []struct {
		x, y int
		want [3]uint8
	}{
		{0, 0, white}, {1, 0, green}, {2, 0, red}, {3, 0, black}, {4, 0, white}, {5, 0, black},
		{0, 1, black}, {1, 1, red}, {2, 1, green}, {3, 1, white}, {0, 2, black},
	} {
		if got := r.pixel(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}
}

func TestMode06CGA(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode06)
	r.dac(0x17, 63, 63, 63)
	r.poke(0xB8000, 0x81)    // line 0: pixels 0 and 7
	r.poke(0xBA000+79, 0x01) // line 1: pixel 639
	r.render()
	if r.frame.Width != 640 || r.frame.Height != 200 {
		t.Fatalf("frame %dx%d, want 640x200", r.frame.Width, r.frame.Height)
	}
	for _, p := range []struct {
		x, y int
		want [3]uint8
	}{{0, 0, white}, {1, 0, black}, {7, 0, white}, {639, 1, white}, {639, 0, black}, {0, 1, black}} {
		if got := r.pixel(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}
}

func TestPanningAndSplitScreen(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode13)
	r.dac(1, 63, 0, 0)
	r.dac(2, 0, 63, 0)
	r.poke(0xA0000+1, 1)        // memory line 0, x 1
	r.poke(0xA0000+50*320+1, 2) // memory line 50, x 1
	r.crtc(0x0C, 0x0F)          // start at counter 0x0FA0: memory line 50
	r.crtc(0x0D, 0xA0)
	r.crtc(0x18, 199)  // split after physical line 199
	r.crtc(0x07, 0x0F) // line compare bit 8 clear
	r.crtc(0x09, 0x01) // line compare bit 9 clear
	r.attr(0x13, 0x02) // pan one 256-colour pixel
	r.render()
	if got := r.pixel(0, 0); got != green {
		t.Errorf("panned top pixel = %v, want memory line 50 x 1", got)
	}
	if got := r.pixel(0, 100); got != red {
		t.Errorf("split pixel = %v, want memory line 0 x 1", got)
	}
}

func TestBlankScreen(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.setMode(mode13)
	r.dac(1, 63, 0, 0)
	r.poke(0xA0000, 1)
	r.render()
	if got := r.pixel(0, 0); got != red {
		t.Fatalf("pixel = %v", got)
	}
	r.in(0x3DA)
	r.out(0x3C0, 0x10) // palette address source cleared: display off
	tiles, _ := r.render()
	if got := r.pixel(0, 0); got != black || tiles.Empty() {
		t.Errorf("blanked screen pixel %v, %d tiles", got, tiles.Count())
	}
}
