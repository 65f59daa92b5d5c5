package core_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/testenv"
)

type recHost struct {
	out   bytes.Buffer
	t     float64
	ports map[uint16]int
}

func (h *recHost) PortRead(port uint16, size int) uint32 { h.ports[port]++; return 0xFFFFFFFF }
func (h *recHost) PortWrite(port uint16, size int, v uint32) {
	h.ports[port]++
	if port == 0x402 {
		h.out.WriteByte(byte(v))
	}
}
func (h *recHost) MMIORead(addr uint32, size int) uint32     { return 0xFFFFFFFF }
func (h *recHost) MMIOWrite(addr uint32, size int, v uint32) {}
func (h *recHost) Now() float64                              { h.t += 0.001; return h.t }
func (h *recHost) RunTimers(now float64) float64             { return 100 }
func (h *recHost) Log(msg string)                            {}

// newCore loads the real core; make test runs make setup first, so a missing
// core is a failure, not a skip.
func newCore(t *testing.T, jit bool) (*core.Core, *recHost) {
	t.Helper()
	e, err := core.LoadEngine(testenv.Core(t), core.DefaultCacheDir())
	if err != nil {
		t.Fatal(err)
	}
	h := &recHost{ports: map[uint16]int{}}
	c, err := e.New(h, core.Options{MemorySize: 16 << 20, ACPI: true, JIT: jit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, h
}

// A real-mode program at the reset vector prints "hi" to port 0x402 and halts.
func TestRunsRealModeCode(t *testing.T) {
	c, h := newCore(t, false)
	prog := []byte{
		0xBA, 0x02, 0x04, // mov dx, 0x402
		0xB0, 'h', 0xEE, // mov al,'h'; out dx,al
		0xB0, 'i', 0xEE, // mov al,'i'; out dx,al
		0xFA, 0xF4, // cli; hlt
	}
	c.WritePhys(0x7C00, prog)
	// jmp far 0000:7C00 at the reset vector.
	c.WritePhys(0xFFFF0, []byte{0xEA, 0x00, 0x7C, 0x00, 0x00})
	for i := 0; i < 10 && !c.InHLT(); i++ {
		if _, err := c.MainLoop(); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.out.String(); got != "hi" {
		t.Fatalf("port 0x402 got %q, want %q", got, "hi")
	}
	if !c.InHLT() {
		t.Fatal("CPU did not halt")
	}
	if c.InstructionCounter() == 0 {
		t.Fatal("instruction counter did not move")
	}
	var b [2]byte
	c.ReadPhys(0x7C00, b[:])
	if b != [2]byte{0xBA, 0x02} {
		t.Fatalf("ReadPhys = % x", b)
	}
}

// Host DMA past the end of RAM behaves as on a PC: reads are all ones,
// writes are dropped, and a range straddling the end is cut there.
func TestPhysPastRAM(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core")
	}
	c, _ := newCore(t, false)
	end := c.MemorySize()
	c.WritePhys(end-2, []byte{1, 2, 3, 4})
	got := make([]byte, 4)
	c.ReadPhys(end-2, got)
	if want := []byte{1, 2, 0xFF, 0xFF}; !bytes.Equal(got, want) {
		t.Errorf("across the end of RAM: % x, want % x", got, want)
	}
	c.ReadPhys(0xFFFFFFFE, got)
	if want := []byte{0xFF, 0xFF, 0xFF, 0xFF}; !bytes.Equal(got, want) {
		t.Errorf("at the top of 4 GiB: % x, want % x", got, want)
	}
	if h := c.FetchHole(); h < end || h > 0xE0000000-core.FetchHoleSize {
		t.Errorf("fetch hole at %#x: want it past RAM (%#x) and below the framebuffer", h, end)
	}
}
