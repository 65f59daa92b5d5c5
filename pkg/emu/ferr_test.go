package emu_test

import (
	"strings"
	"testing"
	"time"

	. "github.com/do86/do86/internal/asm86"
	"github.com/do86/do86/pkg/emu"
)

// ferrSector is a real-mode boot sector of our own that counts IRQ 13s
// (int 0x75 under the BIOS's PIC setup) while it divides by zero on the
// x87 three times: with the zero-divide exception unmasked and CR0.NE
// clear, with it masked, and unmasked with CR0.NE set. After each it waits
// a while (reading port 0x61, as a delay loop would) and prints on COM1
// the count and the FPU status word, as "count:status" in hex. The
// handler does what a DOS-compatible one does: acknowledges the latch
// (port 0xF0), clears the exception (FNCLEX) and sends the PICs an EOI.
func ferrSector(t *testing.T) []byte {
	t.Helper()
	p, err := Assemble(0x7C00, func(a *Asm) {
		realModeStart(a, 0x75, "irq13")
		a.In(AL, Imm(0xA1)) // unmask IRQ 13 on the slave PIC
		a.And(AL, Imm(0xDF))
		a.Out(Imm(0xA1), AL)
		a.In(AL, Imm(0x21)) // and the cascade on the master
		a.And(AL, Imm(0xFB))
		a.Out(Imm(0x21), AL)

		a.Mov(W("cw"), Imm(0x37B)) // zero-divide unmasked
		a.Call("divide")
		a.Mov(W("cw"), Imm(0x37F)) // everything masked
		a.Call("divide")
		a.Mov(EAX, CR0)
		a.Or(AL, Imm(0x20)) // CR0.NE
		a.Mov(CR0, EAX)
		a.Mov(W("cw"), Imm(0x37B))
		a.Call("divide")
		a.Mov(DX, Imm(0x3F8))
		for _, c := range "END\n" {
			a.Mov(AL, Imm(c))
			a.Out(DX, AL)
		}
		a.Label("halt")
		a.Cli()
		a.Hlt()
		a.JmpShort("halt")

		// divide: 1/0 under control word cw, a delay with interrupts on,
		// then "count:status".
		a.Label("divide")
		a.Mov(W("count"), Imm(0))
		a.Op("fninit", 0xDB, 0xE3)
		a.Op("fldcw [cw]", 0xD9, 0x2E, byte(a.Addr("cw")), byte(a.Addr("cw")>>8))
		a.Op("fld1", 0xD9, 0xE8)
		a.Op("fldz", 0xD9, 0xEE)
		a.Op("fdivp st1, st0", 0xDE, 0xF9)
		a.Op("fnstsw [sw]", 0xDD, 0x3E, byte(a.Addr("sw")), byte(a.Addr("sw")>>8))
		a.Sti()
		a.Mov(CX, Imm(2000))
		a.Label(".wait")
		a.In(AL, Imm(0x61))
		a.Loop(".wait")
		a.Cli()
		a.Mov(AX, W("count"))
		a.Call("hex")
		a.Mov(DX, Imm(0x3F8))
		a.Mov(AL, Imm(':'))
		a.Out(DX, AL)
		a.Mov(AX, W("sw"))
		a.Call("hex")
		a.Mov(AL, Imm('\n'))
		a.Out(DX, AL)
		a.Op("fninit", 0xDB, 0xE3)
		a.Ret()

		a.Label("irq13")
		a.Push(AX)
		a.Inc(W("count"))
		a.Out(Imm(0xF0), AL) // clear the error latch
		a.Op("fnclex", 0xDB, 0xE2)
		a.Mov(AL, Imm(0x20)) // EOI, slave then master
		a.Out(Imm(0xA0), AL)
		a.Out(Imm(0x20), AL)
		a.Pop(AX)
		a.Iret()

		hexRoutine(a, AX, false)

		a.Label("cw")
		a.DW(0)
		a.Label("sw")
		a.DW(0)
		a.Label("count")
		a.DW(0)
		a.PadTo(510, 0)
		a.DB(0x55, 0xAA)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.Code
}

// realModeStart begins a boot sector: interrupts off, segments 0, the
// stack below 0x7C00, COM1 set to 8N1, and interrupt vector at handler.
func realModeStart(a *Asm, vector int, handler string) {
	a.Cli()
	a.Xor(AX, AX)
	a.Mov(DS, AX)
	a.Mov(SS, AX)
	a.Mov(SP, Imm(0x7C00))
	a.Mov(DX, Imm(0x3FB)) // COM1 LCR: 8N1, divisor latch off
	a.Mov(AL, Imm(3))
	a.Out(DX, AL)
	a.Mov(Mem{Disp: vector * 4, Size: 2}, L(handler))
	a.Mov(Mem{Disp: vector*4 + 2, Size: 2}, Imm(0))
}

// hexRoutine assembles "hex", a routine that prints r (AX or EAX) as hex
// digits on COM1, and a newline after them when newline is set. It uses CX
// and DX and works in the mode the code around it is assembled for.
func hexRoutine(a *Asm, r Reg, newline bool) {
	a.Label("hex")
	a.Mov(DX, Imm(0x3F8))
	a.Mov(CX, Imm(2*r.Size))
	a.Label(".digit")
	a.Rol(r, Imm(4))
	a.Push(r)
	a.And(AL, Imm(0x0F))
	a.Add(AL, Imm('0'))
	a.Cmp(AL, Imm('9'+1))
	a.Jb(".out")
	a.Add(AL, Imm(7))
	a.Label(".out")
	a.Out(DX, AL)
	a.Pop(r)
	a.Loop(".digit")
	if newline {
		a.Mov(AL, Imm('\n'))
		a.Out(DX, AL)
	}
	a.Ret()
}

// bootGuest boots a floppy whose boot sector is sector and waits until
// COM1 has printed until; it returns COM1's output.
func bootGuest(t *testing.T, mem uint32, sector []byte, until string, within time.Duration) string {
	t.Helper()
	serial := &syncBuffer{}
	v := start(t, emu.Config{Memory: mem, Floppy: [2]string{floppyWith(t, sector)}, Serial: serial})
	deadline := time.Now().Add(within)
	for !strings.Contains(serial.String(), until) {
		select {
		case <-v.done:
			t.Fatalf("machine stopped: %v; COM1:\n%s", v.err, serial.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the guest did not finish; COM1:\n%s", serial.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return serial.String()
}

// An unmasked x87 exception with CR0.NE clear raises IRQ 13 once, as the
// PC/AT wires FERR#; a masked one and one with CR0.NE set do not.
func TestFPUErrorRaisesIRQ13(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core and SeaBIOS")
	}
	t.Parallel()
	out := bootGuest(t, 16<<20, ferrSector(t), "END\n", 90*time.Second)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("COM1: %q", out)
	}
	for i, c := range []struct{ count, why string }{
		{"0001", "unmasked zero divide, CR0.NE clear"},
		{"0000", "masked zero divide"},
		{"0000", "unmasked zero divide, CR0.NE set (exception 16's case)"},
	} {
		count, sw, _ := strings.Cut(lines[i], ":")
		if count != c.count {
			t.Errorf("%s: %s IRQ 13s, want %s (status word %s)", c.why, count, c.count, sw)
		}
		// The zero-divide flag (ZE, bit 2) is set in every case.
		if len(sw) != 4 || !strings.ContainsAny(sw[3:], "4567CDEF") {
			t.Errorf("%s: status word %s lacks ZE", c.why, sw)
		}
	}
}
