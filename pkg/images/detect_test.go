package images_test

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/images"
)

// Every shared test image is detected as what the manifest says it boots as.
func TestDetectSharedImages(t *testing.T) {
	tests := []struct {
		file     string
		kind     images.Kind
		bootable bool
		wantErr  string
	}{
		{file: "kolibri.img", kind: images.Floppy},
		{file: "freedos722.img", kind: images.Floppy},
		{file: "linux.iso", kind: images.CDROM, bootable: true},
		{file: "aqeous.bin", kind: images.Multiboot},
		{file: "linux-vmlinuz", kind: images.BzImage},
		{file: "linux-initrd.gz", wantErr: "not a recognised image"},
		{file: "kolibri.png", wantErr: "not a recognised image"},
		{file: "MANIFEST.tsv", wantErr: "not a recognised image"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := testenv.Image(t, tt.file)
			st, _ := os.Stat(p)
			d, err := images.Detect(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Detect = %v, %v; want an error containing %q", d.Kind, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind || d.Bootable != tt.bootable || d.Size != st.Size() {
				t.Errorf("Detect = %+v, want kind %v bootable %v size %d", d, tt.kind, tt.bootable, st.Size())
			}
		})
	}
}

// iso builds a minimal ISO 9660 image: system area, a primary volume
// descriptor, optionally an El Torito boot record, and the terminator.
func iso(elTorito bool) []byte {
	b := make([]byte, 20*2048)
	vd := func(sector int, typ byte) []byte {
		d := b[sector*2048 : (sector+1)*2048]
		d[0] = typ
		copy(d[1:], "CD001")
		d[6] = 1
		return d
	}
	vd(16, 1)
	next := 17
	if elTorito {
		d := vd(next, 0)
		copy(d[7:], "EL TORITO SPECIFICATION")
		binary.LittleEndian.PutUint32(d[0x47:], 19) // boot catalog sector
		next++
	}
	vd(next, 255)
	return b
}

func TestDetectSynthetic(t *testing.T) {
	random := make([]byte, 100000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	mbr := make([]byte, 10<<20)
	mbr[510], mbr[511] = 0x55, 0xAA
	multiboot := make([]byte, 20000)
	binary.LittleEndian.PutUint32(multiboot[64:], 0x1BADB002)
	binary.LittleEndian.PutUint32(multiboot[68:], 3)
	binary.LittleEndian.PutUint32(multiboot[72:], -(0x1BADB002+3)&0xFFFFFFFF)
	badMultiboot := append([]byte(nil), multiboot...)
	badMultiboot[72]++ // checksum no longer sums to zero
	bz := make([]byte, 8192)
	bz[0x1FE], bz[0x1FF] = 0x55, 0xAA
	copy(bz[0x202:], "HdrS")

	tests := []struct {
		name     string
		data     []byte
		dir      bool
		kind     images.Kind
		bootable bool
		wantErr  string
	}{
		{name: "empty", data: []byte{}, wantErr: "is empty"},
		{name: "directory", dir: true, wantErr: "is a directory"},
		{name: "random", data: random, wantErr: "tried: floppy sizes"},
		{name: "text", data: []byte(strings.Repeat("hello, this is not a disk image\n", 100)), wantErr: "not a recognised image"},
		{name: "iso without El Torito", data: iso(false), kind: images.CDROM},
		{name: "iso with El Torito", data: iso(true), kind: images.CDROM, bootable: true},
		{name: "blank 720K floppy", data: make([]byte, 737280), kind: images.Floppy},
		{name: "blank 2.88M floppy", data: make([]byte, 2949120), kind: images.Floppy},
		{name: "almost a floppy", data: make([]byte, 1474561), wantErr: "not a recognised image"},
		{name: "MBR disk", data: mbr, kind: images.HardDisk},
		{name: "multiboot", data: multiboot, kind: images.Multiboot},
		{name: "multiboot with a bad checksum", data: badMultiboot, wantErr: "Multiboot header"},
		{name: "bzImage", data: bz, kind: images.BzImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "img")
			if tt.dir {
				os.Mkdir(p, 0o755)
			} else if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := images.Detect(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Detect = %v, %v; want an error containing %q", d.Kind, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind || d.Bootable != tt.bootable {
				t.Errorf("Detect = %v bootable %v, want %v bootable %v", d.Kind, d.Bootable, tt.kind, tt.bootable)
			}
		})
	}
	if _, err := images.Detect(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Detect of a missing file succeeded")
	}
	// A named pipe is said to be one (its size, 0, once made it "empty"),
	// without reading from it: nothing writes to it, a read would block.
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := images.Detect(fifo); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("Detect of a FIFO: %v", err)
	}
	if _, err := images.Detect("/dev/null"); err == nil || !strings.Contains(err.Error(), "device") {
		t.Errorf("Detect of /dev/null: %v", err)
	}
}

// FuzzDetect: whatever a file holds and whatever size it claims,
// DetectReader says what it is or that it is nothing known, without a
// panic, reading no more than its 64 KiB head and the ISO descriptors. The
// seeds (one of each kind) run in every `go test`; `go test -fuzz
// FuzzDetect ./pkg/images` searches further.
func FuzzDetect(f *testing.F) {
	mbr := make([]byte, 4096)
	mbr[510], mbr[511] = 0x55, 0xAA
	mb := make([]byte, 8192)
	binary.LittleEndian.PutUint32(mb[64:], 0x1BADB002)
	binary.LittleEndian.PutUint32(mb[68:], 3)
	binary.LittleEndian.PutUint32(mb[72:], -(0x1BADB002+3)&0xFFFFFFFF)
	bz := make([]byte, 8192)
	bz[0x1FE], bz[0x1FF] = 0x55, 0xAA
	copy(bz[0x202:], "HdrS")
	for _, b := range [][]byte{iso(true), iso(false), mbr, mb, bz, {}, make([]byte, 512)} {
		f.Add(b, int64(len(b)))
	}
	f.Add(mbr, int64(1474560))
	f.Add(mbr, int64(1)<<62)
	f.Add(mbr, int64(-1))
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		r := &countingReader{b: b}
		d, ok := images.DetectReader(r, size)
		if ok == (d.Kind == images.Unknown) || d.Size != size {
			t.Fatalf("DetectReader = %+v, %v", d, ok)
		}
		if d.Bootable && d.Kind != images.CDROM {
			t.Fatalf("a bootable %v", d.Kind)
		}
		if r.read > 64<<10+16*2048 {
			t.Fatalf("read %d bytes", r.read)
		}
		_ = d.String()
	})
}

// countingReader is a bytes.Reader's ReadAt that counts what it returns.
type countingReader struct {
	b    []byte
	read int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(c.b)) {
		return 0, io.EOF
	}
	n := copy(p, c.b[off:])
	c.read += n
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestKindString(t *testing.T) {
	for k, want := range map[images.Kind]string{images.Floppy: "floppy image", images.Multiboot: "Multiboot kernel", images.Kind(99): "kind 99"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestDetectionString(t *testing.T) {
	for _, tt := range []struct {
		d    images.Detection
		want string
	}{
		{images.Detection{Kind: images.Floppy, Size: 1474560}, "floppy image (1440 KiB)"},
		{images.Detection{Kind: images.CDROM, Bootable: true}, "CD-ROM image (ISO 9660), El Torito bootable"},
		{images.Detection{Kind: images.CDROM}, "CD-ROM image (ISO 9660), not bootable (no El Torito boot record)"},
		{images.Detection{Kind: images.HardDisk, Size: 10 << 20}, "hard disk image (10 MiB)"},
		{images.Detection{Kind: images.BzImage}, "Linux kernel (bzImage)"},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.d, got, tt.want)
		}
	}
}
