package program

import (
	. "github.com/do86/do86/internal/asm86"
)

// routines are the drawing, CMOS and formatting helpers. They keep every
// register (pusha/popa) unless they say what they return.
func routines(a *Asm) {
	a.Comment("Fill [rw]x[rh] pixels at ([rx],[ry]) with colour [rc].")
	a.Label("fill_rect")
	a.Pusha()
	a.Mov(AX, W("ry"))
	a.Mov(BX, Imm(320))
	a.Mul(BX)
	a.Add(AX, W("rx"))
	a.Mov(DI, AX)
	a.Mov(DX, W("rh"))
	a.Label(".row")
	a.Test(DX, DX)
	a.Jz(".done")
	a.Push(DI)
	a.Mov(CX, W("rw"))
	a.Mov(AL, B("rc"))
	a.Rep(a.Stosb)
	a.Pop(DI)
	a.Add(DI, Imm(320))
	a.Dec(DX)
	a.Jmp(".row")
	a.Label(".done")
	a.Popa()
	a.Ret()

	a.Comment("Draw character AL from the 8x8 font at ([tx],[ty]), each dot [sc]x[sc] pixels,")
	a.Comment("in colour [fg] on [bg].")
	a.Label("draw_char")
	a.Pusha()
	a.And(AX, Imm(0x7F))
	a.Shl(AX, Imm(3))
	a.Add(AX, Imm(fontAddr))
	a.Mov(SI, AX)
	a.Mov(AX, W("sc"))
	a.Mov(W("rw"), AX)
	a.Mov(W("rh"), AX)
	a.Mov(AX, W("ty"))
	a.Mov(W("ry"), AX)
	a.Mov(DX, Imm(8))
	a.Label(".row")
	a.Mov(BL, BAt("si", 0)) // this row's dots, leftmost in bit 7
	a.Inc(SI)
	a.Mov(AX, W("tx"))
	a.Mov(W("rx"), AX)
	a.Mov(CX, Imm(8))
	a.Label(".col")
	a.Mov(AL, B("bg"))
	a.Shl(BL, Imm(1))
	a.Jae(".paint") // no carry: background
	a.Mov(AL, B("fg"))
	a.Label(".paint")
	a.Mov(B("rc"), AL)
	a.Call("fill_rect")
	a.Mov(AX, W("sc"))
	a.Add(W("rx"), AX)
	a.Loop(".col")
	a.Mov(AX, W("sc"))
	a.Add(W("ry"), AX)
	a.Dec(DX)
	a.Jnz(".row")
	a.Popa()
	a.Ret()

	a.Comment("Draw the zero-terminated string at SI from ([tx],[ty]) rightwards.")
	a.Label("draw_string")
	a.Pusha()
	a.Label(".next")
	a.Lodsb()
	a.Test(AL, AL)
	a.Jz(".done")
	a.Call("draw_char")
	a.Mov(AX, W("sc"))
	a.Shl(AX, Imm(3))
	a.Add(W("tx"), AX)
	a.Jmp(".next")
	a.Label(".done")
	a.Popa()
	a.Ret()

	a.Comment("AL = CMOS register AL (port 70h selects, port 71h reads).")
	a.Label("cmos_read")
	a.Out(Imm(0x70), AL)
	a.In(AL, Imm(0x71))
	a.Ret()

	a.Comment("Make the RTC value in AL BCD: status B bit 2 says the RTC counts in binary.")
	a.Label("to_bcd")
	a.Push(AX)
	a.Mov(AL, Imm(0x0B))
	a.Call("cmos_read")
	a.Test(AL, Imm(0x04))
	a.Pop(AX)
	a.Jz(".done")
	a.Aam() // AH = AL / 10, AL = AL % 10
	a.Shl(AH, Imm(4))
	a.Or(AL, AH)
	a.Label(".done")
	a.Ret()

	a.Comment("Write AL as two hex digits at DI (DS), advancing DI. BCD prints as decimal.")
	a.Label("put_hex8")
	a.Push(AX)
	a.Push(AX)
	a.Shr(AL, Imm(4))
	a.Call("put_nibble")
	a.Pop(AX)
	a.Call("put_nibble")
	a.Pop(AX)
	a.Ret()
	a.Label("put_nibble")
	a.And(AL, Imm(0x0F))
	a.Add(AL, Imm('0'))
	a.Cmp(AL, Imm('9'))
	a.Jbe(".digit")
	a.Add(AL, Imm('A'-'9'-1))
	a.Label(".digit")
	a.Mov(BAt("di", 0), AL)
	a.Inc(DI)
	a.Ret()

	a.Comment("Write AX (0-999) as three decimal digits at DI (DS), advancing DI.")
	a.Label("put_dec3")
	a.Push(AX)
	a.Push(BX)
	a.Mov(BL, Imm(100))
	a.Div(BL) // AL = hundreds, AH = the rest
	a.Add(AL, Imm('0'))
	a.Mov(BAt("di", 0), AL)
	a.Mov(AL, AH)
	a.Xor(AH, AH)
	a.Mov(BL, Imm(10))
	a.Div(BL)
	a.Add(AX, Imm('0'<<8|'0'))
	a.Mov(BAt("di", 1), AL)
	a.Mov(BAt("di", 2), AH)
	a.Add(DI, Imm(3))
	a.Pop(BX)
	a.Pop(AX)
	a.Ret()

	a.Comment("Send the zero-terminated string at SI to COM1 (3F8h), waiting for the")
	a.Comment("transmitter (line status bit 5) a bounded while.")
	a.Label("serial_print")
	a.Pusha()
	a.Label(".next")
	a.Lodsb()
	a.Test(AL, AL)
	a.Jz(".done")
	a.Mov(BL, AL)
	a.Mov(CX, Imm(0x4000))
	a.Mov(DX, Imm(0x3FD))
	a.Label(".wait")
	a.In(AL, DX)
	a.Test(AL, Imm(0x20))
	a.Jnz(".send")
	a.Loop(".wait")
	a.Label(".send")
	a.Mov(DX, Imm(0x3F8))
	a.Mov(AL, BL)
	a.Out(DX, AL)
	a.Jmp(".next")
	a.Label(".done")
	a.Popa()
	a.Ret()
}

// data holds the variables and strings.
func data(a *Asm) {
	a.Comment("Variables.")
	for _, v := range []struct {
		name string
		word bool
		init uint16
	}{
		{"tx", true, 0}, {"ty", true, 0}, {"sc", true, 1}, {"fg", false, 15}, {"bg", false, bgColor},
		{"rx", true, 0}, {"ry", true, 0}, {"rw", true, 0}, {"rh", true, 0}, {"rc", false, 0},
		{"last_sec", false, 0xFF}, {"last_tick", true, 0xFFFF}, {"col", false, 0},
		{"mouse_x", true, 160}, {"mouse_y", true, 100}, {"mouse_btn", false, 0},
		{"mpkt", false, 0}, {"mpkt1", false, 0}, {"mpkt2", false, 0}, {"mpkt_n", false, 0},
		{"ptr_x", true, 0}, {"ptr_y", true, 0}, {"ptr_btn", false, 0}, {"ptr_vis", false, 0}, {"ptr_color", false, 15},
	} {
		a.Label(v.name)
		if v.word {
			a.DW(v.init)
		} else {
			a.DB(byte(v.init))
		}
	}
	a.Comment("Strings; the digits in the templates are overwritten.")
	for _, s := range []struct{ name, text string }{
		{"s_title", "do86 demo"},
		{"s_prompt", "Type something:"},
		{"s_footer", "keys echo, the mouse moves the arrow"},
		{"s_clock", "00:00:00"},
		{"s_ticks", "PIT ticks 0000"},
		{"s_key", "key: scan -- ascii --"},
		{"s_mouse", "mouse 000,000 ---"},
		{"s_serial", "do86 demo: running\r\n"},
	} {
		a.Label(s.name)
		a.ASCIIZ(s.text)
	}
	a.Comment("The mouse pointer, 8x8, leftmost dot in bit 7.")
	a.Label("arrow")
	a.DB(0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xE0, 0xB0, 0x18)
}
