package asm86

import "fmt"

func (a *Asm) text(mn string, ops ...Operand) string {
	hasReg := false
	for _, o := range ops {
		_, r := o.(Reg)
		hasReg = hasReg || r
	}
	s := mn
	for i, o := range ops {
		if i == 0 {
			s += " "
		} else {
			s += ", "
		}
		if m, ok := o.(Mem); ok && a.Dialect == Short {
			if !hasReg && m.Size != 0 {
				s += sizeName[m.Size] + " "
			}
			s += m.addr(Short)
			continue
		}
		s += o.String()
	}
	return s
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func le16(v int) []byte { return []byte{byte(v), byte(v >> 8)} }

// Mov moves src to dst: registers, memory, immediates, segment registers.
func (a *Asm) Mov(dst, src Operand) {
	t := a.text("mov", dst, src)
	switch d := dst.(type) {
	case SReg:
		p, m := a.modrm(d.N, src)
		a.emit(t, cat(p, []byte{0x8E}, m)...)
		return
	case CReg:
		if r, ok := src.(Reg); ok && r.Size == 4 {
			a.emit(t, 0x0F, 0x22, 0xC0|d.N<<3|r.N)
			return
		}
	case Reg:
		if s, ok := src.(SReg); ok {
			_, m := a.modrm(s.N, d)
			a.emit(t, cat(a.osize(d.Size), []byte{0x8C}, m)...)
			return
		}
		if c, ok := src.(CReg); ok && d.Size == 4 {
			a.emit(t, 0x0F, 0x20, 0xC0|c.N<<3|d.N)
			return
		}
		if v, ok := a.immValue(src); ok {
			if d.Size > 1 {
				a.emit(t, cat(a.osize(d.Size), []byte{0xB8 + d.N}, immBytes(v, d.Size))...)
			} else {
				a.emit(t, 0xB0+d.N, byte(v))
			}
			return
		}
	}
	if s, ok := src.(SReg); ok {
		p, m := a.modrm(s.N, dst)
		a.emit(t, cat(p, []byte{0x8C}, m)...)
		return
	}
	if v, ok := a.immValue(src); ok {
		p, m := a.modrm(0, dst)
		if w := width(dst); w > 1 {
			a.emit(t, cat(p, a.osize(w), []byte{0xC7}, m, immBytes(v, w))...)
		} else {
			a.emit(t, cat(p, []byte{0xC6}, m, []byte{byte(v)})...)
		}
		return
	}
	a.rmReg(t, 0x88, dst, src)
}

// rmReg encodes the "op r/m, reg" (base) and "op reg, r/m" (base+2) forms.
func (a *Asm) rmReg(t string, base byte, dst, src Operand) {
	size := max(width(dst), width(src))
	w := byte(0)
	if size > 1 {
		w = 1
	}
	if width(dst) != 0 && width(src) != 0 && width(dst) != width(src) {
		a.errorf("%s: operand sizes differ", t)
	}
	if r, ok := src.(Reg); ok {
		p, m := a.modrm(r.N, dst)
		a.emit(t, cat(p, a.osize(size), []byte{base | w}, m)...)
		return
	}
	if r, ok := dst.(Reg); ok {
		p, m := a.modrm(r.N, src)
		a.emit(t, cat(p, a.osize(size), []byte{base | 2 | w}, m)...)
		return
	}
	a.errorf("%s: unsupported operands", t)
}

// The ALU operations, in their ModRM /digit order.
const (
	opADD = iota
	opOR
	opADC
	opSBB
	opAND
	opSUB
	opXOR
	opCMP
)

func (a *Asm) alu(mn string, op byte, dst, src Operand) {
	t := a.text(mn, dst, src)
	if v, ok := a.immValue(src); ok {
		p, m := a.modrm(op, dst)
		_, isLabel := src.(LabelImm)
		w := width(dst)
		pre := cat(p, a.osize(w))
		r, isReg := dst.(Reg)
		acc := a.Dialect == Short && isReg && r.N == 0
		imm8 := !isLabel && v >= -128 && v <= 127
		switch {
		case w == 1 && acc: // op al, imm8
			a.emit(t, op<<3|4, byte(v))
		case w == 1:
			a.emit(t, cat(pre, []byte{0x80}, m, []byte{byte(v)})...)
		case imm8:
			a.emit(t, cat(pre, []byte{0x83}, m, []byte{byte(v)})...)
		case acc: // op ax/eax, imm
			a.emit(t, cat(pre, []byte{op<<3 | 5}, immBytes(v, w))...)
		default:
			a.emit(t, cat(pre, []byte{0x81}, m, immBytes(v, w))...)
		}
		return
	}
	a.rmReg(t, op<<3, dst, src)
}

// Add, Or, Adc, Sbb, And, Sub, Xor and Cmp are the two-operand ALU
// instructions.
func (a *Asm) Add(d, s Operand) { a.alu("add", opADD, d, s) }

// Or is dst |= src.
func (a *Asm) Or(d, s Operand) { a.alu("or", opOR, d, s) }

// Adc is dst += src + CF.
func (a *Asm) Adc(d, s Operand) { a.alu("adc", opADC, d, s) }

// Sbb is dst -= src + CF.
func (a *Asm) Sbb(d, s Operand) { a.alu("sbb", opSBB, d, s) }

// And is dst &= src.
func (a *Asm) And(d, s Operand) { a.alu("and", opAND, d, s) }

// Sub is dst -= src.
func (a *Asm) Sub(d, s Operand) { a.alu("sub", opSUB, d, s) }

// Xor is dst ^= src.
func (a *Asm) Xor(d, s Operand) { a.alu("xor", opXOR, d, s) }

// Cmp compares dst with src.
func (a *Asm) Cmp(d, s Operand) { a.alu("cmp", opCMP, d, s) }

// Test ands without storing.
func (a *Asm) Test(d, s Operand) {
	t := a.text("test", d, s)
	if v, ok := a.immValue(s); ok {
		p, m := a.modrm(0, d)
		if width(d) == 2 {
			a.emit(t, cat(p, []byte{0xF7}, m, le16(v))...)
		} else {
			a.emit(t, cat(p, []byte{0xF6}, m, []byte{byte(v)})...)
		}
		return
	}
	if r, ok := s.(Reg); ok {
		p, m := a.modrm(r.N, d)
		w := byte(0)
		if r.Size > 1 {
			w = 1
		}
		a.emit(t, cat(p, a.osize(r.Size), []byte{0x84 | w}, m)...)
		return
	}
	a.errorf("%s: unsupported operands", t)
}

// Xchg swaps two operands (one a register).
func (a *Asm) Xchg(d, s Operand) { a.rmReg(a.text("xchg", d, s), 0x86, d, s) }

// Lea loads the address of a memory operand.
func (a *Asm) Lea(d Reg, s Mem) {
	p, m := a.modrm(d.N, s)
	a.emit(a.text("lea", d, s), cat(p, []byte{0x8D}, m)...)
}

// Movzx zero-extends a byte or a word into a wider register (a 386
// instruction).
func (a *Asm) Movzx(d Reg, s Operand) {
	p, m := a.modrm(d.N, s)
	op := byte(0xB6)
	if width(s) == 2 {
		op = 0xB7
	}
	a.emit(a.text("movzx", d, s), cat(p, a.osize(d.Size), []byte{0x0F, op}, m)...)
}

// unary encodes the F6/F7 and FE/FF groups.
func (a *Asm) unary(mn string, op8, op16, digit byte, o Operand) {
	p, m := a.modrm(digit, o)
	code := op8
	pre := a.osize(width(o))
	switch width(o) {
	case 2, 4:
		code = op16
	case 0:
		a.errorf("%s: operand size unknown", mn)
	}
	a.emit(a.text(mn, o), cat(p, pre, []byte{code}, m)...)
}

// Inc adds one.
func (a *Asm) Inc(o Operand) {
	if r, ok := o.(Reg); ok && r.Size > 1 {
		a.emit(a.text("inc", o), cat(a.osize(r.Size), []byte{0x40 + r.N})...)
		return
	}
	a.unary("inc", 0xFE, 0xFF, 0, o)
}

// Dec subtracts one.
func (a *Asm) Dec(o Operand) {
	if r, ok := o.(Reg); ok && r.Size > 1 {
		a.emit(a.text("dec", o), cat(a.osize(r.Size), []byte{0x48 + r.N})...)
		return
	}
	a.unary("dec", 0xFE, 0xFF, 1, o)
}

// Not inverts every bit.
func (a *Asm) Not(o Operand) { a.unary("not", 0xF6, 0xF7, 2, o) }

// Neg negates.
func (a *Asm) Neg(o Operand) { a.unary("neg", 0xF6, 0xF7, 3, o) }

// Mul is unsigned AX = AL*o (DX:AX = AX*o for words).
func (a *Asm) Mul(o Operand) { a.unary("mul", 0xF6, 0xF7, 4, o) }

// Div is unsigned AL,AH = AX/o,AX%o (AX,DX = DX:AX/o, DX:AX%o for words).
func (a *Asm) Div(o Operand) { a.unary("div", 0xF6, 0xF7, 6, o) }

// shift encodes shifts and rotates by an immediate count or by CL.
func (a *Asm) shift(mn string, digit byte, o Operand, count Operand) {
	t := a.text(mn, o, count)
	if n, ok := count.(Imm); ok && a.Dialect == Short {
		t = fmt.Sprintf("%s %s, %d", mn, a.text("", o)[1:], int(n))
	}
	w := byte(0)
	if width(o) > 1 {
		w = 1
	}
	p, m := a.modrm(digit, o)
	p = cat(p, a.osize(width(o)))
	if r, ok := count.(Reg); ok && r == CL {
		a.emit(t, cat(p, []byte{0xD2 | w}, m)...)
		return
	}
	v, _ := a.immValue(count)
	if v == 1 {
		a.emit(t, cat(p, []byte{0xD0 | w}, m)...)
		return
	}
	a.emit(t, cat(p, []byte{0xC0 | w}, m, []byte{byte(v)})...)
}

// Shl shifts left.
func (a *Asm) Shl(o, n Operand) { a.shift("shl", 4, o, n) }

// Shr shifts right, unsigned.
func (a *Asm) Shr(o, n Operand) { a.shift("shr", 5, o, n) }

// Sar shifts right, signed.
func (a *Asm) Sar(o, n Operand) { a.shift("sar", 7, o, n) }

// Rol rotates left.
func (a *Asm) Rol(o, n Operand) { a.shift("rol", 0, o, n) }

// Ror rotates right.
func (a *Asm) Ror(o, n Operand) { a.shift("ror", 1, o, n) }

// Push pushes a register, segment register or word immediate (with the
// Short dialect, a small number as a sign-extended byte).
func (a *Asm) Push(o Operand) {
	t := a.text("push", o)
	switch o := o.(type) {
	case Reg:
		a.emit(t, cat(a.osize(o.Size), []byte{0x50 + o.N})...)
	case Imm:
		if a.Dialect != Short {
			a.emit(t, cat([]byte{0x68}, le16(int(o)))...)
			break
		}
		t = "push word " + o.String()
		if o >= -128 && o <= 127 {
			a.emit(t, cat(a.osize(2), []byte{0x6A, byte(o)})...)
		} else {
			a.emit(t, cat(a.osize(2), []byte{0x68}, le16(int(o)))...)
		}
	case SReg:
		a.emit(t, []byte{0x06, 0x0E, 0x16, 0x1E}[o.N])
	default:
		v, _ := a.immValue(o)
		a.emit(t, cat([]byte{0x68}, le16(v))...)
	}
}

// Pop pops into a register or segment register.
func (a *Asm) Pop(o Operand) {
	t := a.text("pop", o)
	switch o := o.(type) {
	case Reg:
		a.emit(t, cat(a.osize(o.Size), []byte{0x58 + o.N})...)
	case SReg:
		if o == CS {
			a.errorf("pop cs")
		}
		a.emit(t, []byte{0x07, 0, 0x17, 0x1F}[o.N])
	default:
		a.errorf("%s: unsupported operand", t)
	}
}

// In reads a port: In(AL or AX, Imm port or DX).
func (a *Asm) In(d Reg, port Operand) {
	t := a.text("in", d, port)
	w := byte(0)
	if d.Size > 1 {
		w = 1
	}
	if r, ok := port.(Reg); ok && r == DX {
		a.emit(t, 0xEC|w)
		return
	}
	v, _ := a.immValue(port)
	a.emit(t, 0xE4|w, byte(v))
}

// Out writes a port: Out(Imm port or DX, AL or AX).
func (a *Asm) Out(port Operand, s Reg) {
	t := a.text("out", port, s)
	w := byte(0)
	if s.Size > 1 {
		w = 1
	}
	if r, ok := port.(Reg); ok && r == DX {
		a.emit(t, 0xEE|w)
		return
	}
	v, _ := a.immValue(port)
	a.emit(t, 0xE6|w, byte(v))
}

// Rep prefixes a string instruction; pass e.g. a.Stosb.
func (a *Asm) Rep(insn func()) { a.prefix(0xF3, "rep", insn) }

// A32 gives an instruction 32-bit addressing (ESI, EDI, ECX for a string
// instruction); pass e.g. func() { a.Rep(a.Insb) }.
func (a *Asm) A32(insn func()) { a.prefix(0x67, "a32", insn) }

// prefix puts a prefix byte before the instruction insn emits.
func (a *Asm) prefix(b byte, name string, insn func()) {
	n := len(a.lines)
	a.buf = append(a.buf, b)
	insn()
	l := &a.lines[n]
	l.Addr--
	l.Bytes = append([]byte{b}, l.Bytes...)
	l.Text = name + " " + l.Text
}

// Ret returns (near).
func (a *Asm) Ret() { a.emit("ret", 0xC3) }

// Retf returns (far).
func (a *Asm) Retf() { a.emit("retf", 0xCB) }

// Iret returns from an interrupt.
func (a *Asm) Iret() { a.emit("iret", 0xCF) }

// Cli clears the interrupt flag.
func (a *Asm) Cli() { a.emit("cli", 0xFA) }

// Sti sets the interrupt flag.
func (a *Asm) Sti() { a.emit("sti", 0xFB) }

// Hlt waits for an interrupt.
func (a *Asm) Hlt() { a.emit("hlt", 0xF4) }

// Cld makes string instructions count up.
func (a *Asm) Cld() { a.emit("cld", 0xFC) }

// Stosb stores AL at ES:DI and advances DI.
func (a *Asm) Stosb() { a.emit("stosb", 0xAA) }

// Stosw stores AX at ES:DI and advances DI by 2.
func (a *Asm) Stosw() { a.emit("stosw", 0xAB) }

// Insb reads a byte from port DX to ES:DI and advances DI.
func (a *Asm) Insb() { a.emit("insb", 0x6C) }

// Lodsb loads AL from DS:SI and advances SI.
func (a *Asm) Lodsb() { a.emit("lodsb", 0xAC) }

// Movsb copies a byte from DS:SI to ES:DI.
func (a *Asm) Movsb() { a.emit("movsb", 0xA4) }

// Movsw copies a word from DS:SI to ES:DI.
func (a *Asm) Movsw() { a.emit("movsw", 0xA5) }

// Pusha pushes the eight general registers.
func (a *Asm) Pusha() { a.emit("pusha", 0x60) }

// Popa pops the eight general registers.
func (a *Asm) Popa() { a.emit("popa", 0x61) }

// Pushf pushes the flags.
func (a *Asm) Pushf() { a.emit("pushf", 0x9C) }

// Popf pops the flags.
func (a *Asm) Popf() { a.emit("popf", 0x9D) }

// Cbw sign-extends AL into AX.
func (a *Asm) Cbw() { a.emit("cbw", 0x98) }

// Nop does nothing.
func (a *Asm) Nop() { a.emit("nop", 0x90) }

// Stc sets the carry flag.
func (a *Asm) Stc() { a.emit("stc", 0xF9) }

// Clc clears the carry flag.
func (a *Asm) Clc() { a.emit("clc", 0xF8) }

// Aam splits AL into AH = AL/10, AL = AL%10.
func (a *Asm) Aam() { a.emit("aam", 0xD4, 0x0A) }

// Lodsd loads EAX from DS:SI (DS:ESI with A32) and advances it by 4.
func (a *Asm) Lodsd() { a.emit("lodsd", cat(a.osize(4), []byte{0xAD})...) }

// Stosd stores EAX at ES:DI (ES:EDI with A32) and advances it by 4.
func (a *Asm) Stosd() { a.emit("stosd", cat(a.osize(4), []byte{0xAB})...) }

// Op emits an instruction the assembler has no method for (an x87
// instruction, say) from its bytes, with its text for the listing.
func (a *Asm) Op(text string, b ...byte) { a.emit(text, b...) }
