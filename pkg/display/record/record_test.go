package record_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/record"
)

// apngFrame is one decoded frame of an APNG.
type apngFrame struct {
	rect  image.Rectangle
	delay time.Duration
	img   image.Image
}

// decodeAPNG reads an APNG as a viewer would, checking every chunk's CRC
// and the sequence numbers: the canvas size, the frames and the plays.
func decodeAPNG(t *testing.T, b []byte) (w, h int, frames []apngFrame, plays int) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("no PNG signature")
	}
	p := b[8:]
	var ihdr []byte
	var cur *apngFrame
	var data []byte
	seq := uint32(0)
	nframes := -1
	flush := func() {
		if cur == nil {
			return
		}
		// A frame's data is the image data of a PNG of its size.
		var one bytes.Buffer
		one.WriteString("\x89PNG\r\n\x1a\n")
		hd := append([]byte(nil), ihdr...)
		binary.BigEndian.PutUint32(hd[0:], uint32(cur.rect.Dx()))
		binary.BigEndian.PutUint32(hd[4:], uint32(cur.rect.Dy()))
		chunk(&one, "IHDR", hd)
		chunk(&one, "IDAT", data)
		chunk(&one, "IEND", nil)
		img, err := png.Decode(&one)
		if err != nil {
			t.Fatalf("frame %d: %v", len(frames), err)
		}
		cur.img = img
		frames = append(frames, *cur)
		cur, data = nil, nil
	}
	for len(p) > 0 {
		if len(p) < 12 {
			t.Fatal("truncated chunk")
		}
		n := binary.BigEndian.Uint32(p)
		typ, body := string(p[4:8]), p[8:8+n]
		if crc32.ChecksumIEEE(p[4:8+n]) != binary.BigEndian.Uint32(p[8+n:]) {
			t.Fatalf("%s chunk: bad CRC", typ)
		}
		p = p[12+n:]
		switch typ {
		case "IHDR":
			ihdr = body
			w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
		case "acTL":
			nframes, plays = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
		case "fcTL":
			flush()
			if s := binary.BigEndian.Uint32(body); s != seq {
				t.Fatalf("fcTL sequence %d, want %d", s, seq)
			}
			seq++
			fw, fh := int(binary.BigEndian.Uint32(body[4:])), int(binary.BigEndian.Uint32(body[8:]))
			x, y := int(binary.BigEndian.Uint32(body[12:])), int(binary.BigEndian.Uint32(body[16:]))
			num, den := binary.BigEndian.Uint16(body[20:]), binary.BigEndian.Uint16(body[22:])
			if body[24] != 0 || body[25] != 0 {
				t.Fatalf("dispose %d blend %d, want 0 0", body[24], body[25])
			}
			cur = &apngFrame{rect: image.Rect(x, y, x+fw, y+fh), delay: time.Duration(num) * time.Second / time.Duration(den)}
			if !cur.rect.In(image.Rect(0, 0, w, h)) {
				t.Fatalf("frame %v outside the %dx%d canvas", cur.rect, w, h)
			}
		case "fdAT":
			if s := binary.BigEndian.Uint32(body); s != seq {
				t.Fatalf("fdAT sequence %d, want %d", s, seq)
			}
			seq++
			data = append(data, body[4:]...)
		case "IEND":
			flush()
		}
	}
	if nframes != len(frames) {
		t.Fatalf("acTL says %d frames, the file has %d", nframes, len(frames))
	}
	return w, h, frames, plays
}

func chunk(b *bytes.Buffer, typ string, data []byte) {
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(data)))
	b.Write(l[:])
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(l[:], crc32.ChecksumIEEE(append([]byte(typ), data...)))
	b.Write(l[:])
}

// fill paints a frame with a colour and a mark at x, y.
func fill(w, h int, c byte, x, y int) *display.Frame {
	f := display.NewFrame(w, h)
	for i := 0; i < len(f.Pix); i += 4 {
		f.Pix[i], f.Pix[i+1], f.Pix[i+2] = c, c/2, 255-c
	}
	o := (y*w + x) * 4
	f.Pix[o], f.Pix[o+1], f.Pix[o+2] = 1, 2, 3
	return f
}

// TestRecorder publishes frames — a change, a repaint that changes
// nothing, a larger mode, a smaller one — and decodes the APNG: one frame
// per change, each only the rectangle that changed, the first padded to
// the final size, delays summing to the time recorded, and the canvas
// after each frame exactly the picture published.
func TestRecorder(t *testing.T) {
	t.Parallel()
	hub := display.NewHub()
	path := filepath.Join(t.TempDir(), "run.png")
	r, err := record.Start(hub, path, record.Options{MaxFPS: 20})
	if err != nil {
		t.Fatal(err)
	}
	waitFrames := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for r.Stats().Frames < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d frames recorded, want %d", r.Stats().Frames, n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	a := fill(64, 48, 10, 5, 5)
	b := fill(64, 48, 10, 40, 30) // the mark moved
	c := fill(96, 64, 200, 90, 60)
	d := fill(32, 32, 90, 0, 0)
	shown := []*display.Frame{a, b, c, d}
	start := time.Now()
	hub.Publish(a, nil, nil)
	waitFrames(1)
	time.Sleep(60 * time.Millisecond)
	all := display.NewTileSet(64, 48)
	all.AddAll()
	hub.Publish(b, all, nil)
	waitFrames(2)
	hub.Publish(b, all, nil) // dirty, but nothing changed
	time.Sleep(200 * time.Millisecond)
	if n := r.Stats().Frames; n != 2 {
		t.Fatalf("a repaint without change recorded a frame (%d frames)", n)
	}
	hub.Publish(c, nil, nil)
	waitFrames(3)
	time.Sleep(60 * time.Millisecond)
	hub.Publish(d, nil, nil)
	waitFrames(4)
	time.Sleep(100 * time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	st := r.Stats()
	t.Logf("%d frames, %d bytes of frame data, %v encoding", st.Frames, st.SpoolBytes, st.EncodeTime)

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, h, frames, plays := decodeAPNG(t, raw)
	if w != 96 || h != 64 || len(frames) != 4 || plays != 1 {
		t.Fatalf("%dx%d, %d frames, %d plays; want 96x64, 4 frames, 1 play", w, h, len(frames), plays)
	}
	// The second frame holds only the rows the marks are on.
	if r1 := frames[1].rect; r1.Min.Y != 5 || r1.Max.Y != 31 || r1.Dx() > 64 {
		t.Errorf("frame 1 covers %v, want rows 5 to 30 only", r1)
	}
	if r0 := frames[0].rect; r0 != image.Rect(0, 0, 96, 64) {
		t.Errorf("the first frame covers %v, want the whole canvas", r0)
	}
	canvas := image.NewRGBA(image.Rect(0, 0, w, h))
	var total time.Duration
	for i, f := range frames {
		total += f.delay
		for y := 0; y < f.rect.Dy(); y++ {
			for x := 0; x < f.rect.Dx(); x++ {
				canvas.Set(f.rect.Min.X+x, f.rect.Min.Y+y, f.img.At(f.img.Bounds().Min.X+x, f.img.Bounds().Min.Y+y))
			}
		}
		want := shown[i]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var wr, wg, wb uint8 // black outside the picture
				if x < want.Width && y < want.Height {
					o := (y*want.Width + x) * 4
					wr, wg, wb = want.Pix[o], want.Pix[o+1], want.Pix[o+2]
				}
				cr, cg, cb, _ := canvas.At(x, y).RGBA()
				if uint8(cr>>8) != wr || uint8(cg>>8) != wg || uint8(cb>>8) != wb {
					t.Fatalf("after frame %d, pixel %d,%d is %d,%d,%d, want %d,%d,%d", i, x, y, cr>>8, cg>>8, cb>>8, wr, wg, wb)
				}
			}
		}
	}
	// The delays run from the first capture to Close: within the test's
	// time, and most of it (units wrong by a factor would be far off).
	if total > elapsed || total < elapsed/2 {
		t.Errorf("delays add up to %v, the recording took %v", total, elapsed)
	}
	if frames[1].delay < 100*time.Millisecond {
		t.Errorf("frame 1 shows %v, but the next change came 200 ms later", frames[1].delay)
	}
	// A viewer without APNG shows the last screen.
	last, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := last.At(0, 0); got != canvas.At(0, 0) {
		t.Errorf("default image at 0,0 is %v, want the last screen's %v", got, canvas.At(0, 0))
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*spool")); len(left) > 0 {
		t.Errorf("spool files left: %v", left)
	}
}

func TestRecorderNothingShown(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.png")
	r, err := record.Start(display.NewHub(), path, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != record.ErrNothingShown {
		t.Fatalf("Close: %v, want ErrNothingShown", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a file was written: %v", err)
	}
	if _, err := record.Start(display.NewHub(), filepath.Join(t.TempDir(), "no", "such", "dir.png"), record.Options{}); err == nil {
		t.Fatal("recording into a missing directory started")
	}
}

// BenchmarkRecordFrame is the cost of recording one changed frame of a
// 1024x768 desktop where a 200x150 window moved.
func BenchmarkRecordFrame(b *testing.B) {
	hub := display.NewHub()
	r, err := record.Start(hub, filepath.Join(b.TempDir(), "b.png"), record.Options{MaxFPS: 1000})
	if err != nil {
		b.Fatal(err)
	}
	f := fill(1024, 768, 40, 0, 0)
	hub.Publish(f, nil, nil)
	dirty := display.NewTileSet(1024, 768)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := 100 + i%400
		for y := 200; y < 350; y++ {
			for xx := x; xx < x+200; xx++ {
				o := (y*1024 + xx) * 4
				f.Pix[o] = byte(i + xx)
			}
		}
		dirty.Clear()
		dirty.AddRect(x, 200, 200, 150)
		hub.Publish(f, dirty, nil)
		for r.Stats().Frames < i+2 {
			time.Sleep(50 * time.Microsecond)
		}
	}
	b.StopTimer()
	st := r.Stats()
	b.ReportMetric(float64(st.SpoolBytes)/float64(st.Frames), "bytes/frame")
	b.ReportMetric(float64(st.EncodeTime.Microseconds())/float64(st.Frames), "µs-encode/frame")
	r.Close()
}
