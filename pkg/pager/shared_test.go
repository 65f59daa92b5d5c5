package pager_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/do86/do86/pkg/pager"
)

// TestSharedStore: two Stores on one file (as two do86 processes have:
// bbolt's lock is per open file, so the same flock calls decide) list, save,
// load and delete while both are open; saves from both at once all land; a
// reader waits for a writer and says so, and gives up with ErrInUse only
// after its timeout.
func TestSharedStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	server := open(t, path, pager.Options{}) // a do86 serve, open all along
	m := newMem(40, 7)
	if _, err := server.Save("serve/a", m.snapshot()); err != nil {
		t.Fatal(err)
	}
	var waited atomic.Int32
	cli := open(t, path, pager.Options{Waiting: func(string) { waited.Add(1) }})
	if infos, err := cli.List(); err != nil || len(infos) != 1 || infos[0].Name != "serve/a" {
		t.Fatalf("list from another process: %+v %v", infos, err)
	}
	check(t, cli, "serve/a", m)
	if _, err := cli.Save("mine", newMem(40, 8).snapshot()); err != nil {
		t.Fatalf("save from another process: %v", err)
	}
	check(t, server, "mine", newMem(40, 8))

	// Both save at once, several times: every snapshot lands whole.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 10 {
		for j, s := range []*pager.Store{server, cli} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Save(fmt.Sprintf("c%d-%d", j, i), newMem(30, uint64(100+10*j+i)).snapshot()); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range 10 {
		for j := range 2 {
			check(t, server, fmt.Sprintf("c%d-%d", j, i), newMem(30, uint64(100+10*j+i)))
		}
	}
	if err := cli.Delete("serve/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Load("serve/a"); !errors.Is(err, pager.ErrNotFound) {
		t.Fatalf("a snapshot the other process deleted: %v", err)
	}

	// While one reads (a pin holds the shared lock), the other's save waits,
	// says so once, and goes through when the reader is done.
	unpin, err := server.Pin()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := cli.Save("late", newMem(10, 9).snapshot())
		done <- err
	}()
	time.Sleep(600 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("a save went through while another process read: %v", err)
	default:
	}
	if waited.Load() != 1 {
		t.Errorf("Waiting called %d times, want once", waited.Load())
	}
	check(t, server, "mine", newMem(40, 8)) // reads go on under the pin
	unpin()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A writer that never gets the lock gives up after its timeout.
	unpin, _ = server.Pin()
	impatient := open(t, path, pager.Options{Timeout: 300 * time.Millisecond})
	if _, err := impatient.Save("never", newMem(10, 10).snapshot()); !errors.Is(err, pager.ErrInUse) {
		t.Errorf("save against a held lock: %v, want ErrInUse", err)
	}
	unpin()
}

// TestReadOnlyAndMissing: a read-only store, and any store before its first
// save, creates neither the file nor its directories; reading it finds
// nothing, and a read-only one refuses writes.
func TestReadOnlyAndMissing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing", "dir")
	path := filepath.Join(dir, "x.db")
	ro, err := pager.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if infos, err := ro.List(); err != nil || len(infos) != 0 {
		t.Errorf("list of a missing store: %v %v", infos, err)
	}
	if _, err := ro.Load("x"); !errors.Is(err, pager.ErrNotFound) {
		t.Errorf("load from a missing store: %v", err)
	}
	if u, err := ro.Usage(); err != nil || u.Snapshots != 0 {
		t.Errorf("usage of a missing store: %+v %v", u, err)
	}
	if _, err := ro.Save("x", newMem(3, 1).snapshot()); !errors.Is(err, pager.ErrReadOnly) {
		t.Errorf("save to a read-only store: %v", err)
	}
	rw := open(t, path, pager.Options{})
	if err := rw.Delete("x"); !errors.Is(err, pager.ErrNotFound) {
		t.Errorf("delete from a missing store: %v", err)
	}
	if n, err := rw.GC(); n != 0 || err != nil {
		t.Errorf("gc of a missing store: %d %v", n, err)
	}
	if ro.Exists() || rw.Exists() {
		t.Error("Exists says yes")
	}
	if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading a missing store created %s (%v)", filepath.Dir(dir), err)
	}
	m := newMem(30, 2)
	if _, err := rw.Save("x", m.snapshot()); err != nil {
		t.Fatal(err)
	}
	check(t, ro, "x", m)
	if _, err := ro.Save("y", m.snapshot()); !errors.Is(err, pager.ErrReadOnly) {
		t.Errorf("save to a read-only store: %v", err)
	}
	if err := ro.Delete("x"); !errors.Is(err, pager.ErrReadOnly) {
		t.Errorf("delete from a read-only store: %v", err)
	}
}

// TestPagesVerifiedOnRead: a page whose stored bytes changed is refused by
// ReadPages itself (no Verify needed), before the caller sees its bytes,
// naming the page; the store is not broken for the snapshots that do not
// use it.
func TestPagesVerifiedOnRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	s := open(t, path, pager.Options{}) // raw pages: the marker is findable
	marker := bytes.Repeat([]byte("damaged-page-mk!"), pager.PageSize/16)
	a := newMem(30, 3)
	a[1] = marker
	if _, err := s.Save("a", a.snapshot()); err != nil {
		t.Fatal(err)
	}
	b := newMem(30, 4)
	if _, err := s.Save("b", b.snapshot()); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every copy of it: bbolt's copy-on-write may leave stale ones.
	n := 0
	for i := bytes.Index(file, marker); i >= 0; i = bytes.Index(file, marker) {
		file[i+77] ^= 0x20
		n++
	}
	if n == 0 {
		t.Fatal("marker page not in the file")
	}
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Load("a")
	if err != nil {
		t.Fatal(err)
	}
	err = s.ReadPages(snap.Memory, func(i int, p []byte) error {
		if bytes.Contains(p, []byte("damaged-page-mK!")) {
			t.Fatal("ReadPages handed out the damaged page")
		}
		return nil
	})
	if !errors.Is(err, pager.ErrCorrupt) || !bytes.Contains([]byte(err.Error()), []byte(pager.HashPage(marker).String())) {
		t.Errorf("reading a damaged page: %v", err)
	}
	check(t, s, "b", b)
}

// BenchmarkReadPages reads 2000 pages (every one checked against its
// hash), stored raw and compressed; BenchmarkHashPage is the check alone.
func BenchmarkReadPages(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("compress=%v", compress), func(b *testing.B) {
			s, err := pager.OpenWith(filepath.Join(b.TempDir(), "store.db"), pager.Options{Compress: compress, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			m := newMem(3000, 11)
			for i := range m { // compressible pages, as most of a guest's are
				if i%3 != 0 {
					clear(m[i][i%4096:])
				}
			}
			snap := m.snapshot()
			if _, err := s.Save("x", snap); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(2000 * pager.PageSize)
			b.ResetTimer()
			for range b.N {
				if err := s.ReadPages(snap.Memory, func(int, []byte) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHashPage(b *testing.B) {
	p := newMem(2, 12)[1]
	b.SetBytes(pager.PageSize)
	for range b.N {
		pager.HashPage(p)
	}
}

// TestStoreFileMode: a new store (it holds guests' memory) and its new
// directory are its owner's alone.
func TestStoreFileMode(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "store.db")
	s := open(t, path, pager.Options{})
	if _, err := s.Save("x", newMem(3, 1).snapshot()); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir} {
		if st, err := os.Stat(p); err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, st.Mode(), err, want)
		}
	}
}
