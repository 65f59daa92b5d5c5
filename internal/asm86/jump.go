package asm86

import "fmt"

// Int calls a software interrupt.
func (a *Asm) Int(n byte) { a.emit(fmt.Sprintf("int 0x%02x", n), 0xCD, n) }

// rel16 is the displacement from the end of an instruction of size n to a
// label.
func (a *Asm) rel16(label string, n int) []byte {
	target := int(a.Addr(label))
	return le16(target - (int(a.PC()) + n))
}

// Call calls a label (near).
func (a *Asm) Call(label string) { a.emit("call "+label, cat([]byte{0xE8}, a.rel16(label, 3))...) }

// Jmp jumps to a label (near, rel16).
func (a *Asm) Jmp(label string) { a.emit("jmp "+label, cat([]byte{0xE9}, a.rel16(label, 3))...) }

// JmpFar jumps to seg:off.
func (a *Asm) JmpFar(seg, off uint16) {
	a.emit(fmt.Sprintf("jmp 0x%04x:0x%04x", seg, off), 0xEA, byte(off), byte(off>>8), byte(seg), byte(seg>>8))
}

// short emits a one-byte-displacement jump.
func (a *Asm) short(text string, op byte, label string) {
	target := int(a.Addr(label))
	d := target - (int(a.PC()) + 2)
	if a.pass == 2 && (d < -128 || d > 127) {
		a.errorf("%s: target %d bytes away, out of short range", text, d)
	}
	a.emit(text, op, byte(d))
}

// jcc emits a conditional short jump (within ±127 bytes).
func (a *Asm) jcc(name string, cc byte, label string) {
	a.short(a.shortText(name, label), 0x70+cc, label)
}

// shortText is the text of a short jump: "jz x", or "jz short x" in the
// Short dialect.
func (a *Asm) shortText(name, label string) string {
	if a.Dialect == Short {
		return name + " short " + label
	}
	return name + " " + label
}

// JmpShort jumps to a label within ±127 bytes.
func (a *Asm) JmpShort(label string) { a.short("jmp short "+label, 0xEB, label) }

// Jc jumps if carry (the same instruction as Jb).
func (a *Asm) Jc(label string) { a.jcc("jc", 0x2, label) }

// Jnc jumps if no carry (the same instruction as Jae).
func (a *Asm) Jnc(label string) { a.jcc("jnc", 0x3, label) }

// Je jumps if equal (the same instruction as Jz).
func (a *Asm) Je(label string) { a.jcc("je", 0x4, label) }

// Jne jumps if not equal (the same instruction as Jnz).
func (a *Asm) Jne(label string) { a.jcc("jne", 0x5, label) }

// Jo jumps if overflow.
func (a *Asm) Jo(label string) { a.jcc("jo", 0x0, label) }

// Jb jumps if below (unsigned), that is if carry.
func (a *Asm) Jb(label string) { a.jcc("jb", 0x2, label) }

// Jae jumps if above or equal (unsigned), that is if no carry.
func (a *Asm) Jae(label string) { a.jcc("jae", 0x3, label) }

// Jz jumps if zero (equal).
func (a *Asm) Jz(label string) { a.jcc("jz", 0x4, label) }

// Jnz jumps if not zero (not equal).
func (a *Asm) Jnz(label string) { a.jcc("jnz", 0x5, label) }

// Jbe jumps if below or equal (unsigned).
func (a *Asm) Jbe(label string) { a.jcc("jbe", 0x6, label) }

// Ja jumps if above (unsigned).
func (a *Asm) Ja(label string) { a.jcc("ja", 0x7, label) }

// Js jumps if the sign flag is set.
func (a *Asm) Js(label string) { a.jcc("js", 0x8, label) }

// Jns jumps if the sign flag is clear.
func (a *Asm) Jns(label string) { a.jcc("jns", 0x9, label) }

// Jl jumps if less (signed).
func (a *Asm) Jl(label string) { a.jcc("jl", 0xC, label) }

// Jge jumps if greater or equal (signed).
func (a *Asm) Jge(label string) { a.jcc("jge", 0xD, label) }

// Jle jumps if less or equal (signed).
func (a *Asm) Jle(label string) { a.jcc("jle", 0xE, label) }

// Jg jumps if greater (signed).
func (a *Asm) Jg(label string) { a.jcc("jg", 0xF, label) }

// Loop decrements CX and jumps to label while it is not zero (short).
func (a *Asm) Loop(label string) { a.short("loop "+label, 0xE2, label) }

// Lgdt32 loads the GDT register from a 6-byte pseudo-descriptor at m: a
// 16-bit limit and, with the operand-size prefix, a full 32-bit base.
func (a *Asm) Lgdt32(m Mem) {
	p, enc := a.modrm(2, m)
	a.emit("o32 lgdt "+m.addr(a.Dialect), cat(p, []byte{0x66, 0x0F, 0x01}, enc)...)
}

// Lidt32 loads the IDT register from the 6-byte pseudo-descriptor at m.
func (a *Asm) Lidt32(m Mem) {
	p, enc := a.modrm(3, m)
	a.emit("o32 lidt "+m.addr(a.Dialect), cat(p, []byte{0x66, 0x0F, 0x01}, enc)...)
}

// JmpFarDword jumps through a 6-byte far pointer at m: a 32-bit offset and
// a selector (how 16-bit code enters 32-bit protected mode).
func (a *Asm) JmpFarDword(m Mem) {
	p, enc := a.modrm(5, m)
	a.emit("jmp far dword "+m.addr(a.Dialect), cat(p, []byte{0x66, 0xFF}, enc)...)
}

// JmpReg jumps to the address in a register (near, absolute).
func (a *Asm) JmpReg(r Reg) {
	_, m := a.modrm(4, r)
	a.emit("jmp "+r.String(), cat(a.osize(r.Size), []byte{0xFF}, m)...)
}
