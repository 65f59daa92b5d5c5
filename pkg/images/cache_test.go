package images_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/do86/do86/internal/demo"
	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/images"
)

func TestCatalog(t *testing.T) {
	want := []string{"demo", "kolibri", "aqeous", "tinycore", "tinycore11", "dsl", "helenos", "linux4"}
	if got := images.Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("catalog names %v, want %v", got, want)
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	files := map[string]bool{}
	for _, e := range images.Catalog() {
		t.Run(e.Name, func(t *testing.T) {
			if e.Title == "" || e.OS == "" || e.License == "" || e.Description == "" || e.File == "" {
				t.Errorf("entry lacks a title, OS, licence, description or file: %+v", e)
			}
			if files[e.File] {
				t.Errorf("file name %s used twice", e.File)
			}
			files[e.File] = true
			switch e.Boot {
			case images.Floppy, images.CDROM, images.Multiboot:
			default:
				t.Errorf("boot kind %v", e.Boot)
			}
			if e.MemoryMiB < 16 || e.MemoryMiB > 2047 {
				t.Errorf("memory %dM outside what the core runs", e.MemoryMiB)
			}
			if (e.Embedded == nil) == (len(e.URLs) == 0) {
				t.Errorf("want either URLs or an embedded image, got %d URLs, embedded %v", len(e.URLs), e.Embedded != nil)
			}
			for _, u := range e.URLs {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || !strings.HasSuffix(u, "/"+e.File) {
					t.Errorf("URL %s is not an http(s) URL of %s", u, e.File)
				}
			}
			if e.SHA256 == "" && !strings.HasPrefix(e.Unfixed, "not fixed") {
				t.Errorf("no sha256 and no reason: %q", e.Unfixed)
			}
			if e.SHA256 != "" && !hex64.MatchString(e.SHA256) {
				t.Errorf("sha256 %q is not 64 hex digits", e.SHA256)
			}
			if e.Boot == images.Floppy && e.Size != 1474560 {
				t.Errorf("floppy size %d", e.Size)
			}
		})
	}
	e, ok := images.Lookup("KOLIBRI")
	if !ok || e.File != "kolibri.img" {
		t.Errorf("Lookup(KOLIBRI) = %v, %v", e.Name, ok)
	}
	if _, ok := images.Lookup("windows"); ok {
		t.Error("Lookup(windows) found something")
	}
	// Catalog hands out copies.
	c := images.Catalog()
	c[1].URLs[0] = "changed"
	if images.Catalog()[1].URLs[0] == "changed" {
		t.Error("Catalog shares its slices with callers")
	}
}

// The test images in the shared directory are exactly what the catalog says.
func TestCatalogMatchesSharedImages(t *testing.T) {
	for _, name := range []string{"kolibri", "aqeous"} {
		e, _ := images.Lookup(name)
		p := testenv.Image(t, e.File)
		d, err := images.Detect(p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != e.Boot || d.Size != e.Size {
			t.Errorf("%s: detected %v of %d bytes, catalog says %v of %d", name, d.Kind, d.Size, e.Boot, e.Size)
		}
		if e.SHA256 != "" {
			data, _ := os.ReadFile(p)
			if sum(data) != e.SHA256 {
				t.Errorf("%s: sha256 %s, catalog says %s", name, sum(data), e.SHA256)
			}
		}
	}
}

func TestResolveOrder(t *testing.T) {
	imgDir, cacheDir := t.TempDir(), t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(cacheDir, "linux4.iso"), "cached")
	offline := images.ResolveOptions{CacheDir: cacheDir, Offline: true}

	// The cache, when the image dir does not hold it.
	p, err := images.Resolve("linux4", images.ResolveOptions{ImageDir: imgDir, CacheDir: cacheDir, Offline: true})
	if err != nil || p != filepath.Join(cacheDir, "linux4.iso") {
		t.Fatalf("Resolve = %q, %v; want the cached copy", p, err)
	}
	// The image dir first, also when named by the environment.
	write(filepath.Join(imgDir, "linux4.iso"), "local")
	t.Setenv(images.EnvImageDir, imgDir)
	if p, err := images.Resolve("linux4", offline); err != nil || p != filepath.Join(imgDir, "linux4.iso") {
		t.Fatalf("Resolve = %q, %v; want the image dir's copy", p, err)
	}
	t.Setenv(images.EnvImageDir, "")
	// Offline and nowhere: a clear error, no download.
	_, err = images.Resolve("helenos", offline)
	if err == nil || !strings.Contains(err.Error(), "HelenOS-0.14.1-ia32.iso) is not in the cache") || !strings.Contains(err.Error(), "downloads are off") {
		t.Errorf("offline miss: %v", err)
	}
	// A cached file of the wrong size for a fixed entry is not used.
	write(filepath.Join(cacheDir, "aqeous.bin"), "short")
	if _, err := images.Resolve("aqeous", offline); err == nil {
		t.Error("a truncated cached aqeous.bin was used")
	}
	// Unknown names list the catalog.
	_, err = images.Resolve("windows95", offline)
	if !errors.Is(err, images.ErrUnknownImage) || !strings.Contains(err.Error(), "kolibri") {
		t.Errorf("unknown name: %v", err)
	}
	// The cache directory from the environment.
	t.Setenv(images.EnvCacheDir, cacheDir)
	if d, _ := (images.ResolveOptions{}).CacheDirPath(); d != cacheDir {
		t.Errorf("CacheDirPath = %s, want %s from %s", d, cacheDir, images.EnvCacheDir)
	}
}

func TestResolveDemo(t *testing.T) {
	dir := t.TempDir()
	opts := images.ResolveOptions{CacheDir: dir, Offline: true}
	for range 2 { // the second time finds it in place
		p, err := images.Resolve(images.Default, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, demo.Image()) {
			t.Fatalf("%s is not the embedded demo", p)
		}
		d, err := images.Detect(p)
		if err != nil || d.Kind != images.Floppy {
			t.Fatalf("demo detected as %v, %v", d.Kind, err)
		}
	}
	// A damaged copy is rewritten.
	os.WriteFile(filepath.Join(dir, "demo.img"), []byte("junk"), 0o644)
	p, _ := images.Resolve("demo", opts)
	if got, _ := os.ReadFile(p); !bytes.Equal(got, demo.Image()) {
		t.Error("a damaged demo.img was not rewritten")
	}
	e, _ := images.Lookup("demo")
	if e.SHA256 != sum(demo.Image()) {
		t.Errorf("demo sha256 %s, want that of the embedded image", e.SHA256)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	opts := images.ResolveOptions{CacheDir: dir}
	iso := filepath.Join(dir, "linux4.iso")
	os.WriteFile(iso, []byte("first download"), 0o644)
	os.WriteFile(iso+".sha256", []byte(sum([]byte("first download"))+"  linux4.iso\n"), 0o644)
	if got, err := images.Verify("linux4", opts); err != nil || got != sum([]byte("first download")) {
		t.Errorf("Verify of an intact unfixed image: %s, %v", got, err)
	}
	os.WriteFile(iso, []byte("changed on disk"), 0o644)
	if _, err := images.Verify("linux4", opts); !errors.Is(err, images.ErrChecksum) || !strings.Contains(err.Error(), "recorded at download") {
		t.Errorf("Verify of a changed unfixed image: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "aqeous.bin"), []byte("not aqeous"), 0o644)
	if _, err := images.Verify("aqeous", opts); !errors.Is(err, images.ErrChecksum) || !strings.Contains(err.Error(), "catalog's") {
		t.Errorf("Verify of a wrong fixed image: %v", err)
	}
	if _, err := images.Verify("helenos", opts); err == nil {
		t.Error("Verify of an image not in the cache succeeded")
	}
}

func TestListInfoRemove(t *testing.T) {
	imgDir, cacheDir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(imgDir, "kolibri.img"), make([]byte, 1474560), 0o644)
	os.WriteFile(filepath.Join(cacheDir, "linux4.iso"), []byte("iso"), 0o644)
	os.WriteFile(filepath.Join(cacheDir, "linux4.iso.sha256"), []byte(strings.Repeat("ab", 32)+"  linux4.iso\n"), 0o644)
	os.WriteFile(filepath.Join(cacheDir, "dsl-4.11.rc2.iso.part"), make([]byte, 123), 0o644)
	opts := images.ResolveOptions{ImageDir: imgDir, CacheDir: cacheDir}

	want := map[string]struct {
		where   images.Where
		size    int64
		partial int64
	}{
		"demo":    {images.BuiltIn, demo.FloppySize, 0},
		"kolibri": {images.InImageDir, 1474560, 0},
		"linux4":  {images.InCache, 3, 0},
		"dsl":     {images.Nowhere, 0, 123},
		"helenos": {images.Nowhere, 0, 0},
	}
	list := images.List(opts)
	if len(list) != len(images.Catalog()) {
		t.Fatalf("List has %d entries", len(list))
	}
	for _, s := range list {
		w, ok := want[s.Name]
		if !ok {
			continue
		}
		if s.Where != w.where || s.Size != w.size || s.Partial != w.partial {
			t.Errorf("%s: where %q size %d partial %d, want %q %d %d", s.Name, s.Where, s.Size, s.Partial, w.where, w.size, w.partial)
		}
	}
	info, err := images.Info("linux4", opts)
	if err != nil {
		t.Fatal(err)
	}
	if info.Recorded != strings.Repeat("ab", 32) || info.Path != filepath.Join(cacheDir, "linux4.iso") {
		t.Errorf("Info: recorded %q path %q", info.Recorded, info.Path)
	}
	for _, line := range []string{"name:        linux4", "boots as:    CD-ROM image", "status:      cache (", "recorded:    sha256 abab", "url:         https://i.copy.sh/linux4.iso"} {
		if !strings.Contains(info.Describe(), line) {
			t.Errorf("Describe lacks %q:\n%s", line, info.Describe())
		}
	}
	if _, err := images.Info("nope", opts); !errors.Is(err, images.ErrUnknownImage) {
		t.Errorf("Info(nope): %v", err)
	}

	if err := images.Remove("linux4", opts); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"linux4.iso", "linux4.iso.sha256"} {
		if _, err := os.Stat(filepath.Join(cacheDir, f)); err == nil {
			t.Errorf("%s still there after Remove", f)
		}
	}
	if err := images.Remove("linux4", opts); err == nil || !strings.Contains(err.Error(), "not in the cache") {
		t.Errorf("second Remove: %v", err)
	}
	if err := images.Remove("dsl", opts); err != nil {
		t.Errorf("Remove of a partial download: %v", err)
	}
	if err := images.Remove("kolibri", opts); err == nil {
		t.Error("Remove touched the image dir")
	}
	if _, err := os.Stat(filepath.Join(imgDir, "kolibri.img")); err != nil {
		t.Error("Remove deleted from the image dir")
	}
}

// Every entry says whether do86's tests boot it; the ones that say so name
// tests that exist, and the ones no copy of could be fetched say plainly
// that they were never booted.
func TestCatalogVerified(t *testing.T) {
	t.Parallel()
	funcs := map[string]bool{}
	root := filepath.Join("..", "..")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(`).FindAllSubmatch(b, -1) {
			funcs[string(m[1])] = true
		}
		return nil
	})
	for _, e := range images.Catalog() {
		info, err := images.Info(e.Name, images.ResolveOptions{CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		d := info.Describe()
		switch e.Name {
		case "demo", "kolibri", "aqeous":
			if !e.IsVerified() || !strings.Contains(d, "verified:    yes") {
				t.Errorf("%s: not marked verified:\n%s", e.Name, d)
			}
			names := regexp.MustCompile(`Test\w+`).FindAllString(e.Verified, -1)
			if len(names) == 0 {
				t.Errorf("%s: Verified names no test: %q", e.Name, e.Verified)
			}
			for _, n := range names {
				if !funcs[n] {
					t.Errorf("%s: Verified names %s, which no test file defines", e.Name, n)
				}
			}
		default:
			if e.IsVerified() || !strings.Contains(d, "verified:    no: never booted") {
				t.Errorf("%s: should say it was never booted:\n%s", e.Name, d)
			}
			if e.SHA256 == "" && !strings.Contains(d, "first download's hash is recorded") {
				t.Errorf("%s: trust on first use not said:\n%s", e.Name, d)
			}
		}
	}
}
