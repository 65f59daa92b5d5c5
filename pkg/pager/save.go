package pager

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stats tell what one Save did.
type Stats struct {
	Pages     int // memory pages in the snapshot
	ZeroPages int // of which all zero (not stored)
	Unique    int // distinct non-zero pages and disk chunks it refers to
	// Written counts the pages and chunks that were new to the store,
	// WrittenBytes their size as stored.
	Written      int
	WrittenBytes int64
	Duration     time.Duration
}

// A save with more new pages than streamThreshold writes them in
// transactions of streamBatch pages before the one that commits the
// snapshot, so that no transaction grows without bound.
const (
	streamThreshold = 2048
	streamBatch     = 4096
)

// Save stores snap under name, replacing any snapshot of that name, and
// returns what it wrote. The snapshot record and every reference count
// change are one transaction: a crash leaves either the old snapshot or the
// new one. Pages of a large save may be written in earlier transactions;
// until the last commits nothing refers to them, and a crash leaves them as
// garbage that the next write (or Open) collects. Pages the store already
// has are not written again. The save holds the store file's lock from its
// first page to its commit; other processes wait meanwhile.
func (s *Store) Save(name string, snap *Snapshot) (Stats, error) {
	t0 := time.Now()
	var st Stats
	if name == "" {
		return st, errors.New("pager: a snapshot needs a name")
	}
	if snap.Data == nil {
		return st, errors.New("pager: the snapshot has no Data to read pages from")
	}
	info, st, set := prepare(name, snap)
	rec := *snap
	rec.Info = info
	val, err := encodeRecord(&rec)
	if err != nil {
		return st, err
	}
	infoVal, err := encodeInfo(info)
	if err != nil {
		return st, err
	}
	err = s.withDB(modeCreate, "save", func(db *bolt.DB) error {
		return s.save(db, name, snap, set, val, infoVal, &st)
	})
	if err != nil {
		return st, err
	}
	st.Duration = time.Since(t0)
	return st, nil
}

// SaveInfo returns the Info a store keeps for snap saved as name (the
// counts, the format, the creation time), the Stats of a save before any
// page is written, and the distinct non-zero hashes the snapshot names.
func SaveInfo(name string, snap *Snapshot) (Info, Stats, []Hash) {
	info, st, set := prepare(name, snap)
	l := make([]Hash, 0, len(set))
	for h := range set {
		l = append(l, h)
	}
	return info, st, l
}

func prepare(name string, snap *Snapshot) (Info, Stats, map[Hash]struct{}) {
	var st Stats
	set := snap.hashes()
	st.Pages = len(snap.Memory)
	for _, h := range snap.Memory {
		if h == Zero {
			st.ZeroPages++
		}
	}
	st.Unique = len(set)
	info := snap.Info
	info.Name, info.Format = name, FormatVersion
	if info.Created.IsZero() {
		info.Created = time.Now()
	}
	info.Pages, info.NonZero, info.Unique = st.Pages, st.Pages-st.ZeroPages, st.Unique
	info.StateBytes = len(snap.Core)
	for _, b := range snap.Devices {
		info.StateBytes += len(b)
	}
	info.Bytes = 0
	if snap.Data != nil {
		for h := range set {
			info.Bytes += int64(len(snap.Data(h)))
		}
	}
	return info, st, set
}

// save writes a snapshot's new pages and then its record, holding the file
// (and its exclusive lock) from the first page to the commit.
func (s *Store) save(db *bolt.DB, name string, snap *Snapshot, set map[Hash]struct{}, val, infoVal []byte, st *Stats) error {
	var missing []Hash
	err := db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex)
		for h := range set {
			if idx.Get(h[:]) == nil {
				missing = append(missing, h)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	streamed := false
	if len(missing) > streamThreshold {
		for i := 0; i < len(missing); i += streamBatch {
			batch := missing[i:min(i+streamBatch, len(missing))]
			first := i == 0
			err := db.Update(func(tx *bolt.Tx) error {
				if first {
					if err := addPending(tx, 1); err != nil {
						return err
					}
				}
				for _, h := range batch {
					if _, err := s.putPage(tx, h, snap, st, 0); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				if !first {
					abandonStream(db)
				}
				return err
			}
			streamed = true
		}
	}

	err = db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex)
		for h := range set {
			if _, err := s.putPage(tx, h, snap, st, 1); err != nil {
				return err
			}
		}
		snaps := tx.Bucket(bucketSnaps)
		if old := snaps.Get([]byte(name)); old != nil {
			o, err := decodeRecord(old)
			if err != nil {
				return fmt.Errorf("replacing snapshot %q: %w", name, err)
			}
			for h := range o.hashes() {
				if err := release(idx, tx.Bucket(bucketData), h); err != nil {
					return err
				}
			}
		}
		if err := snaps.Put([]byte(name), val); err != nil {
			return err
		}
		if err := tx.Bucket(bucketInfo).Put([]byte(name), infoVal); err != nil {
			return err
		}
		if streamed {
			return addPending(tx, -1)
		}
		return nil
	})
	if err != nil && streamed {
		abandonStream(db)
	}
	return err
}

// putPage adds refs references to page h, writing the page first if the
// store lacks it.
func (s *Store) putPage(tx *bolt.Tx, h Hash, snap *Snapshot, st *Stats, refs uint32) (entry, error) {
	idx, data := tx.Bucket(bucketIndex), tx.Bucket(bucketData)
	e, ok, err := getEntry(idx, h)
	if err != nil {
		return e, err
	}
	if !ok {
		p := snap.Data(h)
		if p == nil {
			return e, fmt.Errorf("pager: the snapshot has no data for page %s", h)
		}
		seq, err := data.NextSequence()
		if err != nil {
			return e, err
		}
		v := s.comp.encode(p, s.opts.Compress)
		data.FillPercent = 1 // keys only grow: fill leaves
		if err := data.Put(be64(seq), v); err != nil {
			return e, err
		}
		e = entry{key: seq}
		st.Written++
		st.WrittenBytes += int64(len(v))
	} else if refs == 0 {
		return e, nil
	}
	e.refs += refs
	return e, putEntry(idx, h, e)
}

// release drops one reference to page h, deleting the page at none.
func release(idx, data *bolt.Bucket, h Hash) error {
	e, ok, err := getEntry(idx, h)
	if err != nil || !ok {
		return err
	}
	if e.refs <= 1 {
		if err := data.Delete(be64(e.key)); err != nil {
			return err
		}
		return idx.Delete(h[:])
	}
	e.refs--
	return putEntry(idx, h, e)
}

// abandonStream collects the pages of a save that streamed pages and then
// failed, and clears its mark.
func abandonStream(db *bolt.DB) {
	_, _ = collect(db, false)
	_ = db.Update(func(tx *bolt.Tx) error { return addPending(tx, -1) })
}
