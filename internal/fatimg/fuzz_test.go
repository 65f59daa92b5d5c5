package fatimg_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/do86/do86/internal/fatimg"
)

// FuzzParse: whatever a disk holds (the tests parse what a guest wrote),
// Parse, Names and ReadFile return results or errors, never a panic or an
// allocation a directory entry's size field alone asks for. The fuzzed
// bytes replace the start of a valid 8 MiB disk (its MBR, boot sector,
// FATs and root directory lie in the first 64 KiB), or are the whole disk
// when shorter than 1 KiB. The seeds run in every `go test`; `go test
// -fuzz FuzzParse ./internal/fatimg` searches further.
func FuzzParse(f *testing.F) {
	im, err := fatimg.New(8 << 20)
	if err != nil {
		f.Fatal(err)
	}
	if err := im.AddFile("HELLO.TXT", []byte("hello, world\n")); err != nil {
		f.Fatal(err)
	}
	valid := im.Bytes()
	f.Add(valid[:64<<10])
	f.Add(valid[:512])
	disk := make([]byte, len(valid))
	f.Fuzz(func(t *testing.T, head []byte) {
		b := head
		if len(head) >= 1024 {
			copy(disk, valid)
			copy(disk, head)
			b = disk
		}
		im, err := fatimg.Parse(b)
		if err != nil {
			return
		}
		for _, n := range im.Names() {
			im.ReadFile(n)
		}
		im.ReadFile("HELLO.TXT")
	})
}

// TestHugeSizeField: a root directory entry claiming a 4 GiB file on an
// 8 MiB volume is refused before anything that size is allocated.
func TestHugeSizeField(t *testing.T) {
	t.Parallel()
	im, err := fatimg.New(8 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.AddFile("BIG.BIN", []byte("x")); err != nil {
		t.Fatal(err)
	}
	b := im.Bytes()
	i := bytes.Index(b, []byte("BIG     BIN"))
	if i < 0 {
		t.Fatal("no directory entry")
	}
	le.PutUint32(b[i+28:], 0xFFFFFFFF)
	back, err := fatimg.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.ReadFile("BIG.BIN"); err == nil || !strings.Contains(err.Error(), "more than the volume holds") {
		t.Errorf("ReadFile: %v", err)
	}
}
