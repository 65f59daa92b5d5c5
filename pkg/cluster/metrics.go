package cluster

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/do86/do86/pkg/display/web"
)

// metrics are what /metrics shows, in a registry of the node's own.
type metrics struct {
	reg               *prometheus.Registry
	checkpointBytes   prometheus.Counter
	checkpointSeconds prometheus.Histogram
	checkpointsFailed prometheus.Counter
	renewalsFailed    prometheus.Counter
	fenced            prometheus.Counter
	adopted           prometheus.Counter
	proxied           prometheus.Counter
	gcDeleted         prometheus.Counter
}

func newMetrics(node string) *metrics {
	labels := prometheus.Labels{"node": node}
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels})
		m.reg.MustRegister(c)
		return c
	}
	m.checkpointBytes = counter("do86_checkpoint_bytes_total", "Bytes of new pages and state objects checkpoints stored (pages the store had are not sent).")
	m.checkpointSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "do86_checkpoint_seconds",
		Help: "How long each checkpoint (or hibernation) took, hashing and storing.", ConstLabels: labels,
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)})
	m.reg.MustRegister(m.checkpointSeconds)
	m.checkpointsFailed = counter("do86_checkpoints_failed_total", "Checkpoints that failed (the previous one stays).")
	m.renewalsFailed = counter("do86_lease_renewals_failed_total", "Session lease renewals that failed.")
	m.fenced = counter("do86_sessions_fenced_total", "Sessions stopped here because their lease was lost.")
	m.adopted = counter("do86_sessions_adopted_total", "Sessions taken over from the store (hibernated elsewhere, or left by a dead node).")
	m.proxied = counter("do86_proxied_requests_total", "Requests passed on to the node owning their session.")
	m.gcDeleted = counter("do86_gc_deleted_total", "Pages and state objects garbage collection deleted.")
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// sessionCollector reads the web server's sessions at each scrape.
type sessionCollector struct {
	n                       *Node
	sessions, viewers, mips *prometheus.Desc
}

func newSessionCollector(n *Node) *sessionCollector {
	labels := prometheus.Labels{"node": n.cfg.ID}
	return &sessionCollector{n: n,
		sessions: prometheus.NewDesc("do86_sessions", "Sessions on this node by state (running, hibernated, booting, ...).", []string{"state"}, labels),
		viewers:  prometheus.NewDesc("do86_viewers", "Browsers and VNC clients watching this node's sessions.", nil, labels),
		mips:     prometheus.NewDesc("do86_guest_mips", "Guest instructions a second, in millions, summed over this node's running sessions.", nil, labels),
	}
}

func (c *sessionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sessions
	ch <- c.viewers
	ch <- c.mips
}

func (c *sessionCollector) Collect(ch chan<- prometheus.Metric) {
	if c.n.srv == nil {
		return
	}
	count := map[web.State]int{web.StateRunning: 0, web.StateHibernated: 0}
	viewers, mips := 0, 0.0
	for _, s := range c.n.srv.Sessions() {
		count[s.State]++
		viewers += s.Viewers
		mips += s.MIPS
	}
	for st, k := range count {
		ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(k), string(st))
	}
	ch <- prometheus.MustNewConstMetric(c.viewers, prometheus.GaugeValue, float64(viewers))
	ch <- prometheus.MustNewConstMetric(c.mips, prometheus.GaugeValue, mips)
}
