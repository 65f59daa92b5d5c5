package display_test

import (
	"testing"

	"github.com/do86/do86/pkg/display"
)

func signalled(s *display.Subscription) bool {
	select {
	case <-s.C():
		return true
	default:
		return false
	}
}

func TestHubBeforeFirstFrame(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	s := h.Subscribe()
	if signalled(s) {
		t.Error("signalled before any frame")
	}
	if s.Read(func(display.Update) { t.Error("fn called") }) {
		t.Error("Read = true before any frame")
	}
}

func TestHubFirstFrameAndCopy(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	s := h.Subscribe()
	f := display.NewFrame(40, 20)
	f.Pix[0] = 0x12
	h.Publish(f, nil, nil)
	f.Pix[0] = 0x34 // the hub keeps its own copy
	if !signalled(s) {
		t.Fatal("not signalled")
	}
	var got display.Update
	var pix0 byte
	var n int
	s.Read(func(u display.Update) { got, pix0, n = u, u.Frame.Pix[0], u.Dirty.Count() })
	if !got.Resized || n != 3*2 || pix0 != 0x12 || got.Frame.Width != 40 {
		t.Errorf("first read: resized=%v dirty=%d pix0=%#x w=%d", got.Resized, n, pix0, got.Frame.Width)
	}
	// A subscriber arriving late sees the whole frame at once.
	late := h.Subscribe()
	if !signalled(late) {
		t.Error("late subscriber not signalled")
	}
	late.Read(func(u display.Update) { got, n = u, u.Dirty.Count() })
	if !got.Resized || n != 6 {
		t.Errorf("late read: resized=%v dirty=%d", got.Resized, n)
	}
}

func TestHubAccumulatesDirtyTiles(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(64, 64)
	h.Publish(f, nil, nil)
	s := h.Subscribe()
	<-s.C()
	s.Read(func(display.Update) {})

	d := display.NewTileSet(64, 64)
	d.Add(1, 1)
	f.Pix[(17*64+17)*4] = 0xAA
	f.Pix[0] = 0xBB // outside the dirty tiles: the hub does not copy it
	h.Publish(f, d, nil)
	d.Clear()
	d.Add(3, 0)
	h.Publish(f, d, nil)
	var tiles [][2]int
	var p17, p0 byte
	s.Read(func(u display.Update) {
		if u.Resized {
			t.Error("Resized on same size")
		}
		u.Dirty.Each(64, 64, func(x, y, w, h int) { tiles = append(tiles, [2]int{x, y}) })
		p17, p0 = u.Frame.Pix[(17*64+17)*4], u.Frame.Pix[0]
	})
	if len(tiles) != 2 || tiles[0] != [2]int{48, 0} || tiles[1] != [2]int{16, 16} {
		t.Errorf("dirty tiles %v, want [48 0] [16 16]", tiles)
	}
	if p17 != 0xAA || p0 != 0 {
		t.Errorf("pixels %#x %#x, want 0xaa 0", p17, p0)
	}
	// Nothing changed: no signal, and a Read sees no tiles.
	d.Clear()
	h.Publish(f, d, nil)
	if signalled(s) {
		t.Error("signalled for an empty change")
	}
	s.Read(func(u display.Update) {
		if !u.Dirty.Empty() {
			t.Errorf("%d tiles dirty after reading them", u.Dirty.Count())
		}
	})
}

func TestHubTextAndResize(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(64, 32)
	s := h.Subscribe()
	txt := &display.TextScreen{Cols: 2, Rows: 1, Cells: []display.Cell{{'h', 7}, {'i', 7}}}
	h.Publish(f, nil, txt)
	s.Read(func(display.Update) {})

	txt.Cells[1].Ch = 'o'
	empty := display.NewTileSet(64, 32)
	h.Publish(f, empty, txt)
	if !signalled(s) {
		t.Fatal("text change not signalled")
	}
	txt.Cells[0].Ch = 'x' // the hub keeps its own copy
	s.Read(func(u display.Update) {
		if !u.TextChanged || u.Text.Text(0) != "ho" {
			t.Errorf("TextChanged=%v text %q, want true \"ho\"", u.TextChanged, u.Text.Text(0))
		}
	})

	big := display.NewFrame(100, 40)
	h.Publish(big, empty, nil)
	s.Read(func(u display.Update) {
		if !u.Resized || !u.TextChanged || u.Text != nil || u.Dirty.Cols != 7 || u.Dirty.Rows != 3 || u.Dirty.Count() != 21 {
			t.Errorf("after resize: resized=%v textChanged=%v text=%v tiles %dx%d count %d",
				u.Resized, u.TextChanged, u.Text, u.Dirty.Cols, u.Dirty.Rows, u.Dirty.Count())
		}
	})
}

func TestHubNeverBlocksAndClose(t *testing.T) {
	t.Parallel()
	h := display.NewHub()
	f := display.NewFrame(16, 16)
	s := h.Subscribe()
	closed := h.Subscribe()
	closed.Close()
	for i := 0; i < 1000; i++ { // nobody reads
		f.Pix[0] = byte(i)
		h.Publish(f, nil, nil)
	}
	if signalled(closed) {
		t.Error("closed subscription signalled")
	}
	var seq uint64
	s.Read(func(u display.Update) { seq = u.Seq })
	if seq != 1000 {
		t.Errorf("Seq = %d, want 1000", seq)
	}
	s.Invalidate()
	if !signalled(s) {
		t.Error("Invalidate did not signal")
	}
	s.Read(func(u display.Update) {
		if u.Dirty.Count() != 1 || !u.TextChanged {
			t.Errorf("after Invalidate: %d tiles, textChanged=%v", u.Dirty.Count(), u.TextChanged)
		}
	})
}

func TestTileSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		w, h         int
		x, y, rw, rh int
		want         [][4]int // rectangles Each reports
	}{
		{"one pixel", 64, 64, 17, 3, 1, 1, [][4]int{{16, 0, 16, 16}}},
		{"straddles", 64, 64, 15, 15, 2, 2, [][4]int{{0, 0, 16, 16}, {16, 0, 16, 16}, {0, 16, 16, 16}, {16, 16, 16, 16}}},
		{"clipped edge", 40, 20, 30, 10, 100, 100, [][4]int{{16, 0, 16, 16}, {32, 0, 8, 16}, {16, 16, 16, 4}, {32, 16, 8, 4}}},
		{"negative origin", 32, 32, -5, -5, 6, 6, [][4]int{{0, 0, 16, 16}}},
		{"empty", 32, 32, 0, 0, 0, 5, nil},
	}
	for _, tt := range tests {
		s := display.NewTileSet(tt.w, tt.h)
		s.AddRect(tt.x, tt.y, tt.rw, tt.rh)
		var got [][4]int
		s.Each(tt.w, tt.h, func(x, y, w, h int) { got = append(got, [4]int{x, y, w, h}) })
		if len(got) != len(tt.want) || s.Count() != len(tt.want) || s.Empty() != (len(tt.want) == 0) {
			t.Errorf("%s: got %v (count %d), want %v", tt.name, got, s.Count(), tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: rect %d = %v, want %v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestTileSetUnionAllClear(t *testing.T) {
	t.Parallel()
	a, b := display.NewTileSet(1024, 768), display.NewTileSet(1024, 768)
	if a.Cols != 64 || a.Rows != 48 {
		t.Fatalf("geometry %dx%d, want 64x48", a.Cols, a.Rows)
	}
	a.Add(0, 0)
	b.Add(63, 47)
	b.Add(0, 0)
	a.Union(b)
	if a.Count() != 2 || !a.Has(63, 47) || a.Has(1, 0) {
		t.Errorf("union: count %d", a.Count())
	}
	a.AddAll()
	if a.Count() != 64*48 {
		t.Errorf("AddAll: count %d", a.Count())
	}
	a.Clear()
	if !a.Empty() {
		t.Error("not empty after Clear")
	}
}

func TestTextScreenString(t *testing.T) {
	t.Parallel()
	ts := &display.TextScreen{Cols: 3, Rows: 2, Cells: []display.Cell{{'a', 7}, {0xB3, 7}, {' ', 7}, {0x01, 7}, {0, 7}, {0, 7}}}
	if got, want := ts.String(), "a│\n☺\n"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	c := ts.Clone()
	c.Cells[0].Ch = 'b'
	if ts.Cells[0].Ch != 'a' {
		t.Error("Clone shares cells")
	}
}
