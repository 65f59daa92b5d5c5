package script_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/pkg/input"
	"github.com/do86/do86/pkg/script"
)

// writePNG makes a w×h PNG in dir.
func writePNG(t *testing.T, dir, name string, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	img.Set(1, 1, color.RGBA{1, 2, 3, 255})
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

func parse(t *testing.T, dir, text string) *script.Script {
	t.Helper()
	sc, err := script.Parse(strings.NewReader(text), "t.do86", dir)
	if err != nil {
		t.Fatalf("parse:\n%s\nerror: %v", text, err)
	}
	return sc
}

func TestParseSteps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, dir, "desk.png", 64, 48)
	sc := parse(t, dir, "\uFEFF# a comment line\r\n"+
		"\n"+
		"timeout 90s   # default for the waits below\n"+
		`wait text 'A:\>'`+"\n"+
		`wait serial "login: ?$" timeout=5s`+"\n"+
		"wait screen desk.png tolerance=2.5 region=0,0,32,16\n"+
		"wait poweroff\n"+
		`type "dir\n"`+"\n"+
		"key ctrl+alt+del enter\n"+
		`send 'uname -a'"\n"`+"\n"+
		"mouse click 10 20 button=right count=2\n"+
		"mouse move 0 0\n"+
		"mouse down 5 6\n"+
		"screenshot out.png\n"+
		"save booted\n"+
		"restore booted\n"+
		`assert text 'COMMAND +COM' "COMMAND.COM is missing"`+"\n"+
		"assert not serial panic message='the kernel panicked'\n"+
		"assert screen desk.png tolerance=0 at=100,200\n"+
		"sleep 1.5s\n"+
		"poweroff # the end\n")
	type want struct {
		line    int
		source  string
		timeout time.Duration
		action  script.Action
	}
	ws := []want{
		{4, `wait text 'A:\>'`, 90 * time.Second, script.WaitText{Re: regexp.MustCompile(`A:\>`)}},
		{5, `wait serial "login: ?$" timeout=5s`, 5 * time.Second, script.WaitSerial{Re: regexp.MustCompile(`login: ?$`)}},
		{6, "wait screen desk.png tolerance=2.5 region=0,0,32,16", 90 * time.Second, nil},
		{7, "wait poweroff", 90 * time.Second, script.WaitPowerOff{}},
		{8, `type "dir\n"`, 90 * time.Second, script.Type{Text: "dir\n"}},
		{9, "key ctrl+alt+del enter", 90 * time.Second, script.Key{Names: []string{"ctrl+alt+del", "enter"},
			Codes: [][]input.Scancode{{input.LCtrl, input.LAlt, input.Delete}, {input.Enter}}}},
		{10, `send 'uname -a'"\n"`, 90 * time.Second, script.Send{Text: "uname -a\n"}},
		{11, "mouse click 10 20 button=right count=2", 90 * time.Second, script.Mouse{Op: "click", X: 10, Y: 20, Button: input.ButtonRight, Count: 2}},
		{12, "mouse move 0 0", 90 * time.Second, script.Mouse{Op: "move", Button: input.ButtonLeft, Count: 1}},
		{13, "mouse down 5 6", 90 * time.Second, script.Mouse{Op: "down", X: 5, Y: 6, Button: input.ButtonLeft, Count: 1}},
		{14, "screenshot out.png", 90 * time.Second, script.Screenshot{File: "out.png"}},
		{15, "save booted", 90 * time.Second, script.Save{Name: "booted"}},
		{16, "restore booted", 90 * time.Second, script.Restore{Name: "booted"}},
		{17, `assert text 'COMMAND +COM' "COMMAND.COM is missing"`, 90 * time.Second,
			script.Assert{What: "text", Re: regexp.MustCompile(`COMMAND +COM`), Message: "COMMAND.COM is missing"}},
		{18, "assert not serial panic message='the kernel panicked'", 90 * time.Second,
			script.Assert{What: "serial", Not: true, Re: regexp.MustCompile(`panic`), Message: "the kernel panicked"}},
		{19, "assert screen desk.png tolerance=0 at=100,200", 90 * time.Second, nil},
		{20, "sleep 1.5s", 1500*time.Millisecond + 90*time.Second, script.Sleep{Duration: 1500 * time.Millisecond}},
		{21, "poweroff", 90 * time.Second, script.PowerOff{}},
	}
	if len(sc.Steps) != len(ws) {
		for _, st := range sc.Steps {
			t.Log(st)
		}
		t.Fatalf("%d steps, want %d", len(sc.Steps), len(ws))
	}
	for i, w := range ws {
		st := sc.Steps[i]
		if st.Line != w.line || st.Source != w.source || st.Timeout != w.timeout {
			t.Errorf("step %d: line %d %q timeout %v; want line %d %q timeout %v", i, st.Line, st.Source, st.Timeout, w.line, w.source, w.timeout)
		}
		if w.action != nil && !reflect.DeepEqual(st.Action, w.action) {
			t.Errorf("step %d (%s): action %#v, want %#v", i, st.Source, st.Action, w.action)
		}
	}
	ws6 := sc.Steps[2].Action.(script.WaitScreen).Screen
	if ws6.Tolerance != 2.5 || ws6.Region != image.Rect(0, 0, 32, 16) || ws6.Want.Rect.Dx() != 64 || ws6.Name != "desk.png" {
		t.Errorf("wait screen: %+v", ws6)
	}
	as := sc.Steps[15].Action.(script.Assert)
	if as.What != "screen" || as.Screen.Tolerance != 0 || !as.Screen.Region.Empty() || !as.Screen.Piece || as.Screen.At != image.Pt(100, 200) {
		t.Errorf("assert screen: %+v", as)
	}
	if got := sc.Steps[0].String(); got != `line 4: wait text 'A:\>'` {
		t.Errorf("String() = %q", got)
	}
}

func TestParseQuoting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ line, want string }{
		{`type abc`, "abc"},
		{`type 'a b\n'`, `a b\n`},
		{`type "a b\n"`, "a b\n"},
		{`type a'#'b`, "a#b"},
		{`type a#b`, "a#b"},
		{`type "\"quoted\""`, `"quoted"`},
		{`type '"'"'"`, `"'`},
		{`type "x=1"`, "x=1"},
		{`type 'tab	inside'`, "tab\tinside"},
		{`type "\x41\u0042"`, "AB"},
		{`type ''`, ""},
		{`type a # b`, "a"},
	} {
		sc := parse(t, "", c.line)
		if got := sc.Steps[0].Action.(script.Type).Text; got != c.want {
			t.Errorf("%s: typed %q, want %q", c.line, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, dir, "small.png", 8, 8)
	for _, c := range []struct{ text, want string }{
		{"wiat text x", `t.do86:1: unknown step "wiat" (did you mean wait?)`},
		{"\n\nwait", "t.do86:3: wait: what to wait for (serial, text, screen or poweroff) is missing"},
		{"wait texts x", "t.do86:1: wait texts: want wait serial"},
		{"wait text '(unclosed'", "t.do86:1: wait text: bad regular expression"},
		{"wait text 'unclosed", "t.do86:1: a single quote is not closed"},
		{`wait text "unclosed`, "t.do86:1: a double quote is not closed"},
		{`type "\q"`, "t.do86:1: bad escape between double quotes"},
		{"type a b", `t.do86:1: type: unexpected "b" (quote an argument with spaces)`},
		{"type", "t.do86:1: type: TEXT (quote text with spaces) is missing"},
		{"type 'é'", `t.do86:1: type: no key of a US keyboard types 'é'`},
		{"type abc delay=slow", `t.do86:1: type: delay="slow" is not a duration`},
		{"send abc delay=1s", "t.do86:1: send: unknown option delay="},
		{"key ctrl+flub", `t.do86:1: key ctrl+flub: unknown key "flub"`},
		{"key", "t.do86:1: key: COMBO is missing"},
		{"wait text x timeout=soon", "t.do86:1: timeout=soon: want a duration"},
		{"wait text x timeout=-1s", "t.do86:1: timeout=-1s: want a duration"},
		{"wait text x colour=red", "t.do86:1: wait text: unknown option colour="},
		{"wait text x timeout=1s timeout=2s", "t.do86:1: option timeout= is given twice"},
		{"timeout", "t.do86:1: timeout: DURATION is missing"},
		{"timeout 0s", `t.do86:1: timeout: "0s" is not a duration`},
		{"sleep forever", `t.do86:1: sleep: "forever" is not a duration`},
		{"wait screen missing.png", "t.do86:1: wait screen: open"},
		{"wait screen small.png tolerance=-1", "t.do86:1: tolerance=-1: want a number ≥ 0"},
		{"wait screen small.png tolerance=NaN", "t.do86:1: tolerance=NaN: want a number ≥ 0"},
		{"wait screen small.png region=0,0,9,9", "t.do86:1: region=0,0,9,9 is not inside small.png (8x8)"},
		{"wait screen small.png region=1,2,3", "t.do86:1: region=1,2,3: want X,Y,W,H"},
		{"wait screen small.png region=0,0,0,4", "t.do86:1: region=0,0,0,4: want X,Y,W,H"},
		{"wait screen small.png at=1", "t.do86:1: at=1: want X,Y in pixels"},
		{"wait screen small.png at=-1,2", "t.do86:1: at=-1,2: want X,Y in pixels"},
		{"wait screen small.png at=1,2 region=0,0,2,2", "t.do86:1: wait screen: at= and region= exclude each other"},
		{"mouse jump 1 2", "t.do86:1: mouse jump: want mouse move, click, down or up"},
		{"mouse click 1", "t.do86:1: mouse click: Y is missing"},
		{"mouse click -1 2", `t.do86:1: mouse click: X "-1" is not a number ≥ 0`},
		{"mouse click 1 2 button=thumb", `t.do86:1: unknown mouse button "thumb"`},
		{"mouse click 1 2 count=0", "t.do86:1: count=0: want 1 to 10 clicks"},
		{"mouse move 1 2 button=left", "t.do86:1: mouse move: unknown option button="},
		{"assert text", "t.do86:1: assert text: RE is missing"},
		{"assert maybe x", "t.do86:1: assert maybe: want assert [not] serial, text or screen"},
		{"assert text x 'msg' message=other", "t.do86:1: assert text: a message and message= both"},
		{"assert text x msg extra", `t.do86:1: assert text: unexpected "extra"`},
		{"poweroff now", `t.do86:1: poweroff: unexpected "now"`},
		{"timeout=5s", "t.do86:1: a line starts with a step, not the option timeout="},
		{"save", "t.do86:1: save: NAME is missing"},
		{"wait text a\nwiat x\nwait text b\ntpye y", "t.do86:4: unknown step \"tpye\" (did you mean type?)"},
	} {
		_, err := script.Parse(strings.NewReader(c.text), "t.do86", dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.text, err, c.want)
		}
	}
}

func TestParseEveryBadLine(t *testing.T) {
	t.Parallel()
	_, err := script.Parse(strings.NewReader("wiat a\nwait text ok\nkey flub\n"), "x.do86", "")
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "x.do86:1: ") || !strings.HasPrefix(lines[1], "x.do86:3: ") {
		t.Fatalf("errors:\n%v\nwant one for line 1 and one for line 3", err)
	}
}

func TestParseNotAScript(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"binary", []byte{0x7f, 'E', 'L', 'F', 0xff, 0xfe, 0}, "not UTF-8 text"},
		{"huge", []byte(strings.Repeat("# x\n", script.MaxScriptSize/4+1)), "larger than"},
	} {
		if _, err := script.Parse(strings.NewReader(string(c.data)), "f", ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := script.ParseFile(filepath.Join(t.TempDir(), "none.do86")); err == nil {
		t.Error("a missing file parsed")
	}
}

// FuzzParse: no input makes the parser panic, and every step it accepts
// has an action and a line.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"wait text 'A:\\>'\ntype \"dir\\n\"", "key ctrl+alt+del", "mouse click 1 2 count=2", `assert not serial "\x00"`, "'", "\"\\", "a=b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := script.Parse(strings.NewReader(s), "f", "")
		if err != nil {
			return
		}
		for _, st := range sc.Steps {
			if st.Action == nil || st.Line < 1 || st.Timeout <= 0 {
				t.Fatalf("step %+v", st)
			}
		}
	})
}
