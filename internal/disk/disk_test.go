package disk_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/do86/do86/internal/disk"
)

// pattern returns n bytes that differ from sector to sector.
func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i/disk.SectorSize)*7 + byte(i) + seed
	}
	return p
}

func writeImage(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustRead(t *testing.T, d *disk.Disk, lba uint64, n int) []byte {
	t.Helper()
	p := make([]byte, n*disk.SectorSize)
	if err := d.ReadSectors(lba, p); err != nil {
		t.Fatalf("ReadSectors(%d, %d): %v", lba, n, err)
	}
	return p
}

func sector(b byte) []byte { return bytes.Repeat([]byte{b}, disk.SectorSize) }

func TestWritesGoWhereAsked(t *testing.T) {
	t.Parallel()
	orig := pattern(8*disk.SectorSize, 1)
	tests := []struct {
		name       string
		opts       func(dir string) disk.Options
		imageAfter func(orig []byte) []byte // the image file's bytes after the writes
	}{
		{"memory overlay", func(string) disk.Options { return disk.Options{} },
			func(o []byte) []byte { return o }},
		{"overlay file", func(dir string) disk.Options {
			return disk.Options{OverlayPath: filepath.Join(dir, "hda.cow")}
		}, func(o []byte) []byte { return o }},
		{"persist", func(string) disk.Options { return disk.Options{Persist: true} },
			func(o []byte) []byte {
				w := bytes.Clone(o)
				copy(w[2*disk.SectorSize:], append(sector(0xAA), sector(0xBB)...))
				copy(w[7*disk.SectorSize:], sector(0xCC))
				return w
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeImage(t, "hda.img", orig)
			d, err := disk.Open(path, tc.opts(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			if err := d.WriteSectors(2, append(sector(0xAA), sector(0xBB)...)); err != nil {
				t.Fatal(err)
			}
			if err := d.WriteSectors(7, sector(0xCC)); err != nil {
				t.Fatal(err)
			}
			// The guest sees its writes, and the untouched sectors around them.
			want := bytes.Clone(orig)
			copy(want[2*disk.SectorSize:], append(sector(0xAA), sector(0xBB)...))
			copy(want[7*disk.SectorSize:], sector(0xCC))
			if got := mustRead(t, d, 0, 8); !bytes.Equal(got, want) {
				t.Error("reads after writes differ from what was written")
			}
			if got := d.Changed(); !reflect.DeepEqual(got, []uint64{2, 3, 7}) {
				t.Errorf("Changed() = %v, want [2 3 7]", got)
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			file, _ := os.ReadFile(path)
			if !bytes.Equal(file, tc.imageAfter(orig)) {
				t.Error("image file bytes are not as expected after the writes")
			}
		})
	}
}

func TestOverlayFileReuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	img := writeImage(t, "hda.img", pattern(64*disk.SectorSize, 3))
	ovl := filepath.Join(dir, "hda.cow")

	d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteSectors(63, sector(0x5A)); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// The same image and overlay again: the write is still there.
	d, err = disk.Open(img, disk.Options{OverlayPath: ovl})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, d, 63, 1); !bytes.Equal(got, sector(0x5A)) {
		t.Error("overlay file lost the sector written before")
	}
	if got := d.Changed(); !reflect.DeepEqual(got, []uint64{63}) {
		t.Errorf("Changed() = %v, want [63]", got)
	}
	d.Close()

	other := func(name string, data []byte) string { return writeImage(t, name, data) }
	tests := []struct {
		name  string
		image string
		want  string
	}{
		{"different size", other("small.img", pattern(32*disk.SectorSize, 3)), "belongs to an image of 32768 bytes"},
		{"same size, other contents", other("other.img", pattern(64*disk.SectorSize, 9)), "belongs to another image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := disk.Open(tc.image, disk.Options{OverlayPath: ovl})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ovl) {
				t.Errorf("Open over another image: err = %v, want one naming %s and saying %q", err, ovl, tc.want)
			}
		})
	}

	t.Run("not an overlay", func(t *testing.T) {
		junk := writeImage(t, "junk.cow", []byte("hello, world"))
		_, err := disk.Open(img, disk.Options{OverlayPath: junk})
		if err == nil || !strings.Contains(err.Error(), "not a do86 overlay") {
			t.Errorf("err = %v, want not a do86 overlay", err)
		}
	})
}

func TestPadding(t *testing.T) {
	t.Parallel()
	data := pattern(1000, 5)
	d, err := disk.Open(writeImage(t, "odd.img", data), disk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Sectors() != 2 || d.Size() != 1024 {
		t.Fatalf("Sectors() = %d, Size() = %d, want 2 and 1024", d.Sectors(), d.Size())
	}
	want := append(bytes.Clone(data), make([]byte, 24)...)
	if got := mustRead(t, d, 0, 2); !bytes.Equal(got, want) {
		t.Error("the last sector is not the file's tail padded with zeros")
	}
	if err := d.ReadSectors(1, make([]byte, 2*disk.SectorSize)); !errors.Is(err, disk.ErrRange) {
		t.Errorf("read past the end: err = %v, want ErrRange", err)
	}
}

func TestBlank(t *testing.T) {
	t.Parallel()
	d := disk.NewBlank(3*disk.SectorSize + 1)
	if d.Sectors() != 4 || d.ReadOnly() {
		t.Fatalf("Sectors() = %d, ReadOnly() = %v, want 4 and false", d.Sectors(), d.ReadOnly())
	}
	if got := mustRead(t, d, 0, 4); !bytes.Equal(got, make([]byte, 4*disk.SectorSize)) {
		t.Error("a blank disk does not read as zeros")
	}
	if err := d.WriteSectors(3, sector(0x11)); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, d, 2, 2); !bytes.Equal(got, append(sector(0), sector(0x11)...)) {
		t.Error("blank disk does not keep its writes")
	}
	if err := d.WriteSectors(4, sector(0)); !errors.Is(err, disk.ErrRange) {
		t.Errorf("write past the end: err = %v, want ErrRange", err)
	}
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	path := writeImage(t, "cd.iso", pattern(4*2048, 0))
	d, err := disk.Open(path, disk.Options{ReadOnly: true, Persist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.ReadOnly() {
		t.Error("ReadOnly() = false")
	}
	if err := d.WriteSectors(0, sector(1)); !errors.Is(err, disk.ErrReadOnly) {
		t.Errorf("WriteSectors: err = %v, want ErrReadOnly", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := writeImage(t, "empty.img", nil)
	img := writeImage(t, "ok.img", pattern(disk.SectorSize, 0))
	tests := []struct {
		name string
		path string
		opts disk.Options
		want string
	}{
		{"directory", dir, disk.Options{}, "is a directory"},
		{"missing", filepath.Join(dir, "nope.img"), disk.Options{}, "no such file"},
		{"empty", empty, disk.Options{}, "empty file"},
		{"persist with overlay", img, disk.Options{Persist: true, OverlayPath: filepath.Join(dir, "x.cow")}, "exclude"},
		{"overlay is a directory", img, disk.Options{OverlayPath: dir}, "is a directory"},
	}
	named := func(tc disk.Options, path string) string {
		if tc.OverlayPath != "" && !tc.Persist {
			return tc.OverlayPath
		}
		return path
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := disk.Open(tc.path, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), named(tc.opts, tc.path)) {
				t.Errorf("Open(%s) err = %v, want it to name the file and say %q", tc.path, err, tc.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"512", 512, true},
		{"512B", 512, true},
		{"32K", 32 << 10, true},
		{"32M", 32 << 20, true},
		{"32m", 32 << 20, true},
		{"2G", 2 << 30, true},
		{"2GiB", 2 << 30, true},
		{"128MB", 128 << 20, true},
		{"1T", 1 << 40, true},
		{"", 0, false},
		{"M", 0, false},
		{"12X", 0, false},
		{"-1M", 0, false},
		{"1.5G", 0, false},
		{"512iB", 0, false},
		{"9999999999G", 0, false},
	}
	for _, tc := range tests {
		got, err := disk.ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
