package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/do86/do86/pkg/pager"
)

// Names of what the store keeps in JetStream.
const (
	pagesStream    = "DO86_PAGES"  // one message per page, subject pagesPrefix+hex
	pagesPrefix    = "do86.pages." // + the page's sha256 in hex
	manifestBucket = "do86-manifests"
	objectBucket   = "do86-state"
	leaseBucket    = "do86-leases"
	nodeBucket     = "do86-nodes"
)

// StoreOptions configure a Store.
type StoreOptions struct {
	// Replicas is how many servers keep each stream (3 in a cluster, 1 on
	// one server). Streams that exist keep theirs.
	Replicas int
	// Grace is how old an unreferenced page or object must be before GC
	// deletes it (default 10 minutes). HasPages counts a page older than
	// half of it as missing, so that a save rewrites (refreshes) it rather
	// than refer to a page a collection running meanwhile may delete.
	Grace time.Duration
	// Timeout bounds each JetStream request (default 10 s).
	Timeout time.Duration
	// Workers is how many page requests are in flight at once (default 64).
	Workers int
	// Setup is how long New retries creating the streams while the
	// JetStream cluster elects its leaders (default 30 s).
	Setup time.Duration
}

func (o *StoreOptions) defaults() {
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.Setup <= 0 {
		o.Setup = 30 * time.Second
	}
}

// Errors of the store.
var (
	// ErrFenced: a save or delete with a lease epoch older than the one the
	// snapshot's manifest carries: another node owns the session now.
	ErrFenced = errors.New("cluster: the session's snapshot belongs to a newer owner (fenced)")
)

// Store is the snapshot store on JetStream. It is safe for concurrent use
// by many sessions and many nodes. Save and Delete through the Store itself
// carry epoch 0 (they fail once a lease owner wrote the manifest); a
// session's owner saves through Epoch.
type Store struct {
	js        jetstream.JetStream
	opts      StoreOptions
	pages     jetstream.Stream
	manifests jetstream.KeyValue
	objects   jetstream.ObjectStore

	mu    sync.Mutex
	known map[string]map[pager.Hash]struct{} // name → the pages its manifest (as this store last wrote or read it) names
}

// NewStore opens (creating where needed) the store's streams and buckets,
// retrying while the JetStream cluster has no leader yet.
func NewStore(ctx context.Context, js jetstream.JetStream, o StoreOptions) (*Store, error) {
	o.defaults()
	s := &Store{js: js, opts: o, known: map[string]map[pager.Hash]struct{}{}}
	err := retry(ctx, o.Setup, func(ctx context.Context) error {
		var err error
		if s.pages == nil {
			s.pages, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
				Name: pagesStream, Subjects: []string{pagesPrefix + "*"},
				Description:       "do86 pages: deflated 4 KiB pages and disk chunks by sha256",
				MaxMsgsPerSubject: 1, Replicas: o.Replicas, AllowDirect: true,
				Storage: jetstream.FileStorage, MaxMsgSize: 2 * pager.PageSize,
			})
			if err != nil {
				s.pages = nil
				return fmt.Errorf("pages stream: %w", err)
			}
		}
		if s.manifests == nil {
			s.manifests, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket: manifestBucket, Description: "do86 snapshot manifests",
				History: 1, Replicas: o.Replicas, Storage: jetstream.FileStorage,
			})
			if err != nil {
				s.manifests = nil
				return fmt.Errorf("manifest bucket: %w", err)
			}
		}
		if s.objects == nil {
			s.objects, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
				Bucket: objectBucket, Description: "do86 device state and disk overlays",
				Replicas: o.Replicas, Storage: jetstream.FileStorage,
			})
			if err != nil {
				s.objects = nil
				return fmt.Errorf("object bucket: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: setting up the store: %w", err)
	}
	return s, nil
}

// retry runs fn until it succeeds, ctx ends or within has passed; each try
// gets a few seconds.
func retry(ctx context.Context, within time.Duration, fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(within)
	wait := 50 * time.Millisecond
	for {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := fn(tctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

// ctx returns a context for one request.
func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.opts.Timeout)
}

// Epoch returns a view of the store whose saves and deletes carry epoch:
// refused (ErrFenced) once the manifest they would replace carries a newer
// one.
func (s *Store) Epoch(epoch uint64) pager.SnapshotStore { return epochView{s, epoch} }

type epochView struct {
	*Store
	epoch uint64
}

func (v epochView) Save(name string, snap *pager.Snapshot) (pager.Stats, error) {
	return v.Store.save(name, snap, v.epoch)
}

func (v epochView) Delete(name string) error { return v.Store.delete(name, v.epoch) }

// Save stores snap under name with epoch 0 (see Epoch).
func (s *Store) Save(name string, snap *pager.Snapshot) (pager.Stats, error) {
	return s.save(name, snap, 0)
}

// Delete removes the manifest name with epoch 0 (see Epoch); its pages and
// objects are garbage for GC.
func (s *Store) Delete(name string) error { return s.delete(name, 0) }

var (
	_ pager.SnapshotStore = (*Store)(nil)
	_ pager.PageStore     = (*Store)(nil)
)

func sortInfos(l []pager.Info) {
	sort.Slice(l, func(a, b int) bool {
		if !l[a].Created.Equal(l[b].Created) {
			return l[a].Created.Before(l[b].Created)
		}
		return l[a].Name < l[b].Name
	})
}
