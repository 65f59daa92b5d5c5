package pager_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/do86/do86/pkg/pager"
)

// TestDamagedStoreIsReported damages a store file in several ways; each is
// reported as ErrCorrupt by Open or by reading the snapshot, never a panic.
func TestDamagedStoreIsReported(t *testing.T) {
	marker := bytes.Repeat([]byte("do86-marker-page"), pager.PageSize/16)
	build := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "store.db")
		s, err := pager.OpenWith(path, pager.Options{}) // raw pages: the marker is findable
		if err != nil {
			t.Fatal(err)
		}
		m := newMem(3000, 5)
		m[1] = marker
		if _, err := s.Save("x", m.snapshot()); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const bp = 64 << 10 // the store's page size
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, b []byte) []byte
	}{
		{"truncated to half", func(t *testing.T, b []byte) []byte { return b[:len(b)/2] }},
		{"truncated to one page", func(t *testing.T, b []byte) []byte { return b[:bp] }},
		{"truncated to 1000 bytes", func(t *testing.T, b []byte) []byte { return b[:1000] }},
		{"not a store", func(t *testing.T, b []byte) []byte { return bytes.Repeat([]byte("garbage!"), len(b)/8) }},
		{"meta pages wiped", func(t *testing.T, b []byte) []byte {
			clear(b[:2*bp])
			return b
		}},
		{"every page but the meta pages wiped", func(t *testing.T, b []byte) []byte {
			for i := 2 * bp; i < len(b); i++ {
				b[i] = byte(i * 7)
			}
			return b
		}},
		{"page content changed", func(t *testing.T, b []byte) []byte {
			i := bytes.Index(b, marker)
			if i < 0 {
				t.Fatal("marker page not found in the file")
			}
			b[i+100] ^= 0xFF
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := build(t)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(t, b), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := pager.Open(path)
			if err != nil {
				t.Log(err)
				if !errors.Is(err, pager.ErrCorrupt) {
					t.Fatalf("open: %v, want ErrCorrupt", err)
				}
				return
			}
			defer s.Close()
			err = s.Verify("x")
			t.Log(err)
			t.Log(err)
			if !errors.Is(err, pager.ErrCorrupt) {
				t.Fatalf("verify of a damaged store: %v, want ErrCorrupt", err)
			}
			// The store stays refused once broken.
			if _, err := s.List(); err == nil && tc.name != "page content changed" {
				t.Fatal("a broken store still lists")
			}
		})
	}
}
