package disk_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/internal/disk"
)

// overlayWith makes an image of sectors sectors and an overlay file over it
// holding the given sectors (each filled with its number plus one), and
// returns both paths and the overlay file's bytes.
func overlayWith(t *testing.T, sectors int, written ...uint64) (img, ovl string, file []byte) {
	t.Helper()
	img = writeImage(t, "hda.img", pattern(sectors*disk.SectorSize, 4))
	ovl = filepath.Join(t.TempDir(), "hda.cow")
	d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
	if err != nil {
		t.Fatal(err)
	}
	for _, lba := range written {
		if err := d.WriteSectors(lba, sector(byte(lba+1))); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	file, err = os.ReadFile(ovl)
	if err != nil {
		t.Fatal(err)
	}
	return img, ovl, file
}

// TestDamagedOverlayRefused: an overlay file cut short anywhere (in its
// header, its sector map, or the data of a sector it holds), or with a
// damaged header, is refused as damaged when opened, naming the file; the
// guest's writes are never read back as zeros.
func TestDamagedOverlayRefused(t *testing.T) {
	t.Parallel()
	_, _, good := overlayWith(t, 64, 5, 63)
	const dataOff = 8192 // the header, then one 4 KiB page holding the map
	if len(good) != dataOff+64*disk.SectorSize {
		t.Fatalf("overlay file of %d bytes, want %d", len(good), dataOff+64*disk.SectorSize)
	}
	tests := []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"cut in the header", func(b []byte) []byte { return b[:100] }},
		{"cut in the sector map", func(b []byte) []byte { return b[:4096+4] }},
		{"cut before the data", func(b []byte) []byte { return b[:dataOff] }},
		{"cut in the last sector's data", func(b []byte) []byte { return b[:len(b)-100] }},
		{"a header field changed", func(b []byte) []byte { b[48]++; return b }},
		{"header padding overwritten", func(b []byte) []byte { b[1000] = 1; return b }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, ovl, file := overlayWith(t, 64, 5, 63)
			if err := os.WriteFile(ovl, tc.damage(file), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
			if err == nil {
				d.Close()
				t.Fatal("a damaged overlay was opened")
			}
			if !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), ovl) {
				t.Errorf("err = %v, want one naming %s as damaged", err, ovl)
			}
		})
	}
	t.Run("map marks sectors past the disk", func(t *testing.T) {
		img, ovl, file := overlayWith(t, 60, 5)
		file[4096+7] |= 0x40 // sector 62 of a 60-sector disk
		os.WriteFile(ovl, file, 0o644)
		if _, err := disk.Open(img, disk.Options{OverlayPath: ovl}); err == nil || !strings.Contains(err.Error(), "past the disk") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cut while in use", func(t *testing.T) {
		img, ovl, _ := overlayWith(t, 64, 5, 63)
		d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if err := os.Truncate(ovl, dataOff+10*disk.SectorSize); err != nil {
			t.Fatal(err)
		}
		if got := mustRead(t, d, 5, 1); !bytes.Equal(got, sector(6)) {
			t.Error("sector 5 changed")
		}
		p := make([]byte, disk.SectorSize)
		if err := d.ReadSectors(63, p); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("reading a sector cut from the overlay: %v, %x…", err, p[:4])
		}
	})
	t.Run("intact", func(t *testing.T) {
		img, ovl, _ := overlayWith(t, 64, 5, 63)
		d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if !bytes.Equal(mustRead(t, d, 63, 1), sector(64)) || !bytes.Equal(mustRead(t, d, 5, 1), sector(6)) {
			t.Error("the overlay's sectors did not read back")
		}
	})
	t.Run("an empty file is a new overlay", func(t *testing.T) {
		img := writeImage(t, "hda.img", pattern(64*disk.SectorSize, 4))
		ovl := filepath.Join(t.TempDir(), "new.cow")
		os.WriteFile(ovl, nil, 0o644)
		d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
	})
}

// FuzzOverlayFile: whatever an overlay file holds, opening it over an image
// either fails with an error naming it or gives a disk every sector of which
// reads (or fails to read) without a panic; the sector map is sized by the
// image, never by the file. The seeds (an empty, a written and a truncated
// overlay) run in every `go test`; `go test -fuzz FuzzOverlayFile
// ./internal/disk` searches further.
func FuzzOverlayFile(f *testing.F) {
	dir := f.TempDir()
	img := filepath.Join(dir, "hda.img")
	os.WriteFile(img, pattern(100*disk.SectorSize, 6), 0o644)
	seed := filepath.Join(dir, "seed.cow")
	d, err := disk.Open(img, disk.Options{OverlayPath: seed})
	if err != nil {
		f.Fatal(err)
	}
	d.WriteSectors(3, sector(3))
	d.WriteSectors(99, sector(99))
	d.Close()
	good, _ := os.ReadFile(seed)
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(good[:4096])
	f.Add([]byte("DO86COW1"))
	n := 0
	f.Fuzz(func(t *testing.T, b []byte) {
		n++
		ovl := filepath.Join(dir, "fuzz.cow")
		if err := os.WriteFile(ovl, b, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := disk.Open(img, disk.Options{OverlayPath: ovl})
		if err != nil {
			if !strings.Contains(err.Error(), ovl) {
				t.Fatalf("error %v does not name the overlay", err)
			}
			return
		}
		defer d.Close()
		p := make([]byte, disk.SectorSize)
		for lba := uint64(0); lba < d.Sectors(); lba++ {
			d.ReadSectors(lba, p)
		}
	})
}
