// Package program is the demo OS's source: x86 real-mode code written with
// the asm86 package. Build assembles it into the used sectors of the floppy.
//
// The PC it expects is what any BIOS gives a boot sector: real mode, the
// boot drive in DL, BIOS services for video (int 10h), disk (int 13h) and
// keyboard (int 16h), the PIT ticking the BIOS clock at 18.2 Hz, the RTC in
// CMOS and an i8042 with a PS/2 mouse. Memory map (segment 0):
//
//	0x0600–0x09FF  copy of the BIOS 8x8 font (characters 0–127)
//	0x0A00–0x0A3F  pixels saved under the mouse pointer
//	...–0x7BFF     stack
//	0x7C00         boot sector, then the program loaded behind it
package program

import (
	"fmt"

	. "github.com/do86/do86/internal/asm86"
)

// Addresses and screen layout.
const (
	origin    = 0x7C00 // where the BIOS loads the boot sector
	loadAddr  = 0x7E00 // where the boot sector loads the rest
	fontAddr  = 0x0600
	saveAddr  = 0x0A00
	maxSector = 17 // sectors 2–18: the rest of track 0, head 0, one int 13h call

	bgColor   = 1  // blue in the default VGA palette
	titleY    = 10 // title, 3x scale
	barY      = 40 // rainbow bar of palette colours 32–55
	clockY    = 52 // RTC time, 2x scale
	ticksY    = 76
	promptY   = 100
	inputY    = 112 // the echo line
	keyY      = 126
	mouseY    = 150
	footerY   = 184
	inputCols = 38
)

// Build assembles the demo: the boot sector and the program, padded to
// whole sectors.
func Build() (*Program, error) {
	p, err := Assemble(origin, demo)
	if err != nil {
		return nil, err
	}
	if n := (len(p.Code) - 512 + 511) / 512; n > maxSector {
		return nil, fmt.Errorf("demo program needs %d sectors, the boot sector loads at most %d", n, maxSector)
	}
	return p, nil
}

func demo(a *Asm) {
	bootSector(a)
	mainProgram(a)
	routines(a)
	mouse(a)
	pointer(a)
	data(a)
	a.Label("end")
	a.PadTo((a.Len()+511)/512*512, 0)
}

// bootSector normalises the segments, loads the program behind itself with
// int 13h and jumps to it.
func bootSector(a *Asm) {
	a.Comment("Boot sector: the BIOS loaded it at 0000:7C00 with the boot drive in DL.")
	a.Label("boot")
	a.Cli()
	a.Xor(AX, AX)
	a.Mov(DS, AX)
	a.Mov(ES, AX)
	a.Mov(SS, AX)
	a.Mov(SP, Imm(origin))
	a.Sti()
	a.Cld()
	a.Comment("Some BIOSes enter at 07C0:0000: make CS 0.")
	a.JmpFar(0, a.Addr("boot.cs0"))
	a.Label(".cs0")
	a.Mov(B("boot_drive"), DL)
	a.Mov(SI, Imm(3)) // tries
	a.Label(".read")
	a.Comment("int 13h AH=02: read the program's sectors (from sector 2 of track 0) to 0000:7E00.")
	sectors := (int(a.Addr("end")) - loadAddr + 511) / 512
	if sectors < 1 || sectors > maxSector {
		sectors = 1 // first pass: the end is not known yet
	}
	a.Mov(AX, Imm(0x0200|sectors))
	a.Mov(BX, Imm(loadAddr))
	a.Mov(CX, Imm(0x0002)) // cylinder 0, sector 2
	a.Mov(DH, Imm(0))      // head 0
	a.Mov(DL, B("boot_drive"))
	a.Int(0x13)
	a.Jb(".failed")
	a.Jmp("main") // no carry: loaded
	a.Label(".failed")
	a.Comment("Failed: reset the drive and try again.")
	a.Xor(AX, AX)
	a.Mov(DL, B("boot_drive"))
	a.Int(0x13)
	a.Dec(SI)
	a.Jnz(".read")
	a.Mov(SI, L("msg_disk"))
	a.Label(".print")
	a.Lodsb()
	a.Test(AL, AL)
	a.Jz(".halt")
	a.Mov(AH, Imm(0x0E)) // teletype
	a.Mov(BX, Imm(0x0007))
	a.Int(0x10)
	a.Jmp(".print")
	a.Label(".halt")
	a.Hlt()
	a.Jmp(".halt")
	a.Label("msg_disk")
	a.ASCIIZ("do86 demo: cannot read the floppy")
	a.Label("boot_drive")
	a.DB(0)
	a.PadTo(510, 0)
	a.DB(0x55, 0xAA)
}

// text sets the text parameters and draws the string at label.
func text(a *Asm, x, y, scale, fg int, label string) {
	a.Mov(W("tx"), Imm(x))
	a.Mov(W("ty"), Imm(y))
	a.Mov(W("sc"), Imm(scale))
	a.Mov(B("fg"), Imm(fg))
	a.Mov(B("bg"), Imm(bgColor))
	a.Mov(SI, L(label))
	a.Call("draw_string")
}

// rect fills a rectangle.
func rect(a *Asm, x, y, w, h, color int) {
	a.Mov(W("rx"), Imm(x))
	a.Mov(W("ry"), Imm(y))
	a.Mov(W("rw"), Imm(w))
	a.Mov(W("rh"), Imm(h))
	a.Mov(B("rc"), Imm(color))
	a.Call("fill_rect")
}

// hideIfOver hides the mouse pointer if it overlaps rows y..y+h-1, before
// drawing there.
func hideIfOver(a *Asm, y, h int) {
	a.Mov(AX, Imm(y))
	a.Mov(BX, Imm(h))
	a.Call("ptr_hide_if")
}

func mainProgram(a *Asm) {
	a.Comment("The program, loaded at 0000:7E00.")
	a.Label("main")
	a.Comment("VGA mode 13h: 320x200, 256 colours, one byte a pixel at A000:0000.")
	a.Mov(AX, Imm(0x0013))
	a.Int(0x10)
	a.Comment("int 10h AX=1130h BH=03: ES:BP = the BIOS 8x8 font; copy characters 0-127.")
	a.Mov(AX, Imm(0x1130))
	a.Mov(BH, Imm(3))
	a.Int(0x10)
	a.Push(DS)
	a.Push(ES)
	a.Pop(DS)
	a.Mov(SI, BP)
	a.Xor(AX, AX)
	a.Mov(ES, AX)
	a.Mov(DI, Imm(fontAddr))
	a.Mov(CX, Imm(1024))
	a.Rep(a.Movsb)
	a.Pop(DS)
	a.Comment("From here on DS = 0 (our data) and ES = A000 (the screen).")
	a.Mov(AX, Imm(0xA000))
	a.Mov(ES, AX)
	rect(a, 0, 0, 320, 200, bgColor)
	a.Comment("A bar of the default palette's 24 bright hues.")
	a.Mov(W("rx"), Imm(4))
	a.Mov(W("ry"), Imm(barY))
	a.Mov(W("rw"), Imm(13))
	a.Mov(W("rh"), Imm(4))
	a.Mov(B("rc"), Imm(32))
	a.Mov(CX, Imm(24))
	a.Label(".bar")
	a.Call("fill_rect")
	a.Add(W("rx"), Imm(13))
	a.Inc(B("rc"))
	a.Loop(".bar")
	text(a, 52, titleY, 3, 14, "s_title")
	text(a, 8, promptY, 1, 11, "s_prompt")
	text(a, 16, footerY, 1, 7, "s_footer")
	text(a, 8, keyY, 1, 7, "s_key")
	a.Call("draw_cursor")
	a.Call("mouse_init")
	a.Call("update_clock")
	a.Call("update_ticks")
	a.Call("ptr_show")
	a.Comment("The screen is complete: say so on COM1 (for scripts: --until-serial).")
	a.Mov(SI, L("s_serial"))
	a.Call("serial_print")

	a.Comment("Main loop: sleep until an interrupt (the PIT's tick, a key, the mouse), then update.")
	a.Label("main_loop")
	a.Sti()
	a.Hlt()
	a.Call("update_clock")
	a.Call("update_ticks")
	a.Call("check_key")
	a.Call("ptr_show")
	a.Jmp("main_loop")

	a.Comment("Read the RTC; redraw the time when the second changed.")
	a.Label("update_clock")
	a.Mov(CX, Imm(2000))
	a.Label(".uip") // status A bit 7: an update is in progress
	a.Mov(AL, Imm(0x0A))
	a.Call("cmos_read")
	a.Test(AL, Imm(0x80))
	a.Jz(".read")
	a.Loop(".uip")
	a.Label(".read")
	a.Mov(AL, Imm(0x00)) // seconds
	a.Call("cmos_read")
	a.Cmp(AL, B("last_sec"))
	a.Jnz(".changed")
	a.Ret()
	a.Label(".changed")
	a.Mov(B("last_sec"), AL)
	a.Call("to_bcd")
	a.Mov(DI, L("s_clock").Plus(6))
	a.Call("put_hex8")
	a.Mov(AL, Imm(0x02)) // minutes
	a.Call("cmos_read")
	a.Call("to_bcd")
	a.Mov(DI, L("s_clock").Plus(3))
	a.Call("put_hex8")
	a.Mov(AL, Imm(0x04)) // hours (bit 7 is PM in 12-hour mode)
	a.Call("cmos_read")
	a.And(AL, Imm(0x7F))
	a.Call("to_bcd")
	a.Mov(DI, L("s_clock"))
	a.Call("put_hex8")
	hideIfOver(a, clockY, 16)
	text(a, 96, clockY, 2, 15, "s_clock")
	a.Ret()

	a.Comment("Show the BIOS tick count (0040:006C), which the PIT's IRQ 0 advances.")
	a.Label("update_ticks")
	a.Mov(AX, Mem{Disp: 0x046C, Size: 2})
	a.Cmp(AX, W("last_tick"))
	a.Jnz(".changed")
	a.Ret()
	a.Label(".changed")
	a.Mov(W("last_tick"), AX)
	a.Mov(DI, L("s_ticks").Plus(10))
	a.Push(AX)
	a.Mov(AL, AH)
	a.Call("put_hex8")
	a.Pop(AX)
	a.Call("put_hex8")
	hideIfOver(a, ticksY, 8)
	text(a, 104, ticksY, 1, 10, "s_ticks")
	a.Ret()

	a.Comment("int 16h: echo a typed key on the input line, show its scan code.")
	a.Label("check_key")
	a.Mov(AH, Imm(0x01))
	a.Int(0x16)
	a.Jnz(".have")
	a.Ret()
	a.Label(".have")
	a.Xor(AH, AH)
	a.Int(0x16) // AH = scan code, AL = ASCII
	a.Push(AX)
	a.Mov(DI, L("s_key").Plus(10))
	a.Xchg(AL, AH)
	a.Call("put_hex8")
	a.Mov(DI, L("s_key").Plus(19))
	a.Mov(AL, AH)
	a.Call("put_hex8")
	hideIfOver(a, keyY, 8)
	text(a, 8, keyY, 1, 7, "s_key")
	hideIfOver(a, inputY, 8)
	a.Pop(AX)
	a.Cmp(AL, Imm(0x08))
	a.Jz(".backspace")
	a.Cmp(AL, Imm(0x0D))
	a.Jz(".enter")
	a.Cmp(AL, Imm(0x20))
	a.Jb(".done")
	a.Cmp(AL, Imm(0x7E))
	a.Ja(".done")
	a.Cmp(B("col"), Imm(inputCols))
	a.Jb(".put")
	a.Call("clear_input")
	a.Label(".put")
	a.Mov(B("fg"), Imm(15))
	a.Call("input_char")
	a.Inc(B("col"))
	a.Call("draw_cursor")
	a.Label(".done")
	a.Ret()
	a.Label(".backspace")
	a.Cmp(B("col"), Imm(0))
	a.Jz(".done")
	a.Mov(AL, Imm(' '))
	a.Call("input_char")
	a.Dec(B("col"))
	a.Call("draw_cursor")
	a.Ret()
	a.Label(".enter")
	a.Call("clear_input")
	a.Ret()

	a.Comment("Blank the input line and put the cursor at its start.")
	a.Label("clear_input")
	rect(a, 0, inputY, 320, 8, bgColor)
	a.Mov(B("col"), Imm(0))
	a.Label("draw_cursor")
	a.Mov(AL, Imm('_'))
	a.Mov(B("fg"), Imm(14))
	a.Comment("Draw AL in colour [fg] at column [col] of the input line.")
	a.Label("input_char")
	a.Pusha()
	a.Movzx(BX, B("col"))
	a.Shl(BX, Imm(3))
	a.Add(BX, Imm(8))
	a.Mov(W("tx"), BX)
	a.Mov(W("ty"), Imm(inputY))
	a.Mov(W("sc"), Imm(1))
	a.Mov(B("bg"), Imm(bgColor))
	a.Call("draw_char")
	a.Popa()
	a.Ret()
}
