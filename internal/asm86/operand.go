package asm86

import (
	"fmt"
	"strings"
)

// Operand is a register, an immediate or a memory reference.
type Operand interface{ String() string }

// Reg is a general register of Size bytes (1, 2 or 4).
type Reg struct {
	N    byte // number in ModRM encoding
	Size int
	name string
}

func (r Reg) String() string { return r.name }

// The general registers.
var (
	AX = Reg{0, 2, "ax"}
	CX = Reg{1, 2, "cx"}
	DX = Reg{2, 2, "dx"}
	BX = Reg{3, 2, "bx"}
	SP = Reg{4, 2, "sp"}
	BP = Reg{5, 2, "bp"}
	SI = Reg{6, 2, "si"}
	DI = Reg{7, 2, "di"}
	AL = Reg{0, 1, "al"}
	CL = Reg{1, 1, "cl"}
	DL = Reg{2, 1, "dl"}
	BL = Reg{3, 1, "bl"}
	AH = Reg{4, 1, "ah"}
	CH = Reg{5, 1, "ch"}
	DH = Reg{6, 1, "dh"}
	BH = Reg{7, 1, "bh"}
	// The 32-bit registers of the 386, reached from 16-bit code with an
	// operand-size prefix.
	EAX = Reg{0, 4, "eax"}
	ECX = Reg{1, 4, "ecx"}
	EDX = Reg{2, 4, "edx"}
	EBX = Reg{3, 4, "ebx"}
	ESP = Reg{4, 4, "esp"}
	EBP = Reg{5, 4, "ebp"}
	ESI = Reg{6, 4, "esi"}
	EDI = Reg{7, 4, "edi"}
)

// SReg is a segment register.
type SReg struct {
	N    byte
	name string
}

func (s SReg) String() string { return s.name }

// The segment registers.
var (
	ES = SReg{0, "es"}
	CS = SReg{1, "cs"}
	SS = SReg{2, "ss"}
	DS = SReg{3, "ds"}
	FS = SReg{4, "fs"} // 386
	GS = SReg{5, "gs"} // 386
)

// segPrefix is the segment-override prefix of each segment register.
var segPrefix = []byte{0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}

// CReg is a control register, moved to and from a 32-bit register.
type CReg struct {
	N    byte
	name string
}

func (c CReg) String() string { return c.name }

// The control registers: CR0 holds the protection-enable and paging bits,
// CR3 the page directory (or PAE page-directory-pointer table) base, CR4
// the paging extensions (PSE, PAE).
var (
	CR0 = CReg{0, "cr0"}
	CR3 = CReg{3, "cr3"}
	CR4 = CReg{4, "cr4"}
)

// Imm is an immediate value.
type Imm int

func (i Imm) String() string {
	if i >= 0 && i < 10 {
		return fmt.Sprint(int(i))
	}
	if i < 0 {
		return fmt.Sprint(int(i))
	}
	return fmt.Sprintf("0x%x", int(i))
}

// LabelImm is the address of a label (plus Off) used as an immediate
// (mov si, msg).
type LabelImm struct {
	Name string
	Off  int
}

func (l LabelImm) String() string {
	if l.Off != 0 {
		return fmt.Sprintf("%s+%d", l.Name, l.Off)
	}
	return l.Name
}

// L names a label's address as an immediate.
func L(name string) LabelImm { return LabelImm{Name: name} }

// Plus adds n to the address.
func (l LabelImm) Plus(n int) LabelImm { l.Off += n; return l }

// Mem is a memory operand: [Base + Label + Disp], Size 1 (byte), 2 (word)
// or 4 (dword), with an optional segment override.
type Mem struct {
	Base  string // "", "bx", "si", "di", "bp", "bx+si", "bx+di", "bp+si", "bp+di"
	Label string // added to Disp, always encoded as a 16-bit displacement
	Disp  int
	Size  int
	Seg   *SReg
}

func (m Mem) String() string {
	if m.Size == 0 {
		return m.addr(Plain)
	}
	return sizeName[m.Size] + " " + m.addr(Plain)
}

// addr is the bracketed address; the Short dialect writes a displacement
// from a base register in decimal.
func (m Mem) addr(d Dialect) string {
	var parts []string
	if m.Base != "" {
		parts = append(parts, m.Base)
	}
	if m.Label != "" {
		parts = append(parts, m.Label)
	}
	switch {
	case m.Disp != 0 && m.Base != "" && d == Short:
		parts = append(parts, fmt.Sprint(m.Disp))
	case m.Disp != 0 || len(parts) == 0:
		parts = append(parts, fmt.Sprintf("0x%x", m.Disp))
	}
	seg := ""
	if m.Seg != nil {
		seg = m.Seg.name + ":"
	}
	return "[" + seg + strings.Join(parts, "+") + "]"
}

var sizeName = map[int]string{1: "byte", 2: "word", 4: "dword"}

// DAt is a dword at [base+disp].
func DAt(base string, disp int) Mem { return Mem{Base: base, Disp: disp, Size: 4} }

// At is [disp] with no size of its own (a register operand gives it).
func At(disp int) Mem { return Mem{Disp: disp} }

// B is a byte at a label ([name]); W a word.
func B(label string) Mem { return Mem{Label: label, Size: 1} }

// W is a word at a label.
func W(label string) Mem { return Mem{Label: label, Size: 2} }

// BAt is a byte at [base+disp]; WAt a word.
func BAt(base string, disp int) Mem { return Mem{Base: base, Disp: disp, Size: 1} }

// WAt is a word at [base+disp].
func WAt(base string, disp int) Mem { return Mem{Base: base, Disp: disp, Size: 2} }

// Idx adds a base register to a label operand: [label+bx].
func (m Mem) Idx(base string) Mem { m.Base = base; return m }

// In puts a segment override on a memory operand.
func (m Mem) In(s SReg) Mem { m.Seg = &s; return m }

var rmBase = map[string]byte{"bx+si": 0, "bx+di": 1, "bp+si": 2, "bp+di": 3, "si": 4, "di": 5, "bp": 6, "bx": 7}

// modrm encodes a ModRM byte (with displacement and segment prefix) for
// reg field r and operand o.
func (a *Asm) modrm(r byte, o Operand) (prefix, enc []byte) {
	switch o := o.(type) {
	case Reg:
		return nil, []byte{0xC0 | r<<3 | o.N}
	case Mem:
		if a.bits != 16 {
			a.errorf("memory operand %v in %d-bit code", o, a.bits)
		}
		if o.Seg != nil {
			prefix = []byte{segPrefix[o.Seg.N]}
		}
		disp := o.Disp
		if o.Label != "" {
			disp += int(a.Addr(o.Label))
		}
		if o.Base == "" {
			return prefix, []byte{r<<3 | 6, byte(disp), byte(disp >> 8)}
		}
		rm, ok := rmBase[o.Base]
		if !ok {
			a.errorf("bad base %q", o.Base)
		}
		switch {
		case o.Label != "" || disp < -128 || disp > 127:
			return prefix, []byte{0x80 | r<<3 | rm, byte(disp), byte(disp >> 8)}
		case disp != 0 || o.Base == "bp":
			return prefix, []byte{0x40 | r<<3 | rm, byte(disp)}
		}
		return prefix, []byte{r<<3 | rm}
	}
	a.errorf("operand %v is not a register or memory", o)
	return nil, []byte{0}
}

// width is 1 for byte operands, 2 for words, 4 for dwords, 0 when it
// cannot tell.
func width(o Operand) int {
	switch o := o.(type) {
	case Reg:
		return o.Size
	case Mem:
		return o.Size
	}
	return 0
}

// immValue is an immediate's value (a label's address for LabelImm).
func (a *Asm) immValue(o Operand) (int, bool) {
	switch o := o.(type) {
	case Imm:
		return int(o), true
	case LabelImm:
		return int(a.Addr(o.Name)) + o.Off, true
	}
	return 0, false
}

// osize is the operand-size prefix an operand of width w needs in the
// current code: 0x66 for a dword in 16-bit code or a word in 32-bit code.
func (a *Asm) osize(w int) []byte {
	if (w == 4 && a.bits == 16) || (w == 2 && a.bits == 32) {
		return []byte{0x66}
	}
	return nil
}

// immBytes encodes v as an immediate of w bytes.
func immBytes(v, w int) []byte {
	out := make([]byte, w)
	for i := range out {
		out[i] = byte(v >> (8 * i))
	}
	return out
}
