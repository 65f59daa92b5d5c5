package term

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
)

// statusLine is the bottom line's state: the frame rate and a passing
// message.
type statusLine struct {
	frames   int // frames drawn since lastTick
	fps      float64
	lastTick time.Time
	msg      string
	msgUntil time.Time
	shown    string // the line as last drawn, to skip redrawing it
}

// messageTime is how long a message (screenshot saved, bad key name) stays.
const messageTime = 4 * time.Second

func (st *statusLine) say(m string) {
	st.msg, st.msgUntil = m, time.Now().Add(messageTime)
}

func (st *statusLine) tick(now time.Time) {
	if el := now.Sub(st.lastTick).Seconds(); el > 0 {
		st.fps = float64(st.frames) / el
	}
	st.frames, st.lastTick = 0, now
}

var (
	statusStyle = tcell.StyleDefault.Foreground(tcell.ColorBlack).Background(tcell.ColorSilver)
	barStyle    = tcell.StyleDefault.Foreground(tcell.ColorWhite).Background(tcell.ColorNavy)
)

// statusText is the status line: image, resolution, frame rate, speed,
// state and how to reach the menu.
func (s *Sink) statusText() string {
	var st Status
	if s.o.Status != nil {
		st = s.o.Status()
	}
	if s.stat.msg != "" && time.Now().Before(s.stat.msgUntil) {
		// A message, and the way to the menu, which never leaves the line.
		return " " + s.stat.msg + " │ " + keyName(s.o.EscapeKey) + " menu"
	}
	s.stat.msg = ""
	res := st.Resolution
	if res == "" {
		switch {
		case s.text != nil:
			res = fmt.Sprintf("%dx%d text", s.text.Cols, s.text.Rows)
		case s.frame != nil:
			res = fmt.Sprintf("%dx%d", s.frame.Width, s.frame.Height)
		default:
			res = "no picture yet"
		}
	}
	state := "running"
	switch {
	case st.Paused || s.paused:
		state = "paused"
	case st.Halted:
		state = "halted"
	}
	parts := []string{}
	if st.Image != "" {
		parts = append(parts, st.Image)
	}
	parts = append(parts, res, fmt.Sprintf("%.0f fps", s.stat.fps))
	if st.MIPS > 0 && !st.Paused && !s.paused {
		if st.MIPS < 10 {
			parts = append(parts, fmt.Sprintf("%.1f MIPS", st.MIPS))
		} else {
			parts = append(parts, fmt.Sprintf("%.0f MIPS", st.MIPS))
		}
	}
	if st.Phase != "" && st.Phase != "protected mode" && st.Phase != "paused" {
		parts = append(parts, st.Phase)
	}
	parts = append(parts, state)
	switch {
	case s.text != nil && s.txt.rows > 0 && (s.txt.visR < s.txt.rows || s.txt.visC < s.txt.cols):
		// A terminal smaller than the guest's grid shows part of it.
		v := s.txt
		parts = append(parts, fmt.Sprintf("rows %d-%d of %d, cols 1-%d of %d", v.top+1, v.top+v.visR, v.rows, v.visC, v.cols))
	case s.oneToOne && s.text == nil && s.lay != nil && (s.lay.ow < s.lay.fw || s.lay.oh < s.lay.fh):
		l := s.lay
		parts = append(parts, fmt.Sprintf("1:1 at %d,%d (arrows in the menu pan)", l.panX, l.panY))
	case s.oneToOne && s.text == nil:
		parts = append(parts, "1:1")
	}
	parts = append(parts, keyName(s.o.EscapeKey)+" menu")
	return " " + strings.Join(parts, " │ ")
}

// drawBottom draws the status line, or the command bar when it is open.
func (s *Sink) drawBottom() {
	if s.h <= 0 {
		return
	}
	text, style := "", statusStyle
	cursor := -1
	if s.bar.open {
		text, cursor = s.barText()
		style = barStyle
	} else {
		text = s.statusText()
	}
	key := fmt.Sprintf("%d|%d|%s", s.w, cursor, text)
	if s.bar.open {
		key = "bar" + key
	}
	if key == s.stat.shown {
		return
	}
	s.stat.shown = key
	rs := []rune(text)
	for x := 0; x < s.w; x++ {
		r := ' '
		if x < len(rs) {
			r = rs[x]
		}
		s.scr.SetContent(x, s.h-1, r, nil, style)
	}
	s.bar.cursorX = min(max(cursor, 0), s.w-1)
}
