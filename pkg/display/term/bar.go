package term

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"time"
	"unicode"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/input"
)

// commandBar is the one-line menu the escape key opens over the status line.
// With prompt set it is reading a line (key combination, file name).
type commandBar struct {
	open    bool
	prompt  string // "" for the menu, else the question asked
	line    []rune
	cursorX int
}

const (
	promptKeys = "keys (e.g. ctrl+alt+f1): "
	promptShot = "screenshot to: "
)

// key handles a key event: the command bar's when it is open, else the
// guest's. It returns true when the user quit.
func (s *Sink) key(ev *tcell.EventKey) bool {
	if s.showLog { // any key closes the history
		s.showLog = false
		s.full = true
		s.Redraw()
		return false
	}
	if !s.bar.open {
		if s.isEscape(ev) {
			s.bar = commandBar{open: true}
			return false
		}
		s.sendKey(ev)
		return false
	}
	if s.bar.prompt != "" {
		s.promptKey(ev)
		return false
	}
	switch {
	case s.isEscape(ev):
		// Pressed twice: the guest gets the key itself.
		s.bar.open = false
		s.sendKey(ev)
	case ev.Key() == tcell.KeyEscape, ev.Key() == tcell.KeyEnter:
		s.bar.open = false
	case ev.Key() == tcell.KeyLeft, ev.Key() == tcell.KeyRight, ev.Key() == tcell.KeyUp, ev.Key() == tcell.KeyDown:
		s.pan(ev.Key())
	case ev.Key() != tcell.KeyRune:
	default:
		switch ev.Rune() {
		case 'q', 'Q':
			s.bar.open = false
			if s.o.Quit != nil {
				s.o.Quit()
			}
			return true
		case 'd', 'D':
			s.bar.open = false
			input.Chord(s.o.Input, input.LCtrl, input.LAlt, input.Delete)
			s.stat.say("sent Ctrl-Alt-Del")
		case 'k', 'K':
			s.bar.prompt, s.bar.line = promptKeys, nil
		case 's', 'S':
			s.bar.prompt = promptShot
			s.bar.line = []rune(time.Now().Format("do86-20060102-150405.png"))
		case 'm', 'M':
			s.bar.open = false
			if len(s.log) == 0 {
				s.stat.say("no messages")
				break
			}
			s.showLog = true
			s.Redraw()
		case 'z', 'Z':
			s.bar.open = false
			s.oneToOne = !s.oneToOne
			s.lay = nil
			s.full = true
			s.Redraw()
			if s.oneToOne {
				s.stat.say("scale 1:1")
			} else {
				s.stat.say("scale to fit")
			}
		case 'v', 'V':
			s.bar.open = false
			if s.o.Save == nil {
				s.stat.say("snapshots are not available")
				break
			}
			msg, err := s.o.Save()
			if err != nil {
				s.stat.say("snapshot: " + err.Error())
			} else {
				s.stat.say(msg)
			}
		case 'p', 'P':
			s.bar.open = false
			if s.o.Pause == nil {
				s.stat.say("pause is not available")
				break
			}
			s.paused = s.o.Pause()
			if s.paused {
				s.stat.say("paused")
			} else {
				s.stat.say("running")
			}
		}
	}
	return false
}

// isEscape reports whether ev is the escape key. A Ctrl key comes in three
// forms: tcell's KeyCtrl… code (a legacy terminal's control byte), the bare
// control byte, or, from a terminal speaking the kitty or win32 keyboard
// protocols, the character with ModCtrl.
func (s *Sink) isEscape(ev *tcell.EventKey) bool {
	esc, k := s.o.EscapeKey, ev.Key()
	if k == esc {
		return true
	}
	if esc < tcell.KeyCtrlSpace || esc > tcell.KeyCtrlUnderscore {
		return false
	}
	// KeyCtrlA is 'A', KeyCtrlRightSq is ']': the code is the character.
	switch {
	case k < ' ':
		return k+'@' == esc
	case k == tcell.KeyRune && ev.Modifiers()&(tcell.ModCtrl|tcell.ModAlt) == tcell.ModCtrl:
		return unicode.ToUpper(ev.Rune()) == rune(esc)
	}
	return false
}

// promptKey edits the prompt's line; Enter carries it out, Esc drops it.
func (s *Sink) promptKey(ev *tcell.EventKey) {
	b := &s.bar
	switch ev.Key() {
	case tcell.KeyEscape:
		b.open, b.prompt = false, ""
	case tcell.KeyBackspace, tcell.KeyDEL:
		if len(b.line) > 0 {
			b.line = b.line[:len(b.line)-1]
		}
	case tcell.KeyCtrlU:
		b.line = nil
	case tcell.KeyRune:
		b.line = append(b.line, ev.Rune())
	case tcell.KeyEnter:
		prompt, line := b.prompt, string(b.line)
		b.open, b.prompt = false, ""
		switch prompt {
		case promptKeys:
			codes, err := input.ParseCombo(line)
			if err != nil {
				s.stat.say(err.Error())
				return
			}
			input.Chord(s.o.Input, codes...)
			s.stat.say("sent " + line)
		case promptShot:
			if err := s.screenshot(line); err != nil {
				s.stat.say(err.Error())
				return
			}
			s.stat.say("saved " + line)
		}
	}
}

// screenshot saves the guest's screen: through Options.Screenshot, else the
// last frame the sink read.
func (s *Sink) screenshot(path string) error {
	if path == "" {
		return fmt.Errorf("screenshot: no file name")
	}
	if s.o.Screenshot != nil {
		return s.o.Screenshot(path)
	}
	if s.frame == nil {
		return fmt.Errorf("screenshot: nothing shown yet")
	}
	img := &image.RGBA{Pix: s.frame.Pix, Stride: s.frame.Stride(),
		Rect: image.Rect(0, 0, s.frame.Width, s.frame.Height)}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// barText is the bottom line while the bar is open, and the column of the
// prompt's cursor.
func (s *Sink) barText() (string, int) {
	b := &s.bar
	if b.prompt != "" {
		t := " " + b.prompt + string(b.line)
		return t, len([]rune(t))
	}
	scale := "fit"
	if s.oneToOne {
		scale = "1:1"
	}
	esc := keyName(s.o.EscapeKey)
	pan := ""
	if s.oneToOne && s.text == nil {
		pan = " │ arrows pan"
	}
	return fmt.Sprintf(" q quit │ d Ctrl-Alt-Del │ k keys │ s screenshot │ v snapshot │ m messages │ z scale:%s%s │ p pause │ Esc close │ %s again: send it",
		scale, pan, esc), -1
}

// keyName is how the status line writes a key.
func keyName(k tcell.Key) string {
	if n, ok := tcell.KeyNames[k]; ok {
		return n
	}
	return fmt.Sprintf("key %d", k)
}

// pan moves the 1:1 view a quarter of the picture area in the arrow's
// direction; the command bar stays open for more.
func (s *Sink) pan(k tcell.Key) {
	if !s.oneToOne || s.text != nil || s.lay == nil {
		s.stat.say("arrows pan the picture at 1:1 (z)")
		return
	}
	l := s.lay
	dx, dy := max(8, l.ow/4), max(8, l.oh/4)
	switch k {
	case tcell.KeyLeft:
		s.panX = l.panX - dx
	case tcell.KeyRight:
		s.panX = l.panX + dx
	case tcell.KeyUp:
		s.panY = l.panY - dy
	case tcell.KeyDown:
		s.panY = l.panY + dy
	}
	s.panX, s.panY = max(0, min(s.panX, l.fw-l.ow)), max(0, min(s.panY, l.fh-l.oh))
	s.lay = nil
	s.full = true
	s.Redraw()
	s.stat.say(fmt.Sprintf("1:1 at %d,%d of %dx%d", s.lay.panX, s.lay.panY, s.lay.fw, s.lay.fh))
}

// drawLog paints the message history over the bottom of the picture.
func (s *Sink) drawLog() {
	aw, ah := s.pictureArea()
	n := min(len(s.log), ah)
	for i, line := range s.log[len(s.log)-n:] {
		rs := []rune(" " + line)
		y := ah - n + i
		for x := 0; x < aw; x++ {
			r := ' '
			if x < len(rs) {
				r = rs[x]
			}
			s.scr.SetContent(x, y, r, nil, barStyle)
		}
	}
}
