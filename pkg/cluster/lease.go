package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Leases: one KV entry per session, "session.ID", holding its owner. The
// bucket's entries expire TTL after they were last written, so an owner
// renews well within TTL; the epoch is the revision of the entry that
// created the lease (revisions only grow, across every key of the bucket),
// so a later owner always has a larger epoch than an earlier one.

// leaseValue is what a lease entry holds.
type leaseValue struct {
	Node  string `json:"node"`
	URL   string `json:"url"`   // how other nodes reach the owner
	Epoch uint64 `json:"epoch"` // 0 in the entry that creates the lease: its revision is the epoch
}

// Owner is who holds a lease.
type Owner struct {
	Node, URL string
	Epoch     uint64
}

// leases is the lease bucket as one node uses it.
type leases struct {
	kv        jetstream.KeyValue
	node, url string
	timeout   time.Duration
}

// ErrLost: a lease this node held is gone or another node's.
var ErrLost = errors.New("cluster: the lease was lost")

func sessionKey(id string) string { return "session." + id }

const gcKey = "gc"

// openLeases creates (or opens) a TTL bucket.
func openBucket(ctx context.Context, js jetstream.JetStream, bucket, what string, ttl time.Duration, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if err == nil {
		return kv, nil
	}
	return js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bucket, Description: what, History: 1, TTL: ttl,
		Replicas: replicas, Storage: jetstream.FileStorage,
	})
}

// bucketTTL returns the TTL a bucket was created with (it may differ from
// this node's flag: the bucket's wins).
func bucketTTL(ctx context.Context, kv jetstream.KeyValue) (time.Duration, error) {
	st, err := kv.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.TTL(), nil
}

// get returns the owner of key (false if unowned).
func (l *leases) get(ctx context.Context, key string) (Owner, bool, error) {
	e, err := l.kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return Owner{}, false, nil
	case err != nil:
		return Owner{}, false, err
	}
	var v leaseValue
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return Owner{}, false, fmt.Errorf("cluster: lease %s is damaged: %v", key, err)
	}
	if v.Epoch == 0 {
		v.Epoch = e.Revision()
	}
	return Owner{Node: v.Node, URL: v.URL, Epoch: v.Epoch}, true, nil
}

// claim tries to create the lease key for this node: won with its epoch
// and revision, or lost with the owner that holds it.
func (l *leases) claim(ctx context.Context, key string) (won bool, epoch, rev uint64, owner Owner, err error) {
	v, _ := json.Marshal(leaseValue{Node: l.node, URL: l.url})
	rev, err = l.kv.Create(ctx, key, v)
	if err == nil {
		return true, rev, rev, Owner{Node: l.node, URL: l.url, Epoch: rev}, nil
	}
	// Taken (or a failure): whoever holds it now.
	o, ok, gerr := l.get(ctx, key)
	switch {
	case gerr != nil:
		return false, 0, 0, Owner{}, fmt.Errorf("cluster: claiming %s: %w", key, err)
	case !ok:
		return false, 0, 0, Owner{}, fmt.Errorf("cluster: claiming %s: %w", key, err)
	}
	return false, 0, 0, o, nil
}

// renew rewrites this node's lease key (revision rev), keeping epoch: the
// new revision, or ErrLost if the entry is no longer the one this node
// wrote.
func (l *leases) renew(ctx context.Context, key string, epoch, rev uint64) (uint64, error) {
	v, _ := json.Marshal(leaseValue{Node: l.node, URL: l.url, Epoch: epoch})
	nrev, err := l.kv.Update(ctx, key, v, rev)
	if err == nil {
		return nrev, nil
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, fmt.Errorf("%w: %v", ErrLost, err)
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == 10164) {
		return 0, fmt.Errorf("%w: %v", ErrLost, err)
	}
	return 0, err
}

// release deletes this node's lease key (revision rev), if it still is.
func (l *leases) release(ctx context.Context, key string, rev uint64) error {
	return l.kv.Delete(ctx, key, jetstream.LastRevision(rev))
}
