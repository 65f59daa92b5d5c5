package asm86_test

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/do86/do86/internal/asm86"
)

// The expected bytes were checked against ndisasm's reading of them.
func TestEncodings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		emit func(a *Asm)
		want []byte
	}{
		{"mov ax, 0x13", func(a *Asm) { a.Mov(AX, Imm(0x13)) }, []byte{0xB8, 0x13, 0x00}},
		{"mov al, 5", func(a *Asm) { a.Mov(AL, Imm(5)) }, []byte{0xB0, 0x05}},
		{"mov ds, ax", func(a *Asm) { a.Mov(DS, AX) }, []byte{0x8E, 0xD8}},
		{"mov ax, es", func(a *Asm) { a.Mov(AX, ES) }, []byte{0x8C, 0xC0}},
		{"mov bx, si", func(a *Asm) { a.Mov(BX, SI) }, []byte{0x89, 0xF3}},
		{"mov byte [v], 7", func(a *Asm) { a.Mov(B("v"), Imm(7)) }, []byte{0xC6, 0x06, 0x00, 0x10, 0x07}},
		{"mov word [v], 0x1234", func(a *Asm) { a.Mov(W("v"), Imm(0x1234)) }, []byte{0xC7, 0x06, 0x00, 0x10, 0x34, 0x12}},
		{"mov al, byte [v]", func(a *Asm) { a.Mov(AL, B("v")) }, []byte{0x8A, 0x06, 0x00, 0x10}},
		{"mov word [v], cx", func(a *Asm) { a.Mov(W("v"), CX) }, []byte{0x89, 0x0E, 0x00, 0x10}},
		{"mov byte [es:di], al", func(a *Asm) { a.Mov(BAt("di", 0).In(ES), AL) }, []byte{0x26, 0x88, 0x05}},
		{"mov al, byte [bx+si+0x3]", func(a *Asm) { a.Mov(AL, BAt("bx+si", 3)) }, []byte{0x8A, 0x40, 0x03}},
		{"mov ax, word [bp]", func(a *Asm) { a.Mov(AX, WAt("bp", 0)) }, []byte{0x8B, 0x46, 0x00}},
		{"mov dl, byte [bx+v]", func(a *Asm) { a.Mov(DL, B("v").Idx("bx")) }, []byte{0x8A, 0x97, 0x00, 0x10}},
		{"mov al, byte [si+0xa00]", func(a *Asm) { a.Mov(AL, BAt("si", 0xA00)) }, []byte{0x8A, 0x84, 0x00, 0x0A}},
		{"mov si, v+2", func(a *Asm) { a.Mov(SI, L("v").Plus(2)) }, []byte{0xBE, 0x02, 0x10}},
		{"mov word [0x1d0], v", func(a *Asm) { a.Mov(Mem{Disp: 0x1D0, Size: 2}, L("v")) }, []byte{0xC7, 0x06, 0xD0, 0x01, 0x00, 0x10}},
		{"add ax, 5", func(a *Asm) { a.Add(AX, Imm(5)) }, []byte{0x83, 0xC0, 0x05}},
		{"add ax, 0x1234", func(a *Asm) { a.Add(AX, Imm(0x1234)) }, []byte{0x81, 0xC0, 0x34, 0x12}},
		{"sub byte [v], 1", func(a *Asm) { a.Sub(B("v"), Imm(1)) }, []byte{0x80, 0x2E, 0x00, 0x10, 0x01}},
		{"cmp al, 0xd", func(a *Asm) { a.Cmp(AL, Imm(0x0D)) }, []byte{0x80, 0xF8, 0x0D}},
		{"cmp ax, bx", func(a *Asm) { a.Cmp(AX, BX) }, []byte{0x39, 0xD8}},
		{"cmp ax, word [v]", func(a *Asm) { a.Cmp(AX, W("v")) }, []byte{0x3B, 0x06, 0x00, 0x10}},
		{"xor ax, ax", func(a *Asm) { a.Xor(AX, AX) }, []byte{0x31, 0xC0}},
		{"and al, byte [v]", func(a *Asm) { a.And(AL, B("v")) }, []byte{0x22, 0x06, 0x00, 0x10}},
		{"or word [v], -1", func(a *Asm) { a.Or(W("v"), Imm(-1)) }, []byte{0x83, 0x0E, 0x00, 0x10, 0xFF}},
		{"test al, 0x20", func(a *Asm) { a.Test(AL, Imm(0x20)) }, []byte{0xF6, 0xC0, 0x20}},
		{"test ax, ax", func(a *Asm) { a.Test(AX, AX) }, []byte{0x85, 0xC0}},
		{"inc si", func(a *Asm) { a.Inc(SI) }, []byte{0x46}},
		{"inc byte [v]", func(a *Asm) { a.Inc(B("v")) }, []byte{0xFE, 0x06, 0x00, 0x10}},
		{"dec word [v]", func(a *Asm) { a.Dec(W("v")) }, []byte{0xFF, 0x0E, 0x00, 0x10}},
		{"dec cl", func(a *Asm) { a.Dec(CL) }, []byte{0xFE, 0xC9}},
		{"mul bx", func(a *Asm) { a.Mul(BX) }, []byte{0xF7, 0xE3}},
		{"div cl", func(a *Asm) { a.Div(CL) }, []byte{0xF6, 0xF1}},
		{"neg ax", func(a *Asm) { a.Neg(AX) }, []byte{0xF7, 0xD8}},
		{"shl ax, 1", func(a *Asm) { a.Shl(AX, Imm(1)) }, []byte{0xD1, 0xE0}},
		{"shl ax, 6", func(a *Asm) { a.Shl(AX, Imm(6)) }, []byte{0xC1, 0xE0, 0x06}},
		{"shr bl, cl", func(a *Asm) { a.Shr(BL, CL) }, []byte{0xD2, 0xEB}},
		{"sar word [v], 2", func(a *Asm) { a.Sar(W("v"), Imm(2)) }, []byte{0xC1, 0x3E, 0x00, 0x10, 0x02}},
		{"push ax", func(a *Asm) { a.Push(AX) }, []byte{0x50}},
		{"push es", func(a *Asm) { a.Push(ES) }, []byte{0x06}},
		{"pop ds", func(a *Asm) { a.Pop(DS) }, []byte{0x1F}},
		{"push 0xa000", func(a *Asm) { a.Push(Imm(0xA000)) }, []byte{0x68, 0x00, 0xA0}},
		{"in al, 0x71", func(a *Asm) { a.In(AL, Imm(0x71)) }, []byte{0xE4, 0x71}},
		{"in al, dx", func(a *Asm) { a.In(AL, DX) }, []byte{0xEC}},
		{"out 0x70, al", func(a *Asm) { a.Out(Imm(0x70), AL) }, []byte{0xE6, 0x70}},
		{"out dx, ax", func(a *Asm) { a.Out(DX, AX) }, []byte{0xEF}},
		{"int 0x10", func(a *Asm) { a.Int(0x10) }, []byte{0xCD, 0x10}},
		{"jmp 0x0000:0x7e00", func(a *Asm) { a.JmpFar(0, 0x7E00) }, []byte{0xEA, 0x00, 0x7E, 0x00, 0x00}},
		{"rep stosw", func(a *Asm) { a.Rep(a.Stosw) }, []byte{0xF3, 0xAB}},
		{"rep movsb", func(a *Asm) { a.Rep(a.Movsb) }, []byte{0xF3, 0xA4}},
		{"lea di, word [bx+di+0x280]", func(a *Asm) { a.Lea(DI, WAt("bx+di", 640)) }, []byte{0x8D, 0xB9, 0x80, 0x02}},
		{"movzx ax, byte [v]", func(a *Asm) { a.Movzx(AX, B("v")) }, []byte{0x0F, 0xB6, 0x06, 0x00, 0x10}},
		{"xchg al, ah", func(a *Asm) { a.Xchg(AL, AH) }, []byte{0x86, 0xE0}},
		{"aam", func(a *Asm) { a.Aam() }, []byte{0xD4, 0x0A}},
		{"iret", func(a *Asm) { a.Iret() }, []byte{0xCF}},
		{"pusha", func(a *Asm) { a.Pusha() }, []byte{0x60}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p, err := Assemble(0x1000, func(a *Asm) {
				a.Label("v") // at 0x1000, the origin
				tt.emit(a)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Code, tt.want) {
				t.Errorf("bytes % x, want % x", p.Code, tt.want)
			}
			if n := len(p.Lines); n != 2 || p.Lines[1].Text != tt.text {
				t.Errorf("listing %q, want %q", p.Lines[len(p.Lines)-1].Text, tt.text)
			}
		})
	}
}

func TestJumpsAndLabels(t *testing.T) {
	t.Parallel()
	p, err := Assemble(0x7C00, func(a *Asm) {
		a.Label("start")
		a.Call("sub")        // 7c00: e8 rel16 to 7c0a
		a.Jmp("sub.end")     // 7c03: e9 rel16 to 7c0b
		a.Jz("start")        // 7c06: 74 rel8 back to 7c00
		a.Loop(".local")     // 7c08: e2 rel8 to start.local (7c0a)
		a.Label(".local")    // 7c0a
		a.Label("sub")       // 7c0a
		a.Ret()              // 7c0a
		a.Label(".end")      // 7c0b: sub.end
		a.Mov(SI, L("data")) // be 0e 7c
		a.Label("data")      // 7c0e
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0xE8, 0x07, 0x00, 0xE9, 0x05, 0x00, 0x74, 0xF8, 0xE2, 0x00, 0xC3, 0xBE, 0x0E, 0x7C}
	if !bytes.Equal(p.Code, want) {
		t.Errorf("bytes % x, want % x", p.Code, want)
	}
	for name, addr := range map[string]uint16{"start": 0x7C00, "start.local": 0x7C0A, "sub": 0x7C0A, "sub.end": 0x7C0B, "data": 0x7C0E} {
		if p.Labels[name] != addr {
			t.Errorf("label %s at %#x, want %#x", name, p.Labels[name], addr)
		}
	}
	if l := p.Listing(); !strings.Contains(l, "7c06  74f8                    jz start") {
		t.Errorf("listing lacks the jz line:\n%s", l)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		prog func(a *Asm)
		want string
	}{
		{"undefined label", func(a *Asm) { a.Jmp("nowhere") }, "undefined label nowhere"},
		{"label twice", func(a *Asm) { a.Label("x"); a.Nop(); a.Label("x") }, "label x defined twice"},
		{"short jump too far", func(a *Asm) { a.Label("x"); a.Space(200); a.Jnz("x") }, "out of short range"},
		{"pad overrun", func(a *Asm) { a.Space(600); a.PadTo(510, 0) }, "overruns offset 0x1fe"},
		{"size mismatch", func(a *Asm) { a.Mov(AX, BL) }, "operand sizes differ"},
		{"pop cs", func(a *Asm) { a.Pop(CS) }, "pop cs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Assemble(0, tt.prog)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
