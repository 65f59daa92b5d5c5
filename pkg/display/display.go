// Package display is what a running machine shows and what every sink
// (terminal, VNC, browser) reads: the current frame as RGBA pixels with the
// tiles that changed, the text grid in text modes, and a Hub that carries them
// from the one producer (the emulation goroutine) to any number of sinks
// without ever blocking the producer.
package display

// TileSize is the edge of a dirty tile in pixels.
const TileSize = 16

// Frame is a picture of the guest's screen: RGBA, 4 bytes a pixel, rows of
// Width*4 bytes, alpha always 0xFF.
type Frame struct {
	Width, Height int
	Pix           []byte
}

// NewFrame returns a black frame of w×h pixels.
func NewFrame(w, h int) *Frame {
	f := &Frame{Width: w, Height: h, Pix: make([]byte, w*h*4)}
	for i := 3; i < len(f.Pix); i += 4 {
		f.Pix[i] = 0xFF
	}
	return f
}

// Stride is the length of one row in bytes.
func (f *Frame) Stride() int { return f.Width * 4 }

// Cell is one character cell of a text screen: a code page 437 character and
// a VGA attribute (foreground in bits 0–3, background in bits 4–7; blinking
// is off, so bit 7 is a bright background).
type Cell struct {
	Ch   byte
	Attr uint8
}

// TextScreen is the character grid of a text mode.
type TextScreen struct {
	Cols, Rows int
	Cells      []Cell // Rows*Cols, row-major
	// CursorX and CursorY are the cursor's cell; CursorVisible is false when
	// the guest hid it or put it off screen.
	CursorX, CursorY int
	CursorVisible    bool
	// Palette is the RGB of the 16 attribute colours as the guest set them.
	Palette [16][3]uint8
}

// Text returns row r as a string, code page 437 mapped to Unicode.
func (t *TextScreen) Text(r int) string {
	if r < 0 || r >= t.Rows {
		return ""
	}
	rs := make([]rune, t.Cols)
	for c := 0; c < t.Cols; c++ {
		rs[c] = CP437[t.Cells[r*t.Cols+c].Ch]
	}
	return string(rs)
}

// String returns the whole screen as text, one line a row, trailing blanks
// trimmed.
func (t *TextScreen) String() string {
	var b []byte
	for r := 0; r < t.Rows; r++ {
		line := []rune(t.Text(r))
		n := len(line)
		for n > 0 && (line[n-1] == ' ' || line[n-1] == 0) {
			n--
		}
		b = append(b, string(line[:n])...)
		b = append(b, '\n')
	}
	return string(b)
}

// Clone returns a deep copy.
func (t *TextScreen) Clone() *TextScreen {
	if t == nil {
		return nil
	}
	c := *t
	c.Cells = append([]Cell(nil), t.Cells...)
	return &c
}
