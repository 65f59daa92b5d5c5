package core

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// wazero's compilation cache on disk keeps the core's compiled code (about
// 10 MB) and, with the JIT on, every JIT module compiled (a few KB to 2 MB
// each; identical guest code yields identical modules, so a second boot of
// the same system finds most of them there instead of compiling them for up
// to a few hundred ms each). wazero never removes entries, so LoadEngine
// prunes the directory to CacheBudget, oldest entries first.

// CacheBudget is the size the compilation cache directory is pruned to.
const CacheBudget = 256 << 20

// cacheKeepSize: entries at least this large (the core's own compiled code)
// are never pruned.
const cacheKeepSize = 4 << 20

// pruneCache deletes the oldest files under dir smaller than cacheKeepSize
// until the files under dir total at most three quarters of budget; it does
// nothing while they total at most budget.
func pruneCache(dir string, budget int64) {
	type entry struct {
		path string
		size int64
		mod  time.Time
	}
	var files []entry
	var total int64
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			files = append(files, entry{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
		return nil
	})
	if total <= budget {
		return
	}
	slices.SortFunc(files, func(a, b entry) int { return a.mod.Compare(b.mod) })
	for _, f := range files {
		if total <= budget/4*3 {
			return
		}
		if f.size >= cacheKeepSize {
			continue
		}
		if os.Remove(f.path) == nil {
			total -= f.size
		}
	}
}
