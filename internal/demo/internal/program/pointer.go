package program

import (
	. "github.com/do86/do86/internal/asm86"
)

// pointer draws the mouse pointer with a save-under buffer: ptr_show puts
// it at the mouse's position, ptr_hide restores what was beneath, and the
// other drawing hides it first where they would draw over it.
func pointer(a *Asm) {
	a.Comment("Hide the pointer if it overlaps rows AX..AX+BX-1 (about to be drawn over).")
	a.Label("ptr_hide_if")
	a.Cmp(B("ptr_vis"), Imm(0))
	a.Jz(".ret")
	a.Push(CX)
	a.Mov(CX, W("ptr_y"))
	a.Add(CX, Imm(8))
	a.Cmp(CX, AX)
	a.Jbe(".out") // the pointer ends above
	a.Add(AX, BX)
	a.Cmp(W("ptr_y"), AX)
	a.Jae(".out") // the pointer starts below
	a.Call("ptr_hide")
	a.Label(".out")
	a.Pop(CX)
	a.Label(".ret")
	a.Ret()

	a.Comment("Take the pointer off the screen.")
	a.Label("ptr_hide")
	a.Cmp(B("ptr_vis"), Imm(0))
	a.Jnz(".go")
	a.Ret()
	a.Label(".go")
	a.Mov(B("ptr_vis"), Imm(0))
	a.Jmp("ptr_restore")

	a.Comment("Show the pointer where the mouse is (redraw it if it moved).")
	a.Label("ptr_show")
	a.Cli() // a consistent copy of what IRQ 12 updates
	a.Mov(AX, W("mouse_x"))
	a.Mov(BX, W("mouse_y"))
	a.Mov(CL, B("mouse_btn"))
	a.Sti()
	a.Cmp(B("ptr_vis"), Imm(0))
	a.Jz(".draw")
	a.Cmp(AX, W("ptr_x"))
	a.Jnz(".moved")
	a.Cmp(BX, W("ptr_y"))
	a.Jnz(".moved")
	a.Cmp(CL, B("ptr_btn"))
	a.Jnz(".moved")
	a.Ret()
	a.Label(".moved")
	a.Call("ptr_hide")
	a.Label(".draw")
	a.Mov(W("ptr_x"), AX)
	a.Mov(W("ptr_y"), BX)
	a.Mov(B("ptr_btn"), CL)
	a.Comment("The status line: mouse X,Y and the buttons held.")
	a.Mov(DI, L("s_mouse").Plus(6))
	a.Call("put_dec3")
	a.Mov(AX, BX)
	a.Mov(DI, L("s_mouse").Plus(10))
	a.Call("put_dec3")
	for i, btn := range []struct {
		bit  int
		name byte
	}{{1, 'L'}, {4, 'M'}, {2, 'R'}} {
		skip := ".btn" + string(btn.name)
		a.Mov(AL, Imm('-'))
		a.Test(CL, Imm(btn.bit))
		a.Jz(skip)
		a.Mov(AL, Imm(int(btn.name)))
		a.Label(skip)
		a.Mov(Mem{Label: "s_mouse", Disp: 14 + i, Size: 1}, AL)
	}
	text(a, 8, mouseY, 1, 7, "s_mouse")
	a.Comment("White, yellow while a button is held.")
	a.Mov(B("ptr_color"), Imm(15))
	a.Test(CL, Imm(7))
	a.Jz(".color")
	a.Mov(B("ptr_color"), Imm(14))
	a.Label(".color")
	a.Call("ptr_save")
	a.Call("ptr_draw")
	a.Mov(B("ptr_vis"), Imm(1))
	a.Ret()

	a.Comment("Copy the 8x8 pixels at the pointer to the save buffer.")
	a.Label("ptr_save")
	ptrLoop(a, func() {
		a.Mov(AL, BAt("bx", 0).In(ES))
		a.Mov(BAt("si", saveAddr), AL)
	})
	a.Comment("Put the saved pixels back.")
	a.Label("ptr_restore")
	ptrLoop(a, func() {
		a.Mov(AL, BAt("si", saveAddr))
		a.Mov(BAt("bx", 0).In(ES), AL)
	})
	a.Comment("Draw the arrow's dots in [ptr_color].")
	a.Label("ptr_draw")
	ptrLoop(a, func() {
		a.Push(BX)
		a.Mov(BX, DX)
		a.Mov(AL, B("arrow").Idx("bx"))
		a.Pop(BX)
		a.Shl(AL, CL) // this column's dot to bit 7
		a.Test(AL, Imm(0x80))
		a.Jz(".next_col")
		a.Mov(AL, B("ptr_color"))
		a.Mov(BAt("bx", 0).In(ES), AL)
	})
}

// ptrLoop runs body for each on-screen pixel of the 8x8 pointer cell, with
// DX = row, CX = column, BX = its offset in the screen (ES) and SI = its
// index in an 8x8 buffer; body may jump to .next_col. It ends with ret.
func ptrLoop(a *Asm, body func()) {
	a.Pusha()
	a.Xor(DX, DX)
	a.Label(".row")
	a.Mov(AX, W("ptr_y"))
	a.Add(AX, DX)
	a.Cmp(AX, Imm(200))
	a.Jae(".next_row")
	a.Push(DX)
	a.Mov(BX, Imm(320))
	a.Mul(BX)
	a.Pop(DX)
	a.Add(AX, W("ptr_x"))
	a.Mov(DI, AX)
	a.Xor(CX, CX)
	a.Label(".col")
	a.Mov(AX, W("ptr_x"))
	a.Add(AX, CX)
	a.Cmp(AX, Imm(320))
	a.Jae(".next_col")
	a.Mov(BX, DI)
	a.Add(BX, CX)
	a.Mov(SI, DX)
	a.Shl(SI, Imm(3))
	a.Add(SI, CX)
	body()
	a.Label(".next_col")
	a.Inc(CX)
	a.Cmp(CX, Imm(8))
	a.Jb(".col")
	a.Label(".next_row")
	a.Inc(DX)
	a.Cmp(DX, Imm(8))
	a.Jb(".row")
	a.Popa()
	a.Ret()
}
