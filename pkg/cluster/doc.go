// Package cluster runs do86 serve on several machines over NATS JetStream:
// a session lives on exactly one node at a time, any node resumes any
// hibernated session, a browser may connect to any node, and a dead node's
// sessions come back elsewhere from their last checkpoint.
//
//   - Store: the snapshot store on JetStream (pager.SnapshotStore and
//     pager.PageStore). Pages are content-addressed messages of one stream
//     (one subject per page, so storing a page twice keeps one), deflated,
//     replicated; device state and disk overlays are objects of an Object
//     Store bucket; snapshot manifests are KV entries written
//     compare-and-swap, carrying their owner's lease epoch and their own
//     sha256.
//   - Leases: one KV entry per session (owner node, address, epoch) in a
//     bucket whose entries expire after the lease TTL unless renewed; the
//     epoch is the revision of the entry that created the lease, so it only
//     grows. A node that cannot renew stops the session's machine at once.
//   - Registry: nodes advertise their address and load in a KV bucket with
//     the same TTL.
//   - Node: all of that behind an http.Handler in front of the web server
//     (pkg/display/web): requests for a session another node owns are
//     proxied to it (WebSockets included), an unowned session is claimed by
//     the node that got the request; periodic checkpoints, garbage
//     collection under a GC lease, /healthz, /readyz and /metrics.
//
// Just enough for do86 serve: no multi-tenant accounts, no placement beyond
// "whoever got the request, else the least loaded node for new sessions",
// and no migration of a running session other than by its checkpoint.
package cluster
