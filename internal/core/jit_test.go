package core_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/testenv"
)

// loopHost records 32-bit writes to port 0x402 and runs on the wall clock,
// so that main_loop's 1 ms time slices are real.
type loopHost struct {
	t0  time.Time
	out []uint32
}

func (h *loopHost) PortRead(port uint16, size int) uint32 { return 0xFFFFFFFF }
func (h *loopHost) PortWrite(port uint16, size int, v uint32) {
	if port == 0x402 && size == 4 {
		h.out = append(h.out, v)
	}
}
func (h *loopHost) MMIORead(addr uint32, size int) uint32     { return 0xFFFFFFFF }
func (h *loopHost) MMIOWrite(addr uint32, size int, v uint32) {}
func (h *loopHost) Now() float64                              { return float64(time.Since(h.t0).Nanoseconds()) / 1e6 }
func (h *loopHost) RunTimers(now float64) float64             { return 100 }
func (h *loopHost) Log(msg string)                            {}

// guestLoop is a real-mode program for 0x7C00 that runs a loop n times,
// writes EAX to port 0x402 and halts; want is EAX computed in Go, and
// instrs the number of instructions it executes.
type guestLoop struct {
	name   string
	code   func(n uint32) []byte
	want   func(n uint32) uint32
	instrs func(n uint32) uint64
}

var arith = guestLoop{
	name: "arith",
	// eax = n + (n-1) + ... + 1 (mod 2^32)
	code: func(n uint32) []byte {
		b := []byte{0x66, 0x31, 0xC0, 0x66, 0xB9} // xor eax,eax; mov ecx,n
		b = binary.LittleEndian.AppendUint32(b, n)
		b = append(b,
			0x66, 0x01, 0xC8, // add eax,ecx
			0x66, 0x49, // dec ecx
			0x75, 0xF9, // jnz add
		)
		return append(b, tail...)
	},
	want: func(n uint32) uint32 {
		var s uint32
		for i := n; i > 0; i-- {
			s += i
		}
		return s
	},
	instrs: func(n uint32) uint64 { return 3*uint64(n) + 6 },
}

var memLoop = guestLoop{
	name: "memory",
	// With DS=0x1000 and BX stepping through 64 KiB by dwords:
	// [bx] += ecx; eax += [bx].
	code: func(n uint32) []byte {
		b := []byte{
			0xB8, 0x00, 0x10, 0x8E, 0xD8, // mov ax,0x1000; mov ds,ax
			0x66, 0x31, 0xC0, // xor eax,eax
			0x31, 0xDB, // xor bx,bx
			0x66, 0xB9, // mov ecx,n
		}
		b = binary.LittleEndian.AppendUint32(b, n)
		b = append(b,
			0x66, 0x01, 0x0F, // add [bx],ecx
			0x66, 0x03, 0x07, // add eax,[bx]
			0x83, 0xC3, 0x04, // add bx,4
			0x66, 0x49, // dec ecx
			0x75, 0xF3, // jnz
		)
		return append(b, tail...)
	},
	want: func(n uint32) uint32 {
		var m [0x4000]uint32
		var eax uint32
		bx := 0
		for c := n; c > 0; c-- {
			m[bx] += c
			eax += m[bx]
			bx = (bx + 1) & 0x3FFF
		}
		return eax
	},
	instrs: func(n uint32) uint64 { return 5*uint64(n) + 9 },
}

// tail writes EAX to port 0x402 and halts.
var tail = []byte{0xBA, 0x02, 0x04, 0x66, 0xEF, 0xFA, 0xF4} // mov dx,0x402; out dx,eax; cli; hlt

func newLoopCore(t testing.TB, jit bool) (*core.Core, *loopHost) {
	t.Helper()
	e, err := core.LoadEngine(testenv.Core(t), core.DefaultCacheDir())
	if err != nil {
		t.Fatal(err)
	}
	h := &loopHost{t0: time.Now()}
	c, err := e.New(h, core.Options{MemorySize: 16 << 20, ACPI: true, JIT: jit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, h
}

// load writes the program and a far jump to it at the reset vector.
func load(c *core.Core, prog []byte) {
	c.WritePhys(0x7C00, prog)
	c.WritePhys(0xFFFF0, []byte{0xEA, 0x00, 0x7C, 0x00, 0x00})
}

// runToHalt runs the CPU until it halts and returns the wall time taken.
func runToHalt(t testing.TB, c *core.Core) time.Duration {
	t.Helper()
	t0 := time.Now()
	for !c.InHLT() {
		if _, err := c.MainLoop(); err != nil {
			t.Fatal(err)
		}
		if time.Since(t0) > 60*time.Second {
			t.Fatal("guest loop did not halt within 60 s")
		}
	}
	return time.Since(t0)
}

// The same guest loops give the same results with the JIT on and off, and
// with the JIT on, modules were compiled and installed.
func TestGuestLoopsJITOnAndOff(t *testing.T) {
	for _, g := range []guestLoop{arith, memLoop} {
		for _, jit := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/jit=%v", g.name, jit), func(t *testing.T) {
				const n = 10_000_000
				c, h := newLoopCore(t, jit)
				load(c, g.code(n))
				d := runToHalt(t, c)
				if len(h.out) != 1 || h.out[0] != g.want(n) {
					t.Fatalf("port 0x402 got %#x, want [%#x]", h.out, g.want(n))
				}
				st := c.JITStats()
				t.Logf("%.0f MIPS, %+v", float64(g.instrs(n))/d.Seconds()/1e6, st)
				if jit && (st.Compiled == 0 || st.Instantiated == 0) {
					t.Fatalf("JIT on but nothing installed: %+v", st)
				}
				if !jit && st != (core.JITStats{}) {
					t.Fatalf("JIT off but stats %+v", st)
				}
			})
		}
	}
}

// Growing the memory does not move its base, also after JIT modules that
// import the memory were closed (wazero then frees the importer's memory
// allocator: with an allocator that unmapped on Free this crashed), and the
// core keeps working.
func TestMemoryBaseStaysAcrossGrowAndJITClose(t *testing.T) {
	c, h := newLoopCore(t, true)
	if !c.ReservedMemory() {
		t.Skip("no reserved mapping on this system: wazero's default allocator copies on growth")
	}
	base := core.MemoryBase(c)
	if !core.GrowMemory(c, 16) {
		t.Fatal("grow failed")
	}
	if b := core.MemoryBase(c); b != base {
		t.Fatalf("grow moved the base from %#x to %#x", base, b)
	}

	const n = 3_000_000
	prog := arith.code(n)
	load(c, prog)
	runToHalt(t, c)
	if st := c.JITStats(); st.Instantiated == 0 {
		t.Fatalf("no module installed: %+v", st)
	}
	// Rewriting the code page frees its modules' slots; the next FinishJIT
	// closes them.
	c.WritePhys(0x7C00, prog)
	if err := c.FinishJIT(); err != nil {
		t.Fatal(err)
	}
	st := c.JITStats()
	if st.Closed == 0 {
		t.Fatalf("no module closed after rewriting its code: %+v", st)
	}
	if !core.GrowMemory(c, 16) {
		t.Fatal("grow after close failed")
	}
	if b := core.MemoryBase(c); b != base {
		t.Fatalf("grow after closing JIT modules moved the base from %#x to %#x", base, b)
	}
	// The guest still runs, through freshly compiled modules.
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	runToHalt(t, c)
	if len(h.out) != 2 || h.out[1] != arith.want(n) {
		t.Fatalf("second run got %#x, want %#x", h.out, arith.want(n))
	}
	if st2 := c.JITStats(); st2.Instantiated <= st.Instantiated {
		t.Fatalf("no module installed on the second run: %+v", st2)
	}
}

// BenchmarkGuestLoop reports guest MIPS of the loops with the JIT on and off
// (JIT compilation included: each iteration is a fresh core).
func BenchmarkGuestLoop(b *testing.B) {
	for _, g := range []guestLoop{arith, memLoop} {
		for _, jit := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/jit=%v", g.name, jit), func(b *testing.B) {
				const n = 20_000_000
				var total time.Duration
				for range b.N {
					b.StopTimer()
					c, h := newLoopCore(b, jit)
					load(c, g.code(n))
					b.StartTimer()
					total += runToHalt(b, c)
					if len(h.out) != 1 || h.out[0] != g.want(n) {
						b.Fatalf("got %#x, want %#x", h.out, g.want(n))
					}
					if jit {
						st := c.JITStats()
						b.ReportMetric(float64(st.Compiled), "modules")
						b.ReportMetric(float64(st.CompileTime)/1e6, "compile-ms")
					}
					c.Close()
				}
				b.ReportMetric(float64(g.instrs(n))*float64(b.N)/total.Seconds()/1e6, "MIPS")
			})
		}
	}
}

// Modules dropped because the queue is full leave their code interpreted,
// and the JIT keeps compiling afterwards (the core compiles one module at a
// time and waits for each to be finished).
func TestJITRecoversFromDroppedModules(t *testing.T) {
	c, h := newLoopCore(t, true)
	core.DropJIT(c, 2)
	const n = 20_000_000
	load(c, memLoop.code(n))
	runToHalt(t, c)
	if len(h.out) != 1 || h.out[0] != memLoop.want(n) {
		t.Fatalf("port 0x402 got %#x, want [%#x]", h.out, memLoop.want(n))
	}
	st := c.JITStats()
	if st.Dropped != 2 || st.Instantiated == 0 {
		t.Fatalf("want 2 dropped and then modules installed, got %+v", st)
	}
}
