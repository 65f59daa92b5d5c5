package core

import (
	"bytes"
	"os"
	"testing"
)

func TestSetJITThreshold(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the CPU core (v86.wasm); not run under -short")
	}
	b, err := os.ReadFile(Find())
	if err != nil {
		t.Fatalf("the CPU core is missing (run make setup): %v", err)
	}
	got, err := setJITThreshold(b, 50000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(b) {
		t.Fatalf("length %d, want %d", len(got), len(b))
	}
	if bytes.Contains(got, thresholdSite) || !bytes.Contains(got, []byte{opI32Const, 0xD0, 0x86, 0x03, 0x49}) {
		t.Fatal("the threshold site was not rewritten to 50000")
	}
	if n := diffBytes(b, got); n != 3 {
		t.Fatalf("%d bytes changed, want 3", n)
	}
	for _, bad := range []uint32{100, 1 << 22} {
		if _, err := setJITThreshold(b, bad); err == nil {
			t.Errorf("threshold %d accepted", bad)
		}
	}
	if _, err := setJITThreshold([]byte("\x00asm\x01\x00\x00\x00"), 50000); err == nil {
		t.Error("a module without the site was patched")
	}
}

func diffBytes(a, b []byte) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}
