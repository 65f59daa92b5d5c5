package script

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Script is a parsed script file.
type Script struct {
	Name  string // the file name, for reports
	Steps []Step
}

// Step is one step of a script.
type Step struct {
	Line    int           // 1-based line of the script; 0 for steps built in Go
	Source  string        // the line as written, without its comment
	Timeout time.Duration // how long the step may take (its timeout= option, else the timeout line before it)
	Action  Action
	// Test names the test the step belongs to (the test line before it);
	// "" for the steps before the first test (the setup).
	Test string
}

// String names the step in reports: its test, line and source.
func (st Step) String() string {
	s := st.Source
	if st.Line > 0 {
		s = fmt.Sprintf("line %d: %s", st.Line, st.Source)
	}
	if st.Test != "" {
		s = st.Test + ": " + s
	}
	return s
}

// MaxScriptSize bounds a script file: scripts are written by hand.
const MaxScriptSize = 1 << 20

// ParseFile reads and parses the script file at path; file names in it are
// relative to its directory.
func ParseFile(path string) (*Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path, filepath.Dir(path))
}

// LineError is what is wrong with one line of a script.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Parse parses a script. name is the file name for errors and reports; dir
// is where the file names in it are relative to. An error names every bad
// line (a *LineError each, joined).
func Parse(r io.Reader, name, dir string) (*Script, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxScriptSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxScriptSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a script", name, MaxScriptSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text: not a script", name)
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	p := parser{file: name, dir: dir, timeout: DefaultTimeout, tests: map[string]int{}}
	sc := &Script{Name: name}
	var errs []error
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		p.lineNo = i + 1
		st, err := p.line(line)
		if err != nil {
			errs = append(errs, &LineError{File: name, Line: i + 1, Msg: err.Error()})
			if len(errs) == 20 {
				errs = append(errs, errors.New("(more errors not shown)"))
				break
			}
			continue
		}
		if st != nil {
			st.Line = i + 1
			st.Test = p.test
			sc.Steps = append(sc.Steps, *st)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sc, nil
}

// parser carries what a line before sets for the lines after.
type parser struct {
	file, dir string
	timeout   time.Duration
	test      string         // the test of the lines after a test line
	tests     map[string]int // the line of each test's name
	lineNo    int
}

// commands lists the first words of steps, for suggestions.
var commands = []string{"test", "timeout", "wait", "sleep", "type", "key", "send", "mouse", "screenshot", "save", "restore", "assert", "poweroff"}

// line parses one line: nil for a blank line, a comment or a setting.
func (p *parser) line(line string) (*Step, error) {
	words, err := splitWords(line)
	if err != nil || len(words) == 0 {
		return nil, err
	}
	if words[0].name != "" {
		return nil, fmt.Errorf("a line starts with a step, not the option %s=", words[0].name)
	}
	cmd := words[0].text
	var args []string
	opts := map[string]string{}
	for _, w := range words[1:] {
		if w.name == "" {
			args = append(args, w.text)
			continue
		}
		if _, dup := opts[w.name]; dup {
			return nil, fmt.Errorf("option %s= is given twice", w.name)
		}
		opts[w.name] = w.text
	}
	st := &Step{Source: sourceOf(line), Timeout: p.timeout}
	a := &stepArgs{cmd: cmd, args: args, opts: opts}
	switch cmd {
	case "test":
		if len(args) == 0 || len(opts) > 0 {
			return nil, errors.New("test: NAME is missing (test takes a name, the rest of the line)")
		}
		name := strings.Join(args, " ")
		if l, dup := p.tests[name]; dup {
			return nil, fmt.Errorf("test %q is named on line %d already: give each test its own name", name, l)
		}
		p.tests[name], p.test = p.lineNo, name
		return nil, nil
	case "timeout":
		d, err := a.duration("DURATION")
		if err == nil {
			err = a.done()
		}
		if err == nil {
			p.timeout = d
		}
		return nil, err
	case "wait":
		st.Action, err = p.wait(a)
	case "sleep":
		var d time.Duration
		if d, err = a.duration("DURATION"); err == nil {
			st.Action = Sleep{d}
			st.Timeout = d + p.timeout
		}
	case "type", "send":
		var s string
		var delay time.Duration
		if cmd == "type" {
			if v, ok := a.opt("delay"); ok {
				if delay, err = time.ParseDuration(v); err != nil || delay < 0 || delay > time.Minute {
					return nil, fmt.Errorf("type: delay=%q is not a duration such as 100ms", v)
				}
			}
		}
		if s, err = a.one("TEXT (quote text with spaces)"); err == nil {
			if cmd == "type" {
				st.Action, err = Type{s, delay}, checkTypable(s)
				st.Timeout += delay * time.Duration(len(s))
			} else {
				st.Action = Send{s}
			}
		}
	case "key":
		st.Action, err = keyStep(a)
	case "mouse":
		st.Action, err = mouseStep(a)
	case "screenshot":
		var f string
		if f, err = a.one("FILE"); err == nil {
			st.Action = Screenshot{f}
		}
	case "save", "restore":
		var n string
		if n, err = a.one("NAME"); err == nil {
			if cmd == "save" {
				st.Action = Save{n}
			} else {
				st.Action = Restore{n}
			}
		}
	case "assert":
		st.Action, err = p.assert(a)
	case "poweroff":
		st.Action, err = PowerOff{}, a.none()
	default:
		msg := fmt.Sprintf("unknown step %q", cmd)
		if s := suggest(cmd, commands); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return nil, errors.New(msg + "; steps: " + strings.Join(commands, ", "))
	}
	if err != nil {
		return nil, err
	}
	if t, ok := a.opts["timeout"]; ok {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("timeout=%s: want a duration such as 30s", t)
		}
		st.Timeout = d
		delete(a.opts, "timeout")
	}
	if err := a.done(); err != nil {
		return nil, err
	}
	return st, nil
}

// sourceOf is a line (one that parsed) without its comment and
// surrounding blanks: the comment starts at a '#' after a blank, outside
// quotes.
func sourceOf(line string) string {
	s := strings.TrimSpace(line)
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// stepArgs are a line's arguments and options as the step takes them.
type stepArgs struct {
	cmd  string
	args []string
	used int
	opts map[string]string
}

// next takes the next argument, naming what is missing.
func (a *stepArgs) next(what string) (string, error) {
	if a.used >= len(a.args) {
		return "", fmt.Errorf("%s: %s is missing", a.cmd, what)
	}
	a.used++
	return a.args[a.used-1], nil
}

// one takes the single argument of a step.
func (a *stepArgs) one(what string) (string, error) {
	s, err := a.next(what)
	if err != nil {
		return "", err
	}
	return s, a.none()
}

// none checks that no argument is left.
func (a *stepArgs) none() error {
	if a.used < len(a.args) {
		return fmt.Errorf("%s: unexpected %q (quote an argument with spaces)", a.cmd, a.args[a.used])
	}
	return nil
}

// done checks that every argument and option was taken.
func (a *stepArgs) done() error {
	if err := a.none(); err != nil {
		return err
	}
	if len(a.opts) > 0 {
		names := make([]string, 0, len(a.opts))
		for name := range a.opts {
			names = append(names, name+"=")
		}
		sort.Strings(names)
		return fmt.Errorf("%s: unknown option %s", a.cmd, strings.Join(names, ", "))
	}
	return nil
}

// opt takes an option ("" when absent).
func (a *stepArgs) opt(name string) (string, bool) {
	v, ok := a.opts[name]
	delete(a.opts, name)
	return v, ok
}

func (a *stepArgs) duration(what string) (time.Duration, error) {
	s, err := a.next(what)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a duration such as 30s or 1.5m", a.cmd, s)
	}
	return d, nil
}

func (a *stepArgs) regexp(what string) (*regexp.Regexp, error) {
	s, err := a.next(what)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("%s: bad regular expression: %v", a.cmd, err)
	}
	return re, nil
}

func (a *stepArgs) int(what string) (int, error) {
	s, err := a.next(what)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %s %q is not a number ≥ 0", a.cmd, what, s)
	}
	return n, nil
}
