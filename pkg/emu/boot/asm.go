package boot

import (
	"fmt"
)

// asm is a tiny x86 assembler: just the instruction forms the boot ROM
// uses, each encoded from its operands (ModRM, prefixes) and recorded with
// its assembly text so that the ROM has a readable listing. Memory operands
// use 16-bit addressing only; the 32-bit part of the ROM touches no memory.
type asm struct {
	bits   int // operand and address size of the code being emitted: 16 or 32
	buf    []byte
	lines  []asmLine
	labels map[string]int
	fixups []fixup
}

// asmLine is one line of the listing: the bytes at off..off+n and their
// text, or (n == 0, text == "") a comment line.
type asmLine struct {
	off, n int
	text   string
	note   string
}

type fixKind int

const (
	rel8  fixKind = iota // signed byte displacement from the next instruction
	rel16                // 16-bit displacement from the next instruction
	abs16                // the label's offset in the ROM
	abs32
)

type fixup struct {
	at    int // where the value goes
	end   int // offset of the next instruction, for relative fixups
	kind  fixKind
	label string
	add   int
}

func newAsm() *asm { return &asm{bits: 16, labels: map[string]int{}} }

// reg is a general register: number in ModRM encoding and size in bits.
type reg struct {
	name string
	num  byte
	size int
}

var (
	al  = reg{"al", 0, 8}
	ax  = reg{"ax", 0, 16}
	cx  = reg{"cx", 1, 16}
	dx  = reg{"dx", 2, 16}
	bx  = reg{"bx", 3, 16}
	sp  = reg{"sp", 4, 16}
	bp  = reg{"bp", 5, 16}
	si  = reg{"si", 6, 16}
	di  = reg{"di", 7, 16}
	eax = reg{"eax", 0, 32}
	ecx = reg{"ecx", 1, 32}
	edx = reg{"edx", 2, 32}
	ebx = reg{"ebx", 3, 32}
	esp = reg{"esp", 4, 32}
	esi = reg{"esi", 6, 32}
	edi = reg{"edi", 7, 32}
)

// sreg is a segment register: number in ModRM encoding and override prefix.
type sreg struct {
	name   string
	num    byte
	prefix byte
}

var (
	es = sreg{"es", 0, 0x26}
	cs = sreg{"cs", 1, 0x2E}
	ss = sreg{"ss", 2, 0x36}
	ds = sreg{"ds", 3, 0x3E}
	fs = sreg{"fs", 4, 0x64}
	gs = sreg{"gs", 5, 0x65}
)

// mem is a 16-bit-addressed memory operand: [seg:base+disp] or, with no
// base, [seg:disp]. size is the operand size in bits (8, 16, 32), used when
// no register operand gives it.
type mem struct {
	seg  *sreg
	base string // "di", "si", "bp", "bx" or "" for a direct address
	disp int
	size int
}

func (m mem) String() string {
	s := "["
	if m.seg != nil {
		s += m.seg.name + ":"
	}
	switch {
	case m.base == "":
		s += fmt.Sprintf("0x%x", m.disp)
	case m.disp != 0:
		s += fmt.Sprintf("%s+%d", m.base, m.disp)
	default:
		s += m.base
	}
	return s + "]"
}

func sizeName(bits int) string {
	return map[int]string{8: "byte", 16: "word", 32: "dword"}[bits]
}

// imm is an immediate: a number, or a label's ROM offset plus a number.
type imm struct {
	v     int64
	label string
}

func num(v int64) imm              { return imm{v: v} }
func lbl(name string, add int) imm { return imm{v: int64(add), label: name} }

func (i imm) String() string {
	if i.label == "" {
		if i.v >= 0 && i.v < 10 {
			return fmt.Sprint(i.v)
		}
		return fmt.Sprintf("0x%x", i.v)
	}
	if i.v != 0 {
		return fmt.Sprintf("%s+0x%x", i.label, i.v)
	}
	return i.label
}

// fitsInt8 reports whether a plain number can use a sign-extended imm8 form.
func (i imm) fitsInt8() bool { return i.label == "" && i.v >= -128 && i.v <= 127 }

// --- low level ---

func (a *asm) pc() int { return len(a.buf) }

// emit appends encoded bytes as one listing line.
func (a *asm) emit(text string, b ...byte) *asm {
	a.lines = append(a.lines, asmLine{off: a.pc(), n: len(b), text: text})
	a.buf = append(a.buf, b...)
	return a
}

// note attaches a comment to the last line.
func (a *asm) note(s string) *asm {
	a.lines[len(a.lines)-1].note = s
	return a
}

// comment adds a comment line to the listing.
func (a *asm) comment(s string) {
	a.lines = append(a.lines, asmLine{off: a.pc(), note: s})
}

// label defines name at the current offset.
func (a *asm) label(name string) {
	if _, dup := a.labels[name]; dup {
		panic("asm: duplicate label " + name)
	}
	a.labels[name] = a.pc()
	a.lines = append(a.lines, asmLine{off: a.pc(), text: name + ":"})
}

// org pads with zeros up to offset off.
func (a *asm) org(off int) {
	if off < a.pc() {
		panic(fmt.Sprintf("asm: org 0x%x is behind 0x%x", off, a.pc()))
	}
	if off > a.pc() {
		a.emit(fmt.Sprintf("times 0x%x db 0", off-a.pc()), make([]byte, off-a.pc())...)
	}
}

// align pads with zeros to a multiple of n.
func (a *asm) align(n int) { a.org((a.pc() + n - 1) / n * n) }

// opsize returns the operand-size prefix needed for an operand of size bits.
func (a *asm) opsize(bits int) []byte {
	if (bits == 32 && a.bits == 16) || (bits == 16 && a.bits == 32) {
		return []byte{0x66}
	}
	return nil
}

// immBytes encodes an immediate of size bits at offset at, recording a
// fixup for a label.
func (a *asm) immBytes(at int, i imm, bits int) []byte {
	if i.label != "" {
		k := abs16
		if bits == 32 {
			k = abs32
		} else if bits != 16 {
			panic("asm: label immediate must be 16 or 32 bits")
		}
		a.fixups = append(a.fixups, fixup{at: at, kind: k, label: i.label, add: int(i.v)})
	}
	v := uint64(i.v)
	out := make([]byte, bits/8)
	for k := range out {
		out[k] = byte(v >> (8 * k))
	}
	return out
}

// modrmReg is ModRM for a register operand in the r/m field.
func modrmReg(regField, rm byte) byte { return 0xC0 | regField<<3 | rm }

// modrmMem encodes ModRM (and displacement) for a 16-bit memory operand.
func (a *asm) modrmMem(regField byte, m mem) []byte {
	if a.bits != 16 {
		panic("asm: memory operands only in 16-bit code")
	}
	rms := map[string]byte{"si": 4, "di": 5, "bp": 6, "bx": 7}
	if m.base == "" {
		return []byte{regField<<3 | 6, byte(m.disp), byte(m.disp >> 8)}
	}
	rm, ok := rms[m.base]
	if !ok {
		panic("asm: bad base " + m.base)
	}
	switch {
	case m.disp == 0 && m.base != "bp":
		return []byte{regField<<3 | rm}
	case m.disp >= -128 && m.disp <= 127:
		return []byte{0x40 | regField<<3 | rm, byte(m.disp)}
	default:
		return []byte{0x80 | regField<<3 | rm, byte(m.disp), byte(m.disp >> 8)}
	}
}

// memPrefixes returns the segment override and operand-size prefixes.
func (a *asm) memPrefixes(m mem, bits int) []byte {
	var p []byte
	if m.seg != nil {
		p = append(p, m.seg.prefix)
	}
	return append(p, a.opsize(bits)...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// --- instructions ---

// op emits an instruction without operands (or with fixed ones) verbatim.
func (a *asm) op(text string, b ...byte) *asm { return a.emit(text, b...) }

// aluOps numbers the group-1 operations (the /n of opcodes 80, 81, 83).
var aluOps = map[string]byte{"add": 0, "or": 1, "and": 4, "sub": 5, "xor": 6, "cmp": 7}

// aluRR emits op dst, src for add/or/and/sub/xor/cmp/test/mov between
// general registers of the same size.
func (a *asm) aluRR(op string, dst, src reg) *asm {
	if dst.size != src.size {
		panic("asm: size mismatch")
	}
	opc := map[string]byte{"mov": 0x89, "test": 0x85}[op]
	if n, ok := aluOps[op]; ok {
		opc = n<<3 | 1
	} else if opc == 0 {
		panic("asm: bad op " + op)
	}
	if dst.size == 8 {
		opc &^= 1
	}
	b := cat(a.opsize(dst.size), []byte{opc, modrmReg(src.num, dst.num)})
	return a.emit(fmt.Sprintf("%s %s, %s", op, dst.name, src.name), b...)
}

// mov emits mov dst, src between general registers.
func (a *asm) mov(dst, src reg) *asm { return a.aluRR("mov", dst, src) }

// aluRI emits op reg, imm with the shortest encoding.
func (a *asm) aluRI(op string, r reg, i imm) *asm {
	n, ok := aluOps[op]
	if !ok {
		panic("asm: bad op " + op)
	}
	text := fmt.Sprintf("%s %s, %s", op, r.name, i)
	pre := a.opsize(r.size)
	switch {
	case r.size == 8 && r.num == 0: // op al, imm8
		return a.emit(text, n<<3|4, byte(i.v))
	case r.size == 8:
		return a.emit(text, 0x80, modrmReg(n, r.num), byte(i.v))
	case i.fitsInt8():
		return a.emit(text, cat(pre, []byte{0x83, modrmReg(n, r.num), byte(i.v)})...)
	case r.num == 0: // op ax/eax, imm
		head := cat(pre, []byte{n<<3 | 5})
		return a.emit(text, cat(head, a.immBytes(a.pc()+len(head), i, r.size))...)
	default:
		head := cat(pre, []byte{0x81, modrmReg(n, r.num)})
		return a.emit(text, cat(head, a.immBytes(a.pc()+len(head), i, r.size))...)
	}
}

// aluMI emits op size [mem], imm (op may also be "mov").
func (a *asm) aluMI(op string, m mem, i imm) *asm {
	text := fmt.Sprintf("%s %s %s, %s", op, sizeName(m.size), m, i)
	pre := a.memPrefixes(m, m.size)
	if op == "mov" {
		head := cat(pre, []byte{0xC7}, a.modrmMem(0, m))
		return a.emit(text, cat(head, a.immBytes(a.pc()+len(head), i, m.size))...)
	}
	n, ok := aluOps[op]
	if !ok {
		panic("asm: bad op " + op)
	}
	if i.fitsInt8() {
		return a.emit(text, cat(pre, []byte{0x83}, a.modrmMem(n, m), []byte{byte(i.v)})...)
	}
	head := cat(pre, []byte{0x81}, a.modrmMem(n, m))
	return a.emit(text, cat(head, a.immBytes(a.pc()+len(head), i, m.size))...)
}

// movRI emits mov reg, imm.
func (a *asm) movRI(r reg, i imm) *asm {
	text := fmt.Sprintf("mov %s, %s", r.name, i)
	if r.size == 8 {
		return a.emit(text, 0xB0+r.num, byte(i.v))
	}
	head := cat(a.opsize(r.size), []byte{0xB8 + r.num})
	return a.emit(text, cat(head, a.immBytes(a.pc()+len(head), i, r.size))...)
}

// load emits mov reg, [mem].
func (a *asm) load(r reg, m mem) *asm {
	b := cat(a.memPrefixes(m, r.size), []byte{0x8B}, a.modrmMem(r.num, m))
	return a.emit(fmt.Sprintf("mov %s, %s", r.name, m), b...)
}

// store emits mov [mem], reg.
func (a *asm) store(m mem, r reg) *asm {
	b := cat(a.memPrefixes(m, r.size), []byte{0x89}, a.modrmMem(r.num, m))
	return a.emit(fmt.Sprintf("mov %s, %s", m, r.name), b...)
}

// movSR emits mov sreg, reg16 (the encoding is the same in 16- and 32-bit
// code: a segment register is always loaded from 16 bits).
func (a *asm) movSR(s sreg, r reg) *asm {
	return a.emit(fmt.Sprintf("mov %s, %s", s.name, r.name), 0x8E, modrmReg(s.num, r.num))
}

// movRS emits mov reg16, sreg.
func (a *asm) movRS(r reg, s sreg) *asm {
	return a.emit(fmt.Sprintf("mov %s, %s", r.name, s.name), cat(a.opsize(r.size), []byte{0x8C, modrmReg(s.num, r.num)})...)
}

// movzx emits movzx r32, r16.
func (a *asm) movzx(dst, src reg) *asm {
	return a.emit(fmt.Sprintf("movzx %s, %s", dst.name, src.name), cat(a.opsize(32), []byte{0x0F, 0xB7, modrmReg(dst.num, src.num)})...)
}

// shifts numbers the group-2 operations (the /n of opcode C1).
var shifts = map[string]byte{"rol": 0, "ror": 1, "shl": 4, "shr": 5}

// shift emits rol/ror/shl/shr reg, n.
func (a *asm) shift(op string, r reg, n byte) *asm {
	b := cat(a.opsize(r.size), []byte{0xC1, modrmReg(shifts[op], r.num), n})
	return a.emit(fmt.Sprintf("%s %s, %d", op, r.name, n), b...)
}

// push emits push reg.
func (a *asm) push(r reg) *asm {
	return a.emit("push "+r.name, cat(a.opsize(r.size), []byte{0x50 + r.num})...)
}

// pushImm emits push word/dword imm.
func (a *asm) pushImm(bits int, i imm) *asm {
	text := fmt.Sprintf("push %s %s", sizeName(bits), i)
	pre := a.opsize(bits)
	if i.fitsInt8() {
		return a.emit(text, cat(pre, []byte{0x6A, byte(i.v)})...)
	}
	head := cat(pre, []byte{0x68})
	return a.emit(text, cat(head, a.immBytes(a.pc()+len(head), i, bits))...)
}

// movCR0 emits mov eax, cr0 (toCR false) or mov cr0, eax (toCR true).
func (a *asm) movCR0(toCR bool) *asm {
	if toCR {
		return a.emit("mov cr0, eax", 0x0F, 0x22, 0xC0)
	}
	return a.emit("mov eax, cr0", 0x0F, 0x20, 0xC0)
}

// lgdt emits o32 lgdt [mem]: a 16-bit limit and a full 32-bit base.
func (a *asm) lgdt(m mem) *asm {
	b := cat(a.memPrefixes(m, 32), []byte{0x0F, 0x01}, a.modrmMem(2, m))
	return a.emit(fmt.Sprintf("o32 lgdt %s", m), b...)
}

// jmpFar32 emits jmp far dword [mem]: loads EIP and CS from a 6-byte pointer.
func (a *asm) jmpFar32(m mem) *asm {
	b := cat(a.memPrefixes(m, 32), []byte{0xFF}, a.modrmMem(5, m))
	return a.emit(fmt.Sprintf("jmp far dword %s", m), b...)
}

// jmpReg emits jmp reg (near, absolute).
func (a *asm) jmpReg(r reg) *asm {
	return a.emit("jmp "+r.name, cat(a.opsize(r.size), []byte{0xFF, modrmReg(4, r.num)})...)
}

// conds numbers the condition codes of Jcc.
var conds = map[string]byte{"jb": 2, "jc": 2, "jae": 3, "jnc": 3, "je": 4, "jz": 4, "jne": 5, "jnz": 5}

// jcc emits a short conditional jump (or "jmp" for a short unconditional one).
func (a *asm) jcc(cond, target string) *asm {
	op := byte(0xEB)
	if cond != "jmp" {
		c, ok := conds[cond]
		if !ok {
			panic("asm: bad condition " + cond)
		}
		op = 0x70 | c
	}
	a.fixups = append(a.fixups, fixup{at: a.pc() + 1, end: a.pc() + 2, kind: rel8, label: target})
	return a.emit(fmt.Sprintf("%s short %s", cond, target), op, 0)
}

// call emits a near call (16-bit code only).
func (a *asm) call(target string) *asm {
	if a.bits != 16 {
		panic("asm: call in 32-bit code")
	}
	a.fixups = append(a.fixups, fixup{at: a.pc() + 1, end: a.pc() + 3, kind: rel16, label: target})
	return a.emit("call "+target, 0xE8, 0, 0)
}
