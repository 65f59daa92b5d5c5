// Package record records what a machine shows as an animated PNG (APNG),
// with the real timing, cheaply enough to leave on in CI: a Recorder reads
// a display.Hub like any sink — never slowing the machine — at a bounded
// rate, keeps only the frames whose pixels changed, and of each only the
// rectangle that changed, compressed at once (image/png's fastest level)
// into a spool file; Close writes the APNG. A viewer without APNG support
// shows the last screen. Just enough APNG for that: frames are RGB and
// replace their rectangle (no blending, no disposal), no GIF.
package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/do86/do86/pkg/display"
)

// Options configure a Recorder. Zero fields take the defaults named.
type Options struct {
	// MaxFPS is the highest frame rate recorded (default 10): changes
	// closer together are recorded together.
	MaxFPS int
	// Loop makes viewers play the recording over and over; by default it
	// plays once and stays on the last screen.
	Loop bool
}

// Stats tell what a recording cost.
type Stats struct {
	Frames     int           // frames recorded
	Duration   time.Duration // from the first frame to Close
	SpoolBytes int64         // compressed frame data so far
	EncodeTime time.Duration // spent comparing and compressing frames
}

// Recorder records a hub's frames to an APNG file.
type Recorder struct {
	path  string
	opts  Options
	sub   *display.Subscription
	spool *os.File
	sw    *bufio.Writer
	enc   encoder

	stop chan struct{}
	done chan struct{}

	// Owned by the recording goroutine until done is closed.
	shown   *image.RGBA // the last frame recorded, as shown
	first   *image.RGBA // the first frame, to pad to the final size
	canvasW int         // the largest width and height recorded so far
	canvasH int
	times   []time.Time // capture time of each frame
	err     error

	mu    sync.Mutex
	stats Stats
}

// Start records hub to the APNG file path (written by Close); frames are
// spooled in a temporary file beside it meanwhile.
func Start(hub *display.Hub, path string, opts Options) (*Recorder, error) {
	if opts.MaxFPS <= 0 {
		opts.MaxFPS = 10
	}
	spool, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.spool")
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &Recorder{path: path, opts: opts, sub: hub.Subscribe(), spool: spool, sw: bufio.NewWriterSize(spool, 1<<16),
		stop: make(chan struct{}), done: make(chan struct{})}
	r.enc.enc.CompressionLevel = png.BestSpeed
	go r.loop()
	return r, nil
}

// Stats returns the cost so far; safe from any goroutine.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Recorder) loop() {
	defer close(r.done)
	interval := time.Second / time.Duration(r.opts.MaxFPS)
	var last time.Time
	for {
		select {
		case <-r.stop:
			r.capture()
			return
		case <-r.sub.C():
		}
		if wait := time.Until(last.Add(interval)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-r.stop:
				t.Stop()
				r.capture()
				return
			case <-t.C:
			}
		}
		last = time.Now()
		r.capture()
	}
}

// capture reads the hub and records what changed, if anything.
func (r *Recorder) capture() {
	if r.err != nil {
		return
	}
	var frame *image.RGBA
	var rect image.Rectangle
	var at time.Time
	t0 := time.Now()
	r.sub.Read(func(u display.Update) {
		at = time.Now()
		f := u.Frame
		if r.shown == nil || r.shown.Rect.Dx() != f.Width || r.shown.Rect.Dy() != f.Height {
			// A new size: a key frame over everything recorded so far.
			r.shown = image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
			copyOpaque(r.shown.Pix, f.Pix)
			r.canvasW, r.canvasH = max(r.canvasW, f.Width), max(r.canvasH, f.Height)
			frame = padded(r.shown, r.canvasW, r.canvasH)
			rect = frame.Rect
			return
		}
		rect = r.changed(f, u.Dirty)
		if rect.Empty() {
			return
		}
		frame = image.NewRGBA(image.Rect(0, 0, rect.Dx(), rect.Dy()))
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			o := y*f.Stride() + rect.Min.X*4
			copyOpaque(frame.Pix[(y-rect.Min.Y)*frame.Stride:][:rect.Dx()*4], f.Pix[o:o+rect.Dx()*4])
		}
	})
	if frame == nil {
		return
	}
	if r.first == nil {
		r.first = &image.RGBA{Pix: append([]byte(nil), frame.Pix...), Stride: frame.Stride, Rect: frame.Rect}
	}
	data, err := r.enc.imageData(frame)
	if err == nil {
		err = r.spoolFrame(rect, data)
	}
	if err != nil {
		r.err = err
		return
	}
	r.times = append(r.times, at)
	r.mu.Lock()
	r.stats.Frames++
	r.stats.SpoolBytes += int64(len(data))
	r.stats.EncodeTime += time.Since(t0)
	r.mu.Unlock()
}

// changed returns the bounding box of the pixels of f's dirty tiles that
// differ from the recorded frame, and updates the recorded frame.
func (r *Recorder) changed(f *display.Frame, dirty *display.TileSet) image.Rectangle {
	var box image.Rectangle
	stride := f.Stride()
	dirty.Each(f.Width, f.Height, func(x, y, w, h int) {
		for row := y; row < y+h; row++ {
			o := row*stride + x*4
			src, dst := f.Pix[o:o+w*4], r.shown.Pix[o:o+w*4]
			for i := 0; i < len(src); i += 4 {
				if src[i] != dst[i] || src[i+1] != dst[i+1] || src[i+2] != dst[i+2] {
					// The rest of this tile row differs somewhere: take the
					// tile's span rather than finding the last pixel.
					box = box.Union(image.Rect(x+i/4, row, x+w, row+1))
					copyOpaque(dst, src)
					break
				}
			}
		}
	})
	return box
}

// copyOpaque copies RGBA pixels with alpha forced to 0xFF.
func copyOpaque(dst, src []byte) {
	copy(dst, src)
	for i := 3; i < len(dst); i += 4 {
		dst[i] = 0xFF
	}
}

// padded returns img on a black w×h canvas (img itself when it fills it).
func padded(img *image.RGBA, w, h int) *image.RGBA {
	if img.Rect.Dx() == w && img.Rect.Dy() == h {
		return img
	}
	c := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 3; i < len(c.Pix); i += 4 {
		c.Pix[i] = 0xFF
	}
	for y := 0; y < img.Rect.Dy(); y++ {
		copy(c.Pix[y*c.Stride:], img.Pix[y*img.Stride:][:img.Rect.Dx()*4])
	}
	return c
}

// spoolFrame appends a frame: its rectangle and its image data.
func (r *Recorder) spoolFrame(rect image.Rectangle, data []byte) error {
	var h [20]byte
	binary.BigEndian.PutUint32(h[0:], uint32(rect.Min.X))
	binary.BigEndian.PutUint32(h[4:], uint32(rect.Min.Y))
	binary.BigEndian.PutUint32(h[8:], uint32(rect.Dx()))
	binary.BigEndian.PutUint32(h[12:], uint32(rect.Dy()))
	binary.BigEndian.PutUint32(h[16:], uint32(len(data)))
	if _, err := r.sw.Write(h[:]); err != nil {
		return err
	}
	_, err := r.sw.Write(data)
	return err
}

// ErrNothingShown is Close's error when the machine showed no frame.
var ErrNothingShown = errors.New("record: nothing was shown: no recording written")

// Close records the screen as it is now, stops recording and writes the
// APNG file. Safe to call once.
func (r *Recorder) Close() error {
	close(r.stop)
	<-r.done
	r.sub.Close()
	end := time.Now()
	defer func() {
		r.spool.Close()
		os.Remove(r.spool.Name())
	}()
	if r.err != nil {
		return r.err
	}
	if len(r.times) == 0 {
		return ErrNothingShown
	}
	r.mu.Lock()
	r.stats.Duration = end.Sub(r.times[0])
	r.mu.Unlock()
	if err := r.sw.Flush(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := r.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	out, err := os.Create(r.path)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	err = r.write(bw, bufio.NewReaderSize(r.spool, 1<<16), end)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(r.path)
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// write writes the APNG: the last screen as the default image, then the
// spooled frames, each shown until the next was captured (the last until
// end).
func (r *Recorder) write(w io.Writer, spool io.Reader, end time.Time) error {
	W, H := r.canvasW, r.canvasH
	w.Write(pngSignature)
	writeChunk(w, "IHDR", ihdr(W, H))
	plays := 1
	if r.opts.Loop {
		plays = 0
	}
	writeChunk(w, "acTL", actl(len(r.times), plays))
	last, err := r.enc.imageData(padded(r.shown, W, H))
	if err != nil {
		return err
	}
	if err := writeData(w, last, nil); err != nil {
		return err
	}
	var seq uint32
	var h [20]byte
	for i, at := range r.times {
		if _, err := io.ReadFull(spool, h[:]); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		x, y := int(binary.BigEndian.Uint32(h[0:])), int(binary.BigEndian.Uint32(h[4:]))
		rect := image.Rect(x, y, x+int(binary.BigEndian.Uint32(h[8:])), y+int(binary.BigEndian.Uint32(h[12:])))
		data := make([]byte, binary.BigEndian.Uint32(h[16:]))
		if _, err := io.ReadFull(spool, data); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if i == 0 && (rect.Dx() != W || rect.Dy() != H) {
			// The screen grew later: the first frame covers the whole
			// canvas, or what lies outside it would be transparent.
			rect = image.Rect(0, 0, W, H)
			if data, err = r.enc.imageData(padded(r.first, W, H)); err != nil {
				return err
			}
		}
		next := end
		if i+1 < len(r.times) {
			next = r.times[i+1]
		}
		num, den := delayOf(next.Sub(at).Milliseconds())
		if err := writeChunk(w, "fcTL", frameHeader{Rect: rect, DelayNum: num, DelayDen: den}.fctl(seq)); err != nil {
			return err
		}
		seq++
		if err := writeData(w, data, &seq); err != nil {
			return err
		}
	}
	return writeChunk(w, "IEND", nil)
}
