package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/do86/do86/pkg/pager"
)

// testSnapshot makes a snapshot of n pages, the page i filled with byte
// seed+i (page 0 zero), and one changed disk chunk.
func testSnapshot(n int, seed byte) *pager.Snapshot {
	data := map[pager.Hash][]byte{}
	snap := &pager.Snapshot{Info: pager.Info{Image: "test", RAM: uint64(n) * pager.PageSize},
		Core: []byte("core"), Devices: map[string][]byte{"dev": {1, 2, seed}}}
	for i := range n {
		p := bytes.Repeat([]byte{seed + byte(i)}, pager.PageSize)
		if i == 0 {
			p = make([]byte, pager.PageSize)
		}
		h := pager.HashPage(p)
		if h != pager.Zero {
			data[h] = p
		}
		snap.Memory = append(snap.Memory, h)
	}
	chunk := bytes.Repeat([]byte("disk"), 128)
	ch := pager.HashContent(chunk)
	data[ch] = chunk
	snap.Disks = []pager.Disk{{Name: "hda", Sectors: 100, Chunks: []pager.Chunk{{Group: 1, Mask: 1, Hash: ch}}}}
	snap.Data = func(h pager.Hash) []byte { return data[h] }
	return snap
}

func newTestStore(t *testing.T) *Store {
	t.Helper()
	ns := startNATS(t)
	_, js := connect(t, ns.ClientURL())
	s, err := NewStore(context.Background(), js, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readAll(t *testing.T, s pager.SnapshotStore, hashes []pager.Hash) map[int][]byte {
	t.Helper()
	got := map[int][]byte{}
	if err := s.ReadPages(hashes, func(i int, p []byte) error { got[i] = bytes.Clone(p); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// A snapshot saved comes back whole; saving it again, or another of the
// same pages, sends no page again.
func TestStoreSaveLoadDedup(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	snap := testSnapshot(64, 1)
	st, err := s.Save("a", snap)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 64 { // 63 non-zero pages and the disk chunk
		t.Fatalf("first save wrote %d pages, want 64", st.Written)
	}
	got, err := s.Load("a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Info.Name != "a" || got.Info.Unique != 64 || string(got.Core) != "core" || len(got.Disks) != 1 || got.Disks[0].Chunks[0] != snap.Disks[0].Chunks[0] {
		t.Fatalf("loaded %+v", got.Info)
	}
	pages := readAll(t, s, got.Memory)
	if len(pages) != 63 || pages[5][0] != 6 || len(pages[5]) != pager.PageSize {
		t.Fatalf("read %d pages", len(pages))
	}
	if st, err = s.Save("a", snap); err != nil || st.Written != 0 {
		t.Fatalf("second save of a: wrote %d (%v), want 0", st.Written, err)
	}
	if st, err = s.Save("b", snap); err != nil || st.Written != 0 {
		t.Fatalf("save of b with a's pages: wrote %d (%v), want 0", st.Written, err)
	}
	if st, err = s.Save("c", testSnapshot(64, 2)); err != nil || st.Written != 1 {
		t.Fatalf("save of c, one new page: wrote %d (%v)", st.Written, err)
	}
	l, err := s.List()
	if err != nil || len(l) != 3 || l[0].Name != "a" {
		t.Fatalf("list: %v %v", l, err)
	}
	if err := s.Delete("b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("b"); !errors.Is(err, pager.ErrNotFound) {
		t.Fatalf("load of deleted: %v", err)
	}
}

// A page or manifest whose bytes do not match its hash is refused with an
// error that says so; nothing is resumed from it.
func TestStoreRefusesDamage(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	snap := testSnapshot(8, 10)
	if _, err := s.Save("x", snap); err != nil {
		t.Fatal(err)
	}
	// A page replaced by other bytes under its hash.
	victim := snap.Memory[3]
	bad := pager.EncodePage(bytes.Repeat([]byte{0xEE}, pager.PageSize), true)
	if _, err := s.js.PublishMsg(context.Background(), &nats.Msg{Subject: pageSubject(victim), Data: bad}); err != nil {
		t.Fatal(err)
	}
	err := s.ReadPages(snap.Memory, func(int, []byte) error { return nil })
	if !errors.Is(err, pager.ErrCorrupt) || !strings.Contains(err.Error(), "does not match its hash") {
		t.Fatalf("damaged page: %v", err)
	}
	// Random bytes as a page.
	s.js.PublishMsg(context.Background(), &nats.Msg{Subject: pageSubject(victim), Data: []byte{1, 2, 3}})
	if err := s.ReadPages(snap.Memory, func(int, []byte) error { return nil }); !errors.Is(err, pager.ErrCorrupt) {
		t.Fatalf("garbage page: %v", err)
	}
	// A manifest with a flipped byte.
	e, err := s.manifests.Get(context.Background(), manifestKey("x"))
	if err != nil {
		t.Fatal(err)
	}
	v := bytes.Clone(e.Value())
	v[len(v)-5] ^= 0x40
	if _, err := s.manifests.Put(context.Background(), manifestKey("x"), v); err != nil {
		t.Fatal(err)
	}
	_, err = s.Load("x")
	if !errors.Is(err, pager.ErrCorrupt) || !strings.Contains(err.Error(), "manifest") {
		t.Fatalf("damaged manifest: %v", err)
	}
	// Truncated.
	s.manifests.Put(context.Background(), manifestKey("x"), v[:10])
	if _, err = s.Load("x"); !errors.Is(err, pager.ErrCorrupt) {
		t.Fatalf("truncated manifest: %v", err)
	}
}

// A save carrying an older epoch than the manifest's is refused; Claim
// raises the epoch, fencing the former owner.
func TestStoreEpochFencing(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	snap := testSnapshot(4, 20)
	if _, err := s.Epoch(5).Save("serve/s1", snap); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Epoch(3).Save("serve/s1", snap); !errors.Is(err, ErrFenced) {
		t.Fatalf("older epoch saved: %v", err)
	}
	if _, err := s.Claim("serve/s1", 9); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Epoch(5).Save("serve/s1", snap); !errors.Is(err, ErrFenced) {
		t.Fatalf("save after a claim: %v", err)
	}
	if err := s.Epoch(5).Delete("serve/s1"); !errors.Is(err, ErrFenced) {
		t.Fatalf("delete after a claim: %v", err)
	}
	if ep, ok, err := s.ManifestEpoch("serve/s1"); err != nil || !ok || ep != 9 {
		t.Fatalf("epoch %d %v %v", ep, ok, err)
	}
	if _, err := s.Epoch(9).Save("serve/s1", snap); err != nil {
		t.Fatal(err)
	}
}

// GC deletes the pages and state objects no manifest names once older than
// the grace period, and nothing a manifest names.
func TestStoreGC(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	keep, drop := testSnapshot(16, 30), testSnapshot(16, 100)
	if _, err := s.Save("keep", keep); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save("drop", drop); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("drop"); err != nil {
		t.Fatal(err)
	}
	st, err := s.GC(context.Background(), time.Hour)
	if err != nil || st.DeletedPages != 0 {
		t.Fatalf("within the grace period: %+v %v", st, err)
	}
	time.Sleep(300 * time.Millisecond)
	st, err = s.GC(context.Background(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// drop's 15 pages of its own go (its chunk is keep's too), and its state object.
	if st.DeletedPages != 15 || st.DeletedObjects != 1 {
		t.Fatalf("gc: %+v", st)
	}
	got, err := s.Load("keep")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, s, got.Memory)
}

// Ten goroutines claim one lease: exactly one wins, the others learn the
// winner; a lease not renewed expires and is claimed again with a larger
// epoch; the former holder's renewal is then refused.
func TestLeaseClaimRaceAndExpiry(t *testing.T) {
	t.Parallel()
	ns := startNATS(t)
	_, js := connect(t, ns.ClientURL())
	ctx := context.Background()
	kv, err := openBucket(ctx, js, leaseBucket, "test", time.Second, 1)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []string
		seen = map[string]bool{}
	)
	var epoch1, rev1 uint64
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := &leases{kv: kv, node: fmt.Sprintf("n%d", i), url: "http://x"}
			won, ep, rev, owner, err := l.claim(ctx, sessionKey("s"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			if won {
				wins = append(wins, l.node)
				epoch1, rev1 = ep, rev
			}
			seen[owner.Node] = true
		}()
	}
	wg.Wait()
	if len(wins) != 1 || len(seen) != 1 || !seen[wins[0]] {
		t.Fatalf("winners %v, owners seen %v", wins, seen)
	}
	first := &leases{kv: kv, node: wins[0], url: "http://x"}
	rev, err := first.renew(ctx, sessionKey("s"), epoch1, rev1)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past the TTL, unrenewed
	other := &leases{kv: kv, node: "late", url: "http://y"}
	won, epoch2, _, _, err := other.claim(ctx, sessionKey("s"))
	if err != nil || !won || epoch2 <= epoch1 {
		t.Fatalf("claim after expiry: won %v epoch %d (first %d) %v", won, epoch2, epoch1, err)
	}
	if _, err := first.renew(ctx, sessionKey("s"), epoch1, rev); !errors.Is(err, ErrLost) {
		t.Fatalf("renewal of an expired lease: %v", err)
	}
}
