package boot

import (
	"fmt"
	"strings"
)

// --- data ---

func (a *asm) db(text string, b ...byte) *asm { return a.emit("db "+text, b...) }

func (a *asm) dw(i imm) *asm {
	return a.emit("dw "+i.String(), a.immBytes(a.pc(), i, 16)...)
}

func (a *asm) dd(i imm) *asm {
	return a.emit("dd "+i.String(), a.immBytes(a.pc(), i, 32)...)
}

// asciz emits a NUL-terminated string.
func (a *asm) asciz(s string) *asm {
	return a.emit(fmt.Sprintf("db %q, 0", s), append([]byte(s), 0)...)
}

// --- output ---

// link resolves the fixups; it panics on an unknown label or a short jump
// out of range, which are bugs in the ROM program.
func (a *asm) link() {
	for _, f := range a.fixups {
		t, ok := a.labels[f.label]
		if !ok {
			panic("asm: undefined label " + f.label)
		}
		t += f.add
		switch f.kind {
		case rel8:
			d := t - f.end
			if d < -128 || d > 127 {
				panic(fmt.Sprintf("asm: short jump to %s out of range (%d)", f.label, d))
			}
			a.buf[f.at] = byte(d)
		case rel16:
			d := t - f.end
			a.buf[f.at], a.buf[f.at+1] = byte(d), byte(d>>8)
		case abs16:
			a.buf[f.at], a.buf[f.at+1] = byte(t), byte(t>>8)
		case abs32:
			for k := 0; k < 4; k++ {
				a.buf[f.at+k] = byte(t >> (8 * k))
			}
		}
	}
	a.fixups = nil
}

// listing renders the program: offset, bytes, assembly, comment.
func (a *asm) listing() string {
	var sb strings.Builder
	for _, l := range a.lines {
		switch {
		case l.text == "" && l.n == 0:
			fmt.Fprintf(&sb, "%28s; %s\n", "", l.note)
			continue
		case l.n == 0:
			fmt.Fprintf(&sb, "%04X%24s%s\n", l.off, "", l.text)
			continue
		}
		hex := ""
		for k := 0; k < l.n && k < 8; k++ {
			hex += fmt.Sprintf("%02X ", a.buf[l.off+k])
		}
		if l.n > 8 {
			hex += "…"
		}
		line := fmt.Sprintf("%04X  %-22s    %s", l.off, hex, l.text)
		if l.note != "" {
			line = fmt.Sprintf("%-64s ; %s", line, l.note)
		}
		sb.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return sb.String()
}
