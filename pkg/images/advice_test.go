package images_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/pkg/images"
)

// A download that fails, and an offline lookup, say how to get the image
// by hand: its URL, checksum, where it goes in the cache, --image-dir.
func TestUnavailableAdvice(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	cache := t.TempDir()
	t.Setenv(images.EnvImageDir, "")
	e := images.Entry{Name: "tiny", File: "tiny.img", URLs: []string{srv.URL + "/tiny.img"}, SHA256: strings.Repeat("ab", 32), Size: 1474560}
	for _, offline := range []bool{false, true} {
		_, err := images.ResolveEntry(context.Background(), e, images.ResolveOptions{CacheDir: cache, Offline: offline})
		var ue *images.UnavailableError
		if !errors.As(err, &ue) {
			t.Fatalf("offline=%v: error %v (%T), want an UnavailableError", offline, err, err)
		}
		msg := err.Error()
		for _, want := range []string{srv.URL + "/tiny.img", e.SHA256, filepath.Join(cache, "tiny.img"), "--image-dir"} {
			if !strings.Contains(msg, want) {
				t.Errorf("offline=%v: %q does not say %q", offline, msg, want)
			}
		}
	}
}
