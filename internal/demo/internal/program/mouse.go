package program

import (
	. "github.com/do86/do86/internal/asm86"
)

// i8042 ports and bits.
const (
	kbcData    = 0x60
	kbcStatus  = 0x64 // read: status; write: controller command
	statusOBF  = 0x01 // a byte waits in the output buffer
	statusIBF  = 0x02 // the controller has not taken the last byte yet
	statusAUX  = 0x20 // ... and the waiting byte is from the mouse
	cmdAUXIRQ  = 0x02 // command byte: interrupt (IRQ 12) on mouse data
	cmdAUXOff  = 0x20 // command byte: mouse port clock disabled
	ivtIRQ12   = 0x74 * 4
	picMaster  = 0x20
	picSlave   = 0xA0
	picEOI     = 0x20
	mouseStart = 0xF4 // enable data reporting
	mouseReset = 0xF6 // set defaults: 100 samples/s, 4 counts/mm, stream mode
)

// mouse programs the i8042 and the PS/2 mouse directly and handles IRQ 12:
// three-byte packets (buttons and signs, X, Y) move mouse_x and mouse_y.
func mouse(a *Asm) {
	a.Comment("Install an IRQ 12 handler, switch the mouse on, unmask IRQ 12.")
	a.Label("mouse_init")
	a.Cli()
	a.Mov(Mem{Disp: ivtIRQ12, Size: 2}, L("irq12"))
	a.Mov(Mem{Disp: ivtIRQ12 + 2, Size: 2}, Imm(0))
	a.Comment("Drain whatever waits in the output buffer.")
	a.Mov(CX, Imm(16))
	a.Label(".drain")
	a.In(AL, Imm(kbcStatus))
	a.Test(AL, Imm(statusOBF))
	a.Jz(".drained")
	a.In(AL, Imm(kbcData))
	a.Loop(".drain")
	a.Label(".drained")
	a.Mov(AL, Imm(0xA8)) // enable the mouse port
	a.Call("kbc_cmd")
	a.Mov(AL, Imm(0x20)) // read the command byte
	a.Call("kbc_cmd")
	a.Call("kbc_read")
	a.And(AL, Imm(^(cmdAUXIRQ|cmdAUXOff)&0xFF)) // mouse clock on, its IRQ off while we talk to it
	a.Mov(BL, AL)
	a.Call("kbc_write_cmdbyte")
	a.Mov(AL, Imm(mouseReset))
	a.Call("mouse_cmd")
	a.Mov(AL, Imm(mouseStart))
	a.Call("mouse_cmd")
	a.Or(BL, Imm(cmdAUXIRQ))
	a.Call("kbc_write_cmdbyte")
	a.Comment("Unmask IRQ 12 (slave PIC line 4) and the cascade (master line 2).")
	a.In(AL, Imm(picSlave+1))
	a.And(AL, Imm(0xEF))
	a.Out(Imm(picSlave+1), AL)
	a.In(AL, Imm(picMaster+1))
	a.And(AL, Imm(0xFB))
	a.Out(Imm(picMaster+1), AL)
	a.Sti()
	a.Ret()

	a.Comment("Write BL as the controller's command byte.")
	a.Label("kbc_write_cmdbyte")
	a.Mov(AL, Imm(0x60))
	a.Call("kbc_cmd")
	a.Mov(AL, BL)
	a.Jmp("kbc_data")

	a.Comment("Send AL to the mouse (controller command D4h) and read its acknowledgement.")
	a.Label("mouse_cmd")
	a.Push(AX)
	a.Mov(AL, Imm(0xD4))
	a.Call("kbc_cmd")
	a.Pop(AX)
	a.Call("kbc_data")
	a.Jmp("kbc_read")

	a.Comment("Controller command AL to port 64h / data AL to port 60h, once the input buffer is free.")
	a.Label("kbc_cmd")
	a.Call("kbc_wait")
	a.Out(Imm(kbcStatus), AL)
	a.Ret()
	a.Label("kbc_data")
	a.Call("kbc_wait")
	a.Out(Imm(kbcData), AL)
	a.Ret()
	a.Label("kbc_wait")
	a.Push(AX)
	a.Push(CX)
	a.Mov(CX, Imm(0xFFFF))
	a.Label(".wait")
	a.In(AL, Imm(kbcStatus))
	a.Test(AL, Imm(statusIBF))
	a.Jz(".done")
	a.Loop(".wait")
	a.Label(".done")
	a.Pop(CX)
	a.Pop(AX)
	a.Ret()

	a.Comment("AL = the next byte from port 60h (a bounded wait for it).")
	a.Label("kbc_read")
	a.Push(CX)
	a.Mov(CX, Imm(0xFFFF))
	a.Label(".wait")
	a.In(AL, Imm(kbcStatus))
	a.Test(AL, Imm(statusOBF))
	a.Jnz(".ready")
	a.Loop(".wait")
	a.Label(".ready")
	a.In(AL, Imm(kbcData))
	a.Pop(CX)
	a.Ret()

	a.Comment("IRQ 12: one byte of a mouse packet.")
	a.Label("irq12")
	a.Push(AX)
	a.Push(BX)
	a.Push(DS)
	a.Xor(AX, AX)
	a.Mov(DS, AX)
	a.In(AL, Imm(kbcStatus))
	a.And(AL, Imm(statusOBF|statusAUX))
	a.Cmp(AL, Imm(statusOBF|statusAUX))
	a.Jnz(".eoi") // nothing from the mouse waits
	a.In(AL, Imm(kbcData))
	a.Movzx(BX, B("mpkt_n"))
	a.Test(BX, BX)
	a.Jnz(".store")
	a.Test(AL, Imm(0x08)) // a packet's first byte has bit 3 set: resynchronise
	a.Jz(".eoi")
	a.Label(".store")
	a.Mov(B("mpkt").Idx("bx"), AL)
	a.Inc(BX)
	a.Cmp(BX, Imm(3))
	a.Jb(".keep")
	a.Call("mouse_packet")
	a.Xor(BX, BX)
	a.Label(".keep")
	a.Mov(B("mpkt_n"), BL)
	a.Label(".eoi")
	a.Mov(AL, Imm(picEOI))
	a.Out(Imm(picSlave), AL)
	a.Out(Imm(picMaster), AL)
	a.Pop(DS)
	a.Pop(BX)
	a.Pop(AX)
	a.Iret()

	a.Comment("A whole packet: byte 0 = Y overflow, X overflow, Y sign, X sign, 1, M, R, L;")
	a.Comment("bytes 1 and 2 = X and Y movement (Y counts up, the screen down).")
	a.Label("mouse_packet")
	a.Push(AX)
	a.Test(B("mpkt"), Imm(0xC0))
	a.Jnz(".buttons") // overflowed: ignore the motion
	a.Mov(AL, B("mpkt1"))
	a.Xor(AH, AH)
	a.Test(B("mpkt"), Imm(0x10))
	a.Jz(".xpos")
	a.Mov(AH, Imm(0xFF))
	a.Label(".xpos")
	a.Add(W("mouse_x"), AX)
	a.Mov(AL, B("mpkt2"))
	a.Xor(AH, AH)
	a.Test(B("mpkt"), Imm(0x20))
	a.Jz(".ypos")
	a.Mov(AH, Imm(0xFF))
	a.Label(".ypos")
	a.Sub(W("mouse_y"), AX)
	clamp(a, "mouse_x", 319)
	clamp(a, "mouse_y", 199)
	a.Label(".buttons")
	a.Mov(AL, B("mpkt"))
	a.And(AL, Imm(0x07))
	a.Mov(B("mouse_btn"), AL)
	a.Pop(AX)
	a.Ret()
}

// clamp keeps the signed word at label within 0..max.
func clamp(a *Asm, label string, max int) {
	lo, hi := "."+label+"_lo", "."+label+"_hi"
	a.Cmp(W(label), Imm(0))
	a.Jge(lo)
	a.Mov(W(label), Imm(0))
	a.Label(lo)
	a.Cmp(W(label), Imm(max))
	a.Jle(hi)
	a.Mov(W(label), Imm(max))
	a.Label(hi)
}
