// Package asm86 is a tiny two-pass x86 assembler written as Go method
// calls: just enough instructions, operand forms and label arithmetic to
// write the demo OS (16-bit real-mode code) and the boot option ROM (which
// also uses 32-bit registers from real mode and a few 32-bit protected-mode
// instructions), with a listing (address, bytes, Intel-syntax text, notes)
// of everything it emits. It does not optimise: a jump is near (rel16)
// unless the instruction only has a short form (Jcc, LOOP, JmpShort), so
// every instruction has the same size in both passes. Memory operands use
// 16-bit addressing only.
package asm86

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
	bits   int    // operand size of the code being emitted: 16 or 32

	// Dialect chooses between equally valid encodings and spellings; set
	// it at the start of the program.
	Dialect Dialect
}

// Dialect selects, where x86 has two encodings or spellings of the same
// instruction, which one a program gets, so that each keeps its bytes.
type Dialect int

// The dialects.
const (
	// Plain encodes every ALU immediate through ModRM (80/81/83) and
	// writes a size on every memory operand and displacements in hex.
	Plain Dialect = iota
	// Short uses the accumulator forms of ALU immediates (04, 05, ...)
	// and push imm8 (6A), writes "short" on short jumps, shift counts and
	// displacements from a base register in decimal, and a size keyword
	// only where no register operand gives the size.
	Short
)

// Line is one entry of the listing: an instruction, data, a label or a
// comment.
type Line struct {
	Addr  uint16
	Bytes []byte
	Text  string
	Note  string // a comment on the line, from Note
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
		a = &Asm{origin: origin, pass: pass, labels: labels, seen: map[string]bool{}, bits: 16}
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

// Bits32 makes what follows 32-bit protected-mode code (operand size 32,
// no memory operands); Bits16 returns to 16-bit code.
func (a *Asm) Bits32() { a.bits = 32 }

// Bits16 makes what follows 16-bit code, the default.
func (a *Asm) Bits16() { a.bits = 16 }

// Note attaches a comment to the last line of the listing (shown by
// AnnotatedListing).
func (a *Asm) Note(s string) {
	a.lines[len(a.lines)-1].Note = s
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

// Data emits bytes with the given listing text: a string, or a
// placeholder the caller fills in after assembling ("db checksum").
func (a *Asm) Data(text string, b ...byte) { a.emit("db "+text, b...) }

// Word emits a little-endian word: a number or a label's address.
func (a *Asm) Word(o Operand) {
	v, _ := a.immValue(o)
	a.emit("dw "+o.String(), immBytes(v, 2)...)
}

// Dword emits a little-endian dword: a number or a label's address.
func (a *Asm) Dword(o Operand) {
	v, _ := a.immValue(o)
	a.emit("dd "+o.String(), immBytes(v, 4)...)
}

// Org pads with zeros up to offset off from the start.
func (a *Asm) Org(off int) {
	n := off - len(a.buf)
	if n < 0 {
		a.errorf("org %#x is behind %#x", off, len(a.buf))
		return
	}
	if n > 0 {
		a.emit(fmt.Sprintf("times 0x%x db 0", n), make([]byte, n)...)
	}
}

// Align pads with zeros to a multiple of n bytes from the start.
func (a *Asm) Align(n int) { a.Org((len(a.buf) + n - 1) / n * n) }

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

// bytes returns the code of line l as it is now (the caller may have
// patched Code after assembling, say with a checksum).
func (p *Program) bytes(l Line) []byte {
	at := int(l.Addr - p.Origin)
	return p.Code[at : at+len(l.Bytes)]
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
			for i, x := range p.bytes(l) {
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

// AnnotatedListing renders the program with more room: address, bytes
// spaced out in upper case (up to 8 shown per line), the instruction and
// its note in a column of its own.
func (p *Program) AnnotatedListing() string {
	var sb strings.Builder
	for _, l := range p.Lines {
		switch l.Kind {
		case CommentLine:
			fmt.Fprintf(&sb, "%28s%s\n", "", l.Text)
			continue
		case LabelLine:
			fmt.Fprintf(&sb, "%04X%24s%s\n", l.Addr, "", l.Text)
			continue
		}
		hex := ""
		for i, x := range p.bytes(l) {
			if i == 8 {
				hex += "…"
				break
			}
			hex += fmt.Sprintf("%02X ", x)
		}
		line := fmt.Sprintf("%04X  %-22s    %s", l.Addr, hex, l.Text)
		if l.Note != "" {
			line = fmt.Sprintf("%-64s ; %s", line, l.Note)
		}
		sb.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return sb.String()
}
