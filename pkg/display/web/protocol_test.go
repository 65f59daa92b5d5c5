package web_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/input"
)

// paint fills the tile rectangle x,y,w,h of f with a pattern of kind.
func paint(f *display.Frame, x, y, w, h int, kind string, rng *rand.Rand) {
	colors := map[string]int{"solid": 1, "two": 2, "four": 4, "sixteen": 16, "many": 100, "noise": 0}[kind]
	pal := make([][3]byte, max(colors, 1))
	for i := range pal {
		pal[i] = [3]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
	}
	for r := y; r < min(y+h, f.Height); r++ {
		for c := x; c < min(x+w, f.Width); c++ {
			o := (r*f.Width + c) * 4
			var px [3]byte
			switch {
			case colors == 0:
				px = [3]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
			case kind == "many":
				px = pal[(c/3+r)%colors] // runs of three
			default:
				px = pal[rng.IntN(colors)]
			}
			copy(f.Pix[o:o+3], px[:])
		}
	}
}

var kinds = []string{"solid", "two", "four", "sixteen", "many", "noise"}

// TestEncodeRoundTrip: keyframes and deltas of frames of odd sizes decode
// (with deflate and without) to exactly the encoder's frame.
func TestEncodeRoundTrip(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		for _, size := range [][2]int{{16, 16}, {100, 70}, {1, 1}, {33, 17}, {640, 480}} {
			rng := rand.New(rand.NewPCG(uint64(size[0]), uint64(size[1])))
			f := display.NewFrame(size[0], size[1])
			for y := 0; y < f.Height; y += 16 {
				for x := 0; x < f.Width; x += 16 {
					paint(f, x, y, 16, 16, kinds[rng.IntN(len(kinds))], rng)
				}
			}
			enc := web.NewFrameEncoder(deflate, flate.BestSpeed)
			dec := newFrameDecoder()
			info, err := dec.apply(enc.Encode(f, nil))
			if err != nil || !info.keyframe || !sameRGB(dec.fb, f) {
				t.Fatalf("deflate=%v %v keyframe: err %v, keyframe %v, equal %v", deflate, size, err, info.keyframe, sameRGB(dec.fb, f))
			}
			for step := 0; step < 20; step++ {
				dirty := display.NewTileSet(f.Width, f.Height)
				for k := rng.IntN(5); k >= 0; k-- {
					x, y := rng.IntN(f.Width), rng.IntN(f.Height)
					w, h := 1+rng.IntN(40), 1+rng.IntN(40)
					paint(f, x, y, w, h, kinds[rng.IntN(len(kinds))], rng)
					dirty.AddRect(x, y, w, h)
				}
				info, err := dec.apply(enc.Encode(f, dirty))
				if err != nil || info.keyframe || info.tiles != dirty.Count() || !sameRGB(dec.fb, f) {
					t.Fatalf("deflate=%v %v step %d: err %v keyframe %v tiles %d/%d equal %v",
						deflate, size, step, err, info.keyframe, info.tiles, dirty.Count(), sameRGB(dec.fb, f))
				}
				if info.seq != uint32(step+2) {
					t.Fatalf("seq %d, want %d", info.seq, step+2)
				}
			}
		}
	}
}

// TestTileEncodings: each kind of tile takes the encoding (and size) it
// should.
func TestTileEncodings(t *testing.T) {
	tests := []struct {
		kind     string
		wantEnc  byte
		maxBytes int // of the tile's data, its encoding byte included
	}{
		{"solid", web.TileSolid, 4},
		{"two", web.TilePacked, 1 + 1 + 6 + 32},
		{"four", web.TilePacked, 1 + 1 + 12 + 64},
		{"sixteen", web.TilePacked, 1 + 1 + 48 + 128},
		{"many", web.TileRLE, 1 + 1 + 300 + 2*90},
		{"noise", web.TileRaw, 1 + 768},
	}
	for _, tt := range tests {
		f := display.NewFrame(16, 16)
		paint(f, 0, 0, 16, 16, tt.kind, rand.New(rand.NewPCG(1, 2)))
		msg := web.NewFrameEncoder(false, 0).Encode(f, nil)
		body := msg[web.FrameHeaderSize:]
		// Body: w, h, count, then the one tile: skip 0, encoding, data.
		if n := binary.LittleEndian.Uint32(body[4:]); n != 1 || body[8] != 0 {
			t.Fatalf("%s: %d tiles, skip %d", tt.kind, n, body[8])
		}
		tile := body[9:]
		if tile[0] != tt.wantEnc || len(tile) > tt.maxBytes {
			t.Errorf("%s: encoding %d in %d bytes, want %d in at most %d", tt.kind, tile[0], len(tile), tt.wantEnc, tt.maxBytes)
		}
		dec := newFrameDecoder()
		if _, err := dec.apply(msg); err != nil || !sameRGB(dec.fb, f) {
			t.Errorf("%s: round trip: %v", tt.kind, err)
		}
	}
}

func TestDecodeInput(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want web.Event
		err  bool
	}{
		{"key down", web.KeyMessage("KeyA", true), web.Event{Type: web.MsgKey, Code: 0x1E, Known: true, Down: true}, false},
		{"extended key up", web.KeyMessage("ArrowUp", false), web.Event{Type: web.MsgKey, Code: 0xE048, Known: true}, false},
		{"unknown key", web.KeyMessage("Pause", true), web.Event{Type: web.MsgKey, Down: true}, false},
		{"mouse", web.MouseMessage(-5, 300, -1, input.ButtonLeft|input.ButtonRight), web.Event{Type: web.MsgMouse, DX: -5, DY: 300, DZ: -1, Buttons: 3}, false},
		{"mouse clamps", web.MouseMessage(-99999, 99999, 500, 0), web.Event{Type: web.MsgMouse, DX: -32768, DY: 32767, DZ: 127}, false},
		{"pointer", web.PointerMessage(1023, 5, 1024, 768, 1, input.ButtonMiddle), web.Event{Type: web.MsgPointer, X: 1023, Y: 5, W: 1024, H: 768, DZ: 1, Buttons: 4}, false},
		{"pointer clamps", web.PointerMessage(-4, 900, 640, 480, -300, 0), web.Event{Type: web.MsgPointer, X: 0, Y: 479, W: 640, H: 480, DZ: -128}, false},
		{"ack", web.AckMessage(0x01020304), web.Event{Type: web.MsgAck, Seq: 0x01020304}, false},
		{"refresh", []byte{web.MsgRefresh}, web.Event{Type: web.MsgRefresh}, false},
		{"ctrl-alt-del", []byte{web.MsgCtrlAltDel}, web.Event{Type: web.MsgCtrlAltDel}, false},
		{"paste", append([]byte{web.MsgPaste}, "dir\n"...), web.Event{Type: web.MsgPaste, Data: []byte("dir\n")}, false},
		{"empty paste", []byte{web.MsgPaste}, web.Event{}, true},
		{"paste of bad UTF-8", []byte{web.MsgPaste, 0xff, 0xfe}, web.Event{}, true},
		{"empty", nil, web.Event{}, true},
		{"unknown type", []byte{0x7f}, web.Event{}, true},
		{"key without code", []byte{web.MsgKey, 1}, web.Event{}, true},
		{"key state 2", append([]byte{web.MsgKey, 2}, "KeyA"...), web.Event{}, true},
		{"key code with a slash", append([]byte{web.MsgKey, 1}, "Key/"...), web.Event{}, true},
		{"key code too long", append([]byte{web.MsgKey, 1}, bytes.Repeat([]byte("A"), 33)...), web.Event{}, true},
		{"short mouse", []byte{web.MsgMouse, 0, 0, 0}, web.Event{}, true},
		{"mouse button 8", []byte{web.MsgMouse, 0, 0, 0, 0, 0, 8}, web.Event{}, true},
		{"short pointer", []byte{web.MsgPointer, 0, 0, 0, 0, 1, 0, 1, 0, 0}, web.Event{}, true},
		{"pointer off the picture", []byte{web.MsgPointer, 10, 0, 0, 0, 10, 0, 1, 0, 0, 0}, web.Event{}, true},
		{"pointer on no picture", []byte{web.MsgPointer, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, web.Event{}, true},
		{"pointer button 16", append(web.PointerMessage(0, 0, 2, 2, 0, 0)[:10], 16), web.Event{}, true},
		{"long ack", []byte{web.MsgAck, 1, 2, 3, 4, 5}, web.Event{}, true},
		{"refresh with data", []byte{web.MsgRefresh, 0}, web.Event{}, true},
		{"empty serial", []byte{web.MsgSerialIn}, web.Event{}, true},
		{"serial too long", web.SerialMessage(make([]byte, web.MaxSerialIn+1)), web.Event{}, true},
		{"oversized", make([]byte, web.MaxClientMessage+1), web.Event{}, true},
	}
	for _, tt := range tests {
		got, err := web.DecodeInput(tt.msg)
		if tt.err {
			if !errors.Is(err, web.ErrBadMessage) {
				t.Errorf("%s: err %v, want ErrBadMessage", tt.name, err)
			}
			continue
		}
		if err != nil || got.Type != tt.want.Type || got.Code != tt.want.Code || got.Known != tt.want.Known || got.Down != tt.want.Down ||
			got.DX != tt.want.DX || got.DY != tt.want.DY || got.DZ != tt.want.DZ || got.Buttons != tt.want.Buttons || got.Seq != tt.want.Seq ||
			got.X != tt.want.X || got.Y != tt.want.Y || got.W != tt.want.W || got.H != tt.want.H {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	ev, err := web.DecodeInput(web.SerialMessage([]byte("ls\r")))
	if err != nil || string(ev.Data) != "ls\r" {
		t.Errorf("serial: %+v %v", ev, err)
	}
}

func loadFrame(t testing.TB, path string) *display.Frame {
	t.Helper()
	rgba, err := display.LoadPNG(path)
	if err != nil {
		t.Fatal(err)
	}
	return &display.Frame{Width: rgba.Rect.Dx(), Height: rgba.Rect.Dy(), Pix: rgba.Pix}
}

// seedEncode is the baseline the issue names: the seed design's messages
// of 64×64 tiles, each either raw RGB or RLE of [R G B extra-run] when that
// is below 90% of raw, with an 8-byte tile header; a keyframe (or a change
// of more than 70% of the tiles) is the whole screen, raw RGB.
func seedEncode(f *display.Frame, dirty *display.TileSet) []byte {
	const ts = 64
	cols, rows := (f.Width+ts-1)/ts, (f.Height+ts-1)/ts
	var changed [][2]int
	for ty := 0; ty < rows; ty++ {
		for tx := 0; tx < cols; tx++ {
			if dirty == nil || anyTile(dirty, tx*ts, ty*ts, ts) {
				changed = append(changed, [2]int{tx, ty})
			}
		}
	}
	if dirty == nil || len(changed)*10 > cols*rows*7 {
		return make([]byte, 5+f.Width*f.Height*3)
	}
	out := make([]byte, 7)
	for _, c := range changed {
		x, y := c[0]*ts, c[1]*ts
		w, h := min(ts, f.Width-x), min(ts, f.Height-y)
		var raw, rle []byte
		for r := y; r < y+h; r++ {
			for i := x; i < x+w; i++ {
				o := (r*f.Width + i) * 4
				raw = append(raw, f.Pix[o], f.Pix[o+1], f.Pix[o+2])
			}
		}
		for i := 0; i < len(raw); {
			j := i + 3
			for j < len(raw) && j-i < 256*3 && bytes.Equal(raw[j:j+3], raw[i:i+3]) {
				j += 3
			}
			rle = append(rle, raw[i], raw[i+1], raw[i+2], byte((j-i)/3-1))
			i = j
		}
		out = append(out, make([]byte, 8)...)
		if len(rle)*10 < len(raw)*9 {
			out = append(append(out, 1), rle...)
		} else {
			out = append(append(out, 0), raw...)
		}
	}
	return out
}

// anyTile reports whether any 16×16 dirty tile lies in the ts×ts square at x,y.
func anyTile(d *display.TileSet, x, y, ts int) bool {
	for ty := y / 16; ty < min((y+ts)/16, d.Rows); ty++ {
		for tx := x / 16; tx < min((x+ts)/16, d.Cols); tx++ {
			if d.Has(tx, ty) {
				return true
			}
		}
	}
	return false
}

func deflated(b []byte) int {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Len()
}

// TestBytesAgainstSeed measures the protocol against the seed design's
// 64×64-tile RLE (raw, and deflated message by message) on real screens:
// it must send fewer bytes in every case.
func TestBytesAgainstSeed(t *testing.T) {
	kolibri := loadFrame(t, testenv.Image(t, "kolibri.png"))
	freedos := loadFrame(t, testenv.Image(t, "freedos722.png"))
	linux := loadFrame(t, testenv.Image(t, "linux-cd.png"))

	// A pointer moving over the desktop: a 12×20 arrow at 10 places.
	pointer := func(f *display.Frame) []func() *display.TileSet {
		var out []func() *display.TileSet
		for i := 0; i < 10; i++ {
			out = append(out, func() *display.TileSet {
				x, y := 300+i*13, 200+i*9
				d := display.NewTileSet(f.Width, f.Height)
				for r := 0; r < 20; r++ {
					for c := 0; c <= r*12/20; c++ {
						o := ((y+r)*f.Width + x + c) * 4
						f.Pix[o], f.Pix[o+1], f.Pix[o+2] = 255, 255, 255
					}
				}
				d.AddRect(x, y, 12, 20)
				return d
			})
		}
		return out
	}
	// A text screen scrolling: every row moves up one line.
	scroll := func(f *display.Frame) []func() *display.TileSet {
		var out []func() *display.TileSet
		for i := 0; i < 5; i++ {
			out = append(out, func() *display.TileSet {
				copy(f.Pix, f.Pix[16*f.Width*4:])
				d := display.NewTileSet(f.Width, f.Height)
				d.AddAll()
				return d
			})
		}
		return out
	}
	// A taskbar clock ticking: a 40×12 area changes.
	clock := func(f *display.Frame) []func() *display.TileSet {
		var out []func() *display.TileSet
		rng := rand.New(rand.NewPCG(3, 4))
		for i := 0; i < 10; i++ {
			out = append(out, func() *display.TileSet {
				x, y := f.Width-60, f.Height-20
				for r := y; r < y+12; r++ {
					for c := x; c < x+40; c++ {
						o := (r*f.Width + c) * 4
						v := byte(0)
						if rng.IntN(3) == 0 {
							v = 255
						}
						f.Pix[o], f.Pix[o+1], f.Pix[o+2] = v, v, v
					}
				}
				d := display.NewTileSet(f.Width, f.Height)
				d.AddRect(x, y, 40, 12)
				return d
			})
		}
		return out
	}
	tests := []struct {
		name    string
		f       *display.Frame
		changes func(*display.Frame) []func() *display.TileSet
	}{
		{"kolibri desktop keyframe", kolibri, nil},
		{"freedos text keyframe", freedos, nil},
		{"linux console keyframe", linux, nil},
		{"kolibri pointer moves", kolibri, pointer},
		{"kolibri clock ticks", kolibri, clock},
		{"linux console scrolls", linux, scroll},
	}
	for _, tt := range tests {
		f := cloneFrame(tt.f)
		enc := web.NewFrameEncoder(true, flate.BestSpeed)
		dec := newFrameDecoder()
		var ours, seed, seedZ int
		first := enc.Encode(f, nil)
		if _, err := dec.apply(first); err != nil {
			t.Fatal(err)
		}
		if tt.changes == nil {
			ours, seed = len(first), len(seedEncode(f, nil))
			seedZ = deflated(append(make([]byte, 5), rgbOf(f)...))
		} else {
			for _, change := range tt.changes(f) {
				d := change()
				msg := enc.Encode(f, d)
				if _, err := dec.apply(msg); err != nil {
					t.Fatal(err)
				}
				s := seedEncode(f, d)
				ours, seed, seedZ = ours+len(msg), seed+len(s), seedZ+deflated(s)
			}
		}
		if !sameRGB(dec.fb, f) {
			t.Fatalf("%s: the decoded screen differs", tt.name)
		}
		t.Logf("%-26s ours %8d bytes   seed 64x64 RLE %8d (%5.1fx)   seed+deflate %8d (%4.1fx)",
			tt.name, ours, seed, float64(seed)/float64(ours), seedZ, float64(seedZ)/float64(ours))
		if ours >= seed || ours >= seedZ {
			t.Errorf("%s: %d bytes, not fewer than the seed's %d (deflated %d)", tt.name, ours, seed, seedZ)
		}
	}
}

// rgbOf is a frame's pixels as RGB, the seed's raw keyframe body.
func rgbOf(f *display.Frame) []byte {
	out := make([]byte, 0, f.Width*f.Height*3)
	for i := 0; i < len(f.Pix); i += 4 {
		out = append(out, f.Pix[i], f.Pix[i+1], f.Pix[i+2])
	}
	return out
}

// BenchmarkEncodeKeyframe is the cost of a 1024×768 desktop keyframe.
func BenchmarkEncodeKeyframe(b *testing.B) {
	f := loadFrame(b, testenv.Image(b, "kolibri.png"))
	for _, level := range []int{flate.BestSpeed, flate.DefaultCompression} {
		b.Run(map[int]string{1: "BestSpeed", -1: "Default"}[level], func(b *testing.B) {
			enc := web.NewFrameEncoder(true, level)
			var n int
			for b.Loop() {
				n = len(enc.Encode(f, nil))
			}
			b.ReportMetric(float64(n), "bytes/frame")
		})
	}
}

// TestCopyTiles: tiles the browser already has elsewhere go as copies, in
// either direction, and the result is exact.
func TestCopyTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	f := display.NewFrame(160, 96) // 10×6 tiles, each different
	for y := 0; y < f.Height; y += 16 {
		for x := 0; x < f.Width; x += 16 {
			paint(f, x, y, 16, 16, "two", rng)
		}
	}
	enc := web.NewFrameEncoder(true, flate.BestSpeed)
	dec := newFrameDecoder()
	key := enc.Encode(f, nil)
	if _, err := dec.apply(key); err != nil {
		t.Fatal(err)
	}
	all := display.NewTileSet(f.Width, f.Height)
	all.AddAll()
	row := 16 * f.Stride()
	tests := []struct {
		name   string
		apply  func()
		copies int // at least
	}{
		{"scroll up a row", func() { copy(f.Pix, f.Pix[row:]) }, 40},
		{"scroll down a row", func() { copy(f.Pix[row:], append([]byte(nil), f.Pix[:len(f.Pix)-row]...)) }, 40},
		{"swap two tiles", func() {
			for r := 0; r < 16; r++ {
				a, b := f.Pix[r*f.Stride():][:64], f.Pix[r*f.Stride()+64:][:64]
				tmp := append([]byte(nil), a...)
				copy(a, b)
				copy(b, tmp)
			}
		}, 1},
	}
	for _, tt := range tests {
		tt.apply()
		msg := enc.Encode(f, all)
		info, err := dec.apply(msg)
		if err != nil || !sameRGB(dec.fb, f) {
			t.Fatalf("%s: err %v, equal %v", tt.name, err, sameRGB(dec.fb, f))
		}
		if info.encs[web.TileCopy] < tt.copies {
			t.Errorf("%s: %d copies (tiles by encoding %v), want at least %d", tt.name, info.encs[web.TileCopy], info.encs, tt.copies)
		}
		t.Logf("%s: %d bytes (keyframe %d), encodings %v", tt.name, len(msg), len(key), info.encs)
	}
}
