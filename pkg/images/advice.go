package images

import (
	"fmt"
	"path/filepath"
	"strings"
)

// UnavailableError is an image that could not be had: not found locally
// and not downloaded (offline, or the download failed). Its message says
// how to get the image by hand.
type UnavailableError struct {
	Entry    Entry
	CacheDir string // where a download would have gone
	ImageDir string // the image directory searched, "" for none
	Err      error  // why
}

func (e *UnavailableError) Error() string { return e.Err.Error() + ". " + e.Advice() }

func (e *UnavailableError) Unwrap() error { return e.Err }

// Advice says how to get the image without do86's download: the URL and
// checksum, and where to put the file.
func (e *UnavailableError) Advice() string {
	var b strings.Builder
	en := e.Entry
	if len(en.URLs) > 0 {
		fmt.Fprintf(&b, "To fetch %s by hand, download %s", en.Name, en.URLs[0])
		if len(en.URLs) > 1 {
			fmt.Fprintf(&b, " (or %s)", strings.Join(en.URLs[1:], ", "))
		}
	} else {
		fmt.Fprintf(&b, "%s has no download address", en.Name)
	}
	switch {
	case en.SHA256 != "":
		fmt.Fprintf(&b, " (sha256 %s", en.SHA256)
		if en.Size > 0 {
			fmt.Fprintf(&b, ", %d bytes", en.Size)
		}
		b.WriteString(")")
	case en.Unfixed != "":
		fmt.Fprintf(&b, " (no fixed sha256: %s; the first copy's is recorded)", en.Unfixed)
	}
	fmt.Fprintf(&b, " and save it as %s", filepath.Join(e.CacheDir, en.File))
	if e.ImageDir != "" {
		fmt.Fprintf(&b, ", or put it in the image directory %s as %s", e.ImageDir, en.File)
	} else {
		fmt.Fprintf(&b, ", or put it as %s in a directory given with --image-dir (or $%s)", en.File, EnvImageDir)
	}
	return b.String()
}
