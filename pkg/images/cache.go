package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables that move the image directory and the cache.
const (
	EnvImageDir = "DO86_IMAGE_DIR" // searched before the cache and the network
	EnvCacheDir = "DO86_CACHE_DIR" // replaces os.UserCacheDir()/do86/images
)

// ResolveOptions say where to look for an image and how to fetch it. The zero
// value looks in $DO86_IMAGE_DIR, then the default cache, then downloads
// quietly with the default timeouts.
type ResolveOptions struct {
	// ImageDir is searched first, by the entry's file name ("" =
	// $DO86_IMAGE_DIR; neither = no image directory).
	ImageDir string
	// CacheDir holds downloads ("" = $DO86_CACHE_DIR, else
	// os.UserCacheDir()/do86/images).
	CacheDir string
	// Offline forbids downloads: an image not found locally is an error.
	Offline bool
	// Progress receives a progress line (bytes, rate, ETA) redrawn with
	// carriage returns; nil is quiet. StderrProgress gives os.Stderr when
	// it is a terminal.
	Progress io.Writer
	// Timeouts of the HTTP client; zero fields take DefaultTimeouts'.
	Timeouts Timeouts
	// MaxBytes bounds a download whose size the catalog does not fix (0:
	// MaxDownload): a server that sends more is cut off and its bytes
	// deleted, so that it cannot fill the disk. A download of a fixed
	// size is cut off past that size.
	MaxBytes int64
}

// MaxDownload is the default ResolveOptions.MaxBytes: 8 GiB, above any
// image of the catalog.
const MaxDownload = 8 << 30

func (o ResolveOptions) imageDir() string {
	if o.ImageDir != "" {
		return o.ImageDir
	}
	return os.Getenv(EnvImageDir)
}

// CacheDirPath returns the cache directory the options name (not creating
// it).
func (o ResolveOptions) CacheDirPath() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set %s): %w", EnvCacheDir, err)
	}
	return filepath.Join(base, "do86", "images"), nil
}

// StderrProgress returns os.Stderr when it is a terminal, else nil (quiet),
// for ResolveOptions.Progress.
func StderrProgress() io.Writer {
	st, err := os.Stderr.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return os.Stderr
}

// Where says where an image was found.
type Where string

// Places an image can be.
const (
	InImageDir Where = "image dir"
	InCache    Where = "cache"
	BuiltIn    Where = "embedded"
	Nowhere    Where = "not cached"
)

// Status is what List and Info report about one catalog entry.
type Status struct {
	Entry
	// Where is where the image is; Path is its file ("" when Nowhere; for
	// an embedded image, where Resolve would write it).
	Where Where
	Path  string
	// Size is the file's size (or the embedded image's).
	Size int64
	// Recorded is the sha256 recorded in the cache's sidecar at download
	// time, "" when there is none.
	Recorded string
	// Partial is the size of an interrupted download (.part), 0 if none.
	Partial int64
}

// Describe renders a Status as the lines `do86 images info` prints.
func (s Status) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name:        %s\n", s.Name)
	fmt.Fprintf(&b, "title:       %s\n", s.Title)
	fmt.Fprintf(&b, "os:          %s\n", s.OS)
	fmt.Fprintf(&b, "boots as:    %s\n", s.Boot)
	fmt.Fprintf(&b, "memory:      %dM\n", s.MemoryMiB)
	if s.AHCIDiskSize > 0 {
		fmt.Fprintf(&b, "ahci disk:   blank, %dM\n", s.AHCIDiskSize>>20)
	}
	fmt.Fprintf(&b, "file:        %s\n", s.File)
	for _, u := range s.URLs {
		fmt.Fprintf(&b, "url:         %s\n", u)
	}
	if s.Entry.Size > 0 {
		fmt.Fprintf(&b, "size:        %d bytes\n", s.Entry.Size)
	} else {
		fmt.Fprintf(&b, "size:        not fixed\n")
	}
	if s.SHA256 != "" {
		fmt.Fprintf(&b, "sha256:      %s\n", s.SHA256)
	} else {
		fmt.Fprintf(&b, "sha256:      %s\n", s.Unfixed)
	}
	fmt.Fprintf(&b, "license:     %s\n", s.License)
	fmt.Fprintf(&b, "verified:    %s\n", s.VerifiedText())
	fmt.Fprintf(&b, "status:      %s", s.Where)
	if s.Path != "" && s.Where != Nowhere {
		fmt.Fprintf(&b, " (%s, %d bytes)", s.Path, s.Size)
	}
	b.WriteByte('\n')
	if s.Recorded != "" {
		fmt.Fprintf(&b, "recorded:    sha256 %s (first download)\n", s.Recorded)
	}
	if s.Partial > 0 {
		fmt.Fprintf(&b, "partial:     %d bytes downloaded; pull resumes\n", s.Partial)
	}
	fmt.Fprintf(&b, "about:       %s\n", s.Description)
	return b.String()
}

// VerifiedText says whether do86's tests boot the entry, and how.
func (e Entry) VerifiedText() string {
	if e.Verified == "" {
		return NotVerified
	}
	return e.Verified
}

// IsVerified reports whether do86's tests boot the entry.
func (e Entry) IsVerified() bool { return e.Verified != "" }

// ErrUnknownImage is returned (wrapped) for a name the catalog does not hold.
var ErrUnknownImage = errors.New("unknown image")

func lookup(name string) (Entry, error) {
	e, ok := Lookup(name)
	if !ok {
		return Entry{}, fmt.Errorf("%w %q: the catalog has %s", ErrUnknownImage, name, strings.Join(Names(), ", "))
	}
	return e, nil
}

// Resolve returns the path of the catalog image name: from the image
// directory (by its file name), else the cache, else (unless Offline)
// downloaded into the cache. The embedded demo is written to the cache (or,
// if that is not writable, the temporary directory) so it has a path.
func Resolve(name string, opts ResolveOptions) (string, error) {
	return ResolveContext(context.Background(), name, opts)
}

// ResolveContext is Resolve with a context that cancels a download.
func ResolveContext(ctx context.Context, name string, opts ResolveOptions) (string, error) {
	e, err := lookup(name)
	if err != nil {
		return "", err
	}
	return ResolveEntry(ctx, e, opts)
}

// ResolveEntry is Resolve for an entry that need not be in the catalog.
func ResolveEntry(ctx context.Context, e Entry, opts ResolveOptions) (string, error) {
	if d := opts.imageDir(); d != "" {
		p := filepath.Join(d, e.File)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	if e.Embedded != nil {
		return writeEmbedded(e, opts)
	}
	dir, err := opts.CacheDirPath()
	if err != nil {
		return "", err
	}
	if p, ok := cached(e, dir); ok {
		return p, nil
	}
	if opts.Offline {
		where := "the cache " + dir
		if d := opts.imageDir(); d != "" {
			where = "the image dir " + d + " or " + where
		}
		return "", &UnavailableError{Entry: e, CacheDir: dir, ImageDir: opts.imageDir(),
			Err: fmt.Errorf("image %s (%s) is not in %s, and downloads are off", e.Name, e.File, where)}
	}
	return downloadOrAdvise(ctx, e, dir, opts)
}

// downloadOrAdvise downloads e, and says how to get it by hand when that
// fails (unless the user cancelled).
func downloadOrAdvise(ctx context.Context, e Entry, dir string, opts ResolveOptions) (string, error) {
	p, err := download(ctx, e, dir, opts)
	if err != nil && ctx.Err() == nil {
		return "", &UnavailableError{Entry: e, CacheDir: dir, ImageDir: opts.imageDir(), Err: err}
	}
	return p, err
}

// Pull makes sure the catalog image name is in the cache, downloading it if
// it is not, and returns its path there. An image directory is not looked at.
func Pull(ctx context.Context, name string, opts ResolveOptions) (string, error) {
	e, err := lookup(name)
	if err != nil {
		return "", err
	}
	return PullEntry(ctx, e, opts)
}

// PullEntry is Pull for an entry that need not be in the catalog.
func PullEntry(ctx context.Context, e Entry, opts ResolveOptions) (string, error) {
	if e.Embedded != nil {
		return writeEmbedded(e, opts)
	}
	dir, err := opts.CacheDirPath()
	if err != nil {
		return "", err
	}
	if p, ok := cached(e, dir); ok {
		return p, nil
	}
	return downloadOrAdvise(ctx, e, dir, opts)
}

// cached reports the cache's copy of e when it is there and of the right
// size. (Its hash was checked when it was downloaded.)
func cached(e Entry, dir string) (string, bool) {
	p := filepath.Join(dir, e.File)
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	if e.Size > 0 && st.Size() != e.Size {
		return "", false
	}
	return p, true
}

// writeEmbedded puts an embedded image in the cache (rewriting it if it
// differs) and returns its path.
func writeEmbedded(e Entry, opts ResolveOptions) (string, error) {
	img := e.Embedded()
	dir, err := opts.CacheDirPath()
	if err == nil {
		if p, err := writeIfDifferent(dir, e.File, img); err == nil {
			return p, nil
		}
	}
	return writeIfDifferent(filepath.Join(os.TempDir(), "do86-images"), e.File, img)
}

func writeIfDifferent(dir, file string, data []byte) (string, error) {
	p := filepath.Join(dir, file)
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, file+".tmp*")
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return p, nil
}

// List reports every catalog entry: where it is, its size and path.
func List(opts ResolveOptions) []Status {
	var out []Status
	for _, e := range Catalog() {
		out = append(out, status(e, opts))
	}
	return out
}

// Info reports one catalog entry.
func Info(name string, opts ResolveOptions) (Status, error) {
	e, err := lookup(name)
	if err != nil {
		return Status{}, err
	}
	return status(e, opts), nil
}

func status(e Entry, opts ResolveOptions) Status {
	s := Status{Entry: e, Where: Nowhere}
	if d := opts.imageDir(); d != "" {
		p := filepath.Join(d, e.File)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			s.Where, s.Path, s.Size = InImageDir, p, st.Size()
			return s
		}
	}
	if e.Embedded != nil {
		s.Where, s.Size = BuiltIn, int64(len(e.Embedded()))
		if dir, err := opts.CacheDirPath(); err == nil {
			s.Path = filepath.Join(dir, e.File)
		}
		return s
	}
	dir, err := opts.CacheDirPath()
	if err != nil {
		return s
	}
	p := filepath.Join(dir, e.File)
	if st, err := os.Stat(p + partSuffix); err == nil {
		s.Partial = st.Size()
	}
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		s.Where, s.Path, s.Size = InCache, p, st.Size()
		s.Recorded = readSidecar(p)
	}
	return s
}

// Verify hashes the cached copy of the catalog image name and compares it
// with the catalog's sha256, or for an image without a fixed one, with the
// hash recorded at its first download. It returns the file's hash.
func Verify(name string, opts ResolveOptions) (string, error) {
	e, err := lookup(name)
	if err != nil {
		return "", err
	}
	dir, err := opts.CacheDirPath()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, e.File)
	sum, err := fileSHA256(p)
	if err != nil {
		return "", err
	}
	want, what := e.SHA256, "the catalog's"
	if want == "" {
		want, what = readSidecar(p), "the one recorded at download"
	}
	if want != "" && !strings.EqualFold(sum, want) {
		return sum, fmt.Errorf("%w: %s has sha256 %s, %s is %s", ErrChecksum, p, sum, what, want)
	}
	return sum, nil
}

// Remove deletes the catalog image name from the cache, with its sidecar and
// any partial download. An image directory is never touched.
func Remove(name string, opts ResolveOptions) error {
	e, err := lookup(name)
	if err != nil {
		return err
	}
	dir, err := opts.CacheDirPath()
	if err != nil {
		return err
	}
	p := filepath.Join(dir, e.File)
	found := false
	for _, f := range []string{p, p + sidecarSuffix, p + partSuffix, p + validatorSuffix} {
		err := os.Remove(f)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	if !found {
		return fmt.Errorf("image %s is not in the cache %s", e.Name, dir)
	}
	return nil
}

// Files beside a cached image.
const (
	partSuffix      = ".part"      // a download in progress or interrupted
	validatorSuffix = ".part.etag" // the server's ETag/Last-Modified for resuming it
	sidecarSuffix   = ".sha256"    // "HEX  FILE": the hash of the download
)

func readSidecar(p string) string {
	b, err := os.ReadFile(p + sidecarSuffix)
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func writeSidecar(p, sum string) error {
	return os.WriteFile(p+sidecarSuffix, []byte(sum+"  "+filepath.Base(p)+"\n"), 0o644)
}

// fileSHA256 hashes a file.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
