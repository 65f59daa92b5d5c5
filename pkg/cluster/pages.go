package cluster

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/do86/do86/pkg/pager"
)

// Pages: one message per page on subject do86.pages.<sha256 hex>, the page
// deflated (pager.EncodePage). The stream keeps one message per subject, so
// storing a page again replaces it with the same bytes (and a fresh time,
// which GC's grace period reads). Pages are fetched by direct get, which
// any replica answers, many at once.

func pageSubject(h pager.Hash) string { return pagesPrefix + hex.EncodeToString(h[:]) }

// parallel runs fn(i) for i in [0, n) on the store's workers and returns
// the first error.
func (s *Store) parallel(n int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
		stop  = make(chan struct{})
	)
	for range min(s.opts.Workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; close(stop) })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-stop:
			break feed
		}
	}
	close(next)
	wg.Wait()
	return first
}

// getPage fetches the stored value of page h (nil, nil if the store lacks
// it) and when it was stored.
func (s *Store) getPage(h pager.Hash) ([]byte, time.Time, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	m, err := s.pages.GetLastMsgForSubject(ctx, pageSubject(h))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, time.Time{}, nil
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("cluster: page %s: %w", h, err)
	}
	return m.Data, m.Time, nil
}

// HasPages reports which pages the store has, fresh enough to be relied on
// (stored less than half the grace period ago, or named by the manifest
// this store last wrote for a snapshot: see known).
func (s *Store) HasPages(hashes []pager.Hash) ([]bool, error) {
	out := make([]bool, len(hashes))
	err := s.parallel(len(hashes), func(i int) error {
		if hashes[i] == pager.Zero {
			out[i] = true
			return nil
		}
		v, at, err := s.getPage(hashes[i])
		out[i] = err == nil && v != nil && time.Since(at) < s.opts.Grace/2
		return err
	})
	return out, err
}

// PutPages stores pages, deflated, each once (a page stored again replaces
// its copy). Every page is checked against its hash first.
func (s *Store) PutPages(pages []pager.Page) (pager.PutStats, error) {
	var ps pager.PutStats
	if len(pages) == 0 {
		return ps, nil
	}
	futures := make([]jetstream.PubAckFuture, 0, len(pages))
	for _, p := range pages {
		if p.Hash == pager.Zero {
			continue
		}
		if len(p.Data) > pager.PageSize || pager.HashContent(p.Data) != p.Hash {
			return ps, fmt.Errorf("cluster: page %s does not match its hash: not stored", p.Hash)
		}
		v := pager.EncodePage(p.Data, true)
		f, err := s.js.PublishMsgAsync(&nats.Msg{Subject: pageSubject(p.Hash), Data: v})
		if err != nil {
			return ps, fmt.Errorf("cluster: storing page %s: %w", p.Hash, err)
		}
		futures = append(futures, f)
		ps.Written++
		ps.WrittenBytes += int64(len(v))
	}
	timeout := time.NewTimer(s.opts.Timeout + time.Duration(len(futures))*time.Millisecond)
	defer timeout.Stop()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return ps, fmt.Errorf("cluster: storing page: %w", err)
		case <-timeout.C:
			return ps, errors.New("cluster: storing pages: no acknowledgement in time")
		}
	}
	return ps, nil
}

// ReadPages calls fn with the bytes of every non-zero page of hashes, in
// order. The pages are fetched many at once and each is checked against
// its hash: a missing page or one that does not match is an error wrapping
// pager.ErrCorrupt, and fn never sees it.
func (s *Store) ReadPages(hashes []pager.Hash, fn func(i int, p []byte) error) error {
	const window = 4096 // pages fetched ahead of fn
	for base := 0; base < len(hashes); base += window {
		part := hashes[base:min(base+window, len(hashes))]
		got := make([][]byte, len(part))
		err := s.parallel(len(part), func(i int) error {
			h := part[i]
			if h == pager.Zero {
				return nil
			}
			v, _, err := s.getPage(h)
			if err != nil {
				return err
			}
			if v == nil {
				return fmt.Errorf("%w: page %s is missing from the cluster store", pager.ErrCorrupt, h)
			}
			p, err := pager.DecodePage(v, h)
			if err != nil {
				return err
			}
			got[i] = p
			return nil
		})
		if err != nil {
			return err
		}
		for i, p := range got {
			if part[i] == pager.Zero {
				continue
			}
			if err := fn(base+i, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// storedPages lists every page the store holds: its hash, its message's
// sequence and when it was stored (for GC), reading headers only.
func (s *Store) storedPages(ctx context.Context, fn func(h pager.Hash, seq uint64, at time.Time)) error {
	info, err := s.pages.Info(ctx)
	if err != nil {
		return err
	}
	if info.State.Msgs == 0 {
		return nil
	}
	c, err := s.pages.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{HeadersOnly: true})
	if err != nil {
		return err
	}
	last := info.State.LastSeq
	for {
		batch, err := c.Fetch(1000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			var h pager.Hash
			if b, err := hex.DecodeString(m.Subject()[len(pagesPrefix):]); err == nil && len(b) == len(h) {
				copy(h[:], b)
				fn(h, md.Sequence.Stream, md.Timestamp)
			}
			if md.Sequence.Stream >= last {
				return nil
			}
		}
		if err := batch.Error(); err != nil {
			return err
		}
		if n == 0 { // the last message was deleted meanwhile
			return ctx.Err()
		}
	}
}
