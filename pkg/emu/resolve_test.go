package emu_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/pkg/emu"
)

// resolveFixture is a directory with fake firmware and a few image files.
type resolveFixture struct {
	dir, bios, vgabios, floppy, disk string
}

func newResolveFixture(t *testing.T) resolveFixture {
	t.Helper()
	dir := t.TempDir()
	f := resolveFixture{dir: dir,
		bios: filepath.Join(dir, "bios.bin"), vgabios: filepath.Join(dir, "vgabios.bin"),
		floppy: filepath.Join(dir, "dos.img"), disk: filepath.Join(dir, "disk.img")}
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(f.bios, make([]byte, 128<<10))
	write(f.vgabios, make([]byte, 32<<10))
	write(f.floppy, make([]byte, 1474560))
	mbr := make([]byte, 4<<20)
	mbr[510], mbr[511] = 0x55, 0xAA
	write(f.disk, mbr)
	t.Setenv("DO86_CACHE_DIR", filepath.Join(dir, "cache"))
	t.Setenv("DO86_IMAGE_DIR", "")
	return f
}

func (f resolveFixture) req() emu.Request {
	return emu.Request{BIOS: f.bios, VGABIOS: f.vgabios, Offline: true}
}

func TestResolvePlacesImages(t *testing.T) {
	f := newResolveFixture(t)
	r := f.req()
	r.Image = f.floppy
	r.HDA = f.disk
	cfg, err := emu.Resolve(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Floppy[0] != f.floppy || cfg.HDA != f.disk || cfg.Name != "dos.img" || !strings.Contains(cfg.Kind, "floppy") {
		t.Fatalf("config %+v", cfg)
	}
	if got := strings.Join(cfg.Boot, ","); got != "fda,hda" {
		t.Fatalf("boot order %q, want fda,hda", got)
	}
	if cfg.Memory != emu.DefaultMemory || !cfg.JIT || len(cfg.BIOS) != 128<<10 {
		t.Fatalf("defaults: memory %d jit %v bios %d", cfg.Memory, cfg.JIT, len(cfg.BIOS))
	}

	// A file of the image directory by its name, without its ending.
	r = f.req()
	r.Image, r.ImageDir = "dos", f.dir
	if cfg, err = emu.Resolve(context.Background(), r); err != nil || cfg.Floppy[0] != f.floppy {
		t.Fatalf("image dir by name: %v, %+v", err, cfg)
	}

	// The catalog's default when nothing is named: the embedded demo.
	cfg, err = emu.Resolve(context.Background(), f.req())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "demo" || cfg.Floppy[0] == "" {
		t.Fatalf("default image: %+v", cfg)
	}
}

func TestResolveRefusals(t *testing.T) {
	f := newResolveFixture(t)
	iso := filepath.Join(f.dir, "plain.iso")
	b := make([]byte, 40*2048)
	copy(b[16*2048+1:], "CD001")
	b[17*2048] = 255
	copy(b[17*2048+1:], "CD001")
	os.WriteFile(iso, b, 0o644)
	for _, tc := range []struct {
		name  string
		edit  func(r *emu.Request)
		field string // the FieldError's field, "" for another error
		want  string
	}{
		{"initrd alone", func(r *emu.Request) { r.Image, r.Initrd = f.floppy, f.floppy }, "Initrd", "need a kernel"},
		{"kernel and multiboot", func(r *emu.Request) { r.Kernel, r.Multiboot = f.floppy, f.floppy }, "Kernel", "exclude"},
		{"memory", func(r *emu.Request) { r.Image, r.Memory = f.floppy, 4<<30 }, "Memory", "2047M"},
		{"overlay without disk", func(r *emu.Request) { r.Image, r.Overlay = f.floppy, "x.ovl" }, "Overlay", "no HDA"},
		{"persist and overlay", func(r *emu.Request) { r.Image, r.HDA, r.Persist, r.Overlay = f.floppy, f.disk, true, "x" }, "Persist", "exclude"},
		{"same disk twice", func(r *emu.Request) { r.HDA, r.HDB = f.disk, f.disk }, "HDB", "same image"},
		{"drive taken", func(r *emu.Request) { r.Image, r.Floppy[0] = f.floppy, f.floppy }, "Floppy", "goes there too"},
		{"bad boot", func(r *emu.Request) { r.Image, r.Boot = f.floppy, []string{"net"} }, "Boot", "not one of"},
		{"iso without el torito", func(r *emu.Request) { r.Image = iso }, "", "El Torito"},
		{"unknown name", func(r *emu.Request) { r.Image = "no-such-os" }, "", "neither a catalog image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.req()
			tc.edit(&r)
			_, err := emu.Resolve(context.Background(), r)
			if err == nil {
				t.Fatal("no error")
			}
			var fe *emu.FieldError
			if tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
				t.Fatalf("error %q (%T), want a FieldError on %s", err, err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	data := make([]byte, 1<<20)
	os.WriteFile(a, data, 0o644)
	os.WriteFile(b, data, 0o644)
	data[12345] = 1
	os.WriteFile(c, data, 0o644)
	fa, err := emu.Fingerprint(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := emu.Fingerprint(b)
	fc, _ := emu.Fingerprint(c)
	if fa != fb || fa == fc {
		t.Fatalf("fingerprints: same content %q %q, changed %q", fa, fb, fc)
	}
}
