package pager_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/do86/do86/pkg/pager"
)

// mem is a fake machine memory: pages of bytes, some zero.
type mem [][]byte

// newMem makes n pages: every third zero, the rest filled from seed.
func newMem(n int, seed uint64) mem {
	r := rand.New(rand.NewPCG(seed, 1))
	m := make(mem, n)
	for i := range m {
		m[i] = make([]byte, pager.PageSize)
		if i%3 != 0 {
			for j := 0; j < pager.PageSize; j += 8 {
				binary.LittleEndian.PutUint64(m[i][j:], r.Uint64())
			}
		}
	}
	return m
}

// snapshot hashes m into a snapshot whose Data serves its pages.
func (m mem) snapshot() *pager.Snapshot {
	s := &pager.Snapshot{Devices: map[string][]byte{"pit": []byte("state")}, Core: []byte("core")}
	data := map[pager.Hash][]byte{}
	for _, p := range m {
		h := pager.HashPage(p)
		s.Memory = append(s.Memory, h)
		if h != pager.Zero {
			data[h] = p
		}
	}
	s.Data = func(h pager.Hash) []byte { return data[h] }
	return s
}

func open(t *testing.T, path string, o pager.Options) *pager.Store {
	t.Helper()
	s, err := pager.OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func usage(t *testing.T, s *pager.Store) pager.Usage {
	t.Helper()
	u, err := s.Usage()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// check loads name and compares its pages with m.
func check(t *testing.T, s *pager.Store, name string, m mem) {
	t.Helper()
	snap, err := s.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Memory) != len(m) {
		t.Fatalf("%s: %d pages, want %d", name, len(snap.Memory), len(m))
	}
	seen := 0
	err = s.ReadPages(snap.Memory, func(i int, p []byte) error {
		seen++
		if !bytes.Equal(p, m[i]) {
			t.Fatalf("%s: page %d differs", name, i)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range snap.Memory {
		if (h == pager.Zero) != pager.IsZero(m[i]) {
			t.Fatalf("%s: page %d zero mark wrong", name, i)
		}
	}
	if string(snap.Devices["pit"]) != "state" || string(snap.Core) != "core" {
		t.Fatalf("%s: state blobs lost: %q %q", name, snap.Devices, snap.Core)
	}
}

func TestSaveLoadDedupAndDelete(t *testing.T) {
	for _, compress := range []bool{false, true} {
		s := open(t, filepath.Join(t.TempDir(), "store.db"), pager.Options{Compress: compress})
		a := newMem(300, 1)
		b := newMem(300, 1)
		for i := 0; i < 50; i++ { // b shares 250 of a's pages
			b[3*i+1] = bytes.Repeat([]byte{byte(i + 1)}, pager.PageSize)
		}
		st, err := s.Save("a", a.snapshot())
		if err != nil {
			t.Fatal(err)
		}
		if st.Pages != 300 || st.ZeroPages != 100 || st.Unique != 200 || st.Written != 200 {
			t.Fatalf("compress=%v first save: %+v", compress, st)
		}
		if compress && st.WrittenBytes > 200*(pager.PageSize+1) {
			t.Fatalf("random pages stored in %d bytes: compression must keep them raw", st.WrittenBytes)
		}
		st, err = s.Save("b", b.snapshot())
		if err != nil {
			t.Fatal(err)
		}
		if st.Written != 50 {
			t.Fatalf("second snapshot wrote %d pages, want the 50 it does not share", st.Written)
		}
		if compress && st.WrittenBytes > 50*200 {
			t.Fatalf("50 constant pages took %d bytes compressed", st.WrittenBytes)
		}
		u := usage(t, s)
		if u.Snapshots != 2 || u.Pages != 250 || u.Referenced != 400 {
			t.Fatalf("usage %+v, want 2 snapshots, 250 pages, 400 references", u)
		}
		check(t, s, "a", a)
		check(t, s, "b", b)
		if err := s.Delete("a"); err != nil {
			t.Fatal(err)
		}
		if u := usage(t, s); u.Snapshots != 1 || u.Pages != 200 || u.Referenced != 200 {
			t.Fatalf("after deleting a: %+v", u)
		}
		check(t, s, "b", b)
		if _, err := s.Load("a"); !errors.Is(err, pager.ErrNotFound) {
			t.Fatalf("load of a deleted snapshot: %v", err)
		}
		if err := s.Delete("b"); err != nil {
			t.Fatal(err)
		}
		if u := usage(t, s); u.Snapshots != 0 || u.Pages != 0 || u.Bytes != 0 {
			t.Fatalf("empty store still holds %+v", u)
		}
	}
}

func TestIncrementalAndReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := open(t, path, pager.Options{})
	m := newMem(3000, 2) // 2000 non-zero pages: streamed in batches
	if st, err := s.Save("vm", m.snapshot()); err != nil || st.Written != 2000 {
		t.Fatalf("first save: %+v %v", st, err)
	}
	for i := 0; i < 20; i++ {
		m[i*100+1] = bytes.Repeat([]byte{byte(i), 0xAA}, pager.PageSize/2)
	}
	st, err := s.Save("vm2", m.snapshot())
	if err != nil || st.Written != 20 {
		t.Fatalf("incremental save wrote %d pages (%v), want 20", st.Written, err)
	}
	// Replacing vm by the new state frees the 20 pages only it had.
	if _, err := s.Save("vm", m.snapshot()); err != nil {
		t.Fatal(err)
	}
	// 6 of the changed pages were zero before: 2006 non-zero pages now.
	if u := usage(t, s); u.Snapshots != 2 || u.Pages != 2006 || u.Referenced != 4012 {
		t.Fatalf("after replacing: %+v", u)
	}
	check(t, s, "vm", m)
	infos, err := s.List()
	if err != nil || len(infos) != 2 || infos[0].Name != "vm2" || infos[1].Name != "vm" || infos[0].NonZero != 2006 {
		t.Fatalf("list: %+v %v", infos, err)
	}
	// Reopened, everything is still there.
	s.Close()
	s = open(t, path, pager.Options{})
	check(t, s, "vm2", m)
	if err := s.Verify("vm"); err != nil {
		t.Fatal(err)
	}
}

func TestDisksAndMissingData(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "store.db"), pager.Options{})
	m := newMem(10, 3)
	snap := m.snapshot()
	sectors := bytes.Repeat([]byte{7}, 3*512)
	h := pager.HashPage(sectors)
	snap.Disks = []pager.Disk{{Name: "hda", Sectors: 1000, Chunks: []pager.Chunk{{Group: 12, Mask: 0b1011, Hash: h}}}}
	data := snap.Data
	snap.Data = func(x pager.Hash) []byte {
		if x == h {
			return sectors
		}
		return data(x)
	}
	if _, err := s.Save("d", snap); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("d")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Disks) != 1 || got.Disks[0].Name != "hda" || got.Disks[0].Sectors != 1000 || got.Disks[0].Chunks[0] != snap.Disks[0].Chunks[0] {
		t.Fatalf("disks: %+v", got.Disks)
	}
	err = s.ReadPages([]pager.Hash{h}, func(_ int, p []byte) error {
		if !bytes.Equal(p, sectors) {
			t.Fatal("chunk data differs")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A snapshot whose data cannot be found is refused, and nothing of it
	// stays behind.
	bad := newMem(10, 4).snapshot()
	bad.Data = func(pager.Hash) []byte { return nil }
	if _, err := s.Save("bad", bad); err == nil {
		t.Fatal("saved a snapshot without its pages")
	}
	if _, err := s.Load("bad"); !errors.Is(err, pager.ErrNotFound) {
		t.Fatalf("the failed save left %v", err)
	}
}
