package bench_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/do86/do86/internal/bench"
)

func TestLoopsAreBootSectors(t *testing.T) {
	tests := []struct {
		name string
		// instr is the expected count: the inner loop's instructions times
		// its iterations (times passes), plus the per-chunk and per-pass
		// instructions of the listing.
		instr uint64
		body  []byte // the inner loop's bytes, as the listing spells them
	}{
		{"arith", 6*2_000_000 + 1 + 4 + 4, []byte{0x01, 0xD8, 0x31, 0xC3, 0x8D, 0x74, 0x58, 0x01, 0x01, 0xF0, 0x49, 0x75, 0xF3}},
		{"memory", 8*(4+6*(1<<18)) + 1 + 4 + 4, []byte{0x8B, 0x16, 0x01, 0xD0, 0x89, 0x96, 0x00, 0x00, 0x10, 0x00, 0x83, 0xC6, 0x04, 0x49, 0x75, 0xF0}},
		{"portio", 4*50_000 + 1 + 4 + 4, []byte{0xE4, 0x61, 0xE6, 0x80, 0x49, 0x75, 0xF9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := bench.LoopNamed(tt.name)
			if l == nil {
				t.Fatalf("no loop %q", tt.name)
			}
			s := l.BootSector()
			if len(s) != 512 || s[510] != 0x55 || s[511] != 0xAA {
				t.Fatalf("not a boot sector: %d bytes, signature %02x %02x", len(s), s[510], s[511])
			}
			if l.InstrPerChunk != tt.instr {
				t.Errorf("InstrPerChunk = %d, want %d", l.InstrPerChunk, tt.instr)
			}
			if !bytes.Contains(s, tt.body) {
				t.Errorf("inner loop % X not in the sector\n%s", tt.body, l.Listing)
			}
			img := l.FloppyImage()
			if len(img) != 1474560 || !bytes.Equal(img[:512], s) {
				t.Errorf("floppy image: %d bytes, boot sector equal %v", len(img), bytes.Equal(img[:512], s))
			}
			// The markers go to both the debug console and COM1.
			for _, want := range []string{"out 0xE9, al", "mov dx, 0x3F8", "lgdt [gdtr]", "jmp 0x08:pm32"} {
				if !strings.Contains(l.Listing, want) {
					t.Errorf("listing lacks %q", want)
				}
			}
		})
	}
	if n := len(bench.Loops()); n != len(tests) {
		t.Errorf("%d loops, the test knows %d", n, len(tests))
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{9, 1, 8, 2, 7}, 7},
	}
	for _, tt := range tests {
		if got := bench.Median(append([]float64(nil), tt.in...)); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
