package script

import (
	"errors"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/input"
)

// screen takes a PNG file and the tolerance= and region= options.
func (p *parser) screen(a *stepArgs) (Screen, error) {
	file, err := a.next("FILE.png")
	if err != nil {
		return Screen{}, err
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.dir, path)
	}
	want, err := display.LoadPNG(path)
	if err != nil {
		return Screen{}, fmt.Errorf("%s: %v", a.cmd, err)
	}
	sc := Screen{Want: want, Tolerance: 8, Name: file}
	if t, ok := a.opt("tolerance"); ok {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return Screen{}, fmt.Errorf("tolerance=%s: want a number ≥ 0 (a mean difference, 0 to 255)", t)
		}
		sc.Tolerance = v
	}
	if at, ok := a.opt("at"); ok {
		var x, y int
		n, err := fmt.Sscanf(at, "%d,%d", &x, &y)
		if err != nil || n != 2 || x < 0 || y < 0 || fmt.Sprintf("%d,%d", x, y) != at {
			return Screen{}, fmt.Errorf("at=%s: want X,Y in pixels, where the picture's top-left corner is on the screen", at)
		}
		if _, both := a.opts["region"]; both {
			return Screen{}, fmt.Errorf("%s: at= and region= exclude each other (a piece of the screen is compared whole)", a.cmd)
		}
		sc.Piece, sc.At = true, image.Pt(x, y)
	}
	if r, ok := a.opt("region"); ok {
		var x, y, w, h int
		n, err := fmt.Sscanf(r, "%d,%d,%d,%d", &x, &y, &w, &h)
		rect := image.Rect(x, y, x+w, y+h)
		if err != nil || n != 4 || x < 0 || y < 0 || w <= 0 || h <= 0 || fmt.Sprintf("%d,%d,%d,%d", x, y, w, h) != r {
			return Screen{}, fmt.Errorf("region=%s: want X,Y,W,H in pixels, such as 0,0,320,200", r)
		}
		if !rect.In(want.Rect) {
			return Screen{}, fmt.Errorf("region=%s is not inside %s (%dx%d)", r, file, want.Rect.Dx(), want.Rect.Dy())
		}
		sc.Region = rect
	}
	return sc, nil
}

func (p *parser) wait(a *stepArgs) (Action, error) {
	kind, err := a.next("what to wait for (serial, text, screen or poweroff)")
	if err != nil {
		return nil, err
	}
	a.cmd = "wait " + kind
	switch kind {
	case "serial", "text":
		re, err := a.regexp("RE")
		if err != nil {
			return nil, err
		}
		if kind == "serial" {
			return WaitSerial{re}, a.none()
		}
		return WaitText{re}, a.none()
	case "screen":
		sc, err := p.screen(a)
		return WaitScreen{sc}, err
	case "poweroff":
		return WaitPowerOff{}, a.none()
	}
	return nil, fmt.Errorf("wait %s: want wait serial, wait text, wait screen or wait poweroff", kind)
}

func (p *parser) assert(a *stepArgs) (Action, error) {
	what, err := a.next("what to check (serial, text or screen)")
	if err != nil {
		return nil, err
	}
	as := Assert{}
	if what == "not" {
		as.Not = true
		if what, err = a.next("what to check (serial, text or screen)"); err != nil {
			return nil, err
		}
	}
	a.cmd = "assert " + what
	switch what {
	case AssertSerial, AssertText:
		as.Re, err = a.regexp("RE")
	case AssertScreen:
		as.Screen, err = p.screen(a)
	default:
		return nil, fmt.Errorf("assert %s: want assert [not] serial, text or screen", what)
	}
	if err != nil {
		return nil, err
	}
	as.What = what
	if a.used < len(a.args) {
		as.Message = a.args[a.used]
		a.used++
	}
	if m, ok := a.opt("message"); ok {
		if as.Message != "" {
			return nil, fmt.Errorf("%s: a message and message= both", a.cmd)
		}
		as.Message = m
	}
	return as, a.none()
}

func keyStep(a *stepArgs) (Action, error) {
	if len(a.args) == 0 {
		return nil, errors.New("key: COMBO is missing (such as ctrl+alt+del or enter)")
	}
	k := Key{}
	for _, s := range a.args {
		codes, err := input.ParseCombo(s)
		if err != nil {
			return nil, fmt.Errorf("key %s: %v", s, strings.TrimPrefix(err.Error(), "input: "))
		}
		k.Names = append(k.Names, s)
		k.Codes = append(k.Codes, codes)
	}
	a.used = len(a.args)
	return k, nil
}

func mouseStep(a *stepArgs) (Action, error) {
	op, err := a.next("move, click, down or up")
	if err != nil {
		return nil, err
	}
	a.cmd = "mouse " + op
	switch op {
	case MouseMove, MouseClick, MouseDown, MouseUp:
	default:
		return nil, fmt.Errorf("mouse %s: want mouse move, click, down or up", op)
	}
	m := Mouse{Op: op, Button: input.ButtonLeft, Count: 1}
	if m.X, err = a.int("X"); err != nil {
		return nil, err
	}
	if m.Y, err = a.int("Y"); err != nil {
		return nil, err
	}
	if op != MouseMove {
		if b, ok := a.opt("button"); ok {
			if m.Button, err = Button(b); err != nil {
				return nil, err
			}
		}
	}
	if op == MouseClick {
		if c, ok := a.opt("count"); ok {
			n, err := strconv.Atoi(c)
			if err != nil || n < 1 || n > 10 {
				return nil, fmt.Errorf("count=%s: want 1 to 10 clicks", c)
			}
			m.Count = n
		}
	}
	return m, a.none()
}

// checkTypable refuses text a US keyboard cannot type.
func checkTypable(s string) error {
	for _, r := range s {
		if _, _, ok := input.FromRune(r); !ok {
			return fmt.Errorf("type: no key of a US keyboard types %q (use key for other keys)", r)
		}
	}
	return nil
}

// suggest returns the word of list nearest to w, if it is near.
func suggest(w string, list []string) string {
	best, bestD := "", 3
	l := append([]string(nil), list...)
	sort.Strings(l)
	for _, c := range l {
		if d := editDistance(strings.ToLower(w), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
