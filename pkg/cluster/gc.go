package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/do86/do86/pkg/pager"
)

// Garbage collection: pages and state objects that no manifest names are
// deleted once older than the grace period, by whichever node holds the GC
// lease ("gc" in the lease bucket).
//
// Why a page a save relies on is never deleted under it: a save counts a
// page as stored only if it was stored less than Grace/2 ago (HasPages) or
// the manifest it replaces names it; otherwise it stores it again, which
// renews its time. A collection reads every manifest first and deletes only
// pages older than Grace, and stops deleting Grace/4 after it began, so a
// page a save found fresh cannot reach Grace before the collection ends
// unless the save's manifest was written before the collection read the
// manifests (and then it is named). Saves are bounded to Grace/4 as well
// (Grace is minutes; a save takes seconds).

// GCStats tell what a collection did.
type GCStats struct {
	Manifests      int // manifests read
	Pages, Objects int // stored
	DeletedPages   int
	DeletedObjects int
	Duration       time.Duration
}

// GC deletes the pages and state objects no manifest names that are older
// than grace. A manifest it cannot read stops it (its pages might be
// named there).
func (s *Store) GC(ctx context.Context, grace time.Duration) (GCStats, error) {
	var st GCStats
	t0 := time.Now()
	stopBy := t0.Add(grace / 4)
	names, err := s.names()
	if err != nil {
		return st, err
	}
	pages := map[pager.Hash]struct{}{}
	objects := map[string]struct{}{}
	for _, name := range names {
		m, _, err := s.entry(name)
		if err != nil {
			return st, fmt.Errorf("cluster: gc: %w", err)
		}
		if m == nil {
			continue
		}
		st.Manifests++
		mem, err := pager.UnpackPages(m.Memory)
		if err != nil {
			return st, fmt.Errorf("cluster: gc: snapshot %q: %w", name, err)
		}
		for _, h := range mem {
			pages[h] = struct{}{}
		}
		objects[m.State] = struct{}{}
		snap, err := s.Load(name) // the disks' chunks are in the state object
		if err != nil {
			return st, fmt.Errorf("cluster: gc: %w", err)
		}
		for _, d := range snap.Disks {
			for _, c := range d.Chunks {
				pages[c.Hash] = struct{}{}
			}
		}
	}
	var dead []uint64
	err = s.storedPages(ctx, func(h pager.Hash, seq uint64, at time.Time) {
		st.Pages++
		if _, ok := pages[h]; !ok && t0.Sub(at) > grace {
			dead = append(dead, seq)
		}
	})
	if err != nil {
		return st, fmt.Errorf("cluster: gc: listing pages: %w", err)
	}
	for _, seq := range dead {
		if time.Now().After(stopBy) {
			break
		}
		err := s.pages.DeleteMsg(ctx, seq)
		switch {
		case err == nil:
			st.DeletedPages++
		case errors.Is(err, jetstream.ErrMsgNotFound), strings.Contains(err.Error(), "no message found"):
			// replaced by a fresh copy meanwhile
		default:
			return st, fmt.Errorf("cluster: gc: deleting a page: %w", err)
		}
	}
	objs, err := s.objects.List(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoObjectsFound) {
		return st, fmt.Errorf("cluster: gc: listing objects: %w", err)
	}
	for _, o := range objs {
		st.Objects++
		if _, ok := objects[o.Name]; ok || t0.Sub(o.ModTime) <= grace || time.Now().After(stopBy) {
			continue
		}
		if err := s.objects.Delete(ctx, o.Name); err == nil {
			st.DeletedObjects++
		}
	}
	st.Duration = time.Since(t0)
	return st, nil
}
