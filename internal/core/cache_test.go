package core_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/do86/do86/internal/core"
)

// The cache is pruned oldest first, down to three quarters of the budget,
// and the core's own large entry stays.
func TestPruneCache(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget int64
		want   []string
	}{
		{"under budget", 16 << 20, []string{"core", "jit1", "jit2", "jit3", "jit4"}},
		{"over budget", 7 << 20, []string{"core", "jit4"}},
		{"far over budget", 1 << 20, []string{"core"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := filepath.Join(dir, "wazero-v1-amd64-linux")
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now().Add(-time.Hour)
			for i, f := range []struct {
				name string
				size int
			}{{"core", 4 << 20}, {"jit1", 1 << 20}, {"jit2", 1 << 20}, {"jit3", 1 << 20}, {"jit4", 1 << 20}} {
				p := filepath.Join(sub, f.name)
				if err := os.WriteFile(p, make([]byte, f.size), 0o600); err != nil {
					t.Fatal(err)
				}
				mt := t0.Add(time.Duration(i) * time.Minute)
				if err := os.Chtimes(p, mt, mt); err != nil {
					t.Fatal(err)
				}
			}
			core.PruneCache(dir, tc.budget)
			ents, _ := os.ReadDir(sub)
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("left %v, want %v", got, tc.want)
			}
		})
	}
}
