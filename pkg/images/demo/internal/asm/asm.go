// Package asm is a tiny two-pass assembler for 16-bit x86 real-mode code,
// written as Go method calls: just enough instructions, operand forms and
// label arithmetic to write the demo OS, with a listing (address, bytes,
// Intel-syntax text) of everything it emits. It does not optimise: a jump is
// near (rel16) unless the instruction only has a short form (Jcc, LOOP), so
// every instruction has the same size in both passes.
package asm

import (
	"fmt"
	"strings"
)

// Asm collects code. Write a program as a function of an *Asm and give it
// to Assemble.
type Asm struct {
	origin uint16
	pass   int
	buf    []byte
	labels map[string]uint16 // from the previous pass (pass 2) or this one
	seen   map[string]bool   // labels defined in this pass
	lines  []Line
	errs   []string
	scope  string // the last global label, for local labels ".x"
}

// Line is one entry of the listing: an instruction, data, a label or a
// comment.
type Line struct {
	Addr  uint16
	Bytes []byte
	Text  string
	Kind  LineKind
}

// LineKind says what a Line is.
type LineKind int

// Kinds of listing lines.
const (
	Code LineKind = iota
	LabelLine
	CommentLine
)

// Program is an assembled program.
type Program struct {
	Origin uint16
	Code   []byte
	Lines  []Line
	Labels map[string]uint16
}

// Assemble runs prog twice: the first pass learns where the labels are, the
// second emits the code with them. The origin is the address the code runs
// at (its offset in its segment).
func Assemble(origin uint16, prog func(a *Asm)) (*Program, error) {
	var labels map[string]uint16
	var a *Asm
	for pass := 1; pass <= 2; pass++ {
		a = &Asm{origin: origin, pass: pass, labels: labels, seen: map[string]bool{}}
		if pass == 1 {
			a.labels = map[string]uint16{}
		}
		prog(a)
		if pass == 1 {
			labels = a.labels
			// Forward references are unresolved in pass 1; only
			// definitions matter.
			a.errs = filterUndefined(a.errs)
		}
		if len(a.errs) > 0 {
			return nil, fmt.Errorf("asm: %s", strings.Join(a.errs, "; "))
		}
	}
	return &Program{Origin: origin, Code: a.buf, Lines: a.lines, Labels: a.labels}, nil
}

const undefinedPrefix = "undefined label "

func filterUndefined(errs []string) []string {
	var out []string
	for _, e := range errs {
		if !strings.HasPrefix(e, undefinedPrefix) {
			out = append(out, e)
		}
	}
	return out
}

// PC returns the address of the next byte.
func (a *Asm) PC() uint16 { return a.origin + uint16(len(a.buf)) }

// Len returns the number of bytes emitted so far.
func (a *Asm) Len() int { return len(a.buf) }

func (a *Asm) errorf(format string, args ...any) {
	a.errs = append(a.errs, fmt.Sprintf("%#04x: ", a.PC())+fmt.Sprintf(format, args...))
}

// full expands a local label ".x" to "scope.x".
func (a *Asm) full(name string) string {
	if strings.HasPrefix(name, ".") {
		return a.scope + name
	}
	return name
}

// Label defines name at the current address. A name starting with "." is
// local to the last label without one.
func (a *Asm) Label(name string) {
	if !strings.HasPrefix(name, ".") {
		a.scope = name
	}
	full := a.full(name)
	if a.seen[full] {
		a.errorf("label %s defined twice", full)
	}
	a.seen[full] = true
	if a.pass == 1 {
		a.labels[full] = a.PC()
	} else if a.labels[full] != a.PC() {
		a.errorf("label %s moved between passes", full)
	}
	a.lines = append(a.lines, Line{Addr: a.PC(), Text: name + ":", Kind: LabelLine})
}

// Addr returns the address of a label (0 in the first pass for a label not
// yet defined).
func (a *Asm) Addr(name string) uint16 {
	full := a.full(name)
	v, ok := a.labels[full]
	if !ok {
		a.errs = append(a.errs, undefinedPrefix+full)
	}
	return v
}

// Comment puts a comment line in the listing.
func (a *Asm) Comment(format string, args ...any) {
	a.lines = append(a.lines, Line{Addr: a.PC(), Text: "; " + fmt.Sprintf(format, args...), Kind: CommentLine})
}

// emit appends an instruction's bytes with its listing text.
func (a *Asm) emit(text string, b ...byte) {
	a.lines = append(a.lines, Line{Addr: a.PC(), Bytes: append([]byte(nil), b...), Text: text})
	a.buf = append(a.buf, b...)
}

// DB emits bytes.
func (a *Asm) DB(b ...byte) {
	var parts []string
	for _, x := range b {
		parts = append(parts, fmt.Sprintf("0x%02x", x))
	}
	a.emit("db "+strings.Join(parts, ", "), b...)
}

// DW emits little-endian words.
func (a *Asm) DW(w ...uint16) {
	var parts []string
	var b []byte
	for _, x := range w {
		parts = append(parts, fmt.Sprintf("0x%04x", x))
		b = append(b, byte(x), byte(x>>8))
	}
	a.emit("dw "+strings.Join(parts, ", "), b...)
}

// ASCIIZ emits a string and a terminating zero byte.
func (a *Asm) ASCIIZ(s string) {
	a.emit(fmt.Sprintf("db %q, 0", s), append([]byte(s), 0)...)
}

// Space reserves n zero bytes.
func (a *Asm) Space(n int) {
	a.emit(fmt.Sprintf("times %d db 0", n), make([]byte, n)...)
}

// PadTo fills with fill bytes up to offset off from the start (for the boot
// sector's signature).
func (a *Asm) PadTo(off int, fill byte) {
	n := off - len(a.buf)
	if n < 0 {
		a.errorf("code overruns offset %#x by %d bytes", off, -n)
		return
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = fill
	}
	a.emit(fmt.Sprintf("times %d db 0x%02x", n, fill), b...)
}

// Listing renders the program as text: address, bytes (up to 8 shown per
// line) and the instruction.
func (p *Program) Listing() string {
	var b strings.Builder
	for _, l := range p.Lines {
		switch l.Kind {
		case LabelLine:
			fmt.Fprintf(&b, "%04x                      %s\n", l.Addr, l.Text)
		case CommentLine:
			fmt.Fprintf(&b, "                              %s\n", l.Text)
		default:
			hex := ""
			for i, x := range l.Bytes {
				if i == 8 {
					hex += "…"
					break
				}
				hex += fmt.Sprintf("%02x", x)
			}
			fmt.Fprintf(&b, "%04x  %-18s      %s\n", l.Addr, hex, l.Text)
		}
	}
	return b.String()
}
