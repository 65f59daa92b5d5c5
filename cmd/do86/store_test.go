package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// tinySnapshot is a one-page snapshot, for the store's sake.
func tinySnapshot() *pager.Snapshot {
	p := bytes.Repeat([]byte{7}, pager.PageSize)
	h := pager.HashPage(p)
	return &pager.Snapshot{Core: []byte("core"), Memory: []pager.Hash{h, pager.Zero},
		Data: func(pager.Hash) []byte { return p }}
}

func saveTiny(name string) func(*pager.Store) (emu.SnapshotStats, error) {
	return func(s *pager.Store) (emu.SnapshotStats, error) {
		st, err := s.Save(name, tinySnapshot())
		return emu.SnapshotStats{Stats: st}, err
	}
}

func runSnapshots(t *testing.T, args ...string) error {
	t.Helper()
	cmd := newSnapshotsCmd()
	cmd.SetArgs(args)
	cmd.SetOut(new(bytes.Buffer))
	return cmd.Execute()
}

// TestSnapshotsListMissingStore: listing (or removing from) a store that
// does not exist creates neither it nor its directories.
func TestSnapshotsListMissingStore(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "missing", "dir", "x.db")
	if err := runSnapshots(t, "list", "--store", path); err != nil {
		t.Fatal(err)
	}
	if err := runSnapshots(t, "rm", "--store", path, "x"); !errors.Is(err, pager.ErrNotFound) {
		t.Errorf("rm from a missing store: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a read-only command created %s", filepath.Join(root, "missing"))
	}
}

// TestStoreSharedWithServe: while a serve holds its store open, list, save
// and rm from other commands work on the same file.
func TestStoreSharedWithServe(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	serve, err := pager.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	if _, err := serve.Save("serve/s1", tinySnapshot()); err != nil {
		t.Fatal(err)
	}
	if _, rescued, err := saveSomewhere(path, "mine", nil, saveTiny("mine")); err != nil || rescued != "" {
		t.Fatalf("save beside a running serve: %q %v", rescued, err)
	}
	cmd := newSnapshotsCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"list", "--store", path})
	if err := cmd.Execute(); err != nil || !strings.Contains(out.String(), "serve/s1") || !strings.Contains(out.String(), "mine") {
		t.Fatalf("list beside a running serve: %v\n%s", err, out.String())
	}
	if err := runSnapshots(t, "rm", "--store", path, "mine"); err != nil {
		t.Fatal(err)
	}
	if _, err := serve.Load("mine"); !errors.Is(err, pager.ErrNotFound) {
		t.Errorf("serve still sees the removed snapshot: %v", err)
	}
}

// TestSaveRescued: a save whose store cannot take it (the file is damaged)
// goes to a new store file beside it, which resumes; the damaged file is
// left as it was.
func TestSaveRescued(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "store.db")
	junk := bytes.Repeat([]byte("not a store "), 10000)
	if err := os.WriteFile(path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	_, rescued, err := saveSomewhere(path, "keep", nil, saveTiny("keep"))
	if err != nil {
		t.Fatal(err)
	}
	_, alt, ok := strings.Cut(rescued, "--store ")
	alt, _, _ = strings.Cut(alt, " ")
	if !ok || filepath.Dir(alt) != dir || !strings.Contains(rescued, "--resume keep") {
		t.Fatalf("rescued %q, want a store beside %s and how to resume it", rescued, path)
	}
	s, err := pager.OpenReadOnly(alt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Load("keep"); err != nil {
		t.Fatalf("the rescued snapshot: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
		t.Error("the damaged store was changed")
	}
}
