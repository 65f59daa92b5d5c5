package emu_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/do86/do86/internal/asm86"
)

// seekPollSector is a real-mode boot sector of our own that starts a
// RECALIBRATE of drive A: — the floppy controller interrupts (IRQ 6) once
// the seek is done, about half a millisecond later — and then polls port
// 0x61 with interrupts on, as a driver's delay loop does, counting its
// reads until the interrupt handler has run. It prints the count on COM1
// as eight hex digits and a newline.
func seekPollSector(t *testing.T) []byte {
	t.Helper()
	p, err := Assemble(0x7C00, func(a *Asm) {
		realModeStart(a, 0x0E, "irq6")
		a.In(AL, Imm(0x21)) // unmask IRQ 6
		a.And(AL, Imm(0xBF))
		a.Out(Imm(0x21), AL)
		a.Mov(DX, Imm(0x3F2)) // DOR: motor A on, interrupts on, drive 0
		a.Mov(AL, Imm(0x1C))
		a.Out(DX, AL)
		a.Mov(AL, Imm(0x07)) // RECALIBRATE drive 0
		a.Call("fdcout")
		a.Mov(AL, Imm(0x00))
		a.Call("fdcout")
		a.Xor(ECX, ECX)
		a.Sti()
		a.Label(".poll")
		a.In(AL, Imm(0x61))
		a.Inc(ECX)
		a.Cmp(B("seen"), Imm(0))
		a.Je(".poll")
		a.Cli()
		a.Mov(EAX, ECX)
		a.Call("hex")
		a.Label("halt")
		a.Hlt()
		a.JmpShort("halt")

		// fdcout writes AL to the FIFO once the controller asks for a byte.
		a.Label("fdcout")
		a.Mov(AH, AL)
		a.Mov(DX, Imm(0x3F4))
		a.Label(".rqm")
		a.In(AL, DX)
		a.Test(AL, Imm(0x80))
		a.Jz(".rqm")
		a.Inc(DX)
		a.Mov(AL, AH)
		a.Out(DX, AL)
		a.Ret()

		a.Label("irq6")
		a.Push(AX)
		a.Mov(B("seen"), Imm(1))
		a.Mov(AL, Imm(0x20)) // EOI
		a.Out(Imm(0x20), AL)
		a.Pop(AX)
		a.Iret()

		hexRoutine(a, EAX, true)

		a.Label("seen")
		a.DB(0)
		a.PadTo(510, 0)
		a.DB(0x55, 0xAA)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.Code
}

// A guest that polls a port for a device's completion sees it soon after it
// is due, not when the core next runs the device timers on its own — after
// a slice of 100,000 instructions, some 25,000 reads of this loop.
func TestPollingGuestSeesDueEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core and SeaBIOS")
	}
	t.Parallel()
	out := bootGuest(t, 16<<20, seekPollSector(t), "\n", 90*time.Second)
	reads, err := strconv.ParseUint(strings.TrimSpace(out), 16, 32)
	if err != nil {
		t.Fatalf("COM1: %q", out)
	}
	t.Logf("the seek's interrupt came after %d reads", reads)
	if reads == 0 || reads > 12000 {
		t.Errorf("the seek's interrupt came after %d polling reads; want it within a few thousand (a 0.5 ms seek)", reads)
	}
}
