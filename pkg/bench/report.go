package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of Run: one row per figure, with every run's raw
// result kept for the JSON.
type Report struct {
	Date    string   `json:"date"`
	Host    Host     `json:"host"`
	Runs    int      `json:"runs"`
	VsNode  bool     `json:"vs_v86_node"`
	Rows    []Row    `json:"rows"`
	Notes   []string `json:"notes,omitempty"`
	Results []Result `json:"results"`
}

// Row is one figure: medians per engine and the ratios do86 / v86-node.
type Row struct {
	Group  string `json:"group"`
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// HigherIsBetter: MIPS (a ratio above 1 favours do86); otherwise times,
	// memory and CPU (a ratio below 1 favours do86).
	HigherIsBetter bool `json:"higher_is_better"`

	Do86      *Stat `json:"do86,omitempty"`
	Do86NoJIT *Stat `json:"do86_nojit,omitempty"`
	Node      *Stat `json:"v86_node,omitempty"`
	NodeNoJIT *Stat `json:"v86_node_nojit,omitempty"`
	// Ratio and RatioNoJIT are do86's median over v86-node's.
	Ratio      *float64 `json:"ratio,omitempty"`
	RatioNoJIT *float64 `json:"ratio_nojit,omitempty"`
}

// Stat summarises the successful runs of one figure.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
	Failed int     `json:"failed,omitempty"`
}

// metric is how a row is read from results.
type metric struct {
	name, unit string
	higher     bool
	value      func(Result) float64
}

func metricsFor(workload, name string) []metric {
	rss := metric{"peak RSS", "MiB", false, func(r Result) float64 { return r.PeakRSSMiB }}
	switch workload {
	case WorkLoop:
		return []metric{{name + " loop", "MIPS", true, func(r Result) float64 { return r.MIPS }}}
	case WorkDesktop, WorkSerial:
		what := map[string]string{"kolibri": "KolibriOS desktop", "linux": "Linux CD DO86-LINUX-READY"}[name]
		if what == "" {
			what = name
		}
		return []metric{
			{what, "s", false, func(r Result) float64 { return r.Seconds }},
			{"  from process start", "s", false, func(r Result) float64 { return r.Total() }},
			{"  CPU time of the boot", "s", false, func(r Result) float64 { return r.CPUSeconds }},
			rss,
		}
	case WorkIdle:
		return []metric{
			{"FreeDOS idle CPU", "%", false, func(r Result) float64 { return r.IdleCPU * 100 }},
			rss,
		}
	}
	return nil
}

// summarize fills Rows from Results, in the order the results came.
func (rep *Report) summarize() {
	type key struct{ workload, name string }
	var order []key
	seen := map[key]bool{}
	groupOf := map[string]string{WorkLoop: GroupLoops, WorkDesktop: GroupKolibri, WorkSerial: GroupLinux, WorkIdle: GroupIdle}
	for _, r := range rep.Results {
		k := key{r.Workload, r.Name}
		if !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	rep.Rows = nil
	for _, k := range order {
		for _, m := range metricsFor(k.workload, k.name) {
			row := Row{Group: groupOf[k.workload], Metric: m.name, Unit: m.unit, HigherIsBetter: m.higher}
			pick := func(engine string, jit bool) *Stat {
				var vals []float64
				failed := 0
				for _, r := range rep.Results {
					if r.Workload != k.workload || r.Name != k.name || r.Engine != engine || r.JIT != jit {
						continue
					}
					if !r.OK {
						failed++
						continue
					}
					vals = append(vals, m.value(r))
				}
				if len(vals) == 0 && failed == 0 {
					return nil
				}
				return stat(vals, failed)
			}
			row.Do86, row.Do86NoJIT = pick(EngineDo86, true), pick(EngineDo86, false)
			row.Node, row.NodeNoJIT = pick(EngineNode, true), pick(EngineNode, false)
			row.Ratio = ratio(row.Do86, row.Node)
			row.RatioNoJIT = ratio(row.Do86NoJIT, row.NodeNoJIT)
			rep.Rows = append(rep.Rows, row)
		}
	}
}

func stat(vals []float64, failed int) *Stat {
	s := &Stat{N: len(vals), Failed: failed}
	if len(vals) == 0 {
		return s
	}
	sort.Float64s(vals)
	s.Min, s.Max = vals[0], vals[len(vals)-1]
	s.Median = Median(vals)
	return s
}

// Median returns the median of vals (the mean of the middle two for an even
// count), NaN for none. vals is sorted in place.
func Median(vals []float64) float64 {
	if len(vals) == 0 {
		return math.NaN()
	}
	sort.Float64s(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

func ratio(a, b *Stat) *float64 {
	if a == nil || b == nil || a.N == 0 || b.N == 0 || b.Median == 0 {
		return nil
	}
	r := a.Median / b.Median
	return &r
}

// WriteJSON writes the report, indented, to path.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteTable prints the rows as an aligned table with the host and notes.
func (rep *Report) WriteTable(w io.Writer) error {
	h := rep.Host
	fmt.Fprintf(w, "do86 bench — %s, %d cores, %s, %s", h.CPU, h.Cores, h.OS, h.Go)
	if h.Node != "" {
		fmt.Fprintf(w, ", node %s", h.Node)
	}
	fmt.Fprintf(w, "; medians of %d run(s)\n\n", rep.Runs)
	hasNoJIT, hasNode := false, false
	for _, r := range rep.Rows {
		hasNoJIT = hasNoJIT || r.Do86NoJIT != nil || r.NodeNoJIT != nil
		hasNode = hasNode || r.Node != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	cols := []string{"figure", "unit", "do86"}
	if hasNoJIT {
		cols = append(cols, "do86 no-JIT")
	}
	if hasNode {
		cols = append(cols, "v86-node")
		if hasNoJIT {
			cols = append(cols, "v86-node no-JIT")
		}
		cols = append(cols, "do86/v86")
		if hasNoJIT {
			cols = append(cols, "no-JIT do86/v86")
		}
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	for _, r := range rep.Rows {
		cells := []string{r.Metric, r.Unit, cell(r.Do86, r.Unit)}
		if hasNoJIT {
			cells = append(cells, cell(r.Do86NoJIT, r.Unit))
		}
		if hasNode {
			cells = append(cells, cell(r.Node, r.Unit))
			if hasNoJIT {
				cells = append(cells, cell(r.NodeNoJIT, r.Unit))
			}
			cells = append(cells, ratioCell(r.Ratio))
			if hasNoJIT {
				cells = append(cells, ratioCell(r.RatioNoJIT))
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if hasNode {
		fmt.Fprintln(w, "\ndo86/v86: MIPS above 1 and seconds, MiB, CPU below 1 favour do86.")
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

func cell(s *Stat, unit string) string {
	switch {
	case s == nil:
		return ""
	case s.N == 0:
		return "failed"
	}
	prec := 2
	switch unit {
	case "MIPS", "MiB":
		prec = 0
		if s.Median < 100 {
			prec = 1
		}
	case "%":
		prec = 1
	}
	v := fmt.Sprintf("%.*f", prec, s.Median)
	if s.Failed > 0 {
		v += fmt.Sprintf(" (%d failed)", s.Failed)
	}
	return v
}

func ratioCell(r *float64) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%.2f", *r)
}
